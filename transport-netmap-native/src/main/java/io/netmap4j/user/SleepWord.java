package io.netmap4j.user;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * A word in shared memory that says which registrations of a port sleep, and for what: two
 * bits per registration j ({@link #WANT_RX} and {@link #WANT_TX}, shifted left by 2j), so that
 * each registration announces and clears its own sleep with an atomic or/and without touching
 * the others', and a waker reads them all at once.
 *
 * <p>The handshake that makes a wake-up never lost: the sleeper sets its bits (an atomic
 * read-modify-write, a full barrier), then looks once more at the indices it waits on; the waker
 * publishes its index (a release store), makes a full fence, then reads the word. Either the
 * waker sees the bits and rings, or the sleeper sees the new index and does not sleep. While
 * nobody sleeps, waking costs one plain load.
 *
 * <p>Public only for the backend's sub-packages; not an API.
 */
public final class SleepWord {
    /** Wants frames to read. */
    public static final int WANT_RX = 1;
    /** Wants room to send. */
    public static final int WANT_TX = 2;
    /** Registrations one word has room for. */
    public static final int MAX_REGISTRATIONS = 16;

    private static final VarHandle INT = JAVA_INT.varHandle();
    private static final int RX_BITS = 0x55555555;
    private static final int TX_BITS = RX_BITS << 1;

    private SleepWord() { }

    /** Registration {@code registration} is about to sleep waiting for {@code want}. */
    public static void announce(MemorySegment mem, long word, int registration, int want) {
        INT.getAndBitwiseOr(mem, word, (want & (WANT_RX | WANT_TX)) << 2 * registration);
    }

    /** Registration {@code registration} is awake again: nobody need ring it. */
    public static void clear(MemorySegment mem, long word, int registration) {
        INT.getAndBitwiseAnd(mem, word, ~((WANT_RX | WANT_TX) << 2 * registration));
    }

    /**
     * Rings every registration of the word at {@code word} that sleeps waiting for {@code what};
     * registration j is doorbell {@code firstDoorbell + j} of {@code bell}. Call right after the
     * release store of the index those sleepers wait on.
     */
    public static void wake(MemorySegment mem, long word, int what, Doorbell bell, int firstDoorbell) {
        VarHandle.fullFence(); // StoreLoad: our index before their bits (see the class comment)
        int sleep = (int) INT.getVolatile(mem, word);
        int hit = sleep & (what == WANT_RX ? RX_BITS : TX_BITS);
        if (hit != 0) {
            wakeSleepers(mem, word, hit, bell, firstDoorbell);
        }
    }

    /**
     * Clears the sleep bits of the registrations in {@code hit} with one atomic and, then rings
     * each of them whose bits were still set: those it took from a sleeper. Clearing the bits
     * means one sleep costs the waker at most one write(2), however many batches follow. A
     * registration that meanwhile woke and slept again for the other reason loses that bit too,
     * and is rung for it: a wake-up too many is harmless, one too few is not.
     */
    private static void wakeSleepers(MemorySegment mem, long word, int hit, Doorbell bell, int firstDoorbell) {
        int regs = (hit | hit >>> 1) & RX_BITS; // bit 2j for each registration j hit
        int both = regs | regs << 1;
        int before = (int) INT.getAndBitwiseAnd(mem, word, ~both);
        int taken = before & both;
        for (int j = 0; taken != 0; j++, taken >>>= 2) {
            if ((taken & (WANT_RX | WANT_TX)) != 0) {
                bell.ringPeer(firstDoorbell + j);
            }
        }
    }
}

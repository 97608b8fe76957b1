package io.netmap4j.user;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Sixteen bytes in a port's shared memory where one registration says how it wants to be woken
 * when its peer takes its sleep bits: marked as member {@code MEMBER} of the {@link ReadyBoard}
 * {@code BOARD}, or, when {@code BOARD} is 0, through its own doorbell FIFO. Written only by the
 * registration, while it is not announced as sleeping (so before the atomic update of the sleep
 * word that publishes it); read by the waker after it took the bits.
 *
 * <p>A port kind joins ready boards by giving each registration one of these and by letting its
 * {@link Doorbell} know where the peers' ones are (see {@link Doorbell#lazy}).
 *
 * <p>The slot is shared memory: a waker uses what it reads only to pick a board (validated
 * when mapped: file, size, magic, version) and a member number (checked against the board's
 * capacity); a slot that names nothing usable falls back to the FIFO.
 *
 * <p>Public only for the backend's sub-packages; not an API.
 */
public final class WaiterSlot {
    /** Bytes of a slot (public for the backend's sub-packages, which place them). */
    public static final long SIZE = 16;
    static final long BOARD = 0;
    static final long MEMBER = 8;

    private static final VarHandle LONG = JAVA_LONG.varHandle();
    private static final VarHandle INT = JAVA_INT.varHandle();

    private WaiterSlot() { }

    /** Asks to be marked as {@code member} of board {@code boardId}. */
    static void join(MemorySegment mem, long slot, long boardId, int member) {
        INT.setRelease(mem, slot + MEMBER, member);
        LONG.setRelease(mem, slot + BOARD, boardId);
    }

    /** Asks to be rung through the doorbell FIFO again. */
    static void leave(MemorySegment mem, long slot) {
        LONG.setRelease(mem, slot + BOARD, 0L);
    }

    static long board(MemorySegment mem, long slot) {
        return (long) LONG.getAcquire(mem, slot + BOARD);
    }

    static int member(MemorySegment mem, long slot) {
        return (int) INT.getAcquire(mem, slot + MEMBER);
    }
}

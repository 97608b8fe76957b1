package io.netmap4j.user;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A lock in shared memory between threads and processes, for the short critical sections of the
 * data path: a VALE sender filling a port's RX ring, a port filling its monitor's ring. It is one
 * 64-bit word: 0 when free, else a token that names the holder (what the token means is up to the
 * caller, see {@link Holders}).
 *
 * <p>A process can die holding it, and the kernel does not release memory words the way it
 * releases file locks. So a waiter spins a little, then yields, and every
 * {@link #CHECK_NANOS} asks whether the holder still lives; it takes the lock from a dead holder
 * with a compare-and-set, so of several waiters only one does. A holder killed in the middle of
 * its work stalls the others for about a millisecond. (What the dead holder left half done must
 * be harmless to the next one: the users of this lock publish their work with an index stored
 * only at the end.)
 *
 * <p>Acquiring is a volatile compare-and-set and releasing another, so what the holder wrote is
 * visible to the next holder. Not reentrant.
 *
 * <p>Public only for the backend's sub-packages; not an API.
 */
public final class SharedLock {
    /** How often a waiter asks whether the holder lives. */
    public static final long CHECK_NANOS = 1_000_000L;
    private static final VarHandle LONG = JAVA_LONG.varHandle();
    private static final int SPINS = 200;

    /** Tells whether the holder a token names is alive. */
    @FunctionalInterface
    public interface Holders {
        /**
         * True if the holder named by {@code token} is alive: a waiter must not take the lock.
         * May make a system call; called at most every {@link #CHECK_NANOS} per waiter.
         */
        boolean isAlive(long token);
    }

    private SharedLock() { }

    /** Takes the lock at {@code offset} if it is free. */
    public static boolean tryLock(MemorySegment mem, long offset, long token) {
        return LONG.compareAndSet(mem, offset, 0L, token);
    }

    /**
     * Takes the lock at {@code offset} for {@code token} (never 0), waiting while a live holder
     * has it and taking it from a dead one.
     */
    public static void lock(MemorySegment mem, long offset, long token, Holders holders) {
        if (!LONG.compareAndSet(mem, offset, 0L, token)) {
            await(mem, offset, token, holders);
        }
    }

    /** Releases the lock if {@code token} holds it. */
    public static void unlock(MemorySegment mem, long offset, long token) {
        LONG.compareAndSet(mem, offset, token, 0L);
    }

    /**
     * Waits until nobody holds the lock (clearing it if its holder is dead), without taking it:
     * for one who has already made sure, by other means, that nobody who takes it from now on
     * will touch what it protects (a port marked as going away, for example).
     */
    public static void awaitFree(MemorySegment mem, long offset, Holders holders) {
        await(mem, offset, 0L, holders);
    }

    /**
     * Spins, then yields, until the lock is free, asking every {@link #CHECK_NANOS} whether its
     * holder lives; a dead holder's token is replaced by {@code token} (0 to only clear it). With
     * a token, returns holding the lock; without, returns once it was seen free.
     */
    private static void await(MemorySegment mem, long offset, long token, Holders holders) {
        long nextCheck = System.nanoTime() + CHECK_NANOS;
        for (int i = 0; ; i++) {
            long holder = (long) LONG.getVolatile(mem, offset);
            if (holder == 0) {
                if (token == 0 || LONG.compareAndSet(mem, offset, 0L, token)) {
                    return;
                }
                continue;
            }
            if (i < SPINS) {
                Thread.onSpinWait();
                continue;
            }
            Thread.yield();
            long now = System.nanoTime();
            if (now - nextCheck >= 0) {
                nextCheck = now + CHECK_NANOS;
                if (!holders.isAlive(holder) && LONG.compareAndSet(mem, offset, holder, token) && token != 0) {
                    return; // taken from a dead holder
                }
            }
        }
    }

    /** The token holding the lock now, 0 if free (for diagnostics and tests). */
    public static long holder(MemorySegment mem, long offset) {
        return (long) LONG.getVolatile(mem, offset);
    }
}

package io.netmap4j.user;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

import static io.netmap4j.user.PipeLayout.*;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * Notices that the process at the other end of a pipe died. Every registration of an end holds
 * a byte-range lock on the region file; the kernel drops it when the process dies, but the end
 * still says "open" in shared memory, since nobody closed it. Looking costs one fcntl, so it is
 * done at most every {@link #INTERVAL_NANOS}, and only while this end waits for the peer (a
 * sync that made no progress, or a poll about to sleep): a pair that is streaming makes no
 * system call for it.
 */
final class PeerWatch {
    static final long INTERVAL_NANOS = 200_000_000L;
    private static final VarHandle INT = JAVA_INT.varHandle();

    private final RegionFile file;
    private final MemorySegment mem;
    private final long peerState;
    private final long peerGen;
    private final long peerLocks;
    private long nextCheck;
    private boolean gone;

    PeerWatch(RegionFile file, int pair, int peerEnd) {
        this.file = file;
        this.mem = file.mem();
        this.peerState = endState(pair, peerEnd);
        this.peerGen = endGen(pair, peerEnd);
        this.peerLocks = endLockBytes(pair, peerEnd);
        this.nextCheck = System.nanoTime() + INTERVAL_NANOS;
    }

    /** True once the peer was found dead; stays true. */
    boolean isGone() {
        return gone;
    }

    /** Looks at the peer if the last look is older than the interval; true if it is gone. */
    boolean checkIfDue() {
        if (gone) {
            return true;
        }
        long now = System.nanoTime();
        if (now - nextCheck < 0) {
            return false;
        }
        nextCheck = now + INTERVAL_NANOS;
        return check();
    }

    /**
     * The peer is dead when it says it is open but holds no lock. The state and generation are
     * read (acquire) before and after the lock test, so that a peer that closes or reopens at
     * that moment is not mistaken for a dead one: a closer writes "closed" before it drops its
     * lock, an opener takes its lock before it writes "open".
     */
    boolean check() {
        if (gone) {
            return true;
        }
        int s1 = (int) INT.getAcquire(mem, peerState);
        int g1 = (int) INT.getAcquire(mem, peerGen);
        if (s1 != END_OPEN || file.heldByOthers(peerLocks, NIFS_PER_END)) {
            return false;
        }
        int s2 = (int) INT.getAcquire(mem, peerState);
        int g2 = (int) INT.getAcquire(mem, peerGen);
        gone = s2 == END_OPEN && g1 == g2;
        return gone;
    }
}

package io.netmap4j.user.vale;

import io.netmap4j.user.RegionFile;
import io.netmap4j.user.SharedLock;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

import static io.netmap4j.user.vale.SwitchLayout.*;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * The tokens that the holders of a switch's {@link SharedLock}s write into them, and how a
 * waiter tells whether the holder lives. A token names a registration or monitor slot of a port
 * by its lock byte and the slot's open generation; its holder is alive while the generation is
 * still the slot's and somebody holds the byte (the kernel drops the byte when its process
 * dies). The generation makes a token left by a dead process never name whoever opens that slot
 * later.
 */
final class LockTokens implements SharedLock.Holders {
    private static final VarHandle INT = JAVA_INT.varHandle();

    private final RegionFile file;
    private final MemorySegment mem;
    private final long mine;

    /** The liveness test of the holder {@code mine}, which asks through {@code file}. */
    LockTokens(RegionFile file, long mine) {
        this.file = file;
        this.mem = file.mem();
        this.mine = mine;
    }

    static long registration(int port, int registration, int gen) {
        return (registrationLockByte(port, registration) + 1) << 32 | Integer.toUnsignedLong(gen);
    }

    static long monitor(int port, int monitor, int gen) {
        return (monitorLockByte(port, monitor) + 1) << 32 | Integer.toUnsignedLong(gen);
    }

    /** This holder's own token. */
    long mine() {
        return mine;
    }

    @Override
    public boolean isAlive(long token) {
        if (token == mine) {
            return true; // ourselves, on another thread: our byte lock does not conflict with us
        }
        long lockByte = (token >>> 32) - 1;
        long genField;
        if (lockByte >= 0 && lockByte < EXCLUSIVE_LOCKS) {
            genField = H_REG_GENS + 4 * lockByte;
        } else if (lockByte >= MONITOR_LOCKS && lockByte < LOCK_RANGE) {
            genField = H_MONITOR_GENS + 4 * (lockByte - MONITOR_LOCKS);
        } else {
            return false; // not a token of this layout: whoever wrote it broke the protocol
        }
        if ((int) INT.getAcquire(mem, genField) != (int) token) {
            return false; // the slot was closed (and maybe opened again) since
        }
        return file.heldByOthers(lockByte, 1);
    }
}

package io.netmap4j.user;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.util.function.LongUnaryOperator;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * The tokens that holders of a {@link SharedLock} write into it, and how a waiter tells whether
 * the holder lives. A token names a registration (or monitor) by the byte lock it holds in the
 * shared file and the open generation of that slot; its holder is alive while the generation is
 * still the slot's and somebody holds the byte (the kernel drops the byte when the process
 * dies). The generation makes a token left by a dead process never name whoever opens that slot
 * later. Public only for the backend's sub-packages; not an API.
 */
public final class LockTokens implements SharedLock.Holders {
    private static final VarHandle INT = JAVA_INT.varHandle();

    private final RegionFile file;
    private final MemorySegment mem;
    private final long mine;
    private final LongUnaryOperator genField;

    /**
     * The liveness test of the holder {@code mine} (0 for a waiter that holds nothing), which asks
     * through {@code file}; {@code genField} gives the offset of the generation of the slot whose
     * byte lock is its argument, or -1 for a byte that no holder uses.
     */
    public LockTokens(RegionFile file, long mine, LongUnaryOperator genField) {
        this.file = file;
        this.mem = file.mem();
        this.mine = mine;
        this.genField = genField;
    }

    /** The token of the holder of byte lock {@code lockByte} whose slot has generation {@code gen}. */
    public static long token(long lockByte, int gen) {
        return (lockByte + 1) << 32 | Integer.toUnsignedLong(gen);
    }

    /** This holder's own token. */
    public long mine() {
        return mine;
    }

    @Override
    public boolean isAlive(long token) {
        if (token == mine) {
            return true; // ourselves, on another thread: our byte lock does not conflict with us
        }
        long lockByte = (token >>> 32) - 1;
        long field = lockByte < 0 ? -1 : genField.applyAsLong(lockByte);
        if (field < 0) {
            return false; // not a token of this layout: whoever wrote it broke the protocol
        }
        if ((int) INT.getAcquire(mem, field) != (int) token) {
            return false; // the slot was closed (and maybe opened again) since
        }
        return file.heldByOthers(lockByte, 1);
    }
}

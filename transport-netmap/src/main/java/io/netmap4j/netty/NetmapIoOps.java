package io.netmap4j.netty;

import io.netty.channel.IoOps;

import static io.netmap4j.abi.NetmapConstants.POLLIN;
import static io.netmap4j.abi.NetmapConstants.POLLOUT;

/**
 * The readiness a {@link NetmapIoHandle} waits for: {@link #READ} (a frame arrived on an RX ring),
 * {@link #WRITE} (a TX ring has room again), both, or {@link #NONE}. The four values are
 * constants, so changing interest never allocates.
 */
public final class NetmapIoOps implements IoOps {
    public static final NetmapIoOps NONE = new NetmapIoOps(0);
    public static final NetmapIoOps READ = new NetmapIoOps(POLLIN);
    public static final NetmapIoOps WRITE = new NetmapIoOps(POLLOUT);
    public static final NetmapIoOps READ_AND_WRITE = new NetmapIoOps(POLLIN | POLLOUT);

    private static final NetmapIoOps[] ALL = {NONE, READ, null, null, WRITE, READ_AND_WRITE};

    private final int value;

    private NetmapIoOps(int value) {
        this.value = value;
    }

    /**
     * The ops for a mask of {@code POLLIN} and {@code POLLOUT}.
     *
     * @throws IllegalArgumentException if the mask holds any other bit
     */
    public static NetmapIoOps valueOf(int pollMask) {
        if ((pollMask & ~(POLLIN | POLLOUT)) != 0) {
            throw new IllegalArgumentException("netmap ports can only wait for POLLIN and POLLOUT, not 0x"
                    + Integer.toHexString(pollMask));
        }
        return ALL[pollMask];
    }

    /** The poll(2) mask: {@code POLLIN}, {@code POLLOUT} or both. */
    public int value() {
        return value;
    }

    public boolean contains(NetmapIoOps ops) {
        return (value & ops.value) == ops.value;
    }

    public NetmapIoOps with(NetmapIoOps ops) {
        return ALL[value | ops.value];
    }

    public NetmapIoOps without(NetmapIoOps ops) {
        return ALL[value & ~ops.value];
    }

    @Override
    public String toString() {
        return switch (value) {
            case 0 -> "NONE";
            case POLLIN -> "READ";
            case POLLOUT -> "WRITE";
            default -> "READ_AND_WRITE";
        };
    }
}

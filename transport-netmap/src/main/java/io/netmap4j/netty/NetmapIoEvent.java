package io.netmap4j.netty;

import io.netty.channel.IoEvent;

import static io.netmap4j.abi.NetmapConstants.POLLERR;
import static io.netmap4j.abi.NetmapConstants.POLLHUP;
import static io.netmap4j.abi.NetmapConstants.POLLIN;
import static io.netmap4j.abi.NetmapConstants.POLLNVAL;
import static io.netmap4j.abi.NetmapConstants.POLLOUT;

/**
 * What {@link NetmapIoHandler} found ready on a port: a mask of {@code POLLIN}, {@code POLLOUT},
 * {@code POLLERR}, {@code POLLHUP} and {@code POLLNVAL}. Every possible mask is a pre-built
 * constant, so dispatching an event allocates nothing.
 */
public final class NetmapIoEvent implements IoEvent {
    private static final int MASK = POLLIN | POLLOUT | POLLERR | POLLHUP | POLLNVAL;
    private static final NetmapIoEvent[] EVENTS = new NetmapIoEvent[MASK + 1];

    static {
        for (int i = 0; i <= MASK; i++) {
            EVENTS[i] = new NetmapIoEvent(i & MASK);
        }
    }

    private final int readyOps;

    private NetmapIoEvent(int readyOps) {
        this.readyOps = readyOps;
    }

    /** The event for a poll(2) mask; bits other than the five above are dropped. */
    public static NetmapIoEvent of(int pollMask) {
        return EVENTS[pollMask & MASK];
    }

    /** The ready mask (poll(2) bits). */
    public int readyOps() {
        return readyOps;
    }

    /** A frame can be read (or an error is pending, which a read will surface). */
    public boolean isReadable() {
        return (readyOps & (POLLIN | POLLERR | POLLHUP)) != 0;
    }

    /** A TX ring has room (or an error is pending, which a write will surface). */
    public boolean isWritable() {
        return (readyOps & (POLLOUT | POLLERR)) != 0;
    }

    /** The port is broken, its peer is gone, or its descriptor is no longer valid. */
    public boolean isError() {
        return (readyOps & (POLLERR | POLLHUP | POLLNVAL)) != 0;
    }

    @Override
    public String toString() {
        return "NetmapIoEvent(0x" + Integer.toHexString(readyOps) + ")";
    }
}

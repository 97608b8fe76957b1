package io.netmap4j.netty;

/**
 * Settings of a {@link NetmapIoHandler}, fixed when the factory is made.
 *
 * <p>{@linkplain #setBusyPoll(boolean) Busy polling} trades a core for latency: the loop never
 * sleeps in poll(2), it syncs its ports on every iteration. A user-space pipe pair then makes no
 * system call at all while frames flow (the peer never has to be woken); kernel ports make one
 * non-blocking poll(2) per iteration.
 */
public final class NetmapIoHandlerConfig {
    private boolean busyPoll;

    public boolean isBusyPoll() {
        return busyPoll;
    }

    /** Never block in poll(2); spin over the ports instead. Off by default. */
    public NetmapIoHandlerConfig setBusyPoll(boolean busyPoll) {
        this.busyPoll = busyPoll;
        return this;
    }

    NetmapIoHandlerConfig copy() {
        return new NetmapIoHandlerConfig().setBusyPoll(busyPoll);
    }

    @Override
    public String toString() {
        return "NetmapIoHandlerConfig(busyPoll=" + busyPoll + ")";
    }
}

package io.netmap4j.netty;

/**
 * Settings of a {@link NetmapIoHandler}, fixed when the factory is made.
 *
 * <p>{@linkplain #setBusyPoll(boolean) Busy polling} trades a core for latency: the loop never
 * sleeps in poll(2), it syncs its ports on every iteration. A user-space pipe pair then makes no
 * system call at all while frames flow (the peer never has to be woken); kernel ports make one
 * non-blocking poll(2) per iteration.
 *
 * <p>Without busy polling, a loop that just had I/O still {@linkplain #setSpinNanos(long) spins}
 * for a short while before it sleeps. Two loops that feed each other through a pipe otherwise
 * fall into a ping-pong: the sender fills the ring and sleeps at once because the receiver has not
 * yet given any slot back, so every batch costs the receiver a wake-up write(2) and the sender a
 * blocking poll(2) and a scheduler wake-up, which can cut the rate to a third.
 */
public final class NetmapIoHandlerConfig {
    /** Default of {@link #setSpinNanos}: longer than a loop takes for one batch of a few hundred frames. */
    public static final long DEFAULT_SPIN_NANOS = 50_000;

    private boolean busyPoll;
    private long spinNanos = DEFAULT_SPIN_NANOS;
    private long sweepLooksPerSecond = NetmapIoHandler.SWEEP_LOOKS_PER_SECOND;

    public boolean isBusyPoll() {
        return busyPoll;
    }

    /** Never block in poll(2); spin over the ports instead. Off by default. */
    public NetmapIoHandlerConfig setBusyPoll(boolean busyPoll) {
        this.busyPoll = busyPoll;
        return this;
    }

    public long getSpinNanos() {
        return spinNanos;
    }

    /**
     * How long a loop keeps polling its ports without sleeping after its last I/O, in nanoseconds
     * ({@value #DEFAULT_SPIN_NANOS} by default; 0 sleeps as soon as nothing is ready). It costs at
     * most this much CPU time each time traffic stops, and saves the peer's wake-up system calls
     * while traffic flows. Ignored when busy polling.
     *
     * @throws IllegalArgumentException if negative
     */
    public NetmapIoHandlerConfig setSpinNanos(long spinNanos) {
        if (spinNanos < 0) {
            throw new IllegalArgumentException("spinNanos must be 0 or more (0 disables spinning), not " + spinNanos);
        }
        this.spinNanos = spinNanos;
        return this;
    }

    /** How many armed ports the loop's sweep may look at per second; 0 switches the sweep off (tests). */
    long sweepLooksPerSecond() {
        return sweepLooksPerSecond;
    }

    NetmapIoHandlerConfig sweepLooksPerSecond(long looks) {
        this.sweepLooksPerSecond = looks;
        return this;
    }

    NetmapIoHandlerConfig copy() {
        return new NetmapIoHandlerConfig().setBusyPoll(busyPoll).setSpinNanos(spinNanos)
                .sweepLooksPerSecond(sweepLooksPerSecond);
    }

    @Override
    public String toString() {
        return "NetmapIoHandlerConfig(busyPoll=" + busyPoll + ", spinNanos=" + spinNanos + ")";
    }
}

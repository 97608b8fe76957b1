package io.netmap4j.netty;

/**
 * A {@link NetmapChannel} seen through JMX ({@link NetmapJmx#register}): its port, whether it is
 * open, and the counters of {@link NetmapChannelCounters}, each read from a fresh snapshot.
 */
public interface NetmapChannelMXBean {
    /** The port name the channel is bound to. */
    String getPort();

    boolean isOpen();

    /** All counters at once, as one consistent snapshot. */
    NetmapChannelCounters getCounters();

    long getRxFrames();

    long getRxBytes();

    long getTxFrames();

    long getTxBytes();

    /** Drops and refusals of every cause, added up (see {@link #getCounters()} for each cause). */
    long getDroppedFrames();
}

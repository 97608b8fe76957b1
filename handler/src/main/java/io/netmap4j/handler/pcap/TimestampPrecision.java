package io.netmap4j.handler.pcap;

/** The unit of a pcap file's record timestamps, told by its magic number. */
public enum TimestampPrecision {
    /** Classic pcap, what tcpdump writes by default. */
    MICROS(PcapFormat.MAGIC_MICROS, 1000),
    /** tcpdump {@code --time-stamp-precision=nano}. */
    NANOS(PcapFormat.MAGIC_NANOS, 1);

    final int magic;
    final int nanosPerUnit;

    TimestampPrecision(int magic, int nanosPerUnit) {
        this.magic = magic;
        this.nanosPerUnit = nanosPerUnit;
    }
}

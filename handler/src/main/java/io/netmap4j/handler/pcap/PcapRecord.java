package io.netmap4j.handler.pcap;

/**
 * One frame of a pcap file.
 *
 * @param epochNanos     timestamp, nanoseconds since the epoch
 * @param originalLength the frame's length on the wire (more than {@code data.length} when the
 *                       capture cut it at its snaplen)
 * @param data           the captured bytes
 */
public record PcapRecord(long epochNanos, int originalLength, byte[] data) {
    /** True when the capture kept only part of the frame. */
    public boolean truncated() {
        return data.length < originalLength;
    }
}

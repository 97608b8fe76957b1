package io.netmap4j.handler.pcap;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A pcap file loaded into off-heap memory for replay: every frame's bytes one after the other in
 * one segment, with their offsets, lengths and timestamps (relative to the first frame) in arrays,
 * so that sending frame {@code i} is one memory copy. Close it to free the memory.
 */
public final class PcapTrace implements AutoCloseable {
    private final Arena arena;
    private final MemorySegment data;
    private final long[] offsets;
    private final int[] lengths;
    private final long[] relativeNanos;
    private final int truncated;
    private final long bytes;

    private PcapTrace(List<PcapRecord> records) {
        int n = records.size();
        offsets = new long[n];
        lengths = new int[n];
        relativeNanos = new long[n];
        long total = 0;
        int cut = 0;
        long first = n == 0 ? 0 : records.get(0).epochNanos();
        for (int i = 0; i < n; i++) {
            PcapRecord r = records.get(i);
            offsets[i] = total;
            lengths[i] = r.data().length;
            // A file is not always in time order; never go backwards.
            relativeNanos[i] = Math.max(i == 0 ? 0 : relativeNanos[i - 1], r.epochNanos() - first);
            total += r.data().length;
            cut += r.truncated() ? 1 : 0;
        }
        bytes = total;
        truncated = cut;
        arena = Arena.ofShared();
        data = arena.allocate(Math.max(total, 1), 64);
        for (int i = 0; i < n; i++) {
            byte[] d = records.get(i).data();
            MemorySegment.copy(d, 0, data, ValueLayout.JAVA_BYTE, offsets[i], d.length);
        }
    }

    /**
     * Loads the whole file.
     *
     * @throws IOException if it cannot be read or is not a pcap of Ethernet frames
     */
    public static PcapTrace load(Path file) throws IOException {
        List<PcapRecord> records = new ArrayList<>();
        try (PcapReader reader = PcapReader.open(file)) {
            for (PcapRecord r; (r = reader.next()) != null; ) {
                records.add(r);
            }
        }
        return new PcapTrace(records);
    }

    /** A trace of the given records (for tests and generators). */
    public static PcapTrace of(List<PcapRecord> records) {
        return new PcapTrace(records);
    }

    public int frames() {
        return lengths.length;
    }

    /** Bytes of all frames. */
    public long bytes() {
        return bytes;
    }

    /** Frames the capture cut at its snaplen (replayed as captured, shorter than on the wire). */
    public int truncatedFrames() {
        return truncated;
    }

    /** The segment holding every frame's bytes. */
    public MemorySegment data() {
        return data;
    }

    public long offset(int i) {
        return offsets[i];
    }

    public int length(int i) {
        return lengths[i];
    }

    /** Nanoseconds from the first frame to frame {@code i} (never decreasing). */
    public long relativeNanos(int i) {
        return relativeNanos[i];
    }

    /** Nanoseconds from the first to the last frame. */
    public long durationNanos() {
        return lengths.length == 0 ? 0 : relativeNanos[lengths.length - 1];
    }

    @Override
    public void close() {
        arena.close();
    }
}

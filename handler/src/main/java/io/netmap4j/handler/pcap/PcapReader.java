package io.netmap4j.handler.pcap;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a classic pcap file (either byte order, microsecond or nanosecond timestamps) of
 * Ethernet frames, record by record. Other link types and pcapng are refused with a message that
 * says how to convert. For tools and tests; each record is a new object.
 */
public final class PcapReader implements Closeable {
    private final InputStream in;
    private final String name;
    private final ByteOrder order;
    private final TimestampPrecision precision;
    private final int snaplen;
    private final ByteBuffer header = ByteBuffer.allocate(PcapFormat.RECORD_HEADER);
    private long records;

    /**
     * Reads the file header from {@code in}.
     *
     * @throws IOException if it is not a pcap of Ethernet frames (the message says what it is)
     */
    public PcapReader(InputStream in, String name) throws IOException {
        this.in = in.markSupported() ? in : new BufferedInputStream(in, 1 << 16);
        this.name = name;
        ByteBuffer h = ByteBuffer.allocate(PcapFormat.FILE_HEADER);
        if (!readFully(h.array(), PcapFormat.FILE_HEADER)) {
            throw new IOException(name + " is not a pcap file: shorter than the 24-byte pcap file header");
        }
        int magic = h.order(ByteOrder.BIG_ENDIAN).getInt(0);
        int swapped = Integer.reverseBytes(magic);
        if (magic == PcapFormat.MAGIC_MICROS || magic == PcapFormat.MAGIC_NANOS) {
            order = ByteOrder.BIG_ENDIAN;
        } else if (swapped == PcapFormat.MAGIC_MICROS || swapped == PcapFormat.MAGIC_NANOS) {
            order = ByteOrder.LITTLE_ENDIAN;
            magic = swapped;
        } else if (magic == PcapFormat.PCAPNG_MAGIC) {
            throw new IOException(name + " is a pcapng file; convert it to pcap first: editcap -F pcap "
                    + name + " out.pcap (or tcpdump -r " + name + " -w out.pcap)");
        } else {
            throw new IOException(name + " is not a pcap file (magic number 0x" + Integer.toHexString(magic) + ")");
        }
        precision = magic == PcapFormat.MAGIC_NANOS ? TimestampPrecision.NANOS : TimestampPrecision.MICROS;
        h.order(order);
        snaplen = h.getInt(16);
        int linkType = h.getInt(20) & 0x0fffffff; // the top bits may carry FCS information
        if (linkType != PcapFormat.LINKTYPE_ETHERNET) {
            throw new IOException(name + " holds link type " + linkType + ", not Ethernet (1); capture on an "
                    + "Ethernet interface (not -i any), or convert with editcap -T ether");
        }
        header.order(order);
    }

    /** Opens the pcap file at {@code path}. */
    public static PcapReader open(Path path) throws IOException {
        InputStream in = Files.newInputStream(path);
        try {
            return new PcapReader(in, path.toString());
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
    }

    public TimestampPrecision precision() {
        return precision;
    }

    public int snaplen() {
        return snaplen;
    }

    /**
     * The next record, or null at the end of the file.
     *
     * @throws IOException when the file ends inside a record or a record is implausible
     */
    public PcapRecord next() throws IOException {
        header.clear();
        int first = in.read();
        if (first < 0) {
            return null;
        }
        header.array()[0] = (byte) first;
        if (!readFully(header.array(), 1, PcapFormat.RECORD_HEADER - 1)) {
            throw truncated();
        }
        long seconds = header.getInt(0) & 0xffffffffL;
        long fraction = header.getInt(4) & 0xffffffffL;
        int captured = header.getInt(8);
        int original = header.getInt(12);
        if (captured < 0 || captured > Math.max(snaplen, 262144) || captured > 1 << 24) {
            throw new IOException(name + ": record " + (records + 1) + " claims " + (captured & 0xffffffffL)
                    + " captured bytes (snaplen " + snaplen + "): the file is corrupt");
        }
        byte[] data = new byte[captured];
        if (!readFully(data, captured)) {
            throw truncated();
        }
        records++;
        long nanos = seconds * 1_000_000_000L + fraction * precision.nanosPerUnit;
        return new PcapRecord(nanos, Math.max(original, captured), data);
    }

    private IOException truncated() {
        return new EOFException(name + " ends inside record " + (records + 1) + " (the file is cut short)");
    }

    private boolean readFully(byte[] b, int length) throws IOException {
        return readFully(b, 0, length);
    }

    private boolean readFully(byte[] b, int off, int length) throws IOException {
        int n = in.readNBytes(b, off, length);
        return n == length;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}

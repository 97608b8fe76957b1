package io.netmap4j.handler.pcap;

import io.netty.buffer.ByteBuf;

import java.io.Closeable;
import java.io.Flushable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Writes Ethernet frames to a classic pcap file or stream, readable by tcpdump, Wireshark and
 * {@link PcapReader}. Records gather in a direct buffer that goes out in one write when full or
 * on {@link #flush()}, so a frame costs a copy and no allocation or system call. Not
 * thread-safe: one writer per event loop.
 */
public final class PcapWriter implements Closeable, Flushable {
    /** Bytes gathered before a write, unless told otherwise. */
    public static final int DEFAULT_BUFFER = 1 << 20;

    private final WritableByteChannel out;
    private final String name;
    private final ByteBuffer buffer;
    private final int snaplen;
    private final TimestampPrecision precision;
    private long records;
    private boolean closed;

    /**
     * @param out       where the file goes
     * @param name      what to call it in error messages (a path, "stdout")
     * @param snaplen   bytes kept of each frame at most (the rest is counted in the record's original length)
     * @param precision timestamp unit of the file
     * @param bufferSize bytes gathered before a write
     */
    public PcapWriter(WritableByteChannel out, String name, int snaplen, TimestampPrecision precision, int bufferSize)
            throws IOException {
        if (snaplen <= 0) {
            throw new IllegalArgumentException("snaplen must be positive, not " + snaplen);
        }
        this.out = out;
        this.name = name;
        this.snaplen = snaplen;
        this.precision = precision;
        this.buffer = ByteBuffer.allocateDirect(Math.max(bufferSize, PcapFormat.RECORD_HEADER + Math.min(snaplen, 65536)))
                .order(ByteOrder.LITTLE_ENDIAN);
        buffer.putInt(precision.magic).putShort((short) PcapFormat.VERSION_MAJOR).putShort((short) PcapFormat.VERSION_MINOR)
                .putInt(0).putInt(0).putInt(snaplen).putInt(PcapFormat.LINKTYPE_ETHERNET);
        flush();
    }

    /** A new file at {@code path} (replaced if it exists), microsecond timestamps, tcpdump's snaplen. */
    public static PcapWriter create(Path path) throws IOException {
        return create(path, PcapFormat.DEFAULT_SNAPLEN, TimestampPrecision.MICROS);
    }

    public static PcapWriter create(Path path, int snaplen, TimestampPrecision precision) throws IOException {
        FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
        try {
            return new PcapWriter(ch, path.toString(), snaplen, precision, DEFAULT_BUFFER);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** A pcap stream on {@code out} (for example {@code System.out}, for {@code | tcpdump -r -}). */
    public static PcapWriter create(OutputStream out, String name, int snaplen, TimestampPrecision precision)
            throws IOException {
        return new PcapWriter(Channels.newChannel(out), name, snaplen, precision, DEFAULT_BUFFER);
    }

    /**
     * Adds one record: the readable bytes of {@code frame} (at most the snaplen), stamped
     * {@code epochNanos} nanoseconds after the epoch. The frame's indexes are left as they were.
     */
    public void write(ByteBuf frame, long epochNanos) throws IOException {
        int length = frame.readableBytes();
        int captured = Math.min(length, snaplen);
        if (buffer.remaining() < PcapFormat.RECORD_HEADER + captured) {
            flush();
        }
        long units = epochNanos / precision.nanosPerUnit;
        int perSecond = 1_000_000_000 / precision.nanosPerUnit;
        buffer.putInt((int) (units / perSecond)).putInt((int) (units % perSecond)).putInt(captured).putInt(length);
        // readBytes(ByteBuffer) copies through the buffer's cached NIO view; getBytes would make a new one.
        int readerIndex = frame.readerIndex();
        int limit = buffer.limit();
        buffer.limit(buffer.position() + captured);
        frame.readBytes(buffer);
        buffer.limit(limit);
        frame.readerIndex(readerIndex);
        records++;
    }

    /** Adds one record from a byte array (a frame of {@code originalLength} bytes of which {@code data} is the start). */
    public void write(byte[] data, int originalLength, long epochNanos) throws IOException {
        int captured = Math.min(data.length, snaplen);
        if (buffer.remaining() < PcapFormat.RECORD_HEADER + captured) {
            flush();
        }
        long units = epochNanos / precision.nanosPerUnit;
        int perSecond = 1_000_000_000 / precision.nanosPerUnit;
        buffer.putInt((int) (units / perSecond)).putInt((int) (units % perSecond)).putInt(captured)
                .putInt(Math.max(originalLength, captured));
        buffer.put(data, 0, captured);
        records++;
    }

    /** Records written so far. */
    public long records() {
        return records;
    }

    /** Bytes gathered and not yet written. */
    public int pending() {
        return buffer.position();
    }

    /** Writes what was gathered. */
    @Override
    public void flush() throws IOException {
        if (closed) {
            throw new IOException("pcap output " + name + " is closed");
        }
        buffer.flip();
        try {
            while (buffer.hasRemaining()) {
                out.write(buffer);
            }
        } catch (IOException e) {
            throw new IOException("cannot write the pcap output " + name + ": " + e.getMessage(), e);
        } finally {
            buffer.clear();
        }
    }

    /** Flushes and closes the output. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        try {
            flush();
        } finally {
            closed = true;
            out.close();
        }
    }
}

package io.netmap4j.netty;

import io.netty.buffer.AbstractByteBuf;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ScatteringByteChannel;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * One frame of a {@link NetmapRxBatch} as a ByteBuf, read and written in place in its netmap
 * buffer: indices {@code 0 .. length - 1} of the frame, capacity exactly its length (a write past
 * it fails instead of reaching the next buffer). One object per batch, moved from frame to frame
 * by {@link #point}; so it must not be kept, and its reference count is fixed: {@code retain()}
 * throws, {@code release()} does nothing. Reads and writes go straight to the port's memory
 * segment, with the ByteBuf's index checks and FFM's bounds checks.
 */
final class FrameCursor extends AbstractByteBuf {
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfShort SHORT_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt INT_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfLong LONG_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final MemorySegment region;
    private final ByteBufAllocator alloc;
    /** Offset of the frame's first byte in the region. */
    private long base;
    private int length;
    /**
     * The last direct ByteBuffer copied to or from, as a segment over all of it: a writer (a pcap
     * capture) reuses one buffer, and a segment made per copy would be an object per frame.
     */
    private ByteBuffer lastBuffer;
    private MemorySegment lastBufferSegment;

    FrameCursor(MemorySegment region, ByteBufAllocator alloc) {
        super(0);
        this.region = region;
        this.alloc = alloc;
    }

    /** Makes this the frame of {@code length} bytes at {@code offset} in the region, all of it readable. */
    FrameCursor point(long offset, int length) {
        this.base = offset;
        this.length = length;
        maxCapacity(length);
        setIndex(0, length);
        markReaderIndex();
        markWriterIndex();
        return this;
    }

    // ------------------------------------------------------------------ what a ByteBuf is

    @Override
    public int capacity() {
        return length;
    }

    @Override
    public ByteBuf capacity(int newCapacity) {
        if (newCapacity == length) {
            return this;
        }
        throw new UnsupportedOperationException("a NetmapRxBatch frame keeps its length (" + length + " bytes); "
                + "copy it to get a buffer that can grow");
    }

    @Override
    public ByteBufAllocator alloc() {
        return alloc;
    }

    @Override
    @Deprecated
    public ByteOrder order() {
        return ByteOrder.BIG_ENDIAN;
    }

    @Override
    public ByteBuf unwrap() {
        return null;
    }

    @Override
    public boolean isDirect() {
        return true;
    }

    @Override
    public boolean isContiguous() {
        return true;
    }

    @Override
    public boolean hasArray() {
        return false;
    }

    @Override
    public byte[] array() {
        throw new UnsupportedOperationException("a NetmapRxBatch frame lives in a netmap buffer, not an array");
    }

    @Override
    public int arrayOffset() {
        throw new UnsupportedOperationException("a NetmapRxBatch frame lives in a netmap buffer, not an array");
    }

    @Override
    public boolean hasMemoryAddress() {
        return false;
    }

    @Override
    public long memoryAddress() {
        throw new UnsupportedOperationException("a NetmapRxBatch frame is read through its memory segment");
    }

    // ------------------------------------------------------------------ reference count: fixed

    @Override
    public int refCnt() {
        return 1;
    }

    @Override
    public ByteBuf retain() {
        throw keep();
    }

    @Override
    public ByteBuf retain(int increment) {
        throw keep();
    }

    @Override
    public boolean release() {
        return false;
    }

    @Override
    public boolean release(int decrement) {
        return false;
    }

    @Override
    public ByteBuf touch() {
        return this;
    }

    @Override
    public ByteBuf touch(Object hint) {
        return this;
    }

    private static UnsupportedOperationException keep() {
        return new UnsupportedOperationException("a NetmapRxBatch frame is valid only until the next frame() "
                + "and the end of its channelRead; copy it to keep it");
    }

    // ------------------------------------------------------------------ single values (indices checked by AbstractByteBuf)

    @Override
    protected byte _getByte(int index) {
        return region.get(JAVA_BYTE, base + index);
    }

    @Override
    protected short _getShort(int index) {
        return region.get(SHORT, base + index);
    }

    @Override
    protected short _getShortLE(int index) {
        return region.get(SHORT_LE, base + index);
    }

    @Override
    protected int _getUnsignedMedium(int index) {
        return (_getByte(index) & 0xff) << 16 | _getShort(index + 1) & 0xffff;
    }

    @Override
    protected int _getUnsignedMediumLE(int index) {
        return _getByte(index) & 0xff | (_getShortLE(index + 1) & 0xffff) << 8;
    }

    @Override
    protected int _getInt(int index) {
        return region.get(INT, base + index);
    }

    @Override
    protected int _getIntLE(int index) {
        return region.get(INT_LE, base + index);
    }

    @Override
    protected long _getLong(int index) {
        return region.get(LONG, base + index);
    }

    @Override
    protected long _getLongLE(int index) {
        return region.get(LONG_LE, base + index);
    }

    @Override
    protected void _setByte(int index, int value) {
        region.set(JAVA_BYTE, base + index, (byte) value);
    }

    @Override
    protected void _setShort(int index, int value) {
        region.set(SHORT, base + index, (short) value);
    }

    @Override
    protected void _setShortLE(int index, int value) {
        region.set(SHORT_LE, base + index, (short) value);
    }

    @Override
    protected void _setMedium(int index, int value) {
        _setByte(index, value >>> 16);
        _setShort(index + 1, value);
    }

    @Override
    protected void _setMediumLE(int index, int value) {
        _setByte(index, value);
        _setShortLE(index + 1, value >>> 8);
    }

    @Override
    protected void _setInt(int index, int value) {
        region.set(INT, base + index, value);
    }

    @Override
    protected void _setIntLE(int index, int value) {
        region.set(INT_LE, base + index, value);
    }

    @Override
    protected void _setLong(int index, long value) {
        region.set(LONG, base + index, value);
    }

    @Override
    protected void _setLongLE(int index, long value) {
        region.set(LONG_LE, base + index, value);
    }

    // ------------------------------------------------------------------ runs of bytes

    @Override
    public ByteBuf getBytes(int index, ByteBuf dst, int dstIndex, int length) {
        checkDstIndex(index, length, dstIndex, dst.capacity());
        if (dst.hasArray()) {
            MemorySegment.copy(region, JAVA_BYTE, base + index, dst.array(), dst.arrayOffset() + dstIndex, length);
        } else {
            dst.setBytes(dstIndex, nioBuffer(index, length));
        }
        return this;
    }

    @Override
    public ByteBuf getBytes(int index, byte[] dst, int dstIndex, int length) {
        checkDstIndex(index, length, dstIndex, dst.length);
        MemorySegment.copy(region, JAVA_BYTE, base + index, dst, dstIndex, length);
        return this;
    }

    @Override
    public ByteBuf getBytes(int index, ByteBuffer dst) {
        int n = dst.remaining();
        checkIndex(index, n);
        int at = dst.position();
        if (dst.hasArray()) {
            MemorySegment.copy(region, JAVA_BYTE, base + index, dst.array(), dst.arrayOffset() + at, n);
        } else {
            MemorySegment.copy(region, base + index, segmentOf(dst), at, n);
        }
        dst.position(at + n);
        return this;
    }

    private MemorySegment segmentOf(ByteBuffer buffer) {
        if (buffer != lastBuffer) {
            lastBufferSegment = MemorySegment.ofBuffer(buffer.duplicate().clear());
            lastBuffer = buffer;
        }
        return lastBufferSegment;
    }

    @Override
    public ByteBuf getBytes(int index, OutputStream out, int length) throws IOException {
        checkIndex(index, length);
        byte[] bytes = new byte[length];
        getBytes(index, bytes, 0, length);
        out.write(bytes);
        return this;
    }

    @Override
    public int getBytes(int index, GatheringByteChannel out, int length) throws IOException {
        return out.write(nioBuffer(index, length));
    }

    @Override
    public int getBytes(int index, FileChannel out, long position, int length) throws IOException {
        return out.write(nioBuffer(index, length), position);
    }

    @Override
    public ByteBuf setBytes(int index, ByteBuf src, int srcIndex, int length) {
        checkSrcIndex(index, length, srcIndex, src.capacity());
        if (src.hasArray()) {
            MemorySegment.copy(src.array(), src.arrayOffset() + srcIndex, region, JAVA_BYTE, base + index, length);
        } else {
            src.getBytes(srcIndex, nioBuffer(index, length));
        }
        return this;
    }

    @Override
    public ByteBuf setBytes(int index, byte[] src, int srcIndex, int length) {
        checkSrcIndex(index, length, srcIndex, src.length);
        MemorySegment.copy(src, srcIndex, region, JAVA_BYTE, base + index, length);
        return this;
    }

    @Override
    public ByteBuf setBytes(int index, ByteBuffer src) {
        int n = src.remaining();
        checkIndex(index, n);
        int at = src.position();
        if (src.hasArray()) {
            MemorySegment.copy(src.array(), src.arrayOffset() + at, region, JAVA_BYTE, base + index, n);
        } else {
            MemorySegment.copy(segmentOf(src), at, region, base + index, n);
        }
        src.position(at + n);
        return this;
    }

    @Override
    public int setBytes(int index, InputStream in, int length) throws IOException {
        checkIndex(index, length);
        byte[] bytes = new byte[length];
        int n = in.read(bytes, 0, length);
        if (n > 0) {
            setBytes(index, bytes, 0, n);
        }
        return n;
    }

    @Override
    public int setBytes(int index, ScatteringByteChannel in, int length) throws IOException {
        return in.read(nioBuffer(index, length));
    }

    @Override
    public int setBytes(int index, FileChannel in, long position, int length) throws IOException {
        return in.read(nioBuffer(index, length), position);
    }

    @Override
    public ByteBuf copy(int index, int length) {
        checkIndex(index, length);
        return alloc.directBuffer(length, length).writeBytes(this, index, length);
    }

    @Override
    public int nioBufferCount() {
        return 1;
    }

    /** A view of bytes {@code [index, index + length)} of the frame (a new object each call). */
    @Override
    public ByteBuffer nioBuffer(int index, int length) {
        checkIndex(index, length);
        return region.asSlice(base + index, length).asByteBuffer();
    }

    @Override
    public ByteBuffer internalNioBuffer(int index, int length) {
        return nioBuffer(index, length);
    }

    @Override
    public ByteBuffer[] nioBuffers(int index, int length) {
        return new ByteBuffer[] {nioBuffer(index, length)};
    }
}

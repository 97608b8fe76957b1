package io.netmap4j.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link FrameCursor} against Netty's own heap buffer: the same random reads and writes, of every
 * width and byte order and through every bulk path, give the same values and the same bytes, the
 * same index errors, and never touch the region outside the frame.
 */
class FrameCursorTest {
    private static final int REGION = 4096;
    private static final long FRAME_AT = 1000;
    private static final String OUT_OF_BOUNDS = "out of bounds";

    @Test
    void behavesLikeAHeapBufferOfTheFrameAndStaysInsideIt() {
        for (int seed = 0; seed < 20; seed++) {
            SplittableRandom random = new SplittableRandom(seed);
            int length = 14 + random.nextInt(1500);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment region = arena.allocate(REGION);
                byte[] initial = new byte[REGION];
                random.nextBytes(initial);
                MemorySegment.copy(initial, 0, region, JAVA_BYTE, 0, REGION);
                FrameCursor cursor = new FrameCursor(region, ByteBufAllocator.DEFAULT).point(FRAME_AT, length);
                ByteBuf model = Unpooled.buffer(length, length);
                model.writeBytes(initial, (int) FRAME_AT, length);
                assertEquals(0, cursor.readerIndex());
                assertEquals(length, cursor.writerIndex());
                assertEquals(length, cursor.capacity());
                for (int op = 0; op < 2000; op++) {
                    step(random, cursor, model, "seed " + seed + ", op " + op);
                }
                byte[] frame = new byte[length];
                MemorySegment.copy(region, JAVA_BYTE, FRAME_AT, frame, 0, length);
                assertArrayEquals(model.array(), frame, "seed " + seed + ": the frame's bytes");
                for (int i = 0; i < REGION; i++) {
                    if (i < FRAME_AT || i >= FRAME_AT + length) {
                        assertEquals(initial[i], region.get(JAVA_BYTE, i), "seed " + seed + ": byte " + i + " outside the frame");
                    }
                }
            }
        }
    }

    @Test
    void cannotBeKeptAndReleasingDoesNothing() {
        try (Arena arena = Arena.ofConfined()) {
            FrameCursor cursor = new FrameCursor(arena.allocate(256), ByteBufAllocator.DEFAULT).point(64, 60);
            assertThrows(UnsupportedOperationException.class, cursor::retain);
            assertFalse(cursor.release());
            assertEquals(1, cursor.refCnt());
            assertEquals(0, cursor.getByte(0), "still readable after a release");
            assertThrows(UnsupportedOperationException.class, () -> cursor.capacity(61));
            assertThrows(IndexOutOfBoundsException.class, () -> cursor.writeByte(1), "no room past the frame");
        }
    }

    /**
     * One random operation on both buffers; values, indices and failures must agree. A write that
     * fails its index check must change nothing here (Netty's heap buffer may have written part of
     * it before its array refused the rest: the model is then put back as it was).
     */
    private static void step(SplittableRandom random, ByteBuf cursor, ByteBuf model, String where) {
        int cap = model.capacity();
        int index = random.nextInt(cap + 8) - 4; // now and then out of range, on either side
        int kind = random.nextInt(24);
        long values = random.nextLong();
        byte[] before = new byte[cap];
        cursor.getBytes(0, before);
        Object expected = apply(kind, index, new SplittableRandom(values), model);
        Object actual = apply(kind, index, new SplittableRandom(values), cursor);
        String what = where + ", kind " + kind + " at " + index;
        if (expected instanceof byte[] e) {
            assertArrayEquals(e, (byte[]) actual, what);
        } else {
            assertEquals(expected, actual, what);
        }
        assertEquals(model.readerIndex(), cursor.readerIndex(), what);
        assertEquals(model.writerIndex(), cursor.writerIndex(), what);
        byte[] after = new byte[cap];
        cursor.getBytes(0, after);
        if (OUT_OF_BOUNDS.equals(actual)) {
            assertArrayEquals(before, after, what + ": a refused operation changed the frame");
            model.setBytes(0, before);
        } else {
            byte[] modelBytes = new byte[cap];
            model.getBytes(0, modelBytes);
            assertArrayEquals(modelBytes, after, what);
        }
    }

    /** Applies operation {@code kind} with values from {@code random} (seeded alike for both buffers). */
    private static Object apply(int kind, int index, SplittableRandom random, ByteBuf b) {
        long v = random.nextLong();
        int n = random.nextInt(40);
        try {
            return switch (kind) {
                case 0 -> b.getByte(index);
                case 1 -> b.getShort(index);
                case 2 -> b.getShortLE(index);
                case 3 -> b.getUnsignedMedium(index);
                case 4 -> b.getUnsignedMediumLE(index);
                case 5 -> b.getInt(index);
                case 6 -> b.getIntLE(index);
                case 7 -> b.getLong(index);
                case 8 -> b.getLongLE(index);
                case 9 -> b.setByte(index, (int) v) == b;
                case 10 -> b.setShort(index, (int) v) == b;
                case 11 -> b.setShortLE(index, (int) v) == b;
                case 12 -> b.setMedium(index, (int) v) == b;
                case 13 -> b.setMediumLE(index, (int) v) == b;
                case 14 -> b.setInt(index, (int) v) == b;
                case 15 -> b.setIntLE(index, (int) v) == b;
                case 16 -> b.setLong(index, v) == b;
                case 17 -> b.setLongLE(index, v) == b;
                case 18 -> {
                    byte[] out = new byte[n];
                    b.getBytes(index, out);
                    yield out;
                }
                case 19 -> {
                    ByteBuf out = Unpooled.directBuffer(n);
                    b.getBytes(index, out, n);
                    byte[] bytes = new byte[n];
                    out.getBytes(0, bytes);
                    yield bytes;
                }
                case 20 -> {
                    ByteBuffer out = random.nextBoolean() ? ByteBuffer.allocate(n) : ByteBuffer.allocateDirect(n);
                    b.getBytes(index, out);
                    byte[] bytes = new byte[n];
                    out.flip().get(bytes);
                    yield bytes;
                }
                case 21 -> {
                    byte[] in = new byte[n];
                    random.nextBytes(in);
                    ByteBuffer src = random.nextBoolean() ? ByteBuffer.wrap(in) : ByteBuffer.allocateDirect(n).put(in).flip();
                    b.setBytes(index, src);
                    yield src.remaining();
                }
                case 22 -> {
                    byte[] in = new byte[n];
                    random.nextBytes(in);
                    ByteBuf src = random.nextBoolean() ? Unpooled.wrappedBuffer(in) : Unpooled.directBuffer(n).writeBytes(in);
                    b.setBytes(index, src, 0, n);
                    yield true;
                }
                default -> {
                    // relative reads and writes move the indices the same way
                    b.readerIndex(Math.floorMod(index, b.writerIndex() + 1));
                    yield b.isReadable(4) ? b.readInt() : b.readableBytes();
                }
            };
        } catch (IndexOutOfBoundsException e) {
            return OUT_OF_BOUNDS;
        }
    }
}

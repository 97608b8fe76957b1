package io.netmap4j.netty;

import io.netmap4j.core.NetmapPort;
import io.netmap4j.core.NetmapRing;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.IllegalReferenceCountException;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * The port a {@link NetmapChannel} is bound to, from bind until it is unmapped, and the copies
 * between its buffers and ByteBufs.
 *
 * <p>Closing the channel does not always unmap the port at once: not while the loop is inside an
 * RX or TX pass over its rings ({@link #enter()}/{@link #exit()}), and not while a zero-copy
 * frame lent to a handler still points into its memory ({@link #lent}). The last of the three
 * to finish unmaps it, whichever thread that is.
 */
final class BoundPort {
    private static final InternalLogger logger = InternalLoggerFactory.getInstance(BoundPort.class);

    /**
     * The whole address space, to copy to and from a direct ByteBuf by its memory address. Netty
     * without Unsafe (the default on Java 25) duplicates its ByteBuffer on every
     * {@code getBytes(int, ByteBuffer)}, an object per frame that escape analysis removes only
     * sometimes; a copy between this segment and the region allocates nothing. The ByteBuf's own
     * index checks ran before (its reader index and readable bytes, or an exactly sized buffer),
     * and the region side is bounds-checked as always. Needs native access, like every FFM call here.
     */
    private static final MemorySegment ADDRESS_SPACE = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    final NetmapPort port;
    /** Zero-copy frames handed to handlers and not yet released; atomic because a release may come after the loop is gone. */
    final AtomicInteger lent = new AtomicInteger();
    /** A loop-confined ByteBuffer over the whole region, repositioned for every copy (null past 2 GiB). */
    private ByteBuffer regionView;
    /** Above zero while a read or write pass runs on the loop. */
    private int depth;
    /**
     * Set (never cleared) once the channel closed. Volatile: a zero-copy frame released on another
     * thread after the loop has shut down decides, from this and {@link #lent}, whether it is the
     * one to unmap.
     */
    private volatile boolean closing;
    private final AtomicBoolean unmapped = new AtomicBoolean();

    BoundPort(NetmapPort port) {
        this.port = port;
        this.regionView = port.region().byteSize() <= Integer.MAX_VALUE ? port.region().asByteBuffer() : null;
    }

    /**
     * True when a buffer index of {@code other} names the same memory in {@code port}: same
     * backend and memory id, same region size (each port may map the region at its own address).
     * Frames then move between their rings by index.
     */
    static boolean sharesBuffers(NetmapPort port, NetmapPort other) {
        return port.memId() == other.memId() && port.backend() == other.backend()
                && port.region().byteSize() == other.region().byteSize();
    }

    /** True until the port is unmapped. */
    boolean isMapped() {
        return !unmapped.get();
    }

    /** A pass over the rings begins: the port stays mapped until the matching {@link #exit()}. */
    void enter() {
        depth++;
    }

    void exit() {
        if (--depth == 0 && closing) {
            unmapWhenIdle();
        }
    }

    /** True while the loop is inside a pass ({@link #enter()}), as read by the loop. */
    boolean inPass() {
        return depth > 0;
    }

    /**
     * The channel closed: unmaps the port now, or as soon as no pass runs and no zero-copy frame
     * points into it. The flag is published before the count is read, and a releasing thread
     * decrements the count before it reads the flag, so at least one of the two sees that the
     * port is idle.
     */
    void unmapWhenIdle() {
        closing = true;
        int outstanding = lent.get();
        if (depth > 0 || outstanding > 0) {
            if (depth == 0) {
                logger.debug("unmapping {} after its last {} zero-copy frames are released", port.name(), outstanding);
            }
            return;
        }
        unmap();
    }

    /** A lent frame came back and left {@code left} out; unmaps if it was the last thing holding a closed port. */
    void lentFrameReturned(int left) {
        // depth is the loop's; a late releaser reads the 0 it left when it stopped
        if (left == 0 && depth == 0 && closing) {
            unmap();
        }
    }

    /** Unmaps the port once, whichever thread (the loop, or a late releaser) gets here first. */
    private void unmap() {
        if (unmapped.compareAndSet(false, true)) {
            regionView = null;
            port.close();
        }
    }

    /** Copies {@code length} bytes of {@code src} from {@code index} into the buffer of {@code slot}. */
    void copyIntoSlot(ByteBuf src, int index, NetmapRing ring, int slot, int length) {
        long offset = ring.slotBufferOffset(slot);
        if (src.hasMemoryAddress()) {
            checkAccessible(src);
            MemorySegment.copy(ADDRESS_SPACE, src.memoryAddress() + index, ring.region(), offset, length);
            return;
        }
        if (src.hasArray()) {
            MemorySegment.copy(src.array(), src.arrayOffset() + index, ring.region(), JAVA_BYTE, offset, length);
            return;
        }
        ByteBuffer view = regionView;
        if (view != null) {
            view.limit((int) offset + length).position((int) offset);
            src.getBytes(index, view);
        } else {
            src.getBytes(index, ring.region().asSlice(offset, length).asByteBuffer());
        }
    }

    /** A new allocator buffer holding the {@code length} bytes in the buffer of {@code slot}. */
    ByteBuf copyOutOfSlot(ByteBufAllocator alloc, NetmapRing ring, int slot, int length) {
        ByteBuf buf = alloc.ioBuffer(length, length);
        try {
            appendSlot(buf, ring, slot, length);
            return buf;
        } catch (RuntimeException e) {
            buf.release(); // a slot naming no buffer (a peer damaged it): the copy is not leaked
            throw e;
        }
    }

    /** Appends the first {@code length} bytes in the buffer of {@code slot} to {@code dst}. */
    void appendSlot(ByteBuf dst, NetmapRing ring, int slot, int length) {
        long offset = ring.slotBufferOffset(slot);
        if (dst.hasMemoryAddress()) {
            dst.ensureWritable(length);
            int at = dst.writerIndex();
            MemorySegment.copy(ring.region(), offset, ADDRESS_SPACE, dst.memoryAddress() + at, length);
            dst.writerIndex(at + length);
            return;
        }
        ByteBuffer view = regionView;
        if (view != null) {
            view.limit((int) offset + length).position((int) offset);
            dst.writeBytes(view);
        } else {
            dst.writeBytes(ring.region().asSlice(offset, length).asByteBuffer());
        }
    }

    /** A released buffer must fail as Netty's own accessors make it fail, before its address is used. */
    private static void checkAccessible(ByteBuf buf) {
        int refCnt = buf.refCnt();
        if (refCnt == 0) {
            throw new IllegalReferenceCountException(0);
        }
    }

    @Override
    public String toString() {
        return port.name();
    }
}

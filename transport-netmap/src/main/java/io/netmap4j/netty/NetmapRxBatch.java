package io.netmap4j.netty;

import io.netmap4j.core.NetmapPort;
import io.netmap4j.core.NetmapRing;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * The frames of one RX read of one ring, delivered as a single message when
 * {@link NetmapChannelOption#RX_BATCH} is on: the frames stay in their RX slots, and handlers
 * work on them in place, as netmap's own bridge and lb do.
 *
 * <pre>{@code
 * public void channelRead(ChannelHandlerContext ctx, Object msg) {
 *     NetmapRxBatch batch = (NetmapRxBatch) msg;
 *     for (int i = 0; i < batch.size(); i++) {
 *         if (batch.isPresent(i) && !wanted(batch.frame(i))) {
 *             batch.drop(i);
 *         }
 *     }
 *     ctx.fireChannelRead(batch);              // the next handler sees the frames left
 * }
 * // ... and at the end of the pipeline: output.write(batch) sends every frame left.
 * }</pre>
 *
 * <p><b>Frames.</b> {@link #frame(int)} is a cursor: one ByteBuf per batch, moved to frame
 * {@code i} by each call, with the frame's bytes at indices {@code 0 .. length - 1}, all readable,
 * read and written in place in the netmap buffer. Its capacity is the frame's length (a frame's
 * length does not change in a batch). It must not be kept ({@code retain()} throws; take a
 * {@link #copy copy}), and releasing it does nothing.
 *
 * <p><b>Writing.</b> Writing the batch to a {@link NetmapChannel} sends every frame still present;
 * writing {@link #tagged(int)} sends the frames {@link #tag tagged} with that number, so that a
 * load balancer tags each frame with its output and writes each output its share. A channel on
 * the batch's event loop whose port shares the batch's buffers (pipes of one parent, ports of one
 * VALE switch or kernel memory region) takes the frames into TX slots by buffer-index swap,
 * without a copy; anything else copies them. A write takes its frames out of the batch (they are
 * then not present), and is over when it returns: a batch can be written only inside the
 * {@code channelRead} that delivered it, on its event loop; after that its frames are back in the
 * RX ring and the batch is empty. Nothing written is lost: frames that find the TX ring full wait
 * in the channel's outbound buffer, which makes it unwritable like any write would; with
 * {@link NetmapChannelOption#RX_ZERO_COPY} on they wait in their RX slots (and still move by
 * index once there is room), otherwise as copies.
 *
 * <p>A batch that reaches the end of the pipeline is simply over: its frames go back to the ring.
 * Frames that span several slots ({@code NS_MOREFRAG}) are not part of batches; they arrive as
 * ByteBuf messages between them, in order. One reused instance per channel: nothing is allocated
 * per frame or per batch.
 */
public final class NetmapRxBatch {
    /** Tag of a frame no longer in the batch: dropped, or taken by a write. */
    private static final int GONE = -1;
    /** The largest tag: tags name outputs, and {@link #tagged} keeps one message object per tag up to the largest used. */
    public static final int MAX_TAG = 65_535;
    /** Tags below this have their frames and bytes counted as they change, so that writes need not count. */
    private static final int COUNTED_TAGS = 64;

    private final NetmapChannel channel;
    private final BoundPort bound;
    /** The channel's zero-copy state when RX_ZERO_COPY is on: frames a TX ring cannot take yet are lent, not copied. */
    private final RxZeroCopy zeroCopy;
    /** The one ByteBuf of the batch's frames, moved from frame to frame. */
    private final FrameCursor cursor;
    private final MemorySegment region;
    private NetmapRing ring;
    /** Position of {@link #ring} among the port's bound RX rings. */
    private int ringPosition;
    private int firstSlot;
    private int size;
    private long timestampMicros;
    /** Per frame: the buffer index and offset read once from the slot (a peer may rewrite slots). */
    private int[] bufIdx = new int[0];
    private long[] offsets = new long[0];
    private int[] lengths = new int[0];
    private int[] tags = new int[0];
    /** Frames present and their bytes; per tag below {@link #COUNTED_TAGS}, the same, up to {@link #highestTag}. */
    private int present;
    private long presentBytes;
    private final int[] tagFrames = new int[COUNTED_TAGS];
    private final long[] tagBytes = new long[COUNTED_TAGS];
    private int highestTag;
    private Tagged[] selections = new Tagged[0];

    NetmapRxBatch(NetmapChannel channel, BoundPort bound, RxZeroCopy zeroCopy) {
        this.channel = channel;
        this.bound = bound;
        this.zeroCopy = zeroCopy;
        this.region = bound.port.region();
        this.cursor = new FrameCursor(region, channel.alloc());
    }

    /** Starts a batch of the frames in {@code ring} (bound RX ring {@code r}) from {@code firstSlot}; {@link #add} fills it. */
    void begin(NetmapRing ring, int r, int firstSlot, int maxFrames, long timestampMicros) {
        this.ring = ring;
        this.ringPosition = r;
        this.firstSlot = firstSlot;
        this.size = 0;
        this.timestampMicros = timestampMicros;
        present = 0;
        presentBytes = 0;
        Arrays.fill(tagFrames, 0, highestTag + 1, 0);
        Arrays.fill(tagBytes, 0, highestTag + 1, 0L);
        highestTag = 0;
        if (bufIdx.length < maxFrames) {
            int n = Math.max(maxFrames, 64);
            bufIdx = new int[n];
            offsets = new long[n];
            lengths = new int[n];
            tags = new int[n];
        }
    }

    /** Appends the next slot's frame; its buffer index was checked by the caller. */
    void add(int bufferIndex, long offset, int length) {
        int i = size++;
        bufIdx[i] = bufferIndex;
        offsets[i] = offset;
        lengths[i] = length;
        tags[i] = 0;
        present++;
        presentBytes += length;
        tagFrames[0]++;
        tagBytes[0] += length;
    }

    /** The batch is over: its slots go back to the ring, and it is empty until the next read. */
    void end() {
        ring = null;
        size = 0;
    }

    /** The channel whose RX ring holds the frames. */
    public NetmapChannel channel() {
        return channel;
    }

    /** Frames in the batch, present or not; indices {@code 0 .. size() - 1}. */
    public int size() {
        return size;
    }

    /** The RX ring the frames arrived on ({@code ringid}). */
    public int ringId() {
        return current().index();
    }

    /**
     * The ring's timestamp of the sync that brought the frames, in microseconds since the epoch
     * (0 when the backend does not set it).
     */
    public long timestampMicros() {
        current();
        return timestampMicros;
    }

    /**
     * Frame {@code i}, as the batch's cursor: its bytes at indices {@code 0 .. length(i) - 1}, valid
     * until the next {@code frame} call or the end of the batch.
     */
    public ByteBuf frame(int i) {
        checkIndex(i);
        return cursor.point(offsets[i], lengths[i]);
    }

    /** A copy of frame {@code i} in a buffer of {@code alloc}, to keep (the cursor stays where it is). */
    public ByteBuf copy(int i, ByteBufAllocator alloc) {
        checkIndex(i);
        int length = lengths[i];
        return alloc.ioBuffer(length, length).writeBytes(region.asSlice(offsets[i], length).asByteBuffer());
    }

    /** Length in bytes of frame {@code i}. */
    public int length(int i) {
        checkIndex(i);
        return lengths[i];
    }

    /** True while frame {@code i} is in the batch: not dropped, not taken by a write. */
    public boolean isPresent(int i) {
        checkIndex(i);
        return tags[i] != GONE;
    }

    /** Takes frame {@code i} out of the batch: no later handler or write sees it. */
    public void drop(int i) {
        checkIndex(i);
        remove(i);
    }

    /** Frames still present. */
    public int presentFrames() {
        current();
        return present;
    }

    /** Bytes of the frames still present. */
    public long presentBytes() {
        current();
        return presentBytes;
    }

    /** Tags present frame {@code i} with {@code tag} (0 to {@link #MAX_TAG}; every frame starts with 0), for {@link #tagged}. */
    public void tag(int i, int tag) {
        checkIndex(i);
        checkTag(tag);
        int old = tags[i];
        if (old == GONE) {
            throw new IllegalStateException("frame " + i + " is no longer in the batch (dropped or written)");
        }
        int length = lengths[i];
        if (old < COUNTED_TAGS) {
            tagFrames[old]--;
            tagBytes[old] -= length;
        }
        if (tag < COUNTED_TAGS) {
            tagFrames[tag]++;
            tagBytes[tag] += length;
            highestTag = Math.max(highestTag, tag);
        }
        tags[i] = tag;
    }

    /** The tag of present frame {@code i}, or -1 when it is no longer in the batch. */
    public int tag(int i) {
        checkIndex(i);
        return tags[i];
    }

    /**
     * The present frames tagged {@code tag}, as a message: writing it sends them (and takes them
     * out of the batch). The same object every time for a tag.
     */
    public Tagged tagged(int tag) {
        checkTag(tag);
        if (tag >= selections.length) {
            Tagged[] grown = Arrays.copyOf(selections, Math.max(tag + 1, selections.length * 2));
            for (int t = selections.length; t < grown.length; t++) {
                grown[t] = new Tagged(this, t);
            }
            selections = grown;
        }
        return selections[tag];
    }

    private static void checkTag(int tag) {
        if (tag < 0 || tag > MAX_TAG) {
            throw new IllegalArgumentException("a frame's tag is 0 to " + MAX_TAG + " (an output number), not " + tag);
        }
    }

    /** Frames a write of {@code tag} selects (-1: all present). */
    int countFrames(int tag) {
        current();
        if (tag < 0) {
            return present;
        }
        if (tag < COUNTED_TAGS) {
            return tag <= highestTag ? tagFrames[tag] : 0;
        }
        int n = 0;
        for (int i = 0; i < size; i++) {
            if (selected(i, tag)) {
                n++;
            }
        }
        return n;
    }

    /** Bytes of the frames a write of {@code tag} selects (-1: all present). */
    long countBytes(int tag) {
        current();
        if (tag < 0) {
            return presentBytes;
        }
        if (tag < COUNTED_TAGS) {
            return tag <= highestTag ? tagBytes[tag] : 0;
        }
        long b = 0;
        for (int i = 0; i < size; i++) {
            if (selected(i, tag)) {
                b += lengths[i];
            }
        }
        return b;
    }

    /** True while the batch can be read and written: inside its channelRead, on its event loop. */
    boolean isCurrent() {
        return ring != null && channel.eventLoop().inEventLoop();
    }

    NetmapRing ring() {
        return ring;
    }

    /** The port the frames were received on. */
    NetmapPort port() {
        return bound.port;
    }

    MemorySegment region() {
        return region;
    }

    /** The RX slot of frame {@code i}. */
    int slot(int i) {
        int s = firstSlot + i;
        int n = ring.numSlots();
        return s >= n ? s - n : s;
    }

    int bufferIndex(int i) {
        return bufIdx[i];
    }

    long offset(int i) {
        return offsets[i];
    }

    /**
     * Frame {@code i} as a message of its own, for a write that must wait in an outbound buffer:
     * with RX_ZERO_COPY on, the recycled view of its buffer, which keeps the RX slot until it is
     * sent (by buffer index) and released; otherwise a copy. On the batch's loop, during its read.
     */
    ByteBuf lend(int i, ByteBufAllocator alloc) {
        if (zeroCopy == null) {
            return copy(i, alloc);
        }
        checkIndex(i);
        return zeroCopy.frame(alloc, ring, ringPosition, slot(i), lengths[i], false);
    }

    /** {@link #length(int)} without the checks, for the transport. */
    int lengthOf(int i) {
        return lengths[i];
    }

    /** The last frame a write of {@code tag} selects, or -1 when none. */
    int lastSelected(int tag) {
        for (int i = size - 1; i >= 0; i--) {
            if (selected(i, tag)) {
                return i;
            }
        }
        return -1;
    }

    /** True when present frame {@code i} is selected by a write of {@code tag} (-1: the whole batch). */
    boolean selected(int i, int tag) {
        int t = tags[i];
        return t != GONE && (tag < 0 || t == tag);
    }

    /** A write took frame {@code i}. */
    void taken(int i) {
        remove(i);
    }

    private void remove(int i) {
        int t = tags[i];
        if (t == GONE) {
            return;
        }
        int length = lengths[i];
        present--;
        presentBytes -= length;
        if (t < COUNTED_TAGS) {
            tagFrames[t]--;
            tagBytes[t] -= length;
        }
        tags[i] = GONE;
    }

    private NetmapRing current() {
        NetmapRing r = ring;
        if (r == null) {
            throw new IllegalStateException("this NetmapRxBatch is over: a batch can be used only inside the "
                    + "channelRead that delivered it (copy its frames to keep them)");
        }
        return r;
    }

    private void checkIndex(int i) {
        current();
        if (i < 0 || i >= size) {
            throw new IndexOutOfBoundsException("frame " + i + " of a batch of " + size);
        }
    }

    @Override
    public String toString() {
        return "NetmapRxBatch(" + (ring == null ? "over" : size + " frames of RX ring " + ring.index()) + ")";
    }

    /** The frames of a batch with one tag, as a message to write ({@link NetmapRxBatch#tagged(int)}). */
    public static final class Tagged {
        private final NetmapRxBatch batch;
        private final int tag;

        Tagged(NetmapRxBatch batch, int tag) {
            this.batch = batch;
            this.tag = tag;
        }

        public NetmapRxBatch batch() {
            return batch;
        }

        public int tag() {
            return tag;
        }

        /** Frames present with this tag. */
        public int frames() {
            return batch.countFrames(tag);
        }

        /** Their bytes. */
        public long bytes() {
            return batch.countBytes(tag);
        }

        /** True when present frame {@code i} of the batch has this tag. */
        public boolean contains(int i) {
            return batch.isPresent(i) && batch.tag(i) == tag;
        }

        @Override
        public String toString() {
            return "NetmapRxBatch.Tagged(" + tag + " of " + batch + ")";
        }
    }
}

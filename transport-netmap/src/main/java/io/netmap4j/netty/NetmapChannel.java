package io.netmap4j.netty;

import io.netmap4j.NetmapPorts;
import io.netmap4j.core.NetmapException;
import io.netmap4j.core.NetmapPort;
import io.netmap4j.core.NetmapRing;
import io.netmap4j.core.PeerGoneException;
import io.netmap4j.spec.PortSpec;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.AbstractChannel;
import io.netty.channel.ChannelMetadata;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.channel.DefaultMaxMessagesRecvByteBufAllocator;
import io.netty.channel.EventLoop;
import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

import java.lang.foreign.MemorySegment;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.NotYetConnectedException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;

import static io.netmap4j.abi.NetmapConstants.NR_NO_TX_POLL;
import static io.netmap4j.abi.NetmapConstants.NETMAP_MAX_FRAGS;
import static io.netmap4j.abi.NetmapConstants.NS_BUF_CHANGED;
import static io.netmap4j.abi.NetmapConstants.NS_MOREFRAG;
import static io.netmap4j.abi.NetmapConstants.POLLERR;
import static io.netmap4j.abi.NetmapConstants.POLLHUP;
import static io.netmap4j.abi.NetmapConstants.POLLIN;
import static io.netmap4j.abi.NetmapConstants.POLLNVAL;
import static io.netmap4j.abi.NetmapConstants.POLLOUT;

/**
 * A Netty channel over one netmap port: one message per Ethernet frame, in both directions.
 *
 * <pre>{@code
 * Channel ch = new Bootstrap().group(group).channel(NetmapChannel.class).handler(handler)
 *         .bind(NetmapAddress.of("netmap:eth0-0")).sync().channel();
 * }</pre>
 *
 * <h2>Life cycle</h2>
 * {@code bind} opens and registers the port (the rings are chosen by the port name) and makes the
 * channel active; {@code close} unregisters and unmaps it. There is no connect: a port has no
 * remote address, and the two ends of a pipe are two channels each bound to its own name.
 *
 * <h2>Reading</h2>
 * A read does one rxsync, then hands up to {@code MAX_MESSAGES_PER_READ} frames to the pipeline,
 * one {@code channelRead} each, then one {@code channelReadComplete}. {@code AUTO_READ} and
 * {@code read()} behave as on any Netty channel. By default each frame is copied into a buffer of
 * the channel's allocator, so a handler may keep it as long as it likes without holding up the
 * ring. With {@link NetmapChannelOption#RX_ZERO_COPY} a frame is a view of its netmap buffer
 * (one recycled ByteBuf per buffer, nothing allocated); releasing it gives the slot back, and the
 * ring's head moves over released slots in order. A frame still referenced when
 * {@code channelRead} returns (kept by a handler, or queued for writing elsewhere) has its slot
 * refilled with one of the port's extra buffers ({@link NetmapChannelOption#RX_EXTRA_BUFFERS}), so
 * the ring moves on; when no extra buffer is left, the slot stays taken until the frame is
 * released, and a handler that keeps a whole ring's worth of frames stops reception until it
 * releases one. Closing the channel unmaps the port only after the last such frame is released.
 * A frame that spans several slots ({@code NS_MOREFRAG}) is delivered as one message, always a
 * copy (also in zero-copy mode); a chain still incomplete at the ring's tail waits for its rest
 * (user pipes publish only whole chains; a port that leaves half a chain keeps reporting POLLIN
 * until the rest arrives), and one longer than {@code NETMAP_MAX_FRAGS} slots is dropped and
 * counted ({@link #rxDroppedChains()}).
 *
 * <h2>Writing</h2>
 * Messages are {@link ByteBuf}s and {@link ByteBufHolder}s (one frame each, copied into a TX
 * slot) and {@link NetmapTxBatch}es (any number of frames written in place). A zero-copy frame
 * received on a port that shares this port's buffers, written whole on the same event loop, is not
 * copied: its buffer index moves into the TX slot ({@code NS_BUF_CHANGED}) and the slot's free
 * buffer goes back to the receiving channel ({@link #txZeroCopyFrames()}); that is how a bridge
 * forwards without touching the payload. A flush fills as many
 * slots as it can and does one txsync. When every TX ring is full the channel becomes unwritable
 * and waits for POLLOUT; only then does it ask for POLLOUT. With
 * {@link NetmapChannelOption#TX_MOREFRAG} a frame larger than a buffer goes out as an
 * {@code NS_MOREFRAG} chain of slots in one ring. Otherwise a frame larger than the port's buffers
 * or a message of another type fails its own write and nothing else, as does a message whose
 * buffer throws when read (for example one already released), an empty frame, and any write to
 * a port bound without a TX ring. There is no half-close: shutting the output down closes the channel.
 */
public final class NetmapChannel extends AbstractChannel {
    private static final InternalLogger logger = InternalLoggerFactory.getInstance(NetmapChannel.class);
    /** No disconnect; read batches of up to 256 frames unless configured otherwise. */
    private static final ChannelMetadata METADATA = new ChannelMetadata(false, 256);
    /** The user-defined writability bit that reflects "every TX ring is full". */
    private static final int RING_FULL_WRITABILITY = 1;
    private static final String EXPECTED_TYPES = " (expected: ByteBuf, ByteBufHolder, NetmapTxBatch)";

    private static final AtomicReferenceFieldUpdater<NetmapChannel, NetmapPort> PORT =
            AtomicReferenceFieldUpdater.newUpdater(NetmapChannel.class, NetmapPort.class, "port");

    private final NetmapChannelConfig config = new NetmapChannelConfig(this);
    private final NetmapTxSlots txSlots = new NetmapTxSlots();
    private final Runnable flushTask = () -> {
        if (isActive()) {
            ((NetmapUnsafe) unsafe()).forceFlush();
        }
    };

    private volatile boolean open = true;
    private volatile boolean active;
    private volatile NetmapAddress localAddress;
    /** The bound port; written on bind and when unmapped, read on the event loop. */
    private volatile NetmapPort port;
    private IoRegistration registration;
    private NetmapIoOps ops = NetmapIoOps.NONE;
    private boolean readPending;
    /** Above zero while a read or write loop runs: the port must not be unmapped under it. */
    private int ioDepth;
    /**
     * Set (never cleared) once the channel closed and its port waits to be unmapped. Volatile: a
     * zero-copy frame released on another thread after the loop has shut down decides, from this
     * and the atomic count of outstanding frames, whether it is the one to unmap.
     */
    private volatile boolean unmapPending;
    /** True while the RX loop runs; it moves the rings' heads itself when a ring is done. */
    private boolean inRxLoop;
    /** A loop-confined ByteBuffer over the whole region, repositioned for every copy. */
    private ByteBuffer regionView;
    private RxZeroCopy zeroCopy;
    /** RX_ZERO_COPY as it was at bind: the RX slots' ownership rules cannot change under held frames. */
    private boolean rxZeroCopy;
    private int nextRxRing;
    /** Per RX ring: inside an over-long NS_MOREFRAG chain that is being dropped. */
    private boolean[] discardingChain;
    private long rxDroppedChains;
    private long txZeroCopyFrames;
    private int nextTxRing;

    public NetmapChannel() {
        super(null);
    }

    @Override
    public NetmapChannelConfig config() {
        return config;
    }

    @Override
    public ChannelMetadata metadata() {
        return METADATA;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    /** True from a successful bind (the port is registered) until close. */
    @Override
    public boolean isActive() {
        return active;
    }

    @Override
    public NetmapAddress localAddress() {
        return (NetmapAddress) super.localAddress();
    }

    /** Always null: a netmap port has no peer address. */
    @Override
    public SocketAddress remoteAddress() {
        return null;
    }

    /** The bound port, or null before bind and after close (for diagnostics and tools). */
    public NetmapPort port() {
        return port;
    }

    /**
     * In zero-copy mode, the frames delivered as copies because their netmap buffer was still
     * referenced by an earlier frame (a peer handing us a buffer we have not given back, or several
     * damaged descriptors in the backend's scratch buffer). 0 when peers follow the protocol.
     * Read it on the channel's event loop.
     */
    public long rxCopiedFrames() {
        RxZeroCopy z = zeroCopy;
        return z == null ? 0 : z.copiedFrames;
    }

    /**
     * Frames written by moving a received zero-copy frame's buffer into a TX slot instead of
     * copying it (see the class comment, "Writing"). Read it on the channel's event loop.
     */
    public long txZeroCopyFrames() {
        return txZeroCopyFrames;
    }

    @Override
    protected AbstractUnsafe newUnsafe() {
        return new NetmapUnsafe();
    }

    @Override
    protected boolean isCompatible(EventLoop loop) {
        return loop instanceof IoEventLoop ioLoop && ioLoop.isCompatible(NetmapUnsafe.class);
    }

    @Override
    protected SocketAddress localAddress0() {
        return localAddress;
    }

    @Override
    protected SocketAddress remoteAddress0() {
        return null;
    }

    @Override
    protected void doRegister(ChannelPromise promise) {
        ((IoEventLoop) eventLoop()).register((NetmapUnsafe) unsafe()).addListener(f -> {
            if (f.isSuccess()) {
                registration = (IoRegistration) f.getNow();
                if (ops != NetmapIoOps.NONE) {
                    registration.submit(ops);
                }
                promise.setSuccess();
            } else {
                promise.setFailure(f.cause());
            }
        });
    }

    @Override
    protected void doDeregister() {
        IoRegistration reg = registration;
        registration = null;
        if (reg != null) {
            reg.cancel();
        }
    }

    @Override
    protected void doBind(SocketAddress address) throws Exception {
        if (!(address instanceof NetmapAddress netmapAddress)) {
            throw new IllegalArgumentException("a NetmapChannel binds to a NetmapAddress, e.g. "
                    + "NetmapAddress.of(\"netmap:eth0\"), not " + (address == null ? "null" : address.getClass().getName()));
        }
        if (port != null || !open) {
            throw new IllegalStateException(open ? "already bound to " + localAddress : "channel closed");
        }
        PortSpec spec = netmapAddress.spec();
        if (config.isNoTxPoll()) {
            spec = spec.withFlags(NR_NO_TX_POLL);
        }
        if (config.getRxExtraBuffers() > 0) {
            spec = spec.withExtraBuffers(config.getRxExtraBuffers());
        }
        NetmapPort p = NetmapPorts.open(spec, config.getBackend());
        MemorySegment region = p.region();
        regionView = region.byteSize() <= Integer.MAX_VALUE ? region.asByteBuffer() : null;
        zeroCopy = new RxZeroCopy(p);
        rxZeroCopy = config.isRxZeroCopy();
        discardingChain = new boolean[p.rxRingCount()];
        localAddress = netmapAddress;
        port = p;
        active = true;
    }

    /**
     * An Ethernet port has no half-close: shutting the output down (which Netty also does after a
     * write fails with something other than an IOException) closes the whole channel, so that the
     * close future completes, channelInactive fires and the registration goes away as with
     * {@code close()}.
     */
    @Override
    protected void doShutdownOutput() {
        unsafe().close(unsafe().voidPromise());
    }

    @Override
    protected void doDisconnect() throws Exception {
        doClose();
    }

    @Override
    protected void doClose() {
        open = false;
        active = false;
        unmapWhenIdle();
    }

    /**
     * Unmaps the port now, or as soon as no loop runs over it and no zero-copy frame points into it.
     * The flag is published before the count is read, and a releasing thread decrements the count
     * before it reads the flag, so at least one of the two sees that the port is idle.
     */
    private void unmapWhenIdle() {
        NetmapPort p = port;
        if (p == null) {
            return;
        }
        unmapPending = true;
        int outstanding = zeroCopy.outstanding.get();
        if (ioDepth > 0 || outstanding > 0) {
            if (ioDepth == 0) {
                logger.debug("{}: unmapping {} after its last {} zero-copy frames are released", this, p.name(),
                        outstanding);
            }
            return;
        }
        unmap();
    }

    /** Unmaps the port once, whichever thread (the loop, or a late releaser) gets here first. */
    private void unmap() {
        NetmapPort p = port;
        if (p != null && PORT.compareAndSet(this, p, null)) {
            regionView = null;
            p.close();
        }
    }

    @Override
    protected void doBeginRead() {
        if (!active) {
            return;
        }
        readPending = true;
        setOps(ops.with(NetmapIoOps.READ));
    }

    void clearReadPending() {
        if (isRegistered()) {
            EventLoop loop = eventLoop();
            if (loop.inEventLoop()) {
                clearReadPending0();
            } else {
                loop.execute(this::clearReadPending0);
            }
        } else {
            readPending = false;
        }
    }

    private void clearReadPending0() {
        readPending = false;
        setOps(ops.without(NetmapIoOps.READ));
    }

    private void setOps(NetmapIoOps newOps) {
        if (ops != newOps) {
            ops = newOps;
            IoRegistration reg = registration;
            if (reg != null && reg.isValid()) {
                reg.submit(newOps);
            }
        }
    }

    @Override
    protected Object filterOutboundMessage(Object msg) {
        ByteBuf content;
        if (msg instanceof ByteBuf buf) {
            content = buf;
        } else if (msg instanceof ByteBufHolder holder) {
            content = holder.content();
        } else if (msg instanceof NetmapTxBatch) {
            return msg;
        } else {
            throw new UnsupportedOperationException("unsupported message type: "
                    + (msg == null ? "null" : msg.getClass().getName()) + EXPECTED_TYPES);
        }
        NetmapPort p = port;
        if (p != null) {
            if (p.txRingCount() == 0) {
                throw noTxRing(p);
            }
            checkFits(content.readableBytes(), p.bufferSize(), p);
        }
        return msg;
    }

    /** The largest frame a write may carry: one buffer, or a whole chain with TX_MOREFRAG. */
    private int maxFrame(int bufferSize) {
        return config.isTxMoreFrag() ? bufferSize * NETMAP_MAX_FRAGS : bufferSize;
    }

    private static IllegalStateException noTxRing(NetmapPort p) {
        return new IllegalStateException("cannot write to " + p.name() + ": it has no TX ring bound (opened for "
                + "reception only, e.g. with /R); bind a port name that includes a TX ring to send");
    }

    private void checkFits(int length, int bufferSize, NetmapPort p) {
        if (length == 0) {
            throw new IllegalArgumentException("an empty frame (0 bytes) cannot be sent on " + p.name()
                    + ": a frame needs at least an Ethernet header; check the buffer's reader and writer indexes");
        }
        if (length > maxFrame(bufferSize)) {
            throw new IllegalArgumentException(config.isTxMoreFrag()
                    ? "a frame of " + length + " bytes needs more than " + NETMAP_MAX_FRAGS + " slots of "
                    + bufferSize + " bytes on " + p.name() + " (NETMAP_MAX_FRAGS); send smaller frames"
                    : "a frame of " + length + " bytes does not fit the " + bufferSize + "-byte buffers of "
                    + p.name() + "; send smaller frames, open the port with larger buffers, or set TX_MOREFRAG "
                    + "if the port takes multi-slot frames");
        }
    }

    @Override
    protected void doWrite(ChannelOutboundBuffer in) throws Exception {
        NetmapPort p = port;
        if (p == null) {
            throw new NotYetConnectedException();
        }
        if (p.txRingCount() == 0) {
            // Only messages written before bind get here (filterOutboundMessage refuses the rest);
            // they fail alone, the channel stays as it is.
            IllegalStateException e = noTxRing(p);
            while (in.current() != null) {
                in.remove(e);
            }
            return;
        }
        ioDepth++;
        try {
            doWrite0(in, p);
        } finally {
            if (--ioDepth == 0 && unmapPending) {
                unmapWhenIdle();
            }
        }
    }

    private void doWrite0(ChannelOutboundBuffer in, NetmapPort p) throws Exception {
        int budget = maxMessagesPerWrite();
        int spins = config.getWriteSpinCount();
        int unsynced = 0;
        boolean reclaimed = false;
        boolean full = false;
        boolean incomplete = false;
        for (;;) {
            Object msg = in.current();
            if (msg == null) {
                break;
            }
            NetmapRing ring = txRingWithRoom(p);
            if (ring == null && !reclaimed) {
                // Every ring looks full: push what we filled and take back what was sent, once.
                p.txSync();
                unsynced = 0;
                reclaimed = true;
                ring = txRingWithRoom(p);
            }
            if (ring == null) {
                full = true;
                break;
            }
            if (msg instanceof NetmapTxBatch batch) {
                txSlots.reset(ring);
                boolean done;
                try {
                    done = batch.fill(txSlots);
                } catch (Throwable t) {
                    unsynced += txSlots.publish();
                    txSlots.invalidate();
                    in.remove(t);
                    continue;
                }
                unsynced += txSlots.publish();
                txSlots.invalidate();
                if (done) {
                    in.remove();
                } else if (--spins <= 0) {
                    incomplete = true;
                    break;
                }
            } else {
                ByteBuf content = msg instanceof ByteBuf buf ? buf : ((ByteBufHolder) msg).content();
                int length = content.readableBytes();
                int bufferSize = ring.bufferSize();
                if (length == 0 || length > bufferSize && (length > maxFrame(bufferSize) || !config.isTxMoreFrag())) {
                    // Written before bind (or before TX_MOREFRAG changed): filterOutboundMessage did not check it.
                    try {
                        checkFits(length, bufferSize, p);
                    } catch (IllegalArgumentException e) {
                        in.remove(e);
                    }
                    continue;
                }
                int slots = length <= bufferSize ? 1 : (length + bufferSize - 1) / bufferSize;
                if (slots > ring.space()) {
                    // A chain goes into one ring, whole; take back what was sent, once, then wait.
                    if (reclaimed) {
                        full = true;
                        break;
                    }
                    p.txSync();
                    unsynced = 0;
                    reclaimed = true;
                    continue;
                }
                int slot = ring.head();
                if (slots == 1 && content instanceof RxZeroCopyBuf view && swapIntoSlot(view, ring, slot, length, p)) {
                    ring.advance(ring.next(slot));
                    unsynced++;
                    in.remove(); // the release hands the displaced buffer to the RX side
                } else {
                    try {
                        int offset = content.readerIndex();
                        int left = length;
                        for (int k = 1; ; k++) {
                            int chunk = Math.min(left, bufferSize);
                            copyIntoSlot(content, offset, ring, slot, chunk);
                            ring.len(slot, chunk);
                            ring.flags(slot, k < slots ? NS_MOREFRAG : 0);
                            slot = ring.next(slot);
                            offset += chunk;
                            left -= chunk;
                            if (k == slots) {
                                break;
                            }
                        }
                    } catch (RuntimeException e) {
                        // This message is unusable (released buffer, a buffer that throws) or its slot
                        // names a buffer outside the region: fail it alone and leave the slots unpublished.
                        // Anything escaping doWrite would make Netty shut the output down.
                        in.remove(e);
                        continue;
                    }
                    ring.advance(slot);
                    unsynced += slots;
                    in.remove();
                }
            }
            if (--budget <= 0) {
                incomplete = !in.isEmpty();
                break;
            }
        }
        if (unsynced > 0) {
            p.txSync();
        }
        if (full) {
            in.setUserDefinedWritability(RING_FULL_WRITABILITY, false);
            setOps(ops.with(NetmapIoOps.WRITE));
        } else {
            in.setUserDefinedWritability(RING_FULL_WRITABILITY, true);
            setOps(ops.without(NetmapIoOps.WRITE));
            if (incomplete) {
                // Room is left but this flush used its share: continue after the loop's other work.
                eventLoop().execute(flushTask);
            }
        }
    }

    /** A bound TX ring with a free slot, starting from the one used last, or null when all are full. */
    private NetmapRing txRingWithRoom(NetmapPort p) {
        int n = p.txRingCount();
        for (int k = 0; k < n; k++) {
            int r = nextTxRing + k;
            if (r >= n) {
                r -= n;
            }
            NetmapRing ring = p.txRing(r);
            if (!ring.isEmpty()) {
                nextTxRing = r;
                return ring;
            }
        }
        return null;
    }

    /**
     * Sends a zero-copy frame by moving its buffer instead of its bytes: the TX slot takes the
     * frame's buffer index, and the free buffer the slot held goes to the RX side that lent the
     * frame once the write releases it ({@link RxZeroCopyBuf#replacement}). Only when the frame
     * is a whole buffer as delivered (reader index 0) with no other reference, its port shares
     * this port's buffers (same backend and memory id, same region size; the index names the
     * same memory in both, even where each port maps the region at its own address), and its
     * channel runs on this event loop, since the swap changes that channel's ring and counts. A
     * bridge puts both ports on one loop; anything else returns false and the frame is copied.
     */
    private boolean swapIntoSlot(RxZeroCopyBuf view, NetmapRing ring, int slot, int length, NetmapPort p) {
        if (view.readerIndex() != 0 || view.refCnt() != 1 || view.replacement != 0
                || !view.owner.canLendTo(p, eventLoop())) {
            return false;
        }
        int spare = ring.bufIdx(slot);
        if (spare == 0 || !ring.isValidBuffer(spare)) {
            return false; // a damaged slot: the copy path reports it
        }
        ring.bufIdx(slot, view.bufIdx);
        ring.len(slot, length);
        ring.flags(slot, NS_BUF_CHANGED);
        view.replacement = spare;
        txZeroCopyFrames++;
        return true;
    }

    private void copyIntoSlot(ByteBuf content, int index, NetmapRing ring, int slot, int length) {
        long offset = ring.slotBufferOffset(slot);
        ByteBuffer view = regionView;
        if (view != null) {
            view.limit((int) offset + length).position((int) offset);
            content.getBytes(index, view);
        } else {
            content.getBytes(index, ring.region().asSlice(offset, length).asByteBuffer());
        }
    }

    private ByteBuf copyOutOfSlot(ByteBufAllocator alloc, NetmapRing ring, int slot, int length) {
        long offset = ring.slotBufferOffset(slot);
        ByteBuf buf = alloc.ioBuffer(length, length);
        ByteBuffer view = regionView;
        if (view != null) {
            view.limit((int) offset + length).position((int) offset);
            buf.writeBytes(view);
        } else {
            buf.writeBytes(ring.region().asSlice(offset, length).asByteBuffer());
        }
        return buf;
    }

    /**
     * Drains the RX rings: one rxsync, then up to MAX_MESSAGES_PER_READ frames.
     *
     * @param synced the port reported POLLIN from a sync it ran in this loop iteration (a port
     *               that syncs in Java, in readyOps or completePoll), so the rings are current
     *               and a second rxsync would only cost time
     */
    private void readReady(boolean synced) {
        NetmapPort p = port;
        if (p == null || !active) {
            return;
        }
        ChannelPipeline pipeline = pipeline();
        RecvByteBufAllocator.Handle handle = unsafe().recvBufAllocHandle();
        handle.reset(config);
        // Netty's own allocators stop a read at maxMessagesPerRead or when AUTO_READ is off; for
        // them the handle is told the totals once per read instead of three calls per frame.
        // Any other allocator is asked before every frame, as its contract says.
        int budget = batchableBudget();
        ByteBufAllocator alloc = config.getAllocator();
        boolean zc = rxZeroCopy;
        boolean metadata = config.isRxFrameMetadata();
        int delivered = 0;
        long bytes = 0;
        Throwable failure = null;
        ioDepth++;
        inRxLoop = true;
        try {
            if (!synced) {
                p.rxSync();
            }
            int rings = p.rxRingCount();
            outer:
            for (int k = 0; k < rings; k++) {
                int r = nextRxRing + k;
                if (r >= rings) {
                    r -= rings;
                }
                NetmapRing ring = p.rxRing(r);
                if (!ring.invariantsHold()) {
                    // The sync leaves them right; only someone else writing this memory breaks them
                    // (a peer process of a user-space pipe shares the whole region).
                    throw damagedRing(p, ring);
                }
                int cur = ring.cur();
                int tail = ring.tail();
                if (cur == tail) {
                    if (zc) {
                        zeroCopy.advanceHead(ring, r); // over slots released since the last read
                    }
                    continue;
                }
                long timestamp = metadata ? ring.timestampMicros() : 0;
                int bufferSize = ring.bufferSize();
                try {
                    while (cur != tail) {
                        if (delivered > 0 && (budget > 0
                                ? delivered >= budget || !config.isAutoRead() : !handle.continueReading())) {
                            nextRxRing = r;
                            break outer;
                        }
                        int slot = cur;
                        int slotFlags = ring.flags(slot);
                        int length;
                        ByteBuf frame;
                        if ((slotFlags & NS_MOREFRAG) != 0 || discardingChain[r]) {
                            // One frame in several slots: gathered into one copy, or dropped.
                            int end = chainEnd(ring, r, slot, tail);
                            if (end == CHAIN_INCOMPLETE) {
                                break; // the rest is not published yet; read it next time
                            }
                            int after = end < 0 ? ring.next(-end - 1) : ring.next(end);
                            frame = end < 0 ? null : copyChain(alloc, ring, slot, after);
                            cur = after;
                            if (zc) {
                                ring.cur(cur); // no slot is held: the frame is a copy
                            } else {
                                ring.advance(cur);
                            }
                            if (frame == null) {
                                continue;
                            }
                            length = frame.readableBytes();
                        } else {
                            cur = ring.next(cur);
                            length = Math.min(ring.len(slot), bufferSize);
                            if (zc) {
                                frame = zeroCopy.frame(alloc, ring, r, slot, length);
                                ring.cur(cur);
                            } else {
                                frame = copyOutOfSlot(alloc, ring, slot, length);
                                ring.advance(cur);
                            }
                        }
                        if (budget > 0) {
                            bytes += length;
                        } else {
                            handle.attemptedBytesRead(length);
                            handle.lastBytesRead(length);
                            handle.incMessagesRead(1);
                        }
                        readPending = false;
                        delivered++;
                        pipeline.fireChannelRead(metadata
                                ? new NetmapFrame(frame, ring.index(), slotFlags, timestamp) : frame);
                        if (frame instanceof RxZeroCopyBuf view) {
                            zeroCopy.afterRead(ring, view);
                        }
                        if (!active) {
                            break outer; // a handler closed the channel
                        }
                    }
                } finally {
                    if (zc) {
                        zeroCopy.advanceHead(ring, r);
                    }
                }
            }
        } catch (Throwable t) {
            failure = t;
        } finally {
            inRxLoop = false;
            if (--ioDepth == 0 && unmapPending) {
                unmapWhenIdle();
            }
        }
        if (delivered > 0) {
            if (budget > 0) {
                // Only a huge maxMessagesPerRead could pass 2 GiB in one read; the handle counts in ints.
                int total = (int) Math.min(bytes, Integer.MAX_VALUE);
                handle.attemptedBytesRead(total);
                handle.lastBytesRead(total);
                handle.incMessagesRead(delivered);
            }
            handle.readComplete();
            pipeline.fireChannelReadComplete();
        }
        if (failure != null) {
            if (!(failure instanceof PeerGoneException)) {
                pipeline.fireExceptionCaught(failure);
            }
            if (failure instanceof NetmapException || failure instanceof IndexOutOfBoundsException) {
                // The port is broken (or its peer left, or it handed out a bad buffer): nothing more
                // will come through it.
                unsafe().close(unsafe().voidPromise());
                return;
            }
        }
        if (!readPending && !config.isAutoRead()) {
            setOps(ops.without(NetmapIoOps.READ));
        }
    }

    private static NetmapException damagedRing(NetmapPort p, NetmapRing ring) {
        return new NetmapException(p.name() + ": RX ring " + ring.index() + " was damaged by someone else writing its "
                + "memory (head " + ring.head() + ", cur " + ring.cur() + ", tail " + ring.tail() + " of "
                + ring.numSlots() + " slots); the channel closes: open the port again");
    }

    /** {@link #chainEnd} result: the chain goes on past the ring's tail. */
    private static final int CHAIN_INCOMPLETE = Integer.MIN_VALUE;

    /**
     * Where the chain of {@code NS_MOREFRAG} slots starting at {@code first} ends: its last slot
     * (the first without the flag); {@link #CHAIN_INCOMPLETE} when the slots before {@code tail}
     * all carry the flag; or {@code -(last + 1)} for slots to drop, up to {@code last}. A chain
     * longer than netmap allows ({@code NETMAP_MAX_FRAGS} slots) is dropped and counted, and so
     * is the rest of it (the ring remembers that it is inside one) until its last slot.
     */
    private int chainEnd(NetmapRing ring, int r, int first, int tail) {
        int slot = first;
        for (int n = 1; ; n++) {
            boolean more = (ring.flags(slot) & NS_MOREFRAG) != 0;
            if (!more) {
                if (discardingChain[r]) {
                    discardingChain[r] = false;
                    return -(slot + 1);
                }
                return slot;
            }
            if (n >= NETMAP_MAX_FRAGS && !discardingChain[r]) {
                discardingChain[r] = true;
                rxDroppedChains++;
                return -(slot + 1);
            }
            int next = ring.next(slot);
            if (next == tail) {
                return discardingChain[r] ? -(slot + 1) : CHAIN_INCOMPLETE;
            }
            slot = next;
        }
    }

    /** One allocator buffer holding the frame in slots {@code [first, after)}. */
    private ByteBuf copyChain(ByteBufAllocator alloc, NetmapRing ring, int first, int after) {
        int bufferSize = ring.bufferSize();
        int total = 0;
        for (int s = first; s != after; s = ring.next(s)) {
            total += Math.min(ring.len(s), bufferSize);
        }
        ByteBuf buf = alloc.ioBuffer(total, total);
        try {
            ByteBuffer view = regionView;
            for (int s = first; s != after; s = ring.next(s)) {
                // read again, and perhaps changed meanwhile by a peer that shares the memory: never
                // past what was allocated from the first reading
                int len = Math.min(Math.min(ring.len(s), bufferSize), buf.writableBytes());
                long offset = ring.slotBufferOffset(s);
                if (view != null) {
                    view.limit((int) offset + len).position((int) offset);
                    buf.writeBytes(view);
                } else {
                    buf.writeBytes(ring.region().asSlice(offset, len).asByteBuffer());
                }
            }
            return buf;
        } catch (RuntimeException e) {
            buf.release(); // a slot naming no buffer: the frame is not delivered, and its copy not leaked
            throw e;
        }
    }

    /**
     * Multi-slot frames dropped because they were longer than {@code NETMAP_MAX_FRAGS} slots.
     * Read it on the channel's event loop.
     */
    public long rxDroppedChains() {
        return rxDroppedChains;
    }

    /**
     * The frames one read may deliver when the allocator is one of Netty's (whose handles continue
     * while AUTO_READ is on and fewer than maxMessagesPerRead messages were read, since a frame's
     * attempted and read bytes are equal), or 0 when the handle must be asked before every frame.
     */
    private int batchableBudget() {
        return config.getRecvByteBufAllocator() instanceof DefaultMaxMessagesRecvByteBufAllocator netty
                ? netty.maxMessagesPerRead() : 0;
    }

    private final class NetmapUnsafe extends AbstractUnsafe implements NetmapIoHandle {
        @Override
        public NetmapPort port() {
            return active ? port : null;
        }

        @Override
        public void handle(IoRegistration registration, IoEvent event) {
            int ready = ((NetmapIoEvent) event).readyOps();
            if ((ready & POLLNVAL) != 0) {
                close(voidPromise());
                return;
            }
            if ((ready & (POLLOUT | POLLERR)) != 0 && ops.contains(NetmapIoOps.WRITE)) {
                forceFlush();
            }
            if ((ready & (POLLIN | POLLERR | POLLHUP)) != 0 && ops.contains(NetmapIoOps.READ)) {
                // A port that does not need poll(2) to sync has just synced to find POLLIN; after an
                // error the channel syncs itself, so that the failure surfaces here. Kernel ports
                // always sync again (cheap next to poll(2), and independent of its semantics).
                NetmapPort p = port;
                boolean synced = (ready & (POLLERR | POLLHUP)) == 0 && p != null && !p.needsPollToSync();
                readReady(synced);
            }
            if ((ready & (POLLERR | POLLHUP)) != 0 && isOpen()) {
                // The port is broken or its peer is gone; what could still be read has been.
                close(voidPromise());
            }
        }

        void forceFlush() {
            super.flush0();
        }

        @Override
        protected void flush0() {
            // While waiting for POLLOUT the ring is full: the POLLOUT event will flush.
            if (!ops.contains(NetmapIoOps.WRITE)) {
                super.flush0();
            }
        }

        @Override
        public void connect(SocketAddress remoteAddress, SocketAddress localAddress, ChannelPromise promise) {
            if (promise.setUncancellable()) {
                promise.setFailure(new UnsupportedOperationException(
                        "netmap channels do not connect; bind them to a NetmapAddress (both ends of a pipe bind)"));
            }
        }

        @Override
        public void close() {
            close(voidPromise());
        }

        @Override
        public String toString() {
            return NetmapChannel.this.toString();
        }
    }

    /**
     * Zero-copy reception: the recycled ByteBuf of every buffer index, which slots are still held
     * by a frame, and the extra buffers swapped in for kept frames. Used on the event loop only
     * (releases from other threads hop onto it).
     */
    final class RxZeroCopy {
        private static final int PAGE_SHIFT = 10;
        private final NetmapPort port;
        /** Buffers by index, in pages of 1024 made on first use: regions can hold 100k+ buffers. */
        private final RxZeroCopyBuf[][] buffers;
        /** Per bound RX ring, per slot: a delivered frame still references the slot's buffer. */
        private final boolean[][] held;
        /** Frames delivered and not yet released; atomic because a release may come after the loop is gone. */
        final AtomicInteger outstanding = new AtomicInteger();
        /** Frames copied because their buffer's view was still referenced (see {@link #frame}). */
        long copiedFrames;

        RxZeroCopy(NetmapPort port) {
            this.port = port;
            long count = port.rxRingCount() > 0 ? port.rxRing(0).bufferCount() : 0;
            this.buffers = new RxZeroCopyBuf[(int) ((count >>> PAGE_SHIFT) + 1)][];
            this.held = new boolean[port.rxRingCount()][];
            for (int i = 0; i < held.length; i++) {
                held[i] = new boolean[port.rxRing(i).numSlots()];
            }
        }

        /**
         * The frame in {@code slot}: the buffer's recycled view, or a copy when that view is still
         * referenced by an earlier frame. The slot is then not held: the copy owns no netmap buffer.
         */
        ByteBuf frame(ByteBufAllocator alloc, NetmapRing ring, int r, int slot, int length) {
            int bufIdx = ring.bufIdx(slot);
            long offset = ring.bufferOffset(bufIdx); // validates the index before it is used below
            RxZeroCopyBuf[] page = buffers[bufIdx >>> PAGE_SHIFT];
            if (page == null) {
                page = buffers[bufIdx >>> PAGE_SHIFT] = new RxZeroCopyBuf[1 << PAGE_SHIFT];
            }
            RxZeroCopyBuf buf = page[bufIdx & ((1 << PAGE_SHIFT) - 1)];
            if (buf == null) {
                ByteBuffer view = ring.region().asSlice(offset, ring.bufferSize()).asByteBuffer();
                buf = page[bufIdx & ((1 << PAGE_SHIFT) - 1)] = new RxZeroCopyBuf(alloc, view, this, bufIdx);
            } else if (buf.refCnt() != 0) {
                // The same buffer arrived again while a handler still holds it: a peer that reuses
                // a buffer it gave us (the region is shared and not trusted), or the backend's
                // scratch buffer standing in for several damaged descriptors. Reusing the view
                // would reset a live frame's count; a copy keeps both frames intact.
                copiedFrames++;
                return copyOutOfSlot(alloc, ring, slot, length);
            }
            held[r][slot] = true;
            // only the loop delivers frames, and never once a late releaser can run (see released)
            outstanding.setPlain(outstanding.getPlain() + 1);
            return buf.reuse(r, slot, length);
        }

        /** After channelRead: a frame still referenced is swapped out of its slot if an extra buffer is left. */
        void afterRead(NetmapRing ring, RxZeroCopyBuf buf) {
            if (buf.refCnt() == 0 || buf.detached || !port.isOpen()) {
                return;
            }
            int extra = port.takeExtraBuffer();
            if (extra != 0) {
                ring.bufIdx(buf.slot, extra);
                ring.flags(buf.slot, ring.flags(buf.slot) | NS_BUF_CHANGED);
                buf.detached = true;
                held[buf.ring][buf.slot] = false;
            }
        }

        /** Moves the ring's head over the released slots at its front. */
        void advanceHead(NetmapRing ring, int r) {
            boolean[] taken = held[r];
            int head = ring.head();
            int cur = ring.cur();
            if (Integer.compareUnsigned(head, taken.length) >= 0 || Integer.compareUnsigned(cur, taken.length) >= 0) {
                return; // damaged by someone else: the next read reports it and closes the channel
            }
            while (head != cur && !taken[head]) {
                head = ring.next(head);
            }
            ring.head(head);
        }

        /**
         * True when a frame of this port may move, by index, into a slot of {@code other} whose
         * channel runs on {@code loop}: same buffers, and this channel's state is on that loop.
         */
        boolean canLendTo(NetmapPort other, EventLoop loop) {
            return port.isOpen() && port.memId() == other.memId() && port.backend() == other.backend()
                    && port.region().byteSize() == other.region().byteSize()
                    && isRegistered() && eventLoop() == loop && loop.inEventLoop();
        }

        /** True on the channel's event loop, where this state lives. */
        boolean inLoop() {
            return eventLoop().inEventLoop();
        }

        /**
         * Gives a released frame's buffer back. While the loop runs normally this happens on the
         * loop (releases elsewhere hop onto it) with plain accesses. Once the loop refuses tasks it
         * has left its run loop and may be closing the channel in its destroy step; a release on
         * another thread then runs here at the same time as the loop's own releases and close, so
         * from the moment the loop shuts down both sides lock this object and count atomically.
         * (The loop sets its shut-down state itself, so it sees it before any such overlap.)
         */
        void released(RxZeroCopyBuf buf) {
            EventLoop loop = eventLoop();
            if (loop.inEventLoop()) {
                if (loop.isShuttingDown()) {
                    synchronized (this) {
                        released0(buf, true);
                    }
                } else {
                    released0(buf, false);
                }
            } else {
                try {
                    loop.execute(() -> released(buf));
                } catch (RejectedExecutionException e) {
                    synchronized (this) {
                        released0(buf, true);
                    }
                }
            }
        }

        private void released0(RxZeroCopyBuf buf, boolean concurrent) {
            // The buffer goes back before the count drops: at zero another thread may unmap.
            if (port.isOpen()) {
                // A frame sent by index left its buffer in a TX slot and takes that slot's instead.
                int back = buf.replacement != 0 ? buf.replacement : buf.bufIdx;
                buf.replacement = 0;
                if (buf.detached) {
                    port.giveExtraBuffer(back);
                } else {
                    if (back != buf.bufIdx) {
                        NetmapRing ring = port.rxRing(buf.ring);
                        ring.bufIdx(buf.slot, back);
                        ring.flags(buf.slot, ring.flags(buf.slot) | NS_BUF_CHANGED);
                    }
                    held[buf.ring][buf.slot] = false;
                    if (!inRxLoop) {
                        advanceHead(port.rxRing(buf.ring), buf.ring);
                    }
                }
            }
            int left;
            if (concurrent) {
                left = outstanding.decrementAndGet();
            } else {
                left = outstanding.getPlain() - 1;
                outstanding.setPlain(left);
            }
            // ioDepth is the loop's; a late releaser reads the 0 it left when it stopped
            if (left == 0 && ioDepth == 0 && unmapPending) {
                unmap();
            }
        }
    }
}

package io.netmap4j.netty;

import io.netmap4j.NetmapPorts;
import io.netmap4j.core.NetmapException;
import io.netmap4j.core.NetmapPort;
import io.netmap4j.kernel.NetmapControl;
import io.netmap4j.spec.PortSpec;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.AbstractChannel;
import io.netty.channel.ChannelMetadata;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;

import java.net.SocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NotYetConnectedException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static io.netmap4j.abi.NetmapConstants.NR_ACCEPT_VNET_HDR;
import static io.netmap4j.abi.NetmapConstants.NR_NO_TX_POLL;
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
 * Messages are {@link ByteBuf}s and {@link ByteBufHolder}s (one frame each) and
 * {@link NetmapTxBatch}es (any number of frames written in place). Every write passes through the
 * pipeline's outbound handlers as usual. A one-slot frame written on the event loop while nothing
 * waits in Netty's outbound buffer then goes straight into the next free TX slot (counted by
 * {@link #txDirectFrames()}), without an outbound-buffer entry; it still leaves only at the next
 * flush, its promise completes at that flush (and can be cancelled until then), and a close
 * before the flush fails it, as with any Netty write. Everything else waits in Netty's outbound
 * buffer, in order, and the direct path resumes once a flush has emptied it. A flush does one
 * txsync.
 *
 * <p>A zero-copy frame received on a port that shares this port's buffers, written whole on the
 * same event loop, is not copied: its buffer index moves into the TX slot ({@code NS_BUF_CHANGED})
 * and the slot's free buffer goes back to the receiving channel ({@link #txZeroCopyFrames()});
 * that is how a bridge forwards without touching the payload. Any other frame is copied once.
 * When every TX ring is full the channel becomes unwritable and waits for POLLOUT; only then does
 * it ask for POLLOUT. With {@link NetmapChannelOption#TX_MOREFRAG} a frame larger than a buffer
 * goes out as an {@code NS_MOREFRAG} chain of slots in one ring. Otherwise a frame larger than the
 * port's buffers or a message of another type fails its own write and nothing else, as does a
 * message whose buffer throws when read (for example one already released), an empty frame, and
 * any write to a port bound without a TX ring. There is no half-close: shutting the output down closes the
 * channel.
 */
public final class NetmapChannel extends AbstractChannel {
    /** No disconnect; read batches of up to 256 frames unless configured otherwise. */
    private static final ChannelMetadata METADATA = new ChannelMetadata(false, 256);
    /** The user-defined writability bit that reflects "every TX ring is full". */
    private static final int RING_FULL_WRITABILITY = 1;

    private final NetmapChannelConfig config = new NetmapChannelConfig(this);
    /** What the collaborators count, on the loop; see {@link #counters()}. */
    private final ChannelCounters counters = new ChannelCounters();
    /**
     * What {@link #unsafe()} returns, and so what the pipeline writes through. Set in
     * {@link #newUnsafe()}, which AbstractChannel's constructor calls before this class's field
     * initializers run: it must have none.
     */
    private DirectWriteUnsafe front;
    private NetmapUnsafe netty;

    private volatile boolean open = true;
    private volatile boolean active;
    private volatile NetmapAddress localAddress;
    /** Set once by bind; read on the event loop, and by port() anywhere. */
    private volatile BoundPort bound;
    private RxReader rx;
    private TxRings txRings;
    private TxWriter tx;
    private TxQueue txQueue;
    private RxZeroCopy zeroCopy;
    private IoRegistration registration;
    private NetmapIoOps ops = NetmapIoOps.NONE;
    /** Set by beginRead, cleared by the RX loop once a frame was delivered (package-private for it). */
    boolean readPending;

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

    /** The bound port, or null before bind and after it was unmapped (for diagnostics and tools). */
    public NetmapPort port() {
        BoundPort b = bound;
        return b != null && b.isMapped() ? b.port : null;
    }

    /**
     * What this channel has done since it was bound: frames and bytes each way, how they moved
     * (zero-copy views, copies, buffer-index swaps, direct writes), syncs, and what was dropped or
     * refused and why. Read on the channel's event loop; from another thread the snapshot is taken
     * there (this waits for it), or directly once the loop has stopped. Counting costs a plain
     * increment per event on the loop, so it is always on.
     */
    public NetmapChannelCounters counters() {
        if (!isRegistered() || eventLoop().inEventLoop() || eventLoop().isShuttingDown()) {
            return countersNow();
        }
        try {
            return eventLoop().submit(this::countersNow).get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return countersNow();
        } catch (ExecutionException | TimeoutException | RejectedExecutionException e) {
            return countersNow(); // the loop is going away or stuck: a snapshot without its ordering
        }
    }

    private NetmapChannelCounters countersNow() {
        BoundPort b = bound;
        return b == null ? NetmapChannelCounters.NONE
                : NetmapChannelCounters.of(counters, b.port.droppedFrames(), b.port.ringResets(),
                        b.port.lateWakeups());
    }

    /** In zero-copy mode, the frames delivered as copies ({@link NetmapChannelCounters#rxCopiedFrames()}). */
    public long rxCopiedFrames() {
        return counters().rxCopiedFrames();
    }

    /** Multi-slot frames dropped for being too long ({@link NetmapChannelCounters#rxDroppedChains()}). */
    public long rxDroppedChains() {
        return counters().rxDroppedChains();
    }

    /** Frames moved into a TX slot by buffer index ({@link NetmapChannelCounters#txZeroCopyFrames()}). */
    public long txZeroCopyFrames() {
        return counters().txZeroCopyFrames();
    }

    /** Frames written straight into a TX slot ({@link NetmapChannelCounters#txDirectFrames()}). */
    public long txDirectFrames() {
        return counters().txDirectFrames();
    }

    /**
     * The Unsafe the pipeline writes through: Netty's own, with a direct path for frames in front
     * of its write and flush ({@link DirectWriteUnsafe} says why it is done this way).
     */
    @Override
    public Unsafe unsafe() {
        return front;
    }

    @Override
    protected AbstractUnsafe newUnsafe() {
        netty = new NetmapUnsafe();
        front = new DirectWriteUnsafe(this, netty);
        return netty;
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
        ((IoEventLoop) eventLoop()).register(netty).addListener(f -> {
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
        if (bound != null || !open) {
            throw new IllegalStateException(open ? "already bound to " + localAddress : "channel closed");
        }
        PortSpec spec = netmapAddress.spec();
        if (config.isNoTxPoll()) {
            spec = spec.withFlags(NR_NO_TX_POLL);
        }
        if (config.getRxExtraBuffers() > 0) {
            spec = spec.withExtraBuffers(config.getRxExtraBuffers());
        }
        BoundPort b = new BoundPort(openPort(spec, config.getVnetHdrLen()));
        zeroCopy = config.isRxZeroCopy() ? new RxZeroCopy(this, b, counters) : null;
        rx = new RxReader(this, b, zeroCopy, counters);
        txRings = new TxRings(this, b, counters);
        tx = new TxWriter(txRings);
        txQueue = new TxQueue(this, txRings);
        localAddress = netmapAddress;
        bound = b;
        active = true;
    }

    /** Opens the port of {@code spec}, with the virtio-net header length asked for ({@link NetmapChannelOption#VNET_HDR_LEN}). */
    private NetmapPort openPort(PortSpec spec, int vnetHdrLen) throws NetmapException {
        if (vnetHdrLen == 0) {
            return NetmapPorts.open(spec, config.getBackend(), config.getNicMechanism());
        }
        if (!spec.isVale()) {
            throw new IllegalArgumentException("VNET_HDR_LEN " + vnetHdrLen + " needs a VALE port of a netmap kernel "
                    + "(valeX:Y), not " + spec.text() + "; netmap sets virtio-net headers only on VALE ports");
        }
        NetmapPort port = NetmapPorts.open(spec.withFlags(NR_ACCEPT_VNET_HDR), config.getBackend(), config.getNicMechanism());
        // PORT_HDR_SET needs the port to exist, so it comes after the register (the user backend
        // refuses NR_ACCEPT_VNET_HDR there); netmap reads the length per frame, so frames synced
        // from now on carry the header
        try (NetmapControl control = NetmapControl.open()) {
            control.portHdrSet(spec.requestName(), vnetHdrLen);
            return port;
        } catch (Throwable t) {
            port.close();
            throw t;
        }
    }

    /**
     * An Ethernet port has no half-close: shutting the output down (which Netty also does after a
     * write fails with something other than an IOException) closes the whole channel, so that the
     * close future completes, channelInactive fires and the registration goes away as with
     * {@code close()}.
     */
    @Override
    protected void doShutdownOutput() {
        netty.close(netty.voidPromise());
    }

    @Override
    protected void doDisconnect() throws Exception {
        doClose();
    }

    @Override
    protected void doClose() {
        open = false;
        active = false;
        BoundPort b = bound;
        if (b != null) {
            if (tx != null) {
                tx.discardUnflushed(new ClosedChannelException());
            }
            b.unmapWhenIdle();
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
        try {
            return TxFrameChecks.accept(msg, port(), config);
        } catch (RuntimeException e) {
            counters.refused(e, msg); // Netty filters writes on the event loop
            throw e;
        }
    }

    @Override
    protected void doWrite(ChannelOutboundBuffer in) throws Exception {
        TxWriter t = tx;
        if (t == null) {
            throw new NotYetConnectedException();
        }
        t.publishUnflushed(); // frames written directly come before anything queued
        txQueue.write(in, bound);
    }

    /** The TX writer once bound, else null; loop-confined. */
    TxWriter txWriter() {
        return tx;
    }

    int maxMessagesPerWriteValue() {
        return maxMessagesPerWrite();
    }

    /** Flushes what waits in Netty's outbound buffer (a flush that used up its budget continues here). */
    void flushQueued() {
        netty.forceFlush();
    }

    /** After a queued write pass: every TX ring full (unwritable, wait for POLLOUT), or room left. */
    void ringFull(ChannelOutboundBuffer in, boolean full) {
        in.setUserDefinedWritability(RING_FULL_WRITABILITY, !full);
        setOps(full ? ops.with(NetmapIoOps.WRITE) : ops.without(NetmapIoOps.WRITE));
    }

    private void readReady(boolean synced) {
        RxReader r = rx;
        if (r == null || !active) {
            return;
        }
        Throwable failure = r.read(synced);
        if (failure instanceof NetmapException || failure instanceof IndexOutOfBoundsException) {
            // The port is broken (or its peer left, or it handed out a bad buffer): nothing more
            // will come through it.
            netty.close(netty.voidPromise());
            return;
        }
        if (!readPending && !config.isAutoRead()) {
            setOps(ops.without(NetmapIoOps.READ));
        }
    }

    /** Netty's Unsafe for this channel, and the handle its event loop waits on. */
    final class NetmapUnsafe extends AbstractUnsafe implements NetmapIoHandle {
        @Override
        public NetmapPort port() {
            BoundPort b = bound;
            return active && b != null ? b.port : null;
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
                NetmapPort p = port();
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

        /** A txsync that ended a flush failed: as if Netty's own flush had failed. */
        void writeFailed(Throwable t) {
            handleWriteError(t);
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
}

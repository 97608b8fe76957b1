package io.netmap4j.netty;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.RecvByteBufAllocator;

import java.net.SocketAddress;

/**
 * The {@link Channel.Unsafe} a {@link NetmapChannel} hands to its pipeline: Netty's own
 * AbstractUnsafe for everything, except that a frame written while nothing is queued goes
 * straight into a TX slot ({@link TxWriter#tryWrite}) instead of into Netty's outbound buffer.
 *
 * <h2>Why the fast path lives here</h2>
 * Netty 4.2's {@code AbstractUnsafe.write} and {@code flush} are final, and every message they
 * take costs a {@code ChannelOutboundBuffer} entry and its bookkeeping (about 80 ns, which caps
 * one write per frame near 10-12 M frames/s). The pipeline's head context takes its Unsafe from
 * {@link Channel#unsafe()} once, when the pipeline is built, and calls its {@code write} and
 * {@code flush} only after every outbound handler of the user has seen the message. So the
 * channel exposes this front: the user's handlers see every write exactly as before, promises,
 * writability and close keep Netty's meaning, and only the last step, from the head into the
 * transport, is shorter. (Also considered: a handler the channel installs next to the head,
 * which a user's {@code addFirst} would put handlers behind, so they would miss the writes it
 * takes; and a queue of the channel's own beside Netty's, a second ordering to keep in step.)
 *
 * <h2>Keeping Netty's order</h2>
 * A frame goes direct only when Netty's outbound buffer holds nothing: no flushed message
 * ({@link ChannelOutboundBuffer#isEmpty()}) and no message written since the last flush (which
 * {@code isEmpty()} does not see; {@link #queued} tracks it). Otherwise it joins the queue behind
 * the others, and the direct path resumes after a flush has emptied the queue. A flush publishes
 * the direct frames first (they were written first), then lets Netty write the queue, then does
 * one txsync for both.
 */
final class DirectWriteUnsafe implements Channel.Unsafe {
    private final NetmapChannel channel;
    private final NetmapChannel.NetmapUnsafe netty;
    /** A write went to Netty's outbound buffer since the last flush. */
    private boolean queued;
    private final Runnable flushQueue = this::flushQueue;

    DirectWriteUnsafe(NetmapChannel channel, NetmapChannel.NetmapUnsafe netty) {
        this.channel = channel;
        this.netty = netty;
    }

    @Override
    public void write(Object msg, ChannelPromise promise) {
        if (msg instanceof NetmapRxBatch batch) {
            writeBatch(batch, -1, promise);
            return;
        }
        if (msg instanceof NetmapRxBatch.Tagged tagged) {
            writeBatch(tagged.batch(), tagged.tag(), promise);
            return;
        }
        TxWriter tx = channel.txWriter();
        if (!queued && tx != null) {
            ChannelOutboundBuffer out = netty.outboundBuffer();
            // Like AbstractUnsafe.write, this runs on the channel's event loop: the pipeline's head
            // calls it there, and Channel.Unsafe may not be called from elsewhere.
            assert channel.eventLoop().inEventLoop();
            if (out != null && out.isEmpty() && tx.tryWrite(msg, promise)) {
                return;
            }
        }
        queued = true;
        netty.write(msg, promise);
    }

    /**
     * Writes the frames of an RX batch that {@code tag} selects, before this returns (the batch's
     * slots go back to its ring after its channelRead): into TX slots while there is room and
     * nothing queued, the rest into Netty's outbound buffer, in order, as zero-copy views that keep
     * their RX slots (RX_ZERO_COPY) or as copies. The promise
     * completes with the last frame; it cannot be cancelled once the frames are taken.
     */
    private void writeBatch(NetmapRxBatch batch, int tag, ChannelPromise promise) {
        if (!batch.isCurrent()) {
            promise.tryFailure(new IllegalStateException(batch.channel().eventLoop() != channel.eventLoop()
                    ? "a NetmapRxBatch cannot be written to a channel on another event loop (" + batch + " of "
                    + batch.channel() + " to " + channel + "): bind both on one loop, or write through "
                    + "FrameOutputs, which copies the frames for such a channel"
                    : "a NetmapRxBatch can be written only inside the channelRead that delivered it (" + batch
                    + " to " + channel + "); copy its frames to send them later"));
            return;
        }
        boolean real = !promise.isVoid();
        if (real && !promise.setUncancellable()) {
            return; // cancelled before it was written: nothing is sent, the frames stay in the batch
        }
        if (batch.countFrames(tag) == 0) {
            if (real) {
                promise.trySuccess();
            }
            return;
        }
        int last = real ? batch.lastSelected(tag) : -1; // the frame that carries a real promise
        TxWriter tx = channel.txWriter();
        ChannelOutboundBuffer out = netty.outboundBuffer();
        if (!queued && tx != null && out != null && out.isEmpty()
                && tx.tryWriteBatch(batch, tag, real ? promise : null, last)) {
            return;
        }
        queued = true;
        ChannelPromise voidPromise = netty.voidPromise();
        for (int i = 0; i < batch.size(); i++) {
            if (batch.selected(i, tag)) {
                ByteBuf frame = batch.lend(i, channel.alloc());
                batch.taken(i);
                netty.write(frame, i == last ? promise : voidPromise);
            }
        }
    }

    @Override
    public void flush() {
        TxWriter tx = channel.txWriter();
        if (tx == null) {
            queued = false;
            netty.flush();
            return;
        }
        try {
            tx.flush(flushQueue);
        } catch (Throwable t) {
            netty.writeFailed(t);
        }
    }

    /** Netty's own flush, when something may wait in its outbound buffer (its doWrite syncs for the direct frames too). */
    private void flushQueue() {
        ChannelOutboundBuffer out = netty.outboundBuffer();
        if (queued || out != null && !out.isEmpty()) {
            queued = false;
            netty.flush();
        }
    }

    @Override
    public RecvByteBufAllocator.Handle recvBufAllocHandle() {
        return netty.recvBufAllocHandle();
    }

    @Override
    public SocketAddress localAddress() {
        return netty.localAddress();
    }

    @Override
    public SocketAddress remoteAddress() {
        return netty.remoteAddress();
    }

    @Override
    public void register(EventLoop eventLoop, ChannelPromise promise) {
        netty.register(eventLoop, promise);
    }

    @Override
    public void bind(SocketAddress localAddress, ChannelPromise promise) {
        netty.bind(localAddress, promise);
    }

    @Override
    public void connect(SocketAddress remoteAddress, SocketAddress localAddress, ChannelPromise promise) {
        netty.connect(remoteAddress, localAddress, promise);
    }

    @Override
    public void disconnect(ChannelPromise promise) {
        netty.disconnect(promise);
    }

    @Override
    public void close(ChannelPromise promise) {
        netty.close(promise);
    }

    @Override
    public void closeForcibly() {
        netty.closeForcibly();
    }

    @Override
    public void deregister(ChannelPromise promise) {
        netty.deregister(promise);
    }

    @Override
    public void beginRead() {
        netty.beginRead();
    }

    @Override
    public ChannelPromise voidPromise() {
        return netty.voidPromise();
    }

    @Override
    public ChannelOutboundBuffer outboundBuffer() {
        return netty.outboundBuffer();
    }

    @Override
    public String toString() {
        return channel.toString();
    }
}

package io.netmap4j.netty;

import io.netmap4j.NetmapPorts;
import io.netmap4j.core.NetmapBackend;
import io.netmap4j.user.nic.NicMechanism;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.channel.DefaultChannelConfig;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MessageSizeEstimator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;

import java.util.Map;

import static io.netmap4j.netty.NetmapChannelOption.BACKEND;
import static io.netmap4j.netty.NetmapChannelOption.NIC_MECHANISM;
import static io.netmap4j.netty.NetmapChannelOption.NO_TX_POLL;
import static io.netmap4j.netty.NetmapChannelOption.VNET_HDR_LEN;
import static io.netmap4j.netty.NetmapChannelOption.RX_EXTRA_BUFFERS;
import static io.netmap4j.netty.NetmapChannelOption.RX_FRAME_METADATA;
import static io.netmap4j.netty.NetmapChannelOption.RX_BATCH;
import static io.netmap4j.netty.NetmapChannelOption.RX_READ_AHEAD;
import static io.netmap4j.netty.NetmapChannelOption.RX_ZERO_COPY;
import static io.netmap4j.netty.NetmapChannelOption.TX_MOREFRAG;

/**
 * Configuration of a {@link NetmapChannel}: Netty's usual options plus {@link NetmapChannelOption}s.
 * The receive allocator is a fixed 2048-byte one (a default netmap buffer); only its
 * {@code maxMessagesPerRead}, the RX batch, matters, because each frame is allocated at its exact
 * length (copy mode) or not at all (zero-copy mode).
 */
public final class NetmapChannelConfig extends DefaultChannelConfig {
    private final NetmapChannel channel;
    private volatile boolean rxZeroCopy;
    private volatile boolean rxFrameMetadata;
    private volatile boolean rxReadAhead = true;
    private volatile boolean rxBatch;
    private volatile int rxExtraBuffers;
    private volatile boolean noTxPoll;
    private volatile int vnetHdrLen;
    private volatile boolean txMoreFrag;
    private volatile NetmapBackend backend;
    private volatile NicMechanism nicMechanism = NicMechanism.AUTO;

    NetmapChannelConfig(NetmapChannel channel) {
        super(channel, new FixedRecvByteBufAllocator(2048));
        this.channel = channel;
    }

    @Override
    public Map<ChannelOption<?>, Object> getOptions() {
        return getOptions(super.getOptions(), RX_ZERO_COPY, RX_FRAME_METADATA, RX_READ_AHEAD, RX_BATCH, RX_EXTRA_BUFFERS, NO_TX_POLL, BACKEND,
                TX_MOREFRAG, NIC_MECHANISM, VNET_HDR_LEN);
    }

    @SuppressWarnings("unchecked")
    @Override
    public <T> T getOption(ChannelOption<T> option) {
        if (option == RX_ZERO_COPY) {
            return (T) Boolean.valueOf(isRxZeroCopy());
        }
        if (option == RX_FRAME_METADATA) {
            return (T) Boolean.valueOf(isRxFrameMetadata());
        }
        if (option == RX_READ_AHEAD) {
            return (T) Boolean.valueOf(isRxReadAhead());
        }
        if (option == RX_BATCH) {
            return (T) Boolean.valueOf(isRxBatch());
        }
        if (option == RX_EXTRA_BUFFERS) {
            return (T) Integer.valueOf(getRxExtraBuffers());
        }
        if (option == TX_MOREFRAG) {
            return (T) Boolean.valueOf(isTxMoreFrag());
        }
        if (option == NO_TX_POLL) {
            return (T) Boolean.valueOf(isNoTxPoll());
        }
        if (option == BACKEND) {
            return (T) getBackend().name();
        }
        if (option == NIC_MECHANISM) {
            return (T) getNicMechanism().id();
        }
        if (option == VNET_HDR_LEN) {
            return (T) Integer.valueOf(getVnetHdrLen());
        }
        return super.getOption(option);
    }

    @Override
    public <T> boolean setOption(ChannelOption<T> option, T value) {
        validate(option, value);
        if (option == RX_ZERO_COPY) {
            setRxZeroCopy((Boolean) value);
        } else if (option == RX_FRAME_METADATA) {
            setRxFrameMetadata((Boolean) value);
        } else if (option == RX_READ_AHEAD) {
            setRxReadAhead((Boolean) value);
        } else if (option == RX_BATCH) {
            setRxBatch((Boolean) value);
        } else if (option == RX_EXTRA_BUFFERS) {
            setRxExtraBuffers((Integer) value);
        } else if (option == TX_MOREFRAG) {
            setTxMoreFrag((Boolean) value);
        } else if (option == NO_TX_POLL) {
            setNoTxPoll((Boolean) value);
        } else if (option == BACKEND) {
            setBackend(NetmapPorts.backend((String) value));
        } else if (option == NIC_MECHANISM) {
            setNicMechanism(NicMechanism.of((String) value));
        } else if (option == VNET_HDR_LEN) {
            setVnetHdrLen((Integer) value);
        } else {
            return super.setOption(option, value);
        }
        return true;
    }

    public boolean isRxZeroCopy() {
        return rxZeroCopy;
    }

    /**
     * See {@link NetmapChannelOption#RX_ZERO_COPY}; read at bind.
     *
     * @throws IllegalStateException when changed while the channel is bound
     */
    public NetmapChannelConfig setRxZeroCopy(boolean rxZeroCopy) {
        checkUnbound("RX_ZERO_COPY", this.rxZeroCopy, rxZeroCopy);
        this.rxZeroCopy = rxZeroCopy;
        return this;
    }

    public boolean isRxFrameMetadata() {
        return rxFrameMetadata;
    }

    /** See {@link NetmapChannelOption#RX_FRAME_METADATA}. */
    public NetmapChannelConfig setRxFrameMetadata(boolean rxFrameMetadata) {
        this.rxFrameMetadata = rxFrameMetadata;
        return this;
    }

    public int getRxExtraBuffers() {
        return rxExtraBuffers;
    }

    /**
     * See {@link NetmapChannelOption#RX_EXTRA_BUFFERS}; read at bind.
     *
     * @throws IllegalStateException when changed while the channel is bound
     */
    public NetmapChannelConfig setRxExtraBuffers(int rxExtraBuffers) {
        if (rxExtraBuffers < 0) {
            throw new IllegalArgumentException("RX_EXTRA_BUFFERS must be 0 or more, not " + rxExtraBuffers);
        }
        checkUnbound("RX_EXTRA_BUFFERS", this.rxExtraBuffers, rxExtraBuffers);
        this.rxExtraBuffers = rxExtraBuffers;
        return this;
    }

    public boolean isRxReadAhead() {
        return rxReadAhead;
    }

    /** See {@link NetmapChannelOption#RX_READ_AHEAD}; read at every RX batch. */
    public NetmapChannelConfig setRxReadAhead(boolean rxReadAhead) {
        this.rxReadAhead = rxReadAhead;
        return this;
    }

    public boolean isRxBatch() {
        return rxBatch;
    }

    /** See {@link NetmapChannelOption#RX_BATCH}; read at every RX batch. */
    public NetmapChannelConfig setRxBatch(boolean rxBatch) {
        this.rxBatch = rxBatch;
        return this;
    }

    public boolean isTxMoreFrag() {
        return txMoreFrag;
    }

    /** See {@link NetmapChannelOption#TX_MOREFRAG}. */
    public NetmapChannelConfig setTxMoreFrag(boolean txMoreFrag) {
        this.txMoreFrag = txMoreFrag;
        return this;
    }

    public boolean isNoTxPoll() {
        return noTxPoll;
    }

    /** The backend that opens the port at bind; see {@link NetmapChannelOption#BACKEND}. */
    public NetmapBackend getBackend() {
        NetmapBackend b = backend;
        return b != null ? b : NetmapPorts.defaultBackend();
    }

    /**
     * See {@link NetmapChannelOption#BACKEND}; read at bind.
     *
     * @throws IllegalStateException when changed while the channel is bound
     */
    public NetmapChannelConfig setBackend(NetmapBackend backend) {
        checkUnbound("BACKEND", getBackend().name(), backend == null ? NetmapPorts.defaultBackend().name() : backend.name());
        this.backend = backend;
        return this;
    }

    /** How the user backend opens a network interface; see {@link NetmapChannelOption#NIC_MECHANISM}. */
    public NicMechanism getNicMechanism() {
        return nicMechanism;
    }

    /**
     * See {@link NetmapChannelOption#NIC_MECHANISM}; read at bind.
     *
     * @throws IllegalStateException when changed while the channel is bound
     */
    public NetmapChannelConfig setNicMechanism(NicMechanism nicMechanism) {
        java.util.Objects.requireNonNull(nicMechanism, "nicMechanism");
        checkUnbound("NIC_MECHANISM", this.nicMechanism.id(), nicMechanism.id());
        this.nicMechanism = nicMechanism;
        return this;
    }

    public int getVnetHdrLen() {
        return vnetHdrLen;
    }

    /**
     * See {@link NetmapChannelOption#VNET_HDR_LEN}; read at bind.
     *
     * @throws IllegalArgumentException for a length other than 0, 10 or 12
     * @throws IllegalStateException when changed while the channel is bound
     */
    public NetmapChannelConfig setVnetHdrLen(int vnetHdrLen) {
        if (vnetHdrLen != 0 && vnetHdrLen != 10 && vnetHdrLen != 12) {
            throw new IllegalArgumentException("VNET_HDR_LEN must be 0 (no header), 10 or 12 (virtio-net header "
                    + "lengths netmap knows), not " + vnetHdrLen);
        }
        checkUnbound("VNET_HDR_LEN", this.vnetHdrLen, vnetHdrLen);
        this.vnetHdrLen = vnetHdrLen;
        return this;
    }

    /**
     * See {@link NetmapChannelOption#NO_TX_POLL}; read at bind.
     *
     * @throws IllegalStateException when changed while the channel is bound
     */
    public NetmapChannelConfig setNoTxPoll(boolean noTxPoll) {
        checkUnbound("NO_TX_POLL", this.noTxPoll, noTxPoll);
        this.noTxPoll = noTxPoll;
        return this;
    }

    /**
     * Options that shape how the port is opened and how its RX slots are owned cannot change
     * under a bound channel: switching zero-copy off while frames are still held would let the
     * ring give their buffers back to the sender. (The channel also keeps its own copy from bind.)
     */
    private void checkUnbound(String option, Object current, Object value) {
        if (channel.isActive() && !current.equals(value)) {
            throw new IllegalStateException(option + " is read when the channel binds and cannot change while "
                    + channel + " is bound (it is " + current + "); set it on the Bootstrap before bind");
        }
    }

    @Override
    protected void autoReadCleared() {
        channel.clearReadPending();
    }

    // Covariant returns, as Netty's own configs do, so chained setters keep the type.

    @Override
    public NetmapChannelConfig setConnectTimeoutMillis(int connectTimeoutMillis) {
        super.setConnectTimeoutMillis(connectTimeoutMillis);
        return this;
    }

    @Override
    public NetmapChannelConfig setMaxMessagesPerWrite(int maxMessagesPerWrite) {
        super.setMaxMessagesPerWrite(maxMessagesPerWrite);
        return this;
    }

    @Override
    public NetmapChannelConfig setWriteSpinCount(int writeSpinCount) {
        super.setWriteSpinCount(writeSpinCount);
        return this;
    }

    @Override
    public NetmapChannelConfig setAllocator(ByteBufAllocator allocator) {
        super.setAllocator(allocator);
        return this;
    }

    @Override
    public NetmapChannelConfig setRecvByteBufAllocator(RecvByteBufAllocator allocator) {
        super.setRecvByteBufAllocator(allocator);
        return this;
    }

    @Override
    public NetmapChannelConfig setAutoRead(boolean autoRead) {
        super.setAutoRead(autoRead);
        return this;
    }

    @Override
    public NetmapChannelConfig setAutoClose(boolean autoClose) {
        super.setAutoClose(autoClose);
        return this;
    }

    @Override
    public NetmapChannelConfig setWriteBufferWaterMark(WriteBufferWaterMark writeBufferWaterMark) {
        super.setWriteBufferWaterMark(writeBufferWaterMark);
        return this;
    }

    @Override
    public NetmapChannelConfig setMessageSizeEstimator(MessageSizeEstimator estimator) {
        super.setMessageSizeEstimator(estimator);
        return this;
    }
}

package io.netmap4j.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;

/**
 * A received frame with where it came from, delivered instead of a bare {@link ByteBuf} when
 * {@link NetmapChannelOption#RX_FRAME_METADATA} is on. Written to a channel, only its content
 * is sent (the metadata describes a reception, not a transmission).
 *
 * <p>Cost: one small object per received frame (and per {@code replace}/{@code copy}/
 * {@code duplicate}). It is not recycled, because a handler may keep it, and a recycled holder
 * kept past its release would silently change under it; leave the option off on paths where
 * that allocation matters.
 */
public final class NetmapFrame extends DefaultByteBufHolder {
    private final int ringId;
    private final int slotFlags;
    private final long timestampMicros;

    public NetmapFrame(ByteBuf content, int ringId, int slotFlags, long timestampMicros) {
        super(content);
        this.ringId = ringId;
        this.slotFlags = slotFlags;
        this.timestampMicros = timestampMicros;
    }

    /** The RX ring the frame arrived on ({@code ringid}). */
    public int ringId() {
        return ringId;
    }

    /** The slot's {@code NS_*} flags at reception. */
    public int slotFlags() {
        return slotFlags;
    }

    /**
     * The ring's timestamp of the sync that brought the frame, in microseconds since the epoch
     * (netmap stamps rings, not frames; 0 when the backend does not set it).
     */
    public long timestampMicros() {
        return timestampMicros;
    }

    @Override
    public NetmapFrame replace(ByteBuf content) {
        return new NetmapFrame(content, ringId, slotFlags, timestampMicros);
    }

    @Override
    public NetmapFrame copy() {
        return replace(content().copy());
    }

    @Override
    public NetmapFrame duplicate() {
        return replace(content().duplicate());
    }

    @Override
    public NetmapFrame retainedDuplicate() {
        return replace(content().retainedDuplicate());
    }

    @Override
    public NetmapFrame retain() {
        super.retain();
        return this;
    }

    @Override
    public NetmapFrame retain(int increment) {
        super.retain(increment);
        return this;
    }

    @Override
    public NetmapFrame touch() {
        super.touch();
        return this;
    }

    @Override
    public NetmapFrame touch(Object hint) {
        super.touch(hint);
        return this;
    }

    @Override
    public String toString() {
        return "NetmapFrame(ring " + ringId + ", flags 0x" + Integer.toHexString(slotFlags) + ", ts "
                + timestampMicros + ", " + content().readableBytes() + " B)";
    }
}

package io.netmap4j.netty;

import io.netmap4j.core.NetmapPort;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;

import static io.netmap4j.abi.NetmapConstants.NETMAP_MAX_FRAGS;

/**
 * What a {@link NetmapChannel} accepts to write, with the errors that say why not: a message type,
 * a frame size, a port that can transmit (a TX ring bound, not a monitor).
 */
final class TxFrameChecks {
    private static final String EXPECTED_TYPES = " (expected: ByteBuf, ByteBufHolder, NetmapTxBatch)";

    private TxFrameChecks() {
    }

    /**
     * {@code msg} itself if the channel can take it, bound to {@code port} (or still unbound, when
     * {@code port} is null: the size is checked again at the flush).
     *
     * @throws UnsupportedOperationException for a message of another type
     * @throws IllegalStateException         when the port has no TX ring
     * @throws IllegalArgumentException      for a frame that does not fit
     */
    static Object accept(Object msg, NetmapPort port, NetmapChannelConfig config) {
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
        if (port != null) {
            if (!port.canTransmit()) {
                throw noTxRing(port);
            }
            checkFits(config, content.readableBytes(), port.bufferSize(), port);
        }
        return msg;
    }

    /** True for a frame of no bytes, which {@link #checkFits} refuses. */
    static boolean isEmpty(Object msg) {
        ByteBuf content = msg instanceof ByteBuf buf ? buf : msg instanceof ByteBufHolder h ? h.content() : null;
        return content != null && content.readableBytes() == 0;
    }

    /** The largest frame a write may carry: one buffer, or a whole chain with TX_MOREFRAG. */
    static int maxFrame(NetmapChannelConfig config, int bufferSize) {
        return config.isTxMoreFrag() ? bufferSize * NETMAP_MAX_FRAGS : bufferSize;
    }

    static IllegalStateException noTxRing(NetmapPort p) {
        return new IllegalStateException("cannot write to " + p.name() + (p.spec().isMonitor()
                ? ": it is a monitor, which only receives; write to the port it monitors"
                : ": it has no TX ring bound (opened for reception only, e.g. with /R); bind a port name that "
                + "includes a TX ring to send"));
    }

    /**
     * @throws IllegalArgumentException for an empty frame (it would go out as a 0-byte slot, which
     *                                  a pipe delivers and a NIC drops, and its writer would never
     *                                  learn of the mistake), or one larger than {@link #maxFrame}
     */
    static void checkFits(NetmapChannelConfig config, int length, int bufferSize, NetmapPort p) {
        if (length == 0) {
            throw new IllegalArgumentException("an empty frame (0 bytes) cannot be sent on " + p.name()
                    + ": a frame needs at least an Ethernet header; check the buffer's reader and writer indexes");
        }
        if (length > maxFrame(config, bufferSize)) {
            throw new IllegalArgumentException(config.isTxMoreFrag()
                    ? "a frame of " + length + " bytes needs more than " + NETMAP_MAX_FRAGS + " slots of "
                    + bufferSize + " bytes on " + p.name() + " (NETMAP_MAX_FRAGS); send smaller frames"
                    : "a frame of " + length + " bytes does not fit the " + bufferSize + "-byte buffers of "
                    + p.name() + "; send smaller frames, or set TX_MOREFRAG if the port takes multi-slot "
                    + "frames (pipes and VALE ports do)");
        }
    }
}

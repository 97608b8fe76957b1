package io.netmap4j.netty;

import io.netty.channel.ChannelOption;

/**
 * Options of {@link NetmapChannel}, beside Netty's own (of which {@code MAX_MESSAGES_PER_READ}
 * is the RX batch, {@code MAX_MESSAGES_PER_WRITE} the TX batch per flush,
 * {@code WRITE_BUFFER_WATER_MARK} and {@code AUTO_READ} work as usual). Ring selection is part
 * of the port name ({@link NetmapAddress}). Options marked "at bind" are read when the port is
 * opened.
 */
public final class NetmapChannelOption<T> extends ChannelOption<T> {
    /**
     * At bind: deliver each received frame as a view of its netmap buffer instead of a copy
     * (default false; cannot change while the channel is bound). The ByteBuf goes back to the ring when released; see {@link NetmapChannel} for what
     * happens when a handler keeps it.
     */
    public static final ChannelOption<Boolean> RX_ZERO_COPY = valueOf(NetmapChannelOption.class, "RX_ZERO_COPY");

    /**
     * Deliver {@link NetmapFrame}s (the frame plus ring, slot flags and timestamp) instead of bare
     * ByteBufs (default false). Costs one small object per frame.
     */
    public static final ChannelOption<Boolean> RX_FRAME_METADATA =
            valueOf(NetmapChannelOption.class, "RX_FRAME_METADATA");

    /**
     * At bind: extra netmap buffers to ask the port for (default 0; cannot change while the
     * channel is bound). In zero-copy mode a frame a
     * handler keeps past {@code channelRead} is swapped out of its slot for one of these, so the
     * ring moves on.
     */
    public static final ChannelOption<Integer> RX_EXTRA_BUFFERS = valueOf(NetmapChannelOption.class, "RX_EXTRA_BUFFERS");

    /**
     * Read the first byte of every frame of an RX batch before delivering the first (default
     * true). Handlers that read headers then find them in cache: the misses on frames another
     * core wrote, and on their pages' TLB entries, overlap instead of adding up one frame at a
     * time. Turn it off for a channel whose handlers never read the frames they get (a plain
     * zero-copy forwarder): for them it is only cost.
     */
    public static final ChannelOption<Boolean> RX_READ_AHEAD = valueOf(NetmapChannelOption.class, "RX_READ_AHEAD");

    /**
     * Deliver each RX read as one {@link NetmapRxBatch} message (the frames of one ring, read in
     * place in their slots) instead of one message per frame (default false). For network
     * functions that must run at ring speed: a handler walks the batch, drops frames or tags them
     * for an output, and writing the batch to a channel on the same event loop moves its frames
     * into TX slots by buffer index. One pipeline traversal per batch instead of two per frame,
     * and no object per frame. Handlers that expect {@code ByteBuf}s do not understand it; see
     * {@link NetmapRxBatch}.
     */
    public static final ChannelOption<Boolean> RX_BATCH = valueOf(NetmapChannelOption.class, "RX_BATCH");

    /**
     * Send a frame larger than one netmap buffer as a chain of slots flagged {@code NS_MOREFRAG}
     * (default false: such a frame fails its write with "does not fit"). Turn it on only for
     * ports whose other side gathers chains: user pipes and VALE do, a NIC driver may not. At most
     * {@code NETMAP_MAX_FRAGS} slots per frame. Received chains are always gathered into one frame.
     */
    public static final ChannelOption<Boolean> TX_MOREFRAG = valueOf(NetmapChannelOption.class, "TX_MOREFRAG");

    /**
     * At bind: register with {@code NR_NO_TX_POLL}, so that waiting for RX does not also sync the
     * TX rings (default false). Useful when TX is synced by flushes anyway.
     */
    public static final ChannelOption<Boolean> NO_TX_POLL = valueOf(NetmapChannelOption.class, "NO_TX_POLL");

    /**
     * At bind: the backend that opens the port, {@code "kernel"}, {@code "user"} or {@code "auto"}
     * (default: {@code -Dnetmap4j.backend}, else the kernel module when /dev/netmap exists and
     * the user-space backend otherwise; see {@link io.netmap4j.NetmapPorts}).
     */
    public static final ChannelOption<String> BACKEND = valueOf(NetmapChannelOption.class, "BACKEND");

    /**
     * At bind, for a network interface opened by the user backend ({@code netmap:eth0},
     * {@code netmap:eth0-1}): {@code "xdp"} (AF_XDP, frames land in netmap buffers without a copy),
     * {@code "packet"} (AF_PACKET, one copy, works everywhere) or {@code "auto"} (default:
     * {@code -Dnetmap4j.nic}, else AF_XDP where its program loads and its socket binds, AF_PACKET
     * otherwise). Ignored by the kernel backend, whose NICs are native netmap ports.
     */
    public static final ChannelOption<String> NIC_MECHANISM = valueOf(NetmapChannelOption.class, "NIC_MECHANISM");

    /**
     * At bind, for a VALE port of a netmap kernel ({@code valeX:Y} with {@code -Dnetmap4j.backend=kernel}
     * or {@code BACKEND "kernel"}): the length of the virtio-net header that every frame of the
     * port carries in front of its Ethernet header, 0 (default, none), 10 or 12. The channel
     * registers with {@code NR_ACCEPT_VNET_HDR} and sets the length with {@code PORT_HDR_SET}; handlers
     * then see the header as the first bytes of each received frame and must put one in front of
     * each frame they write (all zero: no offloads). The switch converts between ports of different
     * lengths and does the segmentation a header asks for when the destination has none (netmap's
     * offloadings). The length stays with the port while it exists. Refused at bind for other
     * ports and on the user backend, whose VALE carries no header.
     */
    public static final ChannelOption<Integer> VNET_HDR_LEN = valueOf(NetmapChannelOption.class, "VNET_HDR_LEN");

    @SuppressWarnings({"deprecation", "unused"})
    private NetmapChannelOption() {
        super(null);
    }
}

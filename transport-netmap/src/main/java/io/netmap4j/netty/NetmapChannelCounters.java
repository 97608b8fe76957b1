package io.netmap4j.netty;

/**
 * A snapshot of what a {@link NetmapChannel} has done since it was bound
 * ({@link NetmapChannel#counters()}), also readable through JMX ({@link NetmapJmx}).
 *
 * @param rxFrames           frames handed to the pipeline
 * @param rxBytes            their bytes
 * @param rxZeroCopyFrames   of them, read in their netmap buffer (RX_ZERO_COPY views, RX_BATCH frames)
 * @param rxCopiedFrames     in zero-copy mode, frames copied because their buffer's view was still
 *                           referenced (a peer reusing a buffer it gave; 0 when peers follow the protocol)
 * @param rxExtraBufferSwaps frames a handler kept past channelRead whose slot took an extra buffer
 * @param rxDroppedChains    multi-slot frames dropped for being longer than NETMAP_MAX_FRAGS slots
 * @param rxSyncs            rxsyncs the channel asked for (each a system call on the kernel backend;
 *                           the user backend's readiness checks sync too, and are not counted)
 * @param txFrames           frames put into TX slots (direct and queued paths, batches included)
 * @param txBytes            their bytes
 * @param txDirectFrames     of them, written straight into a slot without an outbound-buffer entry
 * @param txZeroCopyFrames   of them, moved by buffer index instead of copied
 * @param txSyncs            txsyncs (each a system call on the kernel backend)
 * @param txRefusedTooLarge  writes refused: the frame does not fit the port's buffers
 * @param txRefusedEmpty     writes refused: the frame has no bytes (an empty Ethernet frame does not exist)
 * @param txRefusedType      writes refused: not a ByteBuf, ByteBufHolder or NetmapTxBatch
 * @param txRefusedNoRing    writes refused: the port has no TX ring (/R) or is a monitor
 * @param txFailed           writes failed because the message could not be read (released, broken)
 * @param portDroppedFrames  frames the port dropped, as far as its backend tells (damaged descriptors
 *                           from a user-backend peer, a NIC mechanism's drops; 0 on the kernel backend)
 * @param portRingResets     rings reset because an index broke netmap's rules (user backend)
 * @param portLateWakeups    sleeps in poll that ran to their bound although the port was ready: a
 *                           wake-up a user-backend peer owed and did not deliver (0 when peers follow
 *                           the protocol; 0 on the kernel backend)
 */
public record NetmapChannelCounters(long rxFrames, long rxBytes, long rxZeroCopyFrames, long rxCopiedFrames,
                                    long rxExtraBufferSwaps, long rxDroppedChains, long rxSyncs,
                                    long txFrames, long txBytes, long txDirectFrames, long txZeroCopyFrames,
                                    long txSyncs, long txRefusedTooLarge, long txRefusedEmpty, long txRefusedType,
                                    long txRefusedNoRing, long txFailed, long portDroppedFrames, long portRingResets,
                                    long portLateWakeups) {
    /** Nothing counted: a channel that was never bound. */
    public static final NetmapChannelCounters NONE = new NetmapChannelCounters(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 0);

    static NetmapChannelCounters of(ChannelCounters c, long portDroppedFrames, long portRingResets,
                                    long portLateWakeups) {
        return new NetmapChannelCounters(c.rxFrames, c.rxBytes, c.rxZeroCopyFrames, c.rxCopiedFrames,
                c.rxExtraBufferSwaps, c.rxDroppedChains, c.rxSyncs, c.txFrames, c.txBytes,
                c.txDirectFrames, c.txZeroCopyFrames, c.txSyncs, c.txRefusedTooLarge, c.txRefusedEmpty, c.txRefusedType,
                c.txRefusedNoRing, c.txFailed, portDroppedFrames, portRingResets, portLateWakeups);
    }
}

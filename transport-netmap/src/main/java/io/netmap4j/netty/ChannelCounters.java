package io.netmap4j.netty;

/**
 * What a {@link NetmapChannel} counts as it works, written by its collaborators on the channel's
 * event loop with plain increments (a register add per event; nothing shared, nothing atomic) and
 * read there into a {@link NetmapChannelCounters} snapshot. Loop-confined.
 */
final class ChannelCounters {
    long rxFrames;
    long rxBytes;
    long rxZeroCopyFrames;
    long rxCopiedFrames;
    long rxExtraBufferSwaps;
    long rxDroppedChains;
    long rxSyncs;
    long txFrames;
    long txBytes;
    long txDirectFrames;
    long txZeroCopyFrames;
    long txSyncs;
    long txRefusedTooLarge;
    long txRefusedEmpty;
    long txRefusedType;
    long txRefusedNoRing;
    long txFailed;

    /** A frame of {@code length} bytes went into a TX slot. */
    void sent(int length) {
        txFrames++;
        txBytes += length;
    }

    /** Counts the write of {@code msg} that {@link TxFrameChecks} refused with {@code e}, by its cause. */
    void refused(RuntimeException e, Object msg) {
        if (e instanceof UnsupportedOperationException) {
            txRefusedType++;
        } else if (e instanceof IllegalStateException) {
            txRefusedNoRing++;
        } else if (TxFrameChecks.isEmpty(msg)) {
            txRefusedEmpty++;
        } else {
            txRefusedTooLarge++;
        }
    }
}

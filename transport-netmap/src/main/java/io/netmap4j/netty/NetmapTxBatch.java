package io.netmap4j.netty;

/**
 * A message that writes frames straight into TX slots, for senders that must go past what one
 * Netty message per frame allows (each message costs Netty's outbound bookkeeping; a batch pays it
 * once for any number of frames).
 *
 * <p>Write it like any message ({@code channel.writeAndFlush(batch)}). When the flush reaches it,
 * the channel calls {@link #fill(NetmapTxSlots)} on its event loop with the free slots of a TX
 * ring; the batch writes frames into them in place and commits each. Returning true completes the
 * write (its promise succeeds); returning false asks to be called again when there is room: at
 * once while the ring has room (after the loop has run its tasks), otherwise when the ring drains.
 * All frames committed in one flush go out with one txsync. A batch that never returns true is a
 * packet generator; close the channel or make it return true to stop it.
 *
 * <p>An exception thrown by {@code fill} fails this write only; frames it committed before
 * throwing are still sent.
 */
@FunctionalInterface
public interface NetmapTxBatch {
    /**
     * Fills some of {@code slots}; called on the event loop.
     *
     * @return true when this batch has nothing more to send
     */
    boolean fill(NetmapTxSlots slots) throws Exception;
}

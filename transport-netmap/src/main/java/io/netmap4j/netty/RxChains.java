package io.netmap4j.netty;

import io.netmap4j.core.NetmapRing;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import static io.netmap4j.abi.NetmapConstants.NETMAP_MAX_FRAGS;
import static io.netmap4j.abi.NetmapConstants.NS_MOREFRAG;

/**
 * Received frames that span several slots ({@code NS_MOREFRAG} on every slot but the last):
 * where such a chain ends, and its bytes gathered into one buffer. A chain longer than netmap
 * allows ({@code NETMAP_MAX_FRAGS} slots) is dropped and counted, and so is the rest of it (the
 * ring remembers that it is inside one) up to its last slot. Loop-confined.
 */
final class RxChains {
    /** {@link #end} result: the chain goes on past the ring's tail. */
    static final int INCOMPLETE = Integer.MIN_VALUE;

    private final BoundPort bound;
    /** Per RX ring: inside an over-long chain that is being dropped. */
    private final boolean[] discarding;
    private final ChannelCounters counters;

    RxChains(BoundPort bound, ChannelCounters counters) {
        this.bound = bound;
        this.counters = counters;
        this.discarding = new boolean[bound.port.rxRingCount()];
    }

    /** True when the frame at {@code slot} of ring {@code r} is (part of) a chain, not a one-slot frame. */
    boolean startsAt(int r, int slotFlags) {
        return (slotFlags & NS_MOREFRAG) != 0 || discarding[r];
    }

    /**
     * Where the chain starting at {@code first} ends: its last slot (the first without the flag);
     * {@link #INCOMPLETE} when the slots before {@code tail} all carry the flag; or
     * {@code -(last + 1)} for slots to drop, up to {@code last}.
     */
    int end(NetmapRing ring, int r, int first, int tail) {
        int slot = first;
        for (int n = 1; ; n++) {
            boolean more = (ring.flags(slot) & NS_MOREFRAG) != 0;
            if (!more) {
                if (discarding[r]) {
                    discarding[r] = false;
                    return -(slot + 1);
                }
                return slot;
            }
            if (n >= NETMAP_MAX_FRAGS && !discarding[r]) {
                discarding[r] = true;
                counters.rxDroppedChains++;
                return -(slot + 1);
            }
            int next = ring.next(slot);
            if (next == tail) {
                return discarding[r] ? -(slot + 1) : INCOMPLETE;
            }
            slot = next;
        }
    }

    /** One allocator buffer holding the frame in slots {@code [first, after)}. */
    ByteBuf gather(ByteBufAllocator alloc, NetmapRing ring, int first, int after) {
        int bufferSize = ring.bufferSize();
        int total = 0;
        for (int s = first; s != after; s = ring.next(s)) {
            total += Math.min(ring.len(s), bufferSize);
        }
        ByteBuf buf = alloc.ioBuffer(total, total);
        try {
            for (int s = first; s != after; s = ring.next(s)) {
                // read again, and perhaps changed meanwhile by a peer that shares the memory: never
                // past what was allocated from the first reading
                bound.appendSlot(buf, ring, s, Math.min(Math.min(ring.len(s), bufferSize), buf.writableBytes()));
            }
            return buf;
        } catch (RuntimeException e) {
            buf.release(); // a slot naming no buffer: the frame is not delivered, and its copy not leaked
            throw e;
        }
    }
}

package io.netmap4j.user.nic.xdp;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A flyweight over one of the four rings of an AF_XDP socket (fill, completion, RX, TX), mapped
 * from the kernel: a producer and a consumer index (free-running u32, masked to the ring size),
 * a flags word (XDP_RING_NEED_WAKEUP) and the entries. One side produces, the other consumes;
 * each keeps a cached copy of the other's index and reads it again only when the cache says
 * there is nothing, as the kernel does.
 *
 * <p>Memory ordering: entries are written with plain stores and published with a release store
 * of the producer index; the consumer reads the producer index with an acquire load before the
 * entries, and gives entries back with a release store of the consumer index.
 */
final class XskRing {
    private static final VarHandle INT = JAVA_INT.varHandle();

    private final MemorySegment map;
    private final long producer;
    private final long consumer;
    private final long flags;
    private final long entries;
    private final int entrySize;
    final int size;
    private final int mask;
    /** Our own index (producer when we produce, consumer when we consume). */
    private int local;
    /** The last value seen of the other side's index. */
    private int cached;

    XskRing(MemorySegment map, long producer, long consumer, long flags, long entries, int entrySize, int size,
            boolean weProduce) {
        this.map = map;
        this.producer = producer;
        this.consumer = consumer;
        this.flags = flags;
        this.entries = entries;
        this.entrySize = entrySize;
        this.size = size;
        this.mask = size - 1;
        this.local = (int) INT.getAcquire(map, weProduce ? producer : consumer);
        this.cached = (int) INT.getAcquire(map, weProduce ? consumer : producer);
    }

    // ---- producer side (fill, TX)

    /** Entries we may still produce, reading the consumer again if the cache says fewer than {@code wanted}. */
    int free(int wanted) {
        int free = size - (local - cached);
        if (free < wanted) {
            cached = (int) INT.getAcquire(map, consumer);
            free = size - (local - cached);
        }
        return free;
    }

    /** The next fill or completion entry slot: a u64 address. */
    void putAddress(long addr) {
        map.set(JAVA_LONG, entries + (long) (local & mask) * entrySize, addr);
        local++;
    }

    /** The next TX descriptor. */
    void putDescriptor(long addr, int len, int options) {
        long at = entries + (long) (local & mask) * entrySize;
        map.set(JAVA_LONG, at + XdpAbi.DESC_ADDR, addr);
        map.set(JAVA_INT, at + XdpAbi.DESC_LEN, len);
        map.set(JAVA_INT, at + XdpAbi.DESC_OPTIONS, options);
        local++;
    }

    /** Publishes what was put since the last submit. */
    void submit() {
        INT.setRelease(map, producer, local);
    }

    /** True if the kernel has not consumed everything we produced. */
    boolean kernelBehind() {
        return (int) INT.getAcquire(map, consumer) != local;
    }

    // ---- consumer side (RX, completion)

    /** Entries ready to consume, reading the producer again if the cache says none. */
    int available() {
        int avail = cached - local;
        if (avail == 0) {
            cached = (int) INT.getAcquire(map, producer);
            avail = cached - local;
        }
        return avail;
    }

    /** The i-th ready entry's address (u64 entries, or the addr of a descriptor). */
    long address(int i) {
        return map.get(JAVA_LONG, entries + (long) ((local + i) & mask) * entrySize);
    }

    int length(int i) {
        return map.get(JAVA_INT, entries + (long) ((local + i) & mask) * entrySize + XdpAbi.DESC_LEN);
    }

    int options(int i) {
        return map.get(JAVA_INT, entries + (long) ((local + i) & mask) * entrySize + XdpAbi.DESC_OPTIONS);
    }

    /** Gives {@code n} consumed entries back to the producer. */
    void release(int n) {
        local += n;
        INT.setRelease(map, consumer, local);
    }

    // ---- both

    /** True if the kernel asks to be woken (XDP_RING_NEED_WAKEUP) to go on with this ring. */
    boolean needsWakeup() {
        // a full fence: our index store must be visible before we read the flag the kernel sets
        // when it found the ring empty, or both sides could miss each other
        VarHandle.fullFence();
        return ((int) INT.getAcquire(map, flags) & XdpAbi.XDP_RING_NEED_WAKEUP) != 0;
    }
}

package io.netmap4j.user.nic;

import io.netmap4j.abi.ErrnoException;
import io.netmap4j.abi.LibC;
import io.netmap4j.abi.gen.netmap_if;
import io.netmap4j.abi.gen.netmap_ring;
import io.netmap4j.abi.gen.netmap_slot;
import io.netmap4j.core.NetmapException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

import static io.netmap4j.abi.NetmapConstants.NETMAP_API;
import static io.netmap4j.abi.NetmapConstants.NI_PRIV_MEM;
import static io.netmap4j.abi.NetmapConstants.NM_IFNAMSIZ;
import static io.netmap4j.abi.NetmapConstants.NR_RING_DIR_RX;
import static io.netmap4j.abi.NetmapConstants.NR_RING_DIR_TX;
import static io.netmap4j.abi.gen.NetmapAbi.PROT_READ;
import static io.netmap4j.abi.gen.NetmapAbi.PROT_WRITE;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The memory region of one NIC port of the user backend, in netmap's layout: a
 * {@code netmap_if}, the rings of the bound queues, and the buffers, in one private anonymous
 * mapping of this process.
 *
 * <pre>
 * 0                   netmap_if (ring_ofs for every queue of the interface; 0 where not bound)
 * 4096                TX ring q, RX ring q, for each bound queue q (page-aligned, 256 + 16 * slots bytes)
 * umem                the buffer area, page-aligned: chunk i is [umem + i * 2048, umem + (i + 1) * 2048)
 *                     and netmap buffer i starts HEADROOM bytes into chunk i
 * </pre>
 *
 * The buffer area is what an AF_XDP socket registers as its UMEM, with chunks of the netmap
 * buffer size, so buffer index = chunk index. AF_XDP writes a received frame
 * {@value #HEADROOM} bytes (XDP_PACKET_HEADROOM) into its chunk; netmap buffers start there, so
 * a frame lands at offset 0 of a netmap buffer, where every netmap program expects it, without a
 * copy. A buffer's last {@value #HEADROOM} bytes are the headroom of the next chunk, which the
 * kernel does not write. AF_PACKET ports use the same layout (the offset costs nothing there).
 *
 * <p>Buffers 0 and 1 are reserved as in netmap (0 ends the extra-buffer list). Then come the
 * buffers of every ring slot, the extra buffers, the spare RX buffers a mechanism asked for (in no
 * slot: AF_XDP gives them to the kernel beside the ring's own, to take bursts), and one chunk at
 * the end so that a
 * buffer's tail is always inside the UMEM. The region is private to the port: buffers are never
 * freed one by one, all go with the mapping.
 */
public final class NicRegion implements AutoCloseable {
    /** netmap's default buffer size, and the UMEM chunk size. */
    public static final int BUF_SIZE = 2048;
    /** Where AF_XDP puts a frame in its chunk (XDP_PACKET_HEADROOM, with no UMEM headroom). */
    public static final int HEADROOM = 256;
    /** The longest frame one buffer takes from AF_XDP: the rest of its chunk. */
    public static final int XDP_FRAME_ROOM = BUF_SIZE - HEADROOM;
    public static final int FIRST_BUFFER = 2;

    private static final long PAGE = 4096;
    private static final long RING_HEADER = netmap_ring.layout().byteSize();
    private static final long SLOT = netmap_slot.layout().byteSize();
    private static final long NIF_HEADER = netmap_if.layout().byteSize();

    private final Arena arena;
    private final MemorySegment mem;
    private final int queues;
    private final int firstQueue;
    private final int boundQueues;
    private final int txSlots;
    private final int rxSlots;
    private final boolean bindTx;
    private final boolean bindRx;
    private final long ringStride;
    private final long umem;
    private final int chunks;
    private final int extraBuffers;
    private final int spareRxBuffers;
    private int firstSpare;
    private final long[] txRingOffsets;
    private final long[] rxRingOffsets;

    private NicRegion(Arena arena, MemorySegment mem, int queues, int firstQueue, int boundQueues, int txSlots,
                      int rxSlots, boolean bindTx, boolean bindRx, long ringStride, long umem, int chunks,
                      int extraBuffers, int spareRxBuffers) {
        this.arena = arena;
        this.mem = mem;
        this.queues = queues;
        this.firstQueue = firstQueue;
        this.boundQueues = boundQueues;
        this.txSlots = txSlots;
        this.rxSlots = rxSlots;
        this.bindTx = bindTx;
        this.bindRx = bindRx;
        this.ringStride = ringStride;
        this.umem = umem;
        this.chunks = chunks;
        this.extraBuffers = extraBuffers;
        this.spareRxBuffers = spareRxBuffers;
        this.txRingOffsets = new long[boundQueues];
        this.rxRingOffsets = new long[boundQueues];
    }

    /**
     * Maps and lays out a region for queues {@code [firstQueue, firstQueue + boundQueues)} of an
     * interface with {@code queues} queues.
     */
    public static NicRegion create(String what, String ifName, int queues, int firstQueue, int boundQueues,
                                   int txSlots, int rxSlots, boolean bindTx, boolean bindRx, int extraBuffers,
                                   int spareRxBuffers) throws NetmapException {
        long nifBytes = NIF_HEADER + 8L * (2L * queues + 2);
        long ringsStart = roundUp(nifBytes, PAGE);
        long ringStride = roundUp(RING_HEADER + SLOT * Math.max(txSlots, rxSlots), PAGE);
        long umem = ringsStart + 2 * ringStride * boundQueues;
        long ringBuffers = (long) boundQueues * ((bindTx ? txSlots : 0) + (bindRx ? rxSlots : 0));
        long spares = bindRx ? (long) boundQueues * spareRxBuffers : 0;
        long chunkCount = FIRST_BUFFER + ringBuffers + extraBuffers + spares + 1;
        if (chunkCount > Integer.MAX_VALUE / 2 || umem + chunkCount * BUF_SIZE + PAGE > Integer.MAX_VALUE) {
            throw new NetmapException(what + " failed: " + chunkCount + " buffers of " + BUF_SIZE
                    + " B do not fit a region of 2 GiB; ask for fewer slots or extra buffers");
        }
        long size = umem + chunkCount * BUF_SIZE + PAGE;
        Arena arena = Arena.ofShared();
        MemorySegment mem;
        try {
            MemorySegment raw = LibC.mmap(size, PROT_READ() | PROT_WRITE(), LinuxNet.MAP_PRIVATE | LinuxNet.MAP_ANONYMOUS,
                    -1, 0);
            long address = raw.address();
            mem = raw.reinterpret(size, arena, ignored -> LibC.munmapQuietly(MemorySegment.ofAddress(address).reinterpret(size)));
        } catch (ErrnoException e) {
            arena.close();
            throw new NetmapException(what + " failed: cannot map " + size + " bytes for the rings and buffers ("
                    + e.getMessage() + ")", e.errno(), e);
        }
        NicRegion r = new NicRegion(arena, mem, queues, firstQueue, boundQueues, txSlots, rxSlots, bindTx, bindRx,
                ringStride, umem, (int) chunkCount, extraBuffers, bindRx ? spareRxBuffers : 0);
        r.layOut(ifName, ringsStart);
        return r;
    }

    private void layOut(String ifName, long ringsStart) {
        byte[] name = ifName.getBytes(StandardCharsets.UTF_8);
        MemorySegment.copy(name, 0, mem, JAVA_BYTE, netmap_if.ni_name$offset(), Math.min(name.length, NM_IFNAMSIZ - 1));
        mem.set(JAVA_INT, netmap_if.ni_version$offset(), NETMAP_API);
        mem.set(JAVA_INT, netmap_if.ni_flags$offset(), NI_PRIV_MEM);
        mem.set(JAVA_INT, netmap_if.ni_tx_rings$offset(), queues);
        mem.set(JAVA_INT, netmap_if.ni_rx_rings$offset(), queues);
        // as the kernel writes for ports without host rings: one of each, not bound (offset 0)
        mem.set(JAVA_INT, netmap_if.ni_host_tx_rings$offset(), 1);
        mem.set(JAVA_INT, netmap_if.ni_host_rx_rings$offset(), 1);
        int next = FIRST_BUFFER;
        for (int i = 0; i < boundQueues; i++) {
            int q = firstQueue + i;
            long tx = ringsStart + 2 * ringStride * i;
            long rx = tx + ringStride;
            txRingOffsets[i] = tx;
            rxRingOffsets[i] = rx;
            if (bindTx) {
                mem.set(JAVA_LONG, NIF_HEADER + 8L * q, tx);
                next = initRing(tx, q, txSlots, NR_RING_DIR_TX, next);
            }
            if (bindRx) {
                mem.set(JAVA_LONG, NIF_HEADER + 8L * (queues + 1 + q), rx);
                next = initRing(rx, q, rxSlots, NR_RING_DIR_RX, next);
            }
        }
        // the extra buffers, linked through their first 4 bytes; ni_bufs_head names the first
        int head = 0;
        for (int i = extraBuffers - 1; i >= 0; i--) {
            int b = next + i;
            mem.set(JAVA_INT, bufferOffset(b), head);
            head = b;
        }
        mem.set(JAVA_INT, netmap_if.ni_bufs_head$offset(), head);
        firstSpare = next + extraBuffers;
    }

    private int initRing(long ring, int id, int slots, int dir, int firstBuffer) {
        mem.set(JAVA_LONG, ring + netmap_ring.buf_ofs$offset(), umem + HEADROOM - ring);
        mem.set(JAVA_INT, ring + netmap_ring.num_slots$offset(), slots);
        mem.set(JAVA_INT, ring + netmap_ring.nr_buf_size$offset(), BUF_SIZE);
        mem.set(JAVA_SHORT, ring + netmap_ring.ringid$offset(), (short) id);
        mem.set(JAVA_SHORT, ring + netmap_ring.dir$offset(), (short) dir);
        mem.set(JAVA_INT, ring + netmap_ring.head$offset(), 0);
        mem.set(JAVA_INT, ring + netmap_ring.cur$offset(), 0);
        mem.set(JAVA_INT, ring + netmap_ring.tail$offset(), dir == NR_RING_DIR_TX ? slots - 1 : 0);
        for (int s = 0; s < slots; s++) {
            long slot = ring + RING_HEADER + SLOT * s;
            mem.set(JAVA_INT, slot + netmap_slot.buf_idx$offset(), firstBuffer + s);
        }
        return firstBuffer + slots;
    }

    static long roundUp(long v, long to) {
        return (v + to - 1) / to * to;
    }

    /** The whole mapping. */
    public MemorySegment mem() {
        return mem;
    }

    /** Offset of the netmap_if. */
    public long nifOffset() {
        return 0;
    }

    /** Offset of the TX ring of the {@code i}-th bound queue. */
    public long txRingOffset(int i) {
        return txRingOffsets[i];
    }

    /** Offset of the RX ring of the {@code i}-th bound queue. */
    public long rxRingOffset(int i) {
        return rxRingOffsets[i];
    }

    /** Offset of the buffer area (page-aligned): what AF_XDP registers as UMEM. */
    public long umemOffset() {
        return umem;
    }

    /** Bytes of the UMEM: every chunk. */
    public long umemLength() {
        return (long) chunks * BUF_SIZE;
    }

    /** Chunks (and so buffers) in the UMEM, the reserved ones and the spare included. */
    public int chunks() {
        return chunks;
    }

    /** True if {@code bufIdx} names a buffer a ring may hold: not reserved, not the spare chunk. */
    public boolean isUsableBuffer(int bufIdx) {
        return bufIdx >= FIRST_BUFFER && bufIdx < chunks - 1;
    }

    /** Offset of netmap buffer {@code bufIdx} in the region. */
    public long bufferOffset(int bufIdx) {
        return umem + (long) bufIdx * BUF_SIZE + HEADROOM;
    }

    /** Spare buffers per RX ring, in no slot, that a mechanism may give the kernel beside the ring's own. */
    public int spareRxBuffers() {
        return spareRxBuffers;
    }

    /** Spare buffer {@code k} of the {@code i}-th bound RX ring. */
    public int spareRxBuffer(int i, int k) {
        return firstSpare + i * spareRxBuffers + k;
    }

    public int extraBuffers() {
        return extraBuffers;
    }

    public int txSlots() {
        return txSlots;
    }

    public int rxSlots() {
        return rxSlots;
    }

    public boolean bindsTx() {
        return bindTx;
    }

    public boolean bindsRx() {
        return bindRx;
    }

    /** Unmaps the region. The sockets that registered it must be closed first. */
    @Override
    public void close() {
        arena.close();
    }
}

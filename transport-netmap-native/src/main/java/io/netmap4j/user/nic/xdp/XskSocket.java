package io.netmap4j.user.nic.xdp;

import io.netmap4j.abi.ErrnoException;
import io.netmap4j.abi.LibC;
import io.netmap4j.abi.LinuxCalls;
import io.netmap4j.user.nic.NicRegion;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static io.netmap4j.abi.gen.NetmapAbi.MAP_SHARED;
import static io.netmap4j.abi.gen.NetmapAbi.PROT_READ;
import static io.netmap4j.abi.gen.NetmapAbi.PROT_WRITE;
import static io.netmap4j.user.nic.LinuxNet.*;
import static io.netmap4j.user.nic.xdp.XdpAbi.*;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * One AF_XDP socket bound to a queue of an interface, with its four rings mapped. The first
 * socket of a port registers the port's buffer area as its UMEM (chunks of the netmap buffer
 * size, so chunk index = buffer index); the sockets of the port's other queues share it
 * (XDP_SHARED_UMEM) with fill and completion rings of their own. Opened in steps, each undone
 * on failure.
 */
final class XskSocket implements AutoCloseable {
    final int fd;
    final XskRing fill;
    final XskRing completion;
    final XskRing rx;
    final XskRing tx;
    /** True if the kernel granted zero-copy (the driver DMAs into the UMEM). */
    final boolean zeroCopy;
    final int bindFlags;
    private final Arena arena;

    private XskSocket(int fd, Arena arena, XskRing fill, XskRing completion, XskRing rx, XskRing tx, boolean zeroCopy,
                      int bindFlags) {
        this.fd = fd;
        this.arena = arena;
        this.fill = fill;
        this.completion = completion;
        this.rx = rx;
        this.tx = tx;
        this.zeroCopy = zeroCopy;
        this.bindFlags = bindFlags;
    }

    /**
     * Opens a socket on queue {@code queue} of {@code ifindex}.
     *
     * @param region    the port's region: its buffer area becomes the UMEM (when {@code shareWith} is -1)
     * @param shareWith the fd of a bound socket of the same port whose UMEM to share, or -1
     * @param bindFlags XDP_ZEROCOPY or XDP_COPY, XDP_USE_NEED_WAKEUP, XDP_USE_SG (ignored when sharing)
     */
    static XskSocket open(NicRegion region, int shareWith, int ifindex, int queue, int fillSize, int rxSize,
                          int txSize, int completionSize, int bindFlags) throws ErrnoException {
        int fd = LinuxCalls.socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0);
        Arena arena = Arena.ofShared();
        try (Arena scratch = Arena.ofConfined()) {
            if (shareWith < 0) {
                MemorySegment reg = scratch.allocate(UMEM_REG_SIZE, 8);
                reg.set(JAVA_LONG, UMEM_REG_ADDR, region.mem().address() + region.umemOffset());
                reg.set(JAVA_LONG, UMEM_REG_LEN, region.umemLength());
                reg.set(JAVA_INT, UMEM_REG_CHUNK_SIZE, NicRegion.BUF_SIZE);
                reg.set(JAVA_INT, UMEM_REG_HEADROOM, 0);
                LinuxCalls.setsockopt(fd, SOL_XDP, XDP_UMEM_REG, reg, "XDP_UMEM_REG");
            }
            LinuxCalls.setsockopt(fd, SOL_XDP, XDP_UMEM_FILL_RING, fillSize, "XDP_UMEM_FILL_RING");
            LinuxCalls.setsockopt(fd, SOL_XDP, XDP_UMEM_COMPLETION_RING, completionSize, "XDP_UMEM_COMPLETION_RING");
            LinuxCalls.setsockopt(fd, SOL_XDP, XDP_RX_RING, rxSize, "XDP_RX_RING");
            LinuxCalls.setsockopt(fd, SOL_XDP, XDP_TX_RING, txSize, "XDP_TX_RING");
            MemorySegment off = scratch.allocate(MMAP_OFFSETS_SIZE, 8);
            LinuxCalls.getsockopt(fd, SOL_XDP, XDP_MMAP_OFFSETS, off, "XDP_MMAP_OFFSETS");
            XskRing fill = ring(arena, fd, off, OFF_FR, XDP_UMEM_PGOFF_FILL_RING, 8, fillSize, true);
            XskRing completion = ring(arena, fd, off, OFF_CR, XDP_UMEM_PGOFF_COMPLETION_RING, 8, completionSize, false);
            XskRing rx = ring(arena, fd, off, OFF_RX, XDP_PGOFF_RX_RING, (int) DESC_SIZE, rxSize, false);
            XskRing tx = ring(arena, fd, off, OFF_TX, XDP_PGOFF_TX_RING, (int) DESC_SIZE, txSize, true);
            MemorySegment sxdp = scratch.allocate(SOCKADDR_XDP_SIZE, 4);
            sxdp.set(JAVA_SHORT, SXDP_FAMILY, (short) AF_XDP);
            int flags = shareWith < 0 ? bindFlags : XDP_SHARED_UMEM;
            sxdp.set(JAVA_SHORT, SXDP_FLAGS, (short) flags);
            sxdp.set(JAVA_INT, SXDP_IFINDEX, ifindex);
            sxdp.set(JAVA_INT, SXDP_QUEUE_ID, queue);
            sxdp.set(JAVA_INT, SXDP_SHARED_UMEM_FD, Math.max(shareWith, 0));
            LinuxCalls.bind(fd, sxdp);
            MemorySegment opts = scratch.allocate(4, 4);
            LinuxCalls.getsockopt(fd, SOL_XDP, XDP_OPTIONS, opts, "XDP_OPTIONS");
            boolean zc = (opts.get(JAVA_INT, 0) & XDP_OPTIONS_ZEROCOPY) != 0;
            return new XskSocket(fd, arena, fill, completion, rx, tx, zc, flags);
        } catch (ErrnoException | RuntimeException e) {
            LibC.closeQuietly(fd);
            arena.close();
            throw e;
        }
    }

    private static XskRing ring(Arena arena, int fd, MemorySegment off, long which, long pgoff, int entrySize, int size,
                                boolean weProduce) throws ErrnoException {
        long producer = off.get(JAVA_LONG, which + RO_PRODUCER);
        long consumer = off.get(JAVA_LONG, which + RO_CONSUMER);
        long desc = off.get(JAVA_LONG, which + RO_DESC);
        long flags = off.get(JAVA_LONG, which + RO_FLAGS);
        long length = desc + (long) size * entrySize;
        MemorySegment raw = LibC.mmap(length, PROT_READ() | PROT_WRITE(), MAP_SHARED() | MAP_POPULATE, fd, pgoff);
        long address = raw.address();
        MemorySegment map = raw.reinterpret(length, arena,
                ignored -> LibC.munmapQuietly(MemorySegment.ofAddress(address).reinterpret(length)));
        return new XskRing(map, producer, consumer, flags, desc, entrySize, size, weProduce);
    }

    /** XDP statistics (struct xdp_statistics), or null if they cannot be read. */
    long[] statistics() {
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment st = scratch.allocate(STATISTICS_SIZE, 8);
            LinuxCalls.getsockopt(fd, SOL_XDP, XDP_STATISTICS, st, "XDP_STATISTICS");
            return st.toArray(JAVA_LONG);
        } catch (ErrnoException e) {
            return null;
        }
    }

    /** Closes the socket (which leaves the XSKMAP and lets go of the UMEM), then unmaps its rings. */
    @Override
    public void close() {
        LibC.closeQuietly(fd);
        arena.close();
    }
}

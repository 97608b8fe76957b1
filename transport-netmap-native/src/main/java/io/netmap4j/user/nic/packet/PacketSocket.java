package io.netmap4j.user.nic.packet;

import io.netmap4j.abi.Errno;
import io.netmap4j.abi.ErrnoException;
import io.netmap4j.abi.LibC;
import io.netmap4j.abi.LinuxCalls;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static io.netmap4j.abi.gen.NetmapAbi.MAP_SHARED;
import static io.netmap4j.abi.gen.NetmapAbi.PROT_READ;
import static io.netmap4j.abi.gen.NetmapAbi.PROT_WRITE;
import static io.netmap4j.user.nic.LinuxNet.*;
import static io.netmap4j.user.nic.packet.PacketAbi.*;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * One AF_PACKET socket bound to an interface, with a TPACKET_V3 RX ring mapped, QDISC_BYPASS
 * for its sends and outgoing frames ignored. Opened in steps, each undone on failure: socket
 * (bound to no protocol yet, so it receives nothing), options, ring, mapping, then the bind that
 * starts reception.
 */
final class PacketSocket implements AutoCloseable {
    /** Bytes of one RX block; the kernel closes a block when full or after {@link #BLOCK_TIMEOUT_MS}. */
    static final int BLOCK_SIZE = 1 << 18;
    /** A received frame waits at most this long in a block that is not full (the latency at low rates). */
    static final int BLOCK_TIMEOUT_MS = 1;

    final int fd;
    final MemorySegment ring;
    final int blocks;
    private final Arena arena;

    private PacketSocket(int fd, Arena arena, MemorySegment ring, int blocks) {
        this.fd = fd;
        this.arena = arena;
        this.ring = ring;
        this.blocks = blocks;
    }

    /**
     * Opens a socket on {@code ifindex}.
     *
     * @param blocks      RX blocks of {@link #BLOCK_SIZE} bytes
     * @param queueFilter the value of skb->queue_mapping to keep (a socket filter drops the others), or -1 for all
     * @param rx          false for a TX-only socket (/T): no RX ring, and a filter that keeps nothing
     */
    static PacketSocket open(int ifindex, int blocks, int queueFilter, boolean rx) throws ErrnoException {
        int fd = LinuxCalls.socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
        Arena arena = null;
        MemorySegment ring = null;
        try {
            LinuxCalls.setsockopt(fd, SOL_PACKET, PACKET_VERSION, TPACKET_V3, "PACKET_VERSION TPACKET_V3");
            LinuxCalls.setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, 1, "PACKET_QDISC_BYPASS");
            try {
                LinuxCalls.setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, 1, "PACKET_IGNORE_OUTGOING");
            } catch (ErrnoException e) {
                if (e.errno() != Errno.ENOPROTOOPT) {
                    throw e;
                }
                // kernels before 4.20: frames we (or the host stack) send come back; tolerated
            }
            if (!rx) {
                attachFilter(fd, -2);
            } else if (queueFilter >= 0) {
                attachFilter(fd, queueFilter);
            }
            if (rx) {
                arena = Arena.ofShared();
                try (Arena scratch = Arena.ofConfined()) {
                    MemorySegment req = scratch.allocate(REQ3_SIZE, 4);
                    req.set(JAVA_INT, REQ3_BLOCK_SIZE, BLOCK_SIZE);
                    req.set(JAVA_INT, REQ3_BLOCK_NR, blocks);
                    req.set(JAVA_INT, REQ3_FRAME_SIZE, 2048);
                    req.set(JAVA_INT, REQ3_FRAME_NR, BLOCK_SIZE / 2048 * blocks);
                    req.set(JAVA_INT, REQ3_RETIRE_BLK_TOV, BLOCK_TIMEOUT_MS);
                    LinuxCalls.setsockopt(fd, SOL_PACKET, PACKET_RX_RING, req, "PACKET_RX_RING");
                }
                long size = (long) BLOCK_SIZE * blocks;
                MemorySegment raw = LibC.mmap(size, PROT_READ() | PROT_WRITE(), MAP_SHARED(), fd, 0);
                long address = raw.address();
                ring = raw.reinterpret(size, arena, ignored -> LibC.munmapQuietly(MemorySegment.ofAddress(address).reinterpret(size)));
            }
            try (Arena scratch = Arena.ofConfined()) {
                MemorySegment sll = scratch.allocate(SOCKADDR_LL_SIZE, 4);
                sll.set(JAVA_SHORT, SLL_FAMILY, (short) AF_PACKET);
                sll.set(JAVA_SHORT, SLL_PROTOCOL, (short) ETH_P_ALL_BE);
                sll.set(JAVA_INT, SLL_IFINDEX, ifindex);
                LinuxCalls.bind(fd, sll);
            }
            return new PacketSocket(fd, arena, ring, blocks);
        } catch (ErrnoException | RuntimeException e) {
            if (arena != null) {
                arena.close();
            }
            LibC.closeQuietly(fd);
            throw e;
        }
    }

    /**
     * A classic BPF socket filter that keeps only the frames whose skb->queue_mapping is
     * {@code queue} (where the driver recorded the RX queue), or, for -2, nothing at all.
     */
    private static void attachFilter(int fd, int queue) throws ErrnoException {
        try (Arena scratch = Arena.ofConfined()) {
            int[][] program = queue == -2
                    ? new int[][] {{BPF_RET_K, 0, 0, 0}}
                    : new int[][] {
                        {BPF_LD_W_ABS, 0, 0, SKF_AD_QUEUE_LOAD},
                        {BPF_JMP_JEQ_K, 0, 1, queue},
                        {BPF_RET_K, 0, 0, 0x40000},
                        {BPF_RET_K, 0, 0, 0},
                    };
            MemorySegment insns = scratch.allocate(SOCK_FILTER_SIZE * program.length, 8);
            for (int i = 0; i < program.length; i++) {
                long at = i * SOCK_FILTER_SIZE;
                insns.set(JAVA_SHORT, at, (short) program[i][0]);
                insns.set(JAVA_BYTE, at + 2, (byte) program[i][1]);
                insns.set(JAVA_BYTE, at + 3, (byte) program[i][2]);
                insns.set(JAVA_INT, at + 4, program[i][3]);
            }
            MemorySegment fprog = scratch.allocate(SOCK_FPROG_SIZE, 8);
            fprog.set(JAVA_SHORT, 0, (short) program.length);
            fprog.set(JAVA_LONG, FPROG_FILTER, insns.address());
            LinuxCalls.setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, fprog, "SO_ATTACH_FILTER");
        }
    }

    /** Frames the kernel dropped since the last call (the counters reset when read). */
    long takeDrops() {
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment st = scratch.allocate(STATS_V3_SIZE, 4);
            LinuxCalls.getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, st, "PACKET_STATISTICS");
            return Integer.toUnsignedLong(st.get(JAVA_INT, STATS_DROPS));
        } catch (ErrnoException e) {
            return 0;
        }
    }

    @Override
    public void close() {
        LibC.closeQuietly(fd); // first: the kernel stops writing the ring
        if (arena != null) {
            arena.close();
        }
    }
}

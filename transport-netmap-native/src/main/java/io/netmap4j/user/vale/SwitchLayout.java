package io.netmap4j.user.vale;

import io.netmap4j.abi.NetmapConstants;
import io.netmap4j.abi.gen.netmap_ring;
import io.netmap4j.abi.gen.netmap_slot;
import io.netmap4j.user.RegionFormat;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Where everything lives in the shared-memory file of one VALE switch: every port of the switch,
 * from every process, is in it, because the switch's work (learning, then copying a frame into
 * the destination's RX ring) is done in the sender's txsync, which must reach the destination's
 * ring and buffers.
 *
 * <pre>
 * offset 0          switch header (kernel-private): magic, version, geometry, the bitmap of live
 *                   ports, the port table (state, generation, name of each port) and the
 *                   learning table (1024 entries: MAC, port, port generation)
 * PORT_BASE + k * PORT_STRIDE, for port k &lt; MAX_PORTS, the port's memory region:
 *   +0              port control (kernel-private): geometry, buffer pool state, registration
 *                   generations and ring masks, the sleep word, per RX ring a line written by
 *                   senders (tail, lock, drops) and one written by the receiver (released up to),
 *                   per TX ring the indices the port's registrations share, monitor controls
 *   +NIF_AREA       a netmap_if per registration, then one per monitor
 *   +RING_AREA      MAX_RINGS TX rings, MAX_RINGS RX rings, then each monitor's rings (one TX,
 *                   MAX_RINGS RX), each in a slot big enough for MAX_SLOTS slots
 *   +PORT_BUF_BASE  the port's buffers: buffer i at PORT_BUF_BASE + i * BUF_SIZE (0 and 1
 *                   reserved, 1 being a scratch buffer)
 * </pre>
 *
 * A port's area is a memory region of its own, as a VALE port's is in netmap: its rings address
 * only its own buffers, a port opened by a user is given only its own area, and frames cross from
 * one port to another by copy. The file is sparse; an unused port costs nothing.
 *
 * <p>Byte-range locks on the file mark who is alive, as in a pipe region: registration j of port
 * k holds {@link #registrationLockByte}, an exclusive one also {@link #exclusiveLockByte}, and
 * monitor m of port k {@link #monitorLockByte}; the kernel drops them when a process dies.
 */
final class SwitchLayout {
    private SwitchLayout() { }

    static final long MAGIC = 0x4E4D344A56414C45L; // "NM4JVALE"
    static final int VERSION = 1;

    static final int BUF_SIZE = 2048;
    /** Ports of a switch, as netmap (NM_BDG_MAXPORTS). */
    static final int MAX_PORTS = 254;
    /** Rings of each direction of a port, as netmap (NM_BDG_MAXRINGS). */
    static final int MAX_RINGS = 16;
    /** Slots of a ring, as netmap (NM_BDG_MAXSLOTS); a monitor ring has as many at most. */
    static final int MAX_SLOTS = 4096;
    /** Slots of a ring when none are asked for, as netmap (NM_BRIDGE_RINGSIZE). */
    static final int DEFAULT_SLOTS = 1024;
    static final int NIFS_PER_PORT = 8;
    static final int MONITORS_PER_PORT = 4;
    /**
     * Buffers of a port's region, for its rings, extra buffers and monitors. netmap sizes a VALE
     * port's private region to what it asks for; here every port has a slot of the same size in
     * the file, so there is a bound: 128 MiB of buffers, room for 8 ring pairs of 4096 slots (or
     * 16 of 2048). A port that asks for more fails to open, saying so.
     */
    static final int MAX_PORT_BUFFERS = 65536;
    static final int MAX_FRAGS = NetmapConstants.NETMAP_MAX_FRAGS;
    /** Learning-table entries, as netmap (NM_BDG_HASH); a power of two. */
    static final int MAC_ENTRIES = 1024;
    /** The most bytes of a port name, after {@code valeS:}: an interface name, as netmap allows. */
    static final int MAX_PORT_NAME = NetmapConstants.NM_IFNAMSIZ - 1;

    // ---- switch header ----
    static final long H_MAGIC = 0;
    static final long H_VERSION = 8;
    static final long H_BUF_SIZE = 12;
    static final long H_MAX_PORTS = 16;
    static final long H_MAX_RINGS = 20;
    static final long H_MAX_SLOTS = 24;
    static final long H_MAX_PORT_BUFFERS = 28;
    static final long H_REGION_SIZE = 32;
    /** Four longs, bit k set while port k is live: what a broadcast goes to. Written under the file lock. */
    static final long H_LIVE = 64;
    static final long H_PORTS = 1024;
    static final long PORT_ENTRY = 128;
    /** In a port entry: FREE, LIVE or ZOMBIE. */
    static final long P_STATE = 0;
    /** In a port entry: incremented whenever the port is made or destroyed. */
    static final long P_GEN = 4;
    static final long P_NAME_LEN = 8;
    static final long P_NAME = 16;
    static final int P_NAME_MAX = 64;
    static final int FREE = 0;
    /** Open by at least one registration: frames are delivered to it. */
    static final int LIVE = 1;
    /** No registration left, but monitors still hold its area: nothing is delivered, nothing reused. */
    static final int ZOMBIE = 2;
    /**
     * The place of an attached persistent interface that nobody has open: its name, index and
     * geometry are kept (it is listed), it has no rings, nothing is delivered to it.
     */
    static final int RESERVED = 3;
    /** In a port entry: PERSISTENT for a port kept by an attached persistent interface. */
    static final long P_FLAGS = 12;
    static final int PERSISTENT = 1;
    static final long H_MACS = 36 * 1024;
    /**
     * The open generation of every registration slot (port k, registration j), 4 bytes each, and
     * then of every monitor slot: a lock token names a holder by its lock byte and generation.
     * They live in the header, not in the port's area, because they must keep counting when a
     * port is destroyed and another made in its place: a token left in a lock word by a process
     * that died must never name a later holder.
     */
    static final long H_REG_GENS = 48 * 1024;
    static final long H_MONITOR_GENS = H_REG_GENS + 4L * MAX_PORTS * NIFS_PER_PORT;
    static final long HEADER_SIZE = 64 * 1024;

    // ---- a port's area ----
    static final long PORT_BASE = HEADER_SIZE;
    static final long C_TX_RINGS = 0;
    static final long C_RX_RINGS = 4;
    static final long C_TX_SLOTS = 8;
    static final long C_RX_SLOTS = 12;
    /** Bit r set while some registration binds RX ring r: frames for unbound rings are dropped. */
    static final long C_RX_OPEN = 16;
    /** Bit m set while monitor m of the port is live: the port's syncs fill it (see MonitorTaps). */
    static final long C_MON_MASK = 20;
    /** The port's buffer pool: bump index and free-list head (see BufferPool). */
    static final long C_BUF_NEXT = 32;
    static final long C_BUF_FREE = 36;
    /** Per registration j: the RX rings it binds (a mask, 4 bytes each). */
    static final long C_REG_RX = 128;
    /** The sleep word of the port's registrations (see SleepWord), on a line of its own. */
    static final long C_SLEEP = 256;
    /** Per RX ring r, 256 bytes: a line written by senders, then one written by the receiver. */
    static final long C_RX_LINES = 1024;
    static final long RX_LINE = 256;
    /** Sender line: next slot a sender fills (netmap's RX hwtail); written under the ring's lock. */
    static final long D_HWTAIL = 0;
    /** Sender line: the ring's lock (a SharedLock). */
    static final long D_LOCK = 8;
    /** Sender line: frames dropped because the ring was full. */
    static final long D_DROPS = 16;
    /** Receiver line: slots before it were released (netmap's RX hwcur). */
    static final long R_HWCUR = 128;
    /** Receiver line: the tail last given to a registration. */
    static final long R_HWTAIL = 132;
    /** Per TX ring r, 128 bytes: what the port's registrations share of the ring. */
    static final long C_TX_LINES = C_RX_LINES + MAX_RINGS * RX_LINE;
    static final long TX_LINE = 128;
    static final long T_HWCUR = 0;
    /** Monitor controls of the port (see the monitor package), MONITOR_CONTROL bytes each. */
    static final long C_MONITORS = 8192;
    static final long MONITOR_CONTROL = 1024;
    static final long NIF_AREA = 16 * 1024;
    static final long NIF_SIZE = 512;
    static final long RING_AREA = 24 * 1024;
    static final long RING_STRIDE = roundUp(netmap_ring.layout().byteSize() + netmap_slot.layout().byteSize() * MAX_SLOTS,
            4096);
    /** Ring slots of a monitor: one TX ring (unused, as in netmap) and up to MAX_RINGS RX rings. */
    static final int MONITOR_RINGS = 1 + MAX_RINGS;
    static final long PORT_BUF_BASE = roundUp(RING_AREA + (2L * MAX_RINGS + (long) MONITORS_PER_PORT * MONITOR_RINGS)
            * RING_STRIDE, 4096);
    static final long PORT_STRIDE = PORT_BUF_BASE + (long) MAX_PORT_BUFFERS * BUF_SIZE;
    static final long REGION_SIZE = PORT_BASE + MAX_PORTS * PORT_STRIDE;

    // ---- byte-range locks ----
    static final long EXCLUSIVE_LOCKS = (long) MAX_PORTS * NIFS_PER_PORT;
    static final long MONITOR_LOCKS = EXCLUSIVE_LOCKS + MAX_PORTS;
    static final long LOCK_RANGE = MONITOR_LOCKS + (long) MAX_PORTS * MONITORS_PER_PORT;

    static {
        if (H_PORTS + MAX_PORTS * PORT_ENTRY > H_MACS || H_MACS + 8L * MAC_ENTRIES > H_REG_GENS
                || H_MONITOR_GENS + 4L * MAX_PORTS * MONITORS_PER_PORT > HEADER_SIZE
                || C_TX_LINES + MAX_RINGS * TX_LINE > C_MONITORS
                || C_MONITORS + MONITORS_PER_PORT * MONITOR_CONTROL > NIF_AREA
                || NIF_AREA + (NIFS_PER_PORT + MONITORS_PER_PORT) * NIF_SIZE > RING_AREA
                || NIF_SIZE < 56 + 8 * (2 * MAX_RINGS + 2)) {
            throw new ExceptionInInitializerError("the VALE switch layout overlaps itself");
        }
    }

    static long roundUp(long v, long to) {
        return (v + to - 1) / to * to;
    }

    static long registrationGen(int port, int registration) {
        return H_REG_GENS + 4L * (port * NIFS_PER_PORT + registration);
    }

    static long monitorGen(int port, int monitor) {
        return H_MONITOR_GENS + 4L * (port * MONITORS_PER_PORT + monitor);
    }

    /**
     * The offset of the open generation of the slot whose byte lock is {@code lockByte}: a
     * registration's or a monitor's; -1 for other bytes (see LockTokens).
     */
    static long genFieldOf(long lockByte) {
        if (lockByte >= 0 && lockByte < EXCLUSIVE_LOCKS) {
            return H_REG_GENS + 4 * lockByte;
        }
        if (lockByte >= MONITOR_LOCKS && lockByte < LOCK_RANGE) {
            return H_MONITOR_GENS + 4 * (lockByte - MONITOR_LOCKS);
        }
        return -1;
    }

    /** The lock token of registration j of port k at generation {@code gen}. */
    static long registrationToken(int port, int registration, int gen) {
        return io.netmap4j.user.LockTokens.token(registrationLockByte(port, registration), gen);
    }

    /** The liveness test of lock holders of a switch, for holder {@code mine} (0: none). */
    static io.netmap4j.user.LockTokens tokens(io.netmap4j.user.RegionFile file, long mine) {
        return new io.netmap4j.user.LockTokens(file, mine, SwitchLayout::genFieldOf);
    }

    static long entry(int port) {
        return H_PORTS + port * PORT_ENTRY;
    }

    static long mac(int index) {
        return H_MACS + 8L * index;
    }

    /** The start of port k's area (its memory region). */
    static long port(int port) {
        return PORT_BASE + port * PORT_STRIDE;
    }

    /** Offsets below are relative to the port's area. */
    static long rxLine(int ring) {
        return C_RX_LINES + ring * RX_LINE;
    }

    static long txLine(int ring) {
        return C_TX_LINES + ring * TX_LINE;
    }

    static long nif(int registration) {
        return NIF_AREA + NIF_SIZE * registration;
    }

    static long monitorNif(int monitor) {
        return NIF_AREA + NIF_SIZE * (NIFS_PER_PORT + monitor);
    }

    static long txRing(int ring) {
        return RING_AREA + RING_STRIDE * ring;
    }

    static long rxRing(int ring) {
        return RING_AREA + RING_STRIDE * (MAX_RINGS + ring);
    }

    /** Ring {@code i} of monitor {@code monitor}: 0 is its TX ring, 1 + r its RX ring r. */
    static long monitorRing(int monitor, int i) {
        return RING_AREA + RING_STRIDE * (2L * MAX_RINGS + (long) monitor * MONITOR_RINGS + i);
    }

    static long monitorControl(int monitor) {
        return C_MONITORS + MONITOR_CONTROL * monitor;
    }

    static long buffer(int bufIdx) {
        return PORT_BUF_BASE + (long) bufIdx * BUF_SIZE;
    }

    static long registrationLockByte(int port, int registration) {
        return (long) port * NIFS_PER_PORT + registration;
    }

    static long exclusiveLockByte(int port) {
        return EXCLUSIVE_LOCKS + port;
    }

    static long monitorLockByte(int port, int monitor) {
        return MONITOR_LOCKS + (long) port * MONITORS_PER_PORT + monitor;
    }

    /** Doorbell number of registration j of port k, among all the switch's doorbells. */
    static int doorbell(int port, int registration) {
        return port * NIFS_PER_PORT + registration;
    }

    /** Doorbell number of monitor m of port k. */
    static int monitorDoorbell(int port, int monitor) {
        return MAX_PORTS * NIFS_PER_PORT + port * MONITORS_PER_PORT + monitor;
    }

    static final int DOORBELLS = MAX_PORTS * (NIFS_PER_PORT + MONITORS_PER_PORT);

    /** The name of a doorbell FIFO, after the switch file's name (see RegionFile#doorbellPath). */
    static String doorbellName(int doorbell) {
        if (doorbell < MAX_PORTS * NIFS_PER_PORT) {
            return (doorbell / NIFS_PER_PORT) + "." + (doorbell % NIFS_PER_PORT);
        }
        int m = doorbell - MAX_PORTS * NIFS_PER_PORT;
        return (m / MONITORS_PER_PORT) + ".mon" + (m % MONITORS_PER_PORT);
    }

    /** A switch file as a RegionFile sees it. */
    static final RegionFormat FORMAT = new RegionFormat() {
        @Override
        public String kind() {
            return "VALE switch";
        }

        @Override
        public long size() {
            return REGION_SIZE;
        }

        @Override
        public long headerBytes() {
            return HEADER_SIZE;
        }

        @Override
        public void initHeader(MemorySegment mem) {
            mem.asSlice(0, HEADER_SIZE).fill((byte) 0);
            mem.set(JAVA_INT, H_VERSION, VERSION);
            mem.set(JAVA_INT, H_BUF_SIZE, BUF_SIZE);
            mem.set(JAVA_INT, H_MAX_PORTS, MAX_PORTS);
            mem.set(JAVA_INT, H_MAX_RINGS, MAX_RINGS);
            mem.set(JAVA_INT, H_MAX_SLOTS, MAX_SLOTS);
            mem.set(JAVA_INT, H_MAX_PORT_BUFFERS, MAX_PORT_BUFFERS);
            mem.set(JAVA_LONG, H_REGION_SIZE, REGION_SIZE);
            // magic last: a switch with a zero magic is one whose creator died while initialising
            mem.set(JAVA_LONG, H_MAGIC, MAGIC);
        }

        @Override
        public boolean headerMatches(MemorySegment mem) {
            return mem.get(JAVA_LONG, H_MAGIC) == MAGIC && mem.get(JAVA_INT, H_VERSION) == VERSION
                    && mem.get(JAVA_INT, H_BUF_SIZE) == BUF_SIZE && mem.get(JAVA_INT, H_MAX_PORTS) == MAX_PORTS
                    && mem.get(JAVA_INT, H_MAX_RINGS) == MAX_RINGS && mem.get(JAVA_INT, H_MAX_SLOTS) == MAX_SLOTS
                    && mem.get(JAVA_INT, H_MAX_PORT_BUFFERS) == MAX_PORT_BUFFERS
                    && mem.get(JAVA_LONG, H_REGION_SIZE) == REGION_SIZE;
        }
    };
}

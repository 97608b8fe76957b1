package io.netmap4j.user;

import io.netmap4j.core.NetmapBackend;
import io.netmap4j.core.NetmapException;
import io.netmap4j.core.NetmapPort;
import io.netmap4j.spec.PortSpec;
import io.netmap4j.user.nic.NetInterface;
import io.netmap4j.user.nic.NicMechanism;
import io.netmap4j.user.nic.NicOpener;
import io.netmap4j.user.vale.ValeOpener;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import static io.netmap4j.abi.NetmapConstants.NR_ACCEPT_VNET_HDR;
import static io.netmap4j.abi.NetmapConstants.NR_EXCLUSIVE;
import static io.netmap4j.abi.NetmapConstants.NR_MONITOR_RX;
import static io.netmap4j.abi.NetmapConstants.NR_MONITOR_TX;
import static io.netmap4j.abi.NetmapConstants.NR_NO_TX_POLL;
import static io.netmap4j.abi.NetmapConstants.NR_REG_ONE_NIC;
import static io.netmap4j.abi.NetmapConstants.NR_RX_RINGS_ONLY;
import static io.netmap4j.abi.NetmapConstants.NR_TX_RINGS_ONLY;
import static io.netmap4j.abi.NetmapConstants.NR_ZCOPY_MON;

/**
 * The user-space backend: netmap's memory layout and ring protocol implemented in Java, for
 * machines without the netmap kernel module. It opens pipes ({@code netmap:x{k} and
 * {@code netmap:x}k}) between threads or processes over a shared-memory file in
 * {@code netmap4j.shm.dir} (default {@code /dev/shm}), ports of VALE switches ({@code valeS:P},
 * one shared-memory file per switch, see {@link io.netmap4j.user.vale}), and network interfaces
 * ({@code netmap:IF}, {@code netmap:IF-N}) through AF_XDP or AF_PACKET sockets
 * ({@link NicOpener}). Other kinds of port fail at open with a message that says so.
 *
 * <p>Opening a port also removes, at most once a minute, the regions that processes left there
 * when they died without closing their ports (see {@link StaleRegionSweeper}). There is no
 * shutdown hook to close ports at exit: it would unmap rings that other threads may still touch
 * while the JVM goes down, and a region left by an exit is swept like one left by a crash.
 */
public final class UserBackend implements NetmapBackend {
    public static final UserBackend INSTANCE = new UserBackend();

    /** System property: the directory of the shared-memory files. */
    public static final String SHM_DIR_PROPERTY = "netmap4j.shm.dir";

    /** Memory ids of user regions start here, away from the small ids the kernel hands out. */
    private static final int FIRST_MEM_ID = 0x4000;

    /** The memory id of each region file some port of this JVM has open, by (st_dev, st_ino). */
    private final Map<RegionKey, MemId> memIds = new HashMap<>();
    private int nextMemId = FIRST_MEM_ID;
    private final StaleRegionSweeper sweeper = new StaleRegionSweeper(StaleRegionSweeper.INTERVAL_NANOS);

    private UserBackend() { }

    @Override
    public String name() {
        return "user";
    }

    @Override
    public boolean isAvailable() {
        return true;
    }

    @Override
    public Throwable unavailabilityCause() {
        return null;
    }

    /** The directory where pipe regions and doorbells live. */
    public static String shmDir() {
        return System.getProperty(SHM_DIR_PROPERTY, "/dev/shm");
    }

    @Override
    public NetmapPort open(PortSpec spec) throws NetmapException {
        return open(spec, NicMechanism.AUTO);
    }

    /**
     * Opens a port; a network interface ({@code netmap:IF}, {@code netmap:IF-N}) through
     * {@code nic}: AF_XDP, AF_PACKET, or {@link NicMechanism#AUTO} for {@code -Dnetmap4j.nic} or
     * else the automatic choice (see {@link NicOpener}).
     */
    public NetmapPort open(PortSpec spec, NicMechanism nic) throws NetmapException {
        String what = "open " + spec;
        if (spec.isVale()) {
            // VALE switches live in a package of their own; the sweep runs first, as for pipes
            sweeper.sweepIfDue(shmDir());
            return ValeOpener.open(spec, this);
        }
        if (!spec.isPipe()) {
            return NicOpener.open(spec, this, nic);
        }
        if (spec.bindsHostRings() || spec.mode() == NR_REG_ONE_NIC && spec.ringId() != 0) {
            throw new NetmapException(what + " failed: a pipe end has one ring pair (ring 0) and no host rings",
                    io.netmap4j.abi.Errno.EINVAL, null);
        }
        long flags = spec.flags();
        if ((flags & NR_ACCEPT_VNET_HDR) != 0) {
            throw new NetmapException(what + " failed: virtio-net headers are not supported by the user backend");
        }
        if (spec.extmem() != null || spec.share() != null || spec.offset() != null) {
            throw new NetmapException(what + " failed: @extmem, @share and @offset are not supported by the user "
                    + "backend");
        }
        if ((flags & NR_TX_RINGS_ONLY) != 0 && (flags & NR_RX_RINGS_ONLY) != 0) {
            throw new NetmapException(what + " failed: /T and /R together leave no ring to bind");
        }
        String id = spec.pipeId();
        if (id == null || id.isEmpty() || id.getBytes(StandardCharsets.UTF_8).length > PipeLayout.MAX_ID_BYTES) {
            throw new NetmapException(what + " failed: the pipe id must have 1 to " + PipeLayout.MAX_ID_BYTES
                    + " bytes");
        }
        if (spec.extraBuffers() < 0) {
            throw new NetmapException(what + " failed: a negative number of extra buffers (" + spec.extraBuffers()
                    + ") was asked for");
        }
        sweeper.sweepIfDue(shmDir()); // before our own open, so a dead region of this name goes too
        if ((flags & (NR_MONITOR_TX | NR_MONITOR_RX | NR_ZCOPY_MON)) != 0) {
            if ((flags & NR_EXCLUSIVE) != 0 || spec.extraBuffers() != 0) {
                throw new NetmapException(what + " failed: a monitor of the user backend has no /x and no extra "
                        + "buffers", io.netmap4j.abi.Errno.EINVAL, null);
            }
            return PipeMonitors.open(spec, this, what); // the pipe's monitors live in its region
        }
        int end = spec.pipeEnd() == PortSpec.PipeEnd.MASTER ? PipeLayout.MASTER : PipeLayout.SLAVE;
        PipeRegistration.Request request = new PipeRegistration.Request(what, shmDir(), spec.portName(), id, end,
                slots(spec.txSlots()), slots(spec.rxSlots()), spec.extraBuffers(), (flags & NR_EXCLUSIVE) != 0,
                (flags & NR_RX_RINGS_ONLY) == 0, (flags & NR_TX_RINGS_ONLY) == 0, spec.requestName());
        return UserPipePort.open(spec, this, request, (flags & NR_NO_TX_POLL) == 0);
    }

    /** An interface's ring pairs are its queues: the larger of its RX and TX queue counts. */
    @Override
    public int nicRingPairs(PortSpec spec) throws NetmapException {
        if (spec.isPipe() || spec.isVale()) {
            return NetmapBackend.super.nicRingPairs(spec);
        }
        NetInterface nic = NetInterface.lookup(spec.portName(), "count the rings of " + spec);
        return Math.max(nic.rxQueues(), nic.txQueues());
    }

    /** Slot counts are hints, as for the kernel: 0 means the default, others are clamped. */
    private static int slots(int asked) {
        if (asked <= 0) {
            return PipeLayout.DEFAULT_SLOTS;
        }
        return Math.max(2, Math.min(PipeLayout.MAX_SLOTS, asked));
    }

    /** The sweeper of regions left by dead processes, which opens consult (for tests). */
    StaleRegionSweeper sweeper() {
        return sweeper;
    }

    private record RegionKey(long device, long inode, long area) { }

    /** A memory id and how many open ports use it. */
    private static final class MemId {
        final int id;
        int users;

        MemId(int id) {
            this.id = id;
        }
    }

    /**
     * One memory id per region file in this JVM: ports with the same id can swap buffers. The
     * file is named by device and inode, since regions may live on several file systems
     * ({@value #SHM_DIR_PROPERTY} can change); each call must be matched by one
     * {@link #releaseMemId}, and the id is forgotten with the last port, because a region file
     * made later may get the same inode. Opens and closes only, so a lock is cheap enough.
     */
    synchronized int memIdOf(RegionFile file) {
        return memIdOf(file, 0);
    }

    /** A port of {@code file} closed. */
    synchronized void releaseMemId(RegionFile file) {
        releaseMemId(file, 0);
    }

    /**
     * As {@link #memIdOf(RegionFile)}, for one of several memory regions in one file: a pipe
     * region is area 0; each VALE port of a switch file is a region of its own, as in netmap, and
     * names a different non-zero area. Public only for the backend's sub-packages.
     */
    public synchronized int memIdOf(RegionFile file, long area) {
        MemId m = memIds.computeIfAbsent(new RegionKey(file.device(), file.inode(), area), k -> new MemId(newMemId()));
        m.users++;
        return m.id;
    }

    /** A port of area {@code area} of {@code file} closed. */
    public synchronized void releaseMemId(RegionFile file, long area) {
        RegionKey key = new RegionKey(file.device(), file.inode(), area);
        MemId m = memIds.get(key);
        if (m != null && --m.users == 0) {
            memIds.remove(key);
        }
    }

    /** Memory ids in use (for tests). */
    synchronized int memIdsInUse() {
        return memIds.size();
    }

    /** The next id in [FIRST_MEM_ID, 0xffff] not held by a region in use. */
    private int newMemId() {
        for (;;) {
            int id = nextMemId;
            nextMemId = id == 0xffff ? FIRST_MEM_ID : id + 1;
            boolean taken = false;
            for (MemId m : memIds.values()) {
                taken |= m.id == id;
            }
            if (!taken) {
                return id;
            }
        }
    }

    @Override
    public String toString() {
        return "user backend (pipes in " + shmDir() + ")";
    }

    /** vale-ctl's requests on user-space switches (see {@link io.netmap4j.user.vale.UserValeControl}). */
    @Override
    public io.netmap4j.core.ValeControl valeControl() {
        return new io.netmap4j.user.vale.UserValeControl(this, shmDir());
    }
}

package io.netmap4j.user.nic;

import io.netmap4j.abi.Errno;
import io.netmap4j.core.NetmapBackend;
import io.netmap4j.core.NetmapException;
import io.netmap4j.core.NetmapPort;
import io.netmap4j.core.NoSuchPortException;
import io.netmap4j.spec.PortSpec;
import io.netmap4j.user.nic.packet.PacketPorts;
import io.netmap4j.user.nic.xdp.XdpPorts;

import java.util.BitSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static io.netmap4j.abi.NetmapConstants.NR_ACCEPT_VNET_HDR;
import static io.netmap4j.abi.NetmapConstants.NR_MONITOR_RX;
import static io.netmap4j.abi.NetmapConstants.NR_MONITOR_TX;
import static io.netmap4j.abi.NetmapConstants.NR_NO_TX_POLL;
import static io.netmap4j.abi.NetmapConstants.NR_REG_ALL_NIC;
import static io.netmap4j.abi.NetmapConstants.NR_REG_DEFAULT;
import static io.netmap4j.abi.NetmapConstants.NR_REG_ONE_NIC;
import static io.netmap4j.abi.NetmapConstants.NR_RX_RINGS_ONLY;
import static io.netmap4j.abi.NetmapConstants.NR_TX_RINGS_ONLY;
import static io.netmap4j.abi.NetmapConstants.NR_ZCOPY_MON;

/**
 * Opens {@code netmap:IF} and {@code netmap:IF-N} on the user backend: checks the name against
 * what a NIC port of the user backend can be, finds the interface, and opens it through the
 * chosen mechanism. {@link NicMechanism#AUTO} tries AF_XDP and falls back to AF_PACKET; the
 * choice is logged once per interface, with the reason.
 */
public final class NicOpener {
    private static final System.Logger LOG = System.getLogger(NicOpener.class.getName());

    public static final int DEFAULT_SLOTS = 1024;
    public static final int MIN_SLOTS = 64;
    public static final int MAX_SLOTS = 4096;

    /** Memory ids of NIC regions: apart from the kernel's small ids and from the pipes' (from 0x4000). */
    private static final int FIRST_MEM_ID = 0x1000;
    private static final int MEM_IDS = 0x3000;
    private static final BitSet MEM_IDS_IN_USE = new BitSet(MEM_IDS);
    private static int nextMemId;

    private static final Set<String> LOGGED = ConcurrentHashMap.newKeySet();

    private NicOpener() { }

    /**
     * Opens a NIC port.
     *
     * @param mechanism the mechanism asked for by the caller; {@link NicMechanism#AUTO} defers to
     *                  {@code -Dnetmap4j.nic}, then to the automatic choice
     */
    public static NetmapPort open(PortSpec spec, NetmapBackend backend, NicMechanism mechanism) throws NetmapException {
        String what = "open " + spec;
        if (spec.bindsHostRings()) {
            throw new NetmapException(what + " failed: host rings (^ and *) are the host stack's side of a NIC, which "
                    + "only the netmap kernel module can attach to. The user backend opens the NIC rings "
                    + "(netmap:IF, netmap:IF-N); frames it does not take reach the host stack as usual", Errno.EINVAL, null);
        }
        long flags = spec.flags();
        if ((flags & (NR_MONITOR_TX | NR_MONITOR_RX | NR_ZCOPY_MON | NR_ACCEPT_VNET_HDR)) != 0) {
            throw new NetmapException(what + " failed: monitors and virtio-net headers are not supported on interfaces "
                    + "by the user backend");
        }
        if (spec.extmem() != null || spec.share() != null || spec.offset() != null) {
            throw new NetmapException(what + " failed: @extmem, @share and @offset are not supported on interfaces "
                    + "by the user backend");
        }
        if ((flags & NR_TX_RINGS_ONLY) != 0 && (flags & NR_RX_RINGS_ONLY) != 0) {
            throw new NetmapException(what + " failed: /T and /R together leave no ring to bind");
        }
        if (spec.extraBuffers() < 0) {
            throw new NetmapException(what + " failed: a negative number of extra buffers (" + spec.extraBuffers()
                    + ") was asked for");
        }
        NetInterface nif = NetInterface.lookup(spec.portName(), what);
        int queues = Math.max(nif.rxQueues(), nif.txQueues());
        int first;
        int count;
        if (spec.mode() == NR_REG_ONE_NIC) {
            if (spec.ringId() >= queues) {
                throw new NoSuchPortException(what + " failed: " + nif.name() + " has " + queues + " queue"
                        + (queues == 1 ? "" : "s") + " (0.." + (queues - 1) + "), no queue " + spec.ringId(),
                        Errno.EINVAL, null);
            }
            first = spec.ringId();
            count = 1;
        } else if (spec.mode() == NR_REG_ALL_NIC || spec.mode() == NR_REG_DEFAULT) {
            first = 0;
            count = queues;
        } else {
            throw new NetmapException(what + " failed: this ring mode is not supported on interfaces by the user backend",
                    Errno.EINVAL, null);
        }
        NicMechanism wanted = mechanism != NicMechanism.AUTO ? mechanism : NicMechanism.fromProperty();
        int memId = takeMemId();
        boolean ok = false;
        try {
            NicRequest req = new NicRequest(what, spec, backend, nif, first, count, slots(spec.txSlots()),
                    slots(spec.rxSlots()), (flags & NR_RX_RINGS_ONLY) == 0, (flags & NR_TX_RINGS_ONLY) == 0,
                    spec.extraBuffers(), (flags & NR_NO_TX_POLL) == 0, memId);
            NicPort port = switch (wanted) {
                case XDP -> log(nif, XdpPorts.open(req), "forced by " + source(mechanism));
                case PACKET -> log(nif, PacketPorts.open(req), "forced by " + source(mechanism));
                case AUTO -> openAuto(req);
            };
            ok = true;
            return port; // NicPort gives the memory id back when it closes
        } finally {
            if (!ok) {
                releaseMemId(memId);
            }
        }
    }

    private static String source(NicMechanism mechanism) {
        return mechanism != NicMechanism.AUTO ? "the channel option or caller" : "-D" + NicMechanism.PROPERTY + "="
                + System.getProperty(NicMechanism.PROPERTY);
    }

    private static NicPort openAuto(NicRequest req) throws NetmapException {
        try {
            return log(req.nif(), XdpPorts.open(req), "AF_XDP program loaded and socket bound");
        } catch (NoSuchPortException e) {
            throw e;
        } catch (NetmapException e) {
            NicPort port = PacketPorts.open(req);
            return log(req.nif(), port, "AF_XDP not available: " + e.getMessage());
        }
    }

    private static NicPort log(NetInterface nif, NicPort port, String why) {
        if (LOGGED.add(nif.name() + "/" + port.mechanism())) {
            LOG.log(System.Logger.Level.INFO, "netmap4j opens " + nif.name() + " through " + port.mechanism() + " ("
                    + why + ")");
        }
        return port;
    }

    /** Slot counts are hints, as for the kernel: 0 means the default, others are clamped. */
    private static int slots(int asked) {
        if (asked <= 0) {
            return DEFAULT_SLOTS;
        }
        return Math.max(MIN_SLOTS, Math.min(MAX_SLOTS, asked));
    }

    private static synchronized int takeMemId() throws NetmapException {
        for (int i = 0; i < MEM_IDS; i++) {
            int id = (nextMemId + i) % MEM_IDS;
            if (!MEM_IDS_IN_USE.get(id)) {
                MEM_IDS_IN_USE.set(id);
                nextMemId = id + 1;
                return FIRST_MEM_ID + id;
            }
        }
        throw new NetmapException("too many NIC ports open in this JVM (" + MEM_IDS + ")");
    }

    static synchronized void releaseMemId(int memId) {
        MEM_IDS_IN_USE.clear(memId - FIRST_MEM_ID);
    }

}

package io.netmap4j.user.vale;

import io.netmap4j.abi.Errno;
import io.netmap4j.core.NetmapException;
import io.netmap4j.core.NetmapPort;
import io.netmap4j.spec.PortSpec;
import io.netmap4j.user.UserBackend;

import java.nio.charset.StandardCharsets;

import static io.netmap4j.abi.NetmapConstants.NR_ACCEPT_VNET_HDR;
import static io.netmap4j.abi.NetmapConstants.NR_EXCLUSIVE;
import static io.netmap4j.abi.NetmapConstants.NR_MONITOR_RX;
import static io.netmap4j.abi.NetmapConstants.NR_MONITOR_TX;
import static io.netmap4j.abi.NetmapConstants.NR_NO_TX_POLL;
import static io.netmap4j.abi.NetmapConstants.NR_REG_ALL_NIC;
import static io.netmap4j.abi.NetmapConstants.NR_REG_DEFAULT;
import static io.netmap4j.abi.NetmapConstants.NR_REG_ONE_NIC;
import static io.netmap4j.abi.NetmapConstants.NR_RX_RINGS_ONLY;
import static io.netmap4j.abi.NetmapConstants.NR_TX_RINGS_ONLY;
import static io.netmap4j.abi.NetmapConstants.NR_ZCOPY_MON;
import static io.netmap4j.user.vale.SwitchLayout.*;

/**
 * Opens {@code valeS:P} on the user backend: checks what the name asks for against what a VALE
 * port can be (netmap's limits), then registers it. Names it cannot serve fail here, before any
 * file is touched, with a message that says why.
 */
public final class ValeOpener {
    private ValeOpener() { }

    /** Opens the VALE port {@code spec}, or a monitor of one ({@code /t}, {@code /r}, {@code /z}). */
    public static NetmapPort open(PortSpec spec, UserBackend backend) throws NetmapException {
        String what = "open " + spec;
        checkSwitchName(spec.valeSwitch(), what);
        String port = spec.portName();
        if (port == null || port.isEmpty() || port.getBytes(StandardCharsets.UTF_8).length > MAX_PORT_NAME) {
            throw new NetmapException(what + " failed: a VALE port name has 1 to " + MAX_PORT_NAME
                    + " bytes after the switch, as an interface name", Errno.EINVAL, null);
        }
        if (spec.isPipe()) {
            throw new NetmapException(what + " failed: the user backend does not support pipes of VALE ports");
        }
        if (spec.bindsHostRings()) {
            throw new NetmapException(what + " failed: a VALE port has no host rings (^, *); they belong to "
                    + "interfaces attached to a switch", Errno.EINVAL, null);
        }
        if (spec.mode() != NR_REG_ALL_NIC && spec.mode() != NR_REG_DEFAULT && spec.mode() != NR_REG_ONE_NIC) {
            throw new NetmapException(what + " failed: a VALE port binds all its rings or one ring pair (-N)",
                    Errno.EINVAL, null);
        }
        long flags = spec.flags();
        if ((flags & NR_ACCEPT_VNET_HDR) != 0) {
            throw new NetmapException(what + " failed: virtio-net headers are not supported by the user backend");
        }
        if (spec.extmem() != null || spec.share() != null || spec.offset() != null) {
            throw new NetmapException(what + " failed: @extmem, @share and @offset are not supported by the user "
                    + "backend");
        }
        if (spec.memId() != 0) {
            throw new NetmapException(what + " failed: the user backend gives each VALE port a memory region of its "
                    + "own, as netmap does by default; a region id (@" + spec.memId() + ") cannot be chosen",
                    Errno.EINVAL, null);
        }
        if ((flags & NR_TX_RINGS_ONLY) != 0 && (flags & NR_RX_RINGS_ONLY) != 0) {
            throw new NetmapException(what + " failed: /T and /R together leave no ring to bind");
        }
        if ((flags & (NR_MONITOR_TX | NR_MONITOR_RX | NR_ZCOPY_MON)) != 0) {
            if (spec.mode() == NR_REG_ONE_NIC || (flags & NR_EXCLUSIVE) != 0 || spec.extraBuffers() != 0) {
                throw new NetmapException(what + " failed: a monitor of the user backend watches every ring of its "
                        + "port, without /x or extra buffers", Errno.EINVAL, null);
            }
            return ValeMonitors.open(spec, backend, what);
        }
        if (spec.extraBuffers() < 0) {
            throw new NetmapException(what + " failed: a negative number of extra buffers (" + spec.extraBuffers()
                    + ") was asked for");
        }
        SwitchPorts.Geometry g = new SwitchPorts.Geometry(rings(spec.txRings()), rings(spec.rxRings()),
                slots(spec.txSlots()), slots(spec.rxSlots()));
        ValeRegistration.Request request = new ValeRegistration.Request(what, UserBackend.shmDir(),
                spec.valeSwitch(), port, spec.requestName(), g, spec.mode() == NR_REG_ONE_NIC, spec.ringId(),
                (flags & NR_RX_RINGS_ONLY) == 0, (flags & NR_TX_RINGS_ONLY) == 0, (flags & NR_EXCLUSIVE) != 0,
                spec.extraBuffers());
        return UserValePort.open(spec, backend, request, (flags & NR_NO_TX_POLL) == 0);
    }

    /**
     * A switch name is {@code vale} and an optional identifier of letters, digits and
     * underscores, as netmap's (nm_bdg_name_validate).
     */
    static void checkSwitchName(String name, String what) throws NetmapException {
        boolean ok = name != null && name.startsWith("vale") && name.length() < P_NAME_MAX;
        for (int i = 0; ok && i < name.length(); i++) {
            char c = name.charAt(i);
            ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_';
        }
        if (!ok) {
            throw new NetmapException(what + " failed: \"" + name + "\" is not a VALE switch name: vale followed by "
                    + "letters, digits or underscores", Errno.EINVAL, null);
        }
    }

    /** Ring counts are hints, as for the kernel: 0 means 1, more than the most means the most. */
    private static int rings(int asked) {
        return asked <= 0 ? 1 : Math.min(MAX_RINGS, asked);
    }

    /** Slot counts too: 0 means the default, others are clamped to what a ring can have. */
    private static int slots(int asked) {
        return asked <= 0 ? DEFAULT_SLOTS : Math.max(2, Math.min(MAX_SLOTS, asked));
    }
}

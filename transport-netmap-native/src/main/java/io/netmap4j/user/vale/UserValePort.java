package io.netmap4j.user.vale;

import io.netmap4j.core.NetmapException;
import io.netmap4j.spec.PortSpec;
import io.netmap4j.user.Doorbell;
import io.netmap4j.user.LockTokens;
import io.netmap4j.user.DoorbellPort;
import io.netmap4j.user.UserBackend;
import io.netmap4j.user.monitor.MonitorTaps;

import static io.netmap4j.abi.NetmapConstants.POLLERR;
import static io.netmap4j.abi.NetmapConstants.POLLHUP;
import static io.netmap4j.abi.NetmapConstants.POLLIN;
import static io.netmap4j.abi.NetmapConstants.POLLOUT;
import static io.netmap4j.user.vale.SwitchLayout.*;

/**
 * One registration of a port of a user-space VALE switch: its rings in the port's own area of
 * the switch file (its memory region), the switch's work done in its txsync by
 * {@link ValeForwarder}, a FIFO doorbell as the pollable descriptor.
 *
 * <p>Waiting follows netmap's poll (see {@link DoorbellPort}): POLLIN when an RX ring has frames
 * past cur, POLLOUT when a TX ring has room past cur (always, after a txsync, since a VALE port's
 * TX slots come back within it). Only a port about to sleep tells the senders, in the port's
 * sleep word, that it waits for frames, which makes a sender that delivers some write to its
 * doorbell; a busy port costs its senders no system call. A VALE port depends on no peer, so it
 * may sleep without a time limit.
 */
public final class UserValePort extends DoorbellPort {
    private final ValeRegistration reg;
    private final ValeRings rings;
    private final ValeForwarder forwarder;
    private final long memArea;
    private final boolean txPoll;

    private UserValePort(PortSpec spec, UserBackend backend, ValeRegistration reg, Doorbell bell, int memId,
                         long memArea, boolean txPoll) {
        super(spec, backend, reg.file.mem().asSlice(reg.base(), PORT_STRIDE), reg.nif(), memId, reg.extraBuffers, bell);
        this.reg = reg;
        this.memArea = memArea;
        this.txPoll = txPoll;
        LockTokens tokens = tokens(reg.file, reg.token());
        this.forwarder = new ValeForwarder(reg.file.mem(), reg.port, reg.portGen, tokens, bell);
        MonitorTaps taps = new MonitorTaps(reg.file.mem(), reg.base() + C_MON_MASK,
                ValeMonitors.places(reg.file, reg.port), reg.token(), tokens, bell);
        this.rings = new ValeRings(spec.toString(), reg, forwarder, taps);
    }

    static UserValePort open(PortSpec spec, UserBackend backend, ValeRegistration.Request request, boolean txPoll)
            throws NetmapException {
        ValeRegistration reg = ValeRegistration.register(request);
        Doorbell bell = null;
        long area = (long) reg.portGen << 8 | (reg.port + 1);
        boolean memId = false;
        try {
            String own = reg.file.doorbellPath(doorbellName(SwitchLayout.doorbell(reg.port, reg.registration)));
            bell = Doorbell.open(own, DOORBELLS, j -> reg.file.doorbellPath(doorbellName(j)), request.what());
            int id = backend.memIdOf(reg.file, area);
            memId = true;
            return new UserValePort(spec, backend, reg, bell, id, area, txPoll);
        } catch (NetmapException | RuntimeException e) {
            if (memId) {
                backend.releaseMemId(reg.file, area);
            }
            if (bell != null) {
                bell.close();
            }
            reg.unregister();
            throw e;
        }
    }

    @Override
    public void txSync() throws NetmapException {
        ensureOpen();
        rings.txSync();
    }

    @Override
    public void rxSync() throws NetmapException {
        ensureOpen();
        rings.rxSync();
    }

    private void ensureOpen() throws NetmapException {
        if (!isOpen()) {
            throw new NetmapException(name() + " is closed");
        }
    }

    /** Only frames to read are ever waited for: a VALE port's TX slots come back within the txsync. */
    @Override
    protected boolean announceSleep(int ops) {
        return (ops & POLLIN) != 0 && rings.bindsRx() && rings.announceSleep();
    }

    @Override
    protected void clearSleep() {
        rings.clearSleep();
    }

    @Override
    protected int syncAndTest(int ops) throws NetmapException {
        if (!isOpen()) {
            return POLLERR | POLLHUP;
        }
        if ((ops & POLLIN) != 0) {
            rings.rxSync();
        }
        if ((ops & POLLOUT) != 0 || txPoll && rings.txPending()) {
            rings.txSync();
        }
        int ready = 0;
        if ((ops & POLLIN) != 0 && rings.rxReady()) {
            ready |= POLLIN;
        }
        if ((ops & POLLOUT) != 0 && rings.txReady()) {
            ready |= POLLOUT;
        }
        if (rings.takeError()) {
            ready |= POLLERR;
        }
        return ready;
    }

    /** The switch this port is on, for example {@code vale0}. */
    public String switchName() {
        return spec().valeSwitch();
    }

    /** The port's index on its switch. */
    public int portIndex() {
        return reg.port;
    }

    /** Frames this port sent that reached some destination ring (one per copy: a flood counts each). */
    public long forwardedFrames() {
        return forwarder.forwarded;
    }

    /**
     * Frames this port sent that went nowhere: shorter than an Ethernet header, addressed to the
     * sender itself, to a port that went away, with a damaged slot, or {@code NS_INDIRECT}.
     */
    public long undeliverableFrames() {
        return forwarder.dropped;
    }

    /** Copies of frames this port sent that a destination had no room for. */
    public long destinationFullDrops() {
        return forwarder.ringFull;
    }

    /** Frames the senders had to drop because this registration's RX rings were full. */
    public long droppedFrames() {
        return rings.rxDropped();
    }

    /** Received slots whose descriptor was damaged, delivered empty and counted. */
    public long damagedFrames() {
        return rings.damagedFrames();
    }

    /** Times a ring was reset because head, cur or tail was past the last slot, or a released slot named no buffer. */
    public long ringResets() {
        return rings.ringResets();
    }

    /** Syncs refused with POLLERR because head or cur named a slot the user does not own. */
    public long ringErrors() {
        return rings.ringErrors();
    }

    /** Indices written by another process that broke the protocol and were ignored. */
    public long peerErrors() {
        return rings.peerErrors();
    }

    /** write(2) calls made to wake sleeping receivers. */
    public long doorbellWrites() {
        return doorbell().rings();
    }

    /** The registration behind this port (for the package's tests and monitors). */
    ValeRegistration registration() {
        return reg;
    }

    /** The switch's shared-memory file. */
    public String regionPath() {
        return reg.file.path();
    }

    @Override
    protected void doClose() {
        rings.clearSleep(); // so that no sender rings a doorbell nobody reads
        doorbell().close();
        ((UserBackend) backend()).releaseMemId(reg.file, memArea);
        reg.unregister();
    }
}

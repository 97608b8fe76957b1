package io.netmap4j.user.monitor;

import io.netmap4j.abi.Errno;
import io.netmap4j.core.NetmapException;
import io.netmap4j.core.PeerGoneException;
import io.netmap4j.spec.PortSpec;
import io.netmap4j.user.Doorbell;
import io.netmap4j.user.DoorbellPort;
import io.netmap4j.user.FilledRxRings;
import io.netmap4j.user.SleepWord;
import io.netmap4j.user.UserBackend;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

import static io.netmap4j.abi.NetmapConstants.POLLERR;
import static io.netmap4j.abi.NetmapConstants.POLLHUP;
import static io.netmap4j.abi.NetmapConstants.POLLIN;
import static io.netmap4j.user.monitor.MonitorLayout.*;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A monitor of a port of the user backend ({@code PORT/t}, {@code /r}, {@code /rt}, {@code /z}),
 * as netmap's: as many RX rings as the monitored port has rings of either direction, each getting
 * the frames of the port's TX and RX ring of its number (those from TX marked {@code NS_TXMON}),
 * and one TX ring that cannot send. Copy monitors see frames before they are consumed (TX ones
 * before they leave, RX ones before the user reads them); zero-copy monitors see them after they
 * were consumed (TX ones when their slots come back, RX ones when the user releases them), by
 * buffer swap. A monitor that falls behind loses the oldest frames, never slows the port.
 *
 * <p>The monitored port fills the monitor's rings in its own syncs ({@link MonitorTaps}); this
 * side only syncs its RX rings ({@link FilledRxRings}) and sleeps on its doorbell. When the
 * monitored port closes (or its process dies) the monitor reports POLLHUP|POLLERR and its syncs
 * fail: as in netmap, it must be opened again.
 */
public final class UserMonitorPort extends DoorbellPort {
    /** How often, at most, a waiting monitor asks whether the monitored port's process lives. */
    static final long WATCH_NANOS = 200_000_000L;
    private static final VarHandle INT = JAVA_INT.varHandle();

    /** What the host of a monitor does for it. */
    public interface Host {
        /** True while the monitored port is open by a live process (may make a system call). */
        boolean monitoredAlive();

        /** Tears the monitor down and gives back what it holds (its slot, lock, file). */
        void release();
    }

    private final MonitorPlace place;
    private final Host host;
    private final MemorySegment mem;
    private final FilledRxRings rx;
    private final int rings;
    private final int slots;
    private final long memArea;
    private long nextWatch;
    private boolean gone;

    private UserMonitorPort(PortSpec spec, UserBackend backend, MonitorPlace place, Host host, Doorbell bell, int memId,
                            long memArea) {
        super(spec, backend, place.file().mem().asSlice(place.regionBase(), place.regionSize()),
                place.toRegion(place.nif()), memId, 0, bell);
        this.place = place;
        this.host = host;
        this.mem = place.file().mem();
        this.memArea = memArea;
        this.rings = mem.get(JAVA_INT, place.control() + M_RINGS);
        this.slots = mem.get(JAVA_INT, place.control() + M_SLOTS);
        this.rx = new FilledRxRings(mem, spec.toString(), place.poolNextField(), place.maxBuffers(), place.bufferSize(), 1);
        this.nextWatch = System.nanoTime() + WATCH_NANOS;
        SleepWord.clear(mem, place.control() + M_SLEEP, 0);
    }

    /**
     * Opens the monitor the host made in {@code place}: its doorbell, then the port. The memory
     * id is the monitored port's for a zero-copy monitor (they share buffers), one of its own
     * for a copy monitor (netmap gives those a private region). On failure the host's monitor is
     * released.
     *
     * @param monitoredArea the memory area (see {@link UserBackend#memIdOf}) of the monitored port
     */
    public static UserMonitorPort open(PortSpec spec, UserBackend backend, MonitorPlace place, Host host,
                                       long monitoredArea, int gen, String what) throws NetmapException {
        Doorbell bell = null;
        long area = MonitorSlots.zeroCopy(spec.flags()) ? monitoredArea
                : Long.MIN_VALUE | place.control() << 16 | (gen & 0xffff);
        boolean memId = false;
        try {
            bell = Doorbell.open(place.doorbellPath(), 0, j -> null, what);
            int id = backend.memIdOf(place.file(), area);
            memId = true;
            return new UserMonitorPort(spec, backend, place, host, bell, id, area);
        } catch (NetmapException | RuntimeException e) {
            if (memId) {
                backend.releaseMemId(place.file(), area);
            }
            if (bell != null) {
                bell.close();
            }
            host.release();
            throw e;
        }
    }

    /** A monitor cannot send, as in netmap (its txsync fails). */
    @Override
    public void txSync() throws NetmapException {
        throw new NetmapException(name() + ": a monitor cannot send frames; send through the monitored port",
                Errno.EIO, null);
    }

    @Override
    public void rxSync() throws NetmapException {
        if (!isOpen()) {
            throw new NetmapException(name() + " is closed");
        }
        if (monitoredGone()) {
            throw goneException();
        }
        syncRings();
    }

    private void syncRings() throws NetmapException {
        for (int r = 0; r < rings; r++) {
            long line = place.control() + line(r);
            rx.sync(place.rxRing(r), slots, line + L_FILL_TAIL, line + L_RELEASED, line + L_SEEN, null, null);
        }
    }

    @Override
    protected int syncAndTest(int ops) throws NetmapException {
        if (!isOpen() || monitoredGone()) {
            return POLLERR | POLLHUP;
        }
        if ((ops & POLLIN) == 0) {
            return 0; // a monitor is only ever ready to read
        }
        syncRings();
        int ready = 0;
        for (int r = 0; r < rings; r++) {
            long ring = place.rxRing(r);
            if (mem.get(JAVA_INT, ring + io.netmap4j.abi.gen.netmap_ring.cur$offset())
                    != mem.get(JAVA_INT, ring + io.netmap4j.abi.gen.netmap_ring.tail$offset())) {
                ready = POLLIN;
            }
        }
        if (rx.takeError()) {
            ready |= POLLERR;
        }
        return ready;
    }

    @Override
    protected int cannotSleep(int ops) throws NetmapException {
        if (!isOpen() || monitoredGone()) {
            return POLLERR | POLLHUP;
        }
        long now = System.nanoTime();
        if (now - nextWatch >= 0) {
            nextWatch = now + WATCH_NANOS;
            if (!host.monitoredAlive()) {
                gone = true;
                return POLLERR | POLLHUP;
            }
        }
        return 0;
    }

    @Override
    protected boolean announceSleep(int ops) {
        if ((ops & POLLIN) == 0) {
            return false;
        }
        SleepWord.announce(mem, place.control() + M_SLEEP, 0, SleepWord.WANT_RX);
        for (int r = 0; r < rings; r++) {
            long line = place.control() + line(r);
            if (rx.filledSince(line + L_FILL_TAIL, line + L_SEEN)) {
                clearSleep();
                return true;
            }
        }
        return false;
    }

    @Override
    protected void clearSleep() {
        SleepWord.clear(mem, place.control() + M_SLEEP, 0);
    }

    /** A monitored port that dies cannot ring: a waiting monitor looks this often. */
    @Override
    public long maxPollDelayNanos() {
        return 1_000_000_000L;
    }

    /**
     * True once the monitored port closed (its closer took this monitor's bit out of its mask)
     * or its process was found dead; stays true.
     */
    private boolean monitoredGone() {
        if (!gone && ((int) INT.getAcquire(mem, place.maskWord()) & 1 << place.maskBit()) == 0) {
            gone = true;
        }
        return gone;
    }

    private NetmapException goneException() {
        return new PeerGoneException(name() + ": the monitored port was closed (or its process died); as in netmap, "
                + "close this monitor and open it again once the port is open");
    }

    /** Frames this monitor had no room for, dropped (the oldest ones, as netmap). */
    public long droppedFrames() {
        long sum = 0;
        for (int r = 0; r < rings; r++) {
            sum += mem.get(JAVA_LONG, place.control() + line(r) + L_DROPS);
        }
        return sum;
    }

    /** Received slots whose descriptor was damaged, delivered empty. */
    public long damagedFrames() {
        return rx.damaged();
    }

    @Override
    protected void doClose() {
        clearSleep();
        doorbell().close();
        ((UserBackend) backend()).releaseMemId(place.file(), memArea);
        host.release();
    }
}

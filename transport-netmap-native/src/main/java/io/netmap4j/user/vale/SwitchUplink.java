package io.netmap4j.user.vale;

import io.netmap4j.abi.Errno;
import io.netmap4j.abi.LibC;
import io.netmap4j.core.NetmapException;
import io.netmap4j.core.NetmapPort;
import io.netmap4j.core.NetmapRing;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static io.netmap4j.abi.NetmapConstants.NS_MOREFRAG;
import static io.netmap4j.abi.NetmapConstants.POLLERR;
import static io.netmap4j.abi.NetmapConstants.POLLHUP;
import static io.netmap4j.abi.NetmapConstants.POLLIN;
import static io.netmap4j.abi.NetmapConstants.POLLOUT;
import static io.netmap4j.abi.gen.pollfd.events$offset;
import static io.netmap4j.abi.gen.pollfd.fd$offset;
import static io.netmap4j.abi.gen.pollfd.revents$offset;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * An interface attached to a user-space VALE switch: what the kernel's bridge adapter does for
 * a NIC attached with vale-ctl, done by a thread of the attaching process. It moves every frame
 * the interface receives into the switch through the switch port of the same name, and every
 * frame the switch gives that port out through the interface, copying (their memory regions
 * differ), on one thread that sleeps in poll(2) on both descriptors when there is nothing to do.
 * Every RX ring of each side is read (an interface with several queues has several); frames go
 * out through TX ring 0 of the other side.
 * A frame waits in its RX ring while the other side has no room, so neither side loses what the
 * other cannot take yet (the switch itself still drops what a full destination cannot hold).
 * It lasts until {@link #close()} or the end of the process; the ports are closed with it.
 */
final class SwitchUplink implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SwitchUplink.class.getName());

    private final NetmapPort external;
    private final NetmapPort switchPort;
    private final Thread thread;
    private volatile boolean stop;
    private volatile Throwable failure;
    private volatile long toSwitch;
    private volatile long fromSwitch;

    private SwitchUplink(NetmapPort external, NetmapPort switchPort) {
        this.external = external;
        this.switchPort = switchPort;
        this.thread = new Thread(this::run, "netmap4j-uplink " + switchPort.name() + " <-> " + external.name());
        this.thread.setDaemon(true);
    }

    /** Starts forwarding between {@code external} and {@code switchPort}; both are closed by {@link #close()}. */
    static SwitchUplink start(NetmapPort external, NetmapPort switchPort) {
        SwitchUplink uplink = new SwitchUplink(external, switchPort);
        uplink.thread.start();
        return uplink;
    }

    /** The switch port's index. */
    int portIndex() {
        return switchPort instanceof UserValePort v ? v.portIndex() : -1;
    }

    /** Frames moved into the switch and out of it so far. */
    long framesToSwitch() {
        return toSwitch;
    }

    long framesFromSwitch() {
        return fromSwitch;
    }

    /** Why the loop stopped on its own, or null while it runs (or was stopped by {@link #close()}). */
    Throwable failure() {
        return failure;
    }

    private void run() {
        NetmapPort[] ports = {external, switchPort};
        int[] want = new int[2];
        boolean[] sleeping = new boolean[2];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(LibC.POLLFD_SIZE * 2L, 8);
            while (!stop) {
                if (move(external, switchPort) | move(switchPort, external)) {
                    continue;
                }
                // nothing moved: a port with frames waiting in its RX ring waits for room on the
                // other side (POLLOUT there); one without waits for frames (POLLIN)
                boolean extWaiting = holdsFrames(external);
                boolean swWaiting = holdsFrames(switchPort);
                want[0] = (extWaiting ? 0 : POLLIN) | (swWaiting ? POLLOUT : 0);
                want[1] = (swWaiting ? 0 : POLLIN) | (extWaiting ? POLLOUT : 0);
                int ready = 0;
                for (int i = 0; i < 2; i++) {
                    ready |= want[i] == 0 ? 0 : ports[i].readyOps(want[i]);
                }
                if ((ready & (POLLERR | POLLHUP)) != 0) {
                    throw new NetmapException("a port of the uplink failed or went away", Errno.EIO, null);
                }
                if (ready != 0) {
                    continue;
                }
                for (int i = 0; i < 2; i++) {
                    sleeping[i] = false;
                }
                for (int i = 0; i < 2 && ready == 0; i++) {
                    if (want[i] != 0) {
                        ready = ports[i].prepareToSleep(want[i]);
                        sleeping[i] = ready == 0;
                    }
                }
                long cap = Math.min(bounded(external.maxPollDelayNanos()), bounded(switchPort.maxPollDelayNanos()));
                int millis = (int) Math.max(1, Math.min(200, cap / 1_000_000));
                int n = 0;
                if (ready == 0) {
                    for (int i = 0; i < 2; i++) {
                        if (sleeping[i]) {
                            long p = LibC.POLLFD_SIZE * (long) n++;
                            fds.set(JAVA_INT, p + fd$offset(), ports[i].fd());
                            fds.set(JAVA_SHORT, p + events$offset(), (short) ports[i].pollEvents(want[i]));
                            fds.set(JAVA_SHORT, p + revents$offset(), (short) 0);
                        }
                    }
                }
                int r = n == 0 ? 0 : LibC.poll(fds, n, millis); // bounded: stop is looked at this often
                for (int i = 0, k = 0; i < 2; i++) {
                    if (sleeping[i]) {
                        int revents = r > 0 ? Short.toUnsignedInt(fds.get(JAVA_SHORT, LibC.POLLFD_SIZE * (long) k
                                + revents$offset())) : 0;
                        k++;
                        ports[i].completePoll(want[i], revents);
                    }
                }
            }
        } catch (Throwable t) {
            if (!stop) {
                failure = t;
                LOG.log(System.Logger.Level.WARNING, "netmap4j: the uplink " + thread.getName() + " stopped", t);
            }
        }
    }

    private static long bounded(long nanos) {
        return nanos < 0 ? Long.MAX_VALUE : nanos;
    }

    private static boolean holdsFrames(NetmapPort port) {
        for (int r = 0; r < port.rxRingCount(); r++) {
            if (!port.rxRing(r).isEmpty()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Moves what {@code from} received, on all its RX rings, into {@code to}'s TX ring 0, whole
     * frames only, as far as there is room. Returns true if anything moved.
     */
    private boolean move(NetmapPort from, NetmapPort to) throws NetmapException {
        from.rxSync();
        boolean moved = false;
        for (int r = 0; r < from.rxRingCount(); r++) {
            moved |= move(from, from.rxRing(r), to);
        }
        return moved;
    }

    /** Moves what {@code rx} holds into {@code to}'s TX ring 0, then syncs both. */
    private boolean move(NetmapPort from, NetmapRing rx, NetmapPort to) throws NetmapException {
        NetmapRing tx = to.txRing(0);
        int h = rx.head();
        int t = tx.head();
        int room = tx.space();
        int frames = 0;
        while (h != rx.tail()) {
            int frags = 1;
            int last = h;
            while ((rx.flags(last) & NS_MOREFRAG) != 0 && rx.next(last) != rx.tail()) {
                last = rx.next(last);
                frags++;
            }
            if ((rx.flags(last) & NS_MOREFRAG) != 0 || frags > room) {
                break; // the rest of the frame is not there yet, or it waits in the RX ring for room
            }
            for (int q = 0; q < frags; q++) {
                int len = Math.min(rx.len(h), tx.bufferSize());
                MemorySegment.copy(rx.region(), rx.slotBufferOffset(h), tx.region(), tx.slotBufferOffset(t), len);
                tx.len(t, len);
                tx.flags(t, q + 1 < frags ? NS_MOREFRAG : 0);
                h = rx.next(h);
                t = tx.next(t);
            }
            room -= frags;
            frames++;
        }
        if (frames == 0) {
            return false;
        }
        tx.advance(t);
        to.txSync();
        rx.advance(h);
        from.rxSync();
        if (from == external) {
            toSwitch += frames;
        } else {
            fromSwitch += frames;
        }
        return true;
    }

    /** Stops the loop and closes both ports (the switch port leaves the switch). */
    @Override
    public void close() {
        stop = true;
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        switchPort.close();
        external.close();
    }
}

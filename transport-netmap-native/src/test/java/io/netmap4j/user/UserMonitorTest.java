package io.netmap4j.user;

import io.netmap4j.core.NetmapException;
import io.netmap4j.core.NetmapPort;
import io.netmap4j.core.NetmapRing;
import io.netmap4j.core.PeerGoneException;
import io.netmap4j.core.PortBusyException;
import io.netmap4j.spec.PortSpec;
import io.netmap4j.user.monitor.UserMonitorPort;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static io.netmap4j.abi.NetmapConstants.POLLERR;
import static io.netmap4j.abi.NetmapConstants.POLLHUP;
import static io.netmap4j.abi.NetmapConstants.POLLIN;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Monitors of pipe ends on the user backend, beyond what the conformance suite checks on every
 * backend: monitors across processes, the death of the monitored process, how many monitors a
 * pipe may have, and that the files go with the last user.
 */
class UserMonitorTest {

    private static String[] regionFiles(String parent) {
        String prefix = PipeRegistration.regionBase(parent) + ".";
        String[] names = new File(UserBackend.shmDir()).list((dir, n) -> n.startsWith(prefix));
        return names == null ? new String[0] : names;
    }

    private static NetmapPort open(String name) throws NetmapException {
        return UserBackend.INSTANCE.open(PortSpec.parse(name));
    }

    /**
     * A copy monitor in this process sees the frames another process sends, whole and in order,
     * or counts them as dropped when it falls behind; the receiver loses nothing.
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aMonitorSeesWhatAnotherProcessSends() throws Exception {
        String parent = "mx" + ProcessHandle.current().pid();
        NetmapPort receiver = open("netmap:" + parent + "}1");
        Process sender = null;
        try (NetmapPort mon = open("netmap:" + parent + "}1/r@conf:slots=4096")) {
            sender = PipePeer.start("send", "netmap:" + parent + "{1", "20000");
            PipePeer.awaitReady(sender);
            Thread reader = new Thread(() -> {
                try {
                    assertNull(PipePeer.receive(receiver, 20000));
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            reader.start();
            NetmapRing rx = mon.rxRing(0);
            long seen = 0;
            long last = -1;
            while (seen + ((UserMonitorPort) mon).droppedFrames() < 20000) {
                assertEquals(POLLIN, mon.poll(POLLIN, 10_000) & POLLIN);
                for (int h = rx.head(); h != rx.tail(); h = rx.next(h)) {
                    long seq = rx.slotBuffer(h).get(java.lang.foreign.ValueLayout.JAVA_LONG, 0);
                    assertTrue(seq > last, "frame " + seq + " after " + last);
                    assertNull(PipePeer.check(rx, h, seq), "a whole copy");
                    last = seq;
                    seen++;
                }
                rx.advance(rx.tail());
            }
            assertEquals(20000, seen + ((UserMonitorPort) mon).droppedFrames(),
                    "every frame was seen or counted as dropped for the monitor");
            reader.join(30_000);
            assertTrue(seen > 0);
            assertTrue(sender.waitFor(30, TimeUnit.SECONDS));
        } finally {
            if (sender != null) {
                sender.destroyForcibly();
            }
            receiver.close();
        }
        assertArrayEquals(new String[0], regionFiles(parent), "the last user removed the region");
    }

    /** The process holding the monitored end is killed: the monitor says so within two seconds. */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aMonitorNoticesThatTheMonitoredProcessDied() throws Exception {
        String parent = "md" + ProcessHandle.current().pid();
        Process holder = PipePeer.start("hold", "netmap:" + parent + "{1");
        try {
            PipePeer.awaitReady(holder);
            try (NetmapPort mon = open("netmap:" + parent + "{1/t")) {
                AtomicLong killedAt = new AtomicLong();
                Thread killer = new Thread(() -> {
                    try {
                        Thread.sleep(300);
                        killedAt.set(System.nanoTime());
                        holder.destroyForcibly();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                killer.start();
                int ready = mon.poll(POLLIN, 10_000);
                long millis = (System.nanoTime() - killedAt.get()) / 1_000_000;
                killer.join();
                assertEquals(POLLERR | POLLHUP, ready & (POLLERR | POLLHUP), "poll returned " + ready);
                assertTrue(millis < 2000, "noticed after " + millis + " ms");
                assertThrows(PeerGoneException.class, mon::rxSync);
            }
        } finally {
            holder.destroyForcibly();
            holder.waitFor(10, TimeUnit.SECONDS);
        }
        assertArrayEquals(new String[0], regionFiles(parent), "the monitor, last user, removed the region");
    }

    @Test
    void aPipeHasRoomForFourMonitorsAndTheyGoWithTheirEnd() throws Exception {
        String parent = "mn" + ProcessHandle.current().pid();
        List<NetmapPort> ports = new ArrayList<>();
        try {
            ports.add(open("netmap:" + parent + "{1"));
            ports.add(open("netmap:" + parent + "}1"));
            for (String m : new String[] {"{1/t", "{1/r", "}1/rt", "}1/z"}) {
                ports.add(open("netmap:" + parent + m));
            }
            PortBusyException e = assertThrows(PortBusyException.class, () -> open("netmap:" + parent + "{1/t"));
            assertTrue(e.getMessage().contains("4 monitors"), e.getMessage());
            ports.get(3).close(); // {1/r
            e = assertThrows(PortBusyException.class, () -> open("netmap:" + parent + "}1/z"));
            assertTrue(e.getMessage().contains("one per port"), "one zero-copy monitor per end: " + e.getMessage());
            ports.add(open("netmap:" + parent + "{1/z")); // the other end may have one
            NetmapPort master = ports.get(0);
            master.close();
            NetmapPort masterMonitor = ports.get(2);
            assertThrows(PeerGoneException.class, masterMonitor::rxSync, "the end left netmap mode");
            NetmapPort slaveMonitor = ports.get(4);
            slaveMonitor.rxSync(); // the other end's monitors go on
            masterMonitor.close();
            ports.add(open("netmap:" + parent + "}1/t")); // a slot is free again
        } finally {
            for (int i = ports.size() - 1; i >= 0; i--) {
                ports.get(i).close();
            }
        }
        assertArrayEquals(new String[0], regionFiles(parent));
    }
}

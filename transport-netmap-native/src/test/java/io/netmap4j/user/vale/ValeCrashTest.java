package io.netmap4j.user.vale;

import io.netmap4j.core.NetmapPort;
import io.netmap4j.core.NetmapRing;
import io.netmap4j.spec.PortSpec;
import io.netmap4j.user.SharedLock;
import io.netmap4j.user.UserBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static io.netmap4j.user.vale.ValeCrossProcessTest.switchFiles;
import static io.netmap4j.user.vale.ValeFrames.BROADCAST;
import static io.netmap4j.user.vale.ValeFrames.mac;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A process holding ports of a switch is killed (SIGKILL) in the middle of its work: the others
 * go on within two seconds, no frame arrives twice or at a port it was not for, the dead process's
 * port stops being a destination, and the files go with the last port.
 */
class ValeCrashTest {

    /**
     * The worst moment: the killed process held the lock of a port's RX ring, as a sender does
     * while it copies. The next sender to that port takes the lock from the dead holder.
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aSenderKilledHoldingAReceiversLockStallsTheOthersBriefly() throws Exception {
        String sw = "valecr" + ProcessHandle.current().pid() + "a";
        try (NetmapPort s = UserBackend.INSTANCE.open(PortSpec.parse(sw + ":s"));
             NetmapPort r = UserBackend.INSTANCE.open(PortSpec.parse(sw + ":r"))) {
            ValeFrames.send(r, BROADCAST, mac(3), -1, 0); // learned: frames for mac(3) go to r alone
            Process child = ValePeer.start("lockhold", sw + ":k", Long.toString(mac(9)), "r");
            try {
                ValePeer.awaitLine(child, "READY");
                ValeRegistration rr = ((UserValePort) r).registration();
                long lock = rr.base() + SwitchLayout.rxLine(0) + SwitchLayout.D_LOCK;
                MemorySegment mem = rr.file.mem();
                assertTrue(SharedLock.holder(mem, lock) != 0, "the child holds r's lock");
                AtomicLong sentAt = new AtomicLong();
                Thread sender = new Thread(() -> {
                    try {
                        ValeFrames.send(s, mac(3), mac(2), 1, 1); // waits for the lock
                        sentAt.set(System.nanoTime());
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                });
                sender.start();
                Thread.sleep(300);
                assertEquals(0, sentAt.get(), "the sender waits while the holder lives");
                long killedAt = System.nanoTime();
                child.destroyForcibly();
                sender.join(10_000);
                assertTrue(sentAt.get() != 0, "the sender went on");
                long millis = (sentAt.get() - killedAt) / 1_000_000;
                assertTrue(millis < 2000, "went on after " + millis + " ms");
                assertEquals(0, SharedLock.holder(mem, lock), "the lock was taken and given back");
                r.rxSync();
                NetmapRing rx = r.rxRing(0);
                List<Long> ours = new ArrayList<>();
                for (int h = rx.head(); h != rx.tail(); h = rx.next(h)) {
                    if (ValeFrames.stream(rx.slotBuffer(h)) == 1) { // (the child's hello is there too)
                        ours.add(ValeFrames.seq(rx.slotBuffer(h)));
                    }
                }
                assertEquals(List.of(1L), ours, "the frame arrived, once");
            } finally {
                child.destroyForcibly();
                child.waitFor(10, TimeUnit.SECONDS);
            }
        }
        assertArrayEquals(new String[0], switchFiles(sw), "the last port removed the switch's files");
    }

    /**
     * A process with two ports sends to our receiver and to everyone while our own sender does the
     * same; it is killed. The receiver sees every stream in order without duplicates, unicast
     * frames only when they were for it, and our stream never stops for two seconds.
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aProcessKilledDuringTrafficLeavesTheSwitchWorking() throws Exception {
        String sw = "valecr" + ProcessHandle.current().pid() + "b";
        NetmapPort s = UserBackend.INSTANCE.open(PortSpec.parse(sw + ":s"));
        NetmapPort r = UserBackend.INSTANCE.open(PortSpec.parse(sw + ":r@conf:slots=4096"));
        NetmapPort other = UserBackend.INSTANCE.open(PortSpec.parse(sw + ":o"));
        List<Process> children = new ArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        AtomicLong longestGapNanos = new AtomicLong();
        try {
            ValeFrames.send(r, BROADCAST, mac(3), -1, 0);
            ValeFrames.send(other, BROADCAST, mac(4), -1, 0);
            for (int i = 0; i < 2; i++) {
                Process c = ValePeer.start("blast", sw + ":k" + i, Long.toString(mac(10 + i)), Long.toString(mac(3)));
                children.add(c);
                ValePeer.awaitLine(c, "READY");
            }
            Thread sender = new Thread(() -> {
                try {
                    NetmapRing tx = s.txRing(0);
                    long seq = 0;
                    while (!stop.get()) {
                        for (int i = 0; i < 32; i++) {
                            ValeFrames.queue(tx, i == 0 ? BROADCAST : mac(3), mac(2), 2, seq++, ValeFrames.LEN);
                        }
                        s.txSync();
                        Thread.sleep(0, 200_000);
                    }
                } catch (Exception e) {
                    problems.add("sender: " + e);
                }
            });
            Thread receiver = new Thread(() -> watch(r, mac(3), stop, problems, longestGapNanos));
            Thread bystander = new Thread(() -> watch(other, mac(4), stop, problems, new AtomicLong()));
            sender.start();
            receiver.start();
            bystander.start();
            Thread.sleep(700);
            children.get(0).destroyForcibly(); // SIGKILL in the middle of its sends
            Thread.sleep(700);
            children.get(1).destroyForcibly();
            Thread.sleep(700);
            stop.set(true);
            sender.join(10_000);
            receiver.join(10_000);
            bystander.join(10_000);
            assertTrue(problems.isEmpty(), problems.toString());
            long gapMillis = longestGapNanos.get() / 1_000_000;
            assertTrue(gapMillis < 2000, "our stream stopped for " + gapMillis + " ms");
            // the dead ports are retired at the next open or close in the switch (once the
            // kernel has finished the processes, and so dropped their locks)
            for (Process c : children) {
                assertTrue(c.waitFor(10, TimeUnit.SECONDS));
            }
            try (NetmapPort probe = UserBackend.INSTANCE.open(PortSpec.parse(sw + ":probe"))) {
                SwitchPorts ports = new SwitchPorts(((UserValePort) probe).registration().file);
                assertEquals(-1, ports.findLive("k0"), "the killed process's port is gone from the switch");
                assertEquals(-1, ports.findLive("k1"));
            }
        } finally {
            stop.set(true);
            for (Process c : children) {
                c.destroyForcibly();
                c.waitFor(10, TimeUnit.SECONDS);
            }
            other.close();
            r.close();
            s.close();
        }
        assertArrayEquals(new String[0], switchFiles(sw), "the last port removed the switch's files");
    }

    /** Receives on {@code port} until told to stop, checking what arrives; records the longest silence of stream 2. */
    private static void watch(NetmapPort port, long myMac, AtomicBoolean stop, ConcurrentLinkedQueue<String> problems,
                              AtomicLong longestGapNanos) {
        Map<Integer, Long> last = new HashMap<>();
        long lastOurs = System.nanoTime();
        NetmapRing rx = port.rxRing(0);
        try {
            while (!stop.get()) {
                port.rxSync();
                int h = rx.head();
                long now = System.nanoTime();
                while (h != rx.tail()) {
                    MemorySegment buf = rx.slotBuffer(h);
                    int stream = ValeFrames.stream(buf);
                    long seq = ValeFrames.seq(buf);
                    long dst = ValeFrames.dst(buf);
                    String damage = ValeFrames.damage(buf, rx.len(h));
                    if (damage != null) {
                        problems.add(port.name() + ": " + damage);
                    } else if (dst != BROADCAST && dst != myMac) {
                        problems.add(port.name() + ": got frame " + seq + " of stream " + stream + " for " + Long.toHexString(dst));
                    } else if (stream >= 0) {
                        Long before = last.put(stream, seq);
                        if (before != null && seq <= before) {
                            problems.add(port.name() + ": stream " + stream + " went from " + before + " to " + seq);
                        }
                        if (stream == 2) {
                            longestGapNanos.accumulateAndGet(now - lastOurs, Math::max);
                            lastOurs = now;
                        }
                    }
                    h = rx.next(h);
                }
                rx.advance(h);
                Thread.onSpinWait();
            }
        } catch (Exception e) {
            problems.add(port.name() + ": " + e);
        }
    }
}

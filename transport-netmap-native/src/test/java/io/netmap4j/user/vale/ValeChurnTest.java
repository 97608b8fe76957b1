package io.netmap4j.user.vale;

import io.netmap4j.core.NetmapPort;
import io.netmap4j.core.NetmapRing;
import io.netmap4j.spec.PortSpec;
import io.netmap4j.user.UserBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
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
 * Ports opening and closing while traffic flows: a steady stream from s to r (learned unicast,
 * and broadcasts) is received whole and in order, or counted as dropped, and never stops for two
 * seconds; the ports that come and go (often in the slot a closed one left) get the broadcasts
 * and never a frame addressed to r.
 */
class ValeChurnTest {

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void portsComingAndGoingDisturbNobody() throws Exception {
        String sw = "valech" + ProcessHandle.current().pid();
        ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong sent = new AtomicLong();
        AtomicLong churned = new AtomicLong();
        try (NetmapPort s = UserBackend.INSTANCE.open(PortSpec.parse(sw + ":s"));
             NetmapPort r = UserBackend.INSTANCE.open(PortSpec.parse(sw + ":r@conf:slots=4096"))) {
            ValeFrames.send(r, BROADCAST, mac(3), -1, 0);
            Thread sender = new Thread(() -> {
                try {
                    NetmapRing tx = s.txRing(0);
                    long seq = 0;
                    while (!stop.get()) {
                        for (int i = 0; i < 64; i++) {
                            ValeFrames.queue(tx, i % 16 == 0 ? BROADCAST : mac(3), mac(2), 2, seq++, ValeFrames.LEN);
                        }
                        s.txSync();
                        sent.set(seq);
                        Thread.sleep(0, 100_000);
                    }
                } catch (Exception e) {
                    problems.add("sender: " + e);
                }
            });
            Thread churner = new Thread(() -> {
                try {
                    for (int i = 0; !stop.get(); i++) {
                        try (NetmapPort x = UserBackend.INSTANCE.open(PortSpec.parse(sw + ":x" + (i % 3)
                                + "@conf:slots=" + (64 << (i % 3))))) {
                            ValeFrames.send(x, BROADCAST, mac(100 + i % 50), -1, 0);
                            for (int k = 0; k < 3; k++) {
                                x.rxSync();
                                NetmapRing rx = x.rxRing(0);
                                for (int h = rx.head(); h != rx.tail(); h = rx.next(h)) {
                                    long dst = ValeFrames.dst(rx.slotBuffer(h));
                                    if (dst != BROADCAST) {
                                        problems.add(x.name() + " got a frame for " + Long.toHexString(dst));
                                    }
                                }
                                rx.advance(rx.tail());
                                Thread.sleep(1);
                            }
                        }
                        churned.incrementAndGet();
                    }
                } catch (Exception e) {
                    problems.add("churner: " + e);
                }
            });
            sender.start();
            churner.start();
            long received = 0;
            long last = -1;
            long lastAt = System.nanoTime();
            long longestGap = 0;
            NetmapRing rx = r.rxRing(0);
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
            while (System.nanoTime() < end) {
                r.rxSync();
                long now = System.nanoTime();
                for (int h = rx.head(); h != rx.tail(); h = rx.next(h)) {
                    MemorySegment buf = rx.slotBuffer(h);
                    String damage = ValeFrames.damage(buf, rx.len(h));
                    if (damage != null) {
                        problems.add(damage);
                    } else if (ValeFrames.stream(buf) == 2) {
                        long seq = ValeFrames.seq(buf);
                        if (seq <= last) {
                            problems.add("frame " + seq + " after " + last);
                        }
                        last = seq;
                        received++;
                        longestGap = Math.max(longestGap, now - lastAt);
                        lastAt = now;
                    }
                }
                rx.advance(rx.tail());
            }
            stop.set(true);
            sender.join(10_000);
            churner.join(10_000);
            // what is still in flight arrives with the last syncs
            for (int k = 0; k < 3; k++) {
                r.rxSync();
                for (int h = rx.head(); h != rx.tail(); h = rx.next(h)) {
                    if (ValeFrames.stream(rx.slotBuffer(h)) == 2) {
                        received++;
                    }
                }
                rx.advance(rx.tail());
            }
            assertTrue(problems.isEmpty(), problems.toString());
            assertTrue(churned.get() >= 20, "ports came and went " + churned.get() + " times");
            // r's drops may include some of the newcomers' hellos (broadcasts) besides s's frames
            long accounted = received + ((UserValePort) r).droppedFrames();
            assertTrue(accounted >= sent.get() && accounted <= sent.get() + churned.get() + 1,
                    "every frame of s reached r or was counted as dropped at r: sent " + sent.get() + ", received "
                            + received + ", dropped " + ((UserValePort) r).droppedFrames());
            assertTrue(longestGap < TimeUnit.SECONDS.toNanos(2), "s's stream stopped for " + longestGap / 1_000_000 + " ms");
        }
        assertArrayEquals(new String[0], switchFiles(sw));
    }

    /**
     * A MAC learned on a port that has closed names no port any more, even when a new port takes
     * the closed one's slot: a frame for it is flooded like any unknown destination, not handed
     * to the newcomer alone as if the MAC were its own.
     */
    @Test
    void aMacOfAClosedPortIsUnknownAgain() throws Exception {
        String sw = "valech" + ProcessHandle.current().pid() + "m";
        try (NetmapPort s = UserBackend.INSTANCE.open(PortSpec.parse(sw + ":s"));
             NetmapPort r = UserBackend.INSTANCE.open(PortSpec.parse(sw + ":r"))) {
            int slot;
            try (NetmapPort x = UserBackend.INSTANCE.open(PortSpec.parse(sw + ":x"))) {
                ValeFrames.send(x, BROADCAST, mac(7), -1, 0); // mac(7) is learned on x
                slot = ((UserValePort) x).portIndex();
            }
            try (NetmapPort y = UserBackend.INSTANCE.open(PortSpec.parse(sw + ":y"))) {
                assertEquals(slot, ((UserValePort) y).portIndex(), "y took x's slot");
                r.rxSync();
                r.rxRing(0).advance(r.rxRing(0).tail());
                ValeFrames.send(s, mac(7), mac(2), 1, 1);
                List<Long> atR = new ArrayList<>();
                r.rxSync();
                for (int h = r.rxRing(0).head(); h != r.rxRing(0).tail(); h = r.rxRing(0).next(h)) {
                    atR.add(ValeFrames.seq(r.rxRing(0).slotBuffer(h)));
                }
                assertEquals(List.of(1L), atR, "flooded: r gets it too");
                y.rxSync();
                assertEquals(1, y.rxRing(0).space());
            }
        }
    }
}

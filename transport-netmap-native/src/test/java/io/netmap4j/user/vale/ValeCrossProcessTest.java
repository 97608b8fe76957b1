package io.netmap4j.user.vale;

import io.netmap4j.core.NetmapPort;
import io.netmap4j.core.NetmapRing;
import io.netmap4j.spec.PortSpec;
import io.netmap4j.user.UserBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.File;
import java.util.concurrent.TimeUnit;

import static io.netmap4j.abi.NetmapConstants.POLLIN;
import static io.netmap4j.user.vale.ValeFrames.BROADCAST;
import static io.netmap4j.user.vale.ValeFrames.mac;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Ports of one switch in two processes: every frame sent is received intact and in order, or
 * counted as dropped at the receiver (VALE drops for a receiver that falls behind); a receiver
 * asleep in poll is woken by a sender in the other process; the switch's files go with the last
 * port.
 */
class ValeCrossProcessTest {
    private static final long COUNT = 200_000;

    static String[] switchFiles(String sw) {
        String prefix = ValeRegistration.fileBase(sw) + ".";
        String[] names = new File(UserBackend.shmDir()).list((dir, n) -> n.startsWith(prefix));
        return names == null ? new String[0] : names;
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void framesToAnotherProcessArriveIntactInOrderOrAreCountedAsDropped() throws Exception {
        String sw = "valexp" + ProcessHandle.current().pid() + "a";
        try (NetmapPort a = UserBackend.INSTANCE.open(PortSpec.parse(sw + ":a"))) {
            Process child = ValePeer.start("recv", sw + ":b@conf:slots=4096", Long.toString(mac(2)), Long.toString(COUNT));
            try {
                ValePeer.awaitLine(child, "READY");
                assertTrue(switchFiles(sw).length >= 2, "the switch file and doorbells exist");
                NetmapRing tx = a.txRing(0);
                for (long seq = 0; seq < COUNT; ) {
                    for (int i = 0; i < 256 && seq < COUNT; i++) {
                        ValeFrames.queue(tx, mac(2), mac(1), 1, seq++, ValeFrames.LEN);
                    }
                    a.txSync();
                }
                String result = ValePeer.awaitLine(child, "RECEIVED");
                assertTrue(child.waitFor(30, TimeUnit.SECONDS));
                assertEquals(0, child.exitValue(), result);
                String[] parts = result.split(" ");
                long received = Long.parseLong(parts[1]);
                long dropped = Long.parseLong(parts[3]);
                assertEquals(COUNT, received + dropped, result);
                UserValePort sender = (UserValePort) a;
                assertEquals(COUNT, sender.forwardedFrames() + sender.destinationFullDrops(),
                        "the sender's count agrees: every frame was copied or dropped for a full ring");
                assertEquals(dropped, sender.destinationFullDrops());
                assertTrue(received > 0);
            } finally {
                child.destroyForcibly();
            }
        }
        assertArrayEquals(new String[0], switchFiles(sw), "the last port removed the switch's files");
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aSleepingReceiverIsWokenByASenderInAnotherProcess() throws Exception {
        String sw = "valexp" + ProcessHandle.current().pid() + "b";
        try (NetmapPort b = UserBackend.INSTANCE.open(PortSpec.parse(sw + ":b"))) {
            ValeFrames.send(b, BROADCAST, mac(2), -1, 0); // so that frames for mac(2) come here only
            Process child = ValePeer.start("send", sw + ":a", Long.toString(mac(1)), Long.toString(mac(2)), "1000");
            try {
                ValePeer.awaitLine(child, "READY");
                NetmapRing rx = b.rxRing(0);
                long last = -1;
                long received = 0;
                while (received + ((UserValePort) b).droppedFrames() < 1000) {
                    assertEquals(POLLIN, b.poll(POLLIN, 10_000) & POLLIN, "woken, not timed out");
                    int h = rx.head();
                    while (h != rx.tail()) {
                        var buf = rx.slotBuffer(h);
                        if (ValeFrames.stream(buf) >= 0) {
                            assertNull(ValeFrames.damage(buf, rx.len(h)));
                            assertTrue(ValeFrames.seq(buf) > last);
                            last = ValeFrames.seq(buf);
                            received++;
                        }
                        h = rx.next(h);
                    }
                    rx.advance(h);
                }
                assertTrue(child.waitFor(30, TimeUnit.SECONDS));
                assertEquals(1000, received + ((UserValePort) b).droppedFrames());
            } finally {
                child.destroyForcibly();
            }
        }
        assertArrayEquals(new String[0], switchFiles(sw));
    }
}

package io.netmap4j.user.nic;

import io.netmap4j.core.NetmapPort;
import io.netmap4j.core.NetmapRing;
import io.netmap4j.spec.PortSpec;
import io.netmap4j.user.UserBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.MemorySegment;

import static io.netmap4j.abi.NetmapConstants.POLLIN;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The raw NetmapPort API over both ends of a veth pair, for each mechanism. */
class NicPortTest {
    private static VethPair veth;

    @BeforeAll
    static void makePair() throws Exception {
        VethPair.requireSupport();
        veth = VethPair.create();
    }

    @AfterAll
    static void removePair() {
        if (veth != null) {
            veth.close();
        }
    }

    static NetmapPort open(String ifName, NicMechanism m) throws Exception {
        return UserBackend.INSTANCE.open(PortSpec.parse("netmap:" + ifName), m);
    }

    @ParameterizedTest
    @EnumSource(value = NicMechanism.class, names = {"PACKET", "XDP"})
    void framesCrossThePairInOrderAndIntact(NicMechanism m) throws Exception {
        try (NetmapPort a = open(veth.a, m); NetmapPort b = open(veth.b, m)) {
            int frames = 3000;
            int sent = 0;
            int received = 0;
            NetmapRing tx = a.txRing(0);
            NetmapRing rx = b.rxRing(0);
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (received < frames && System.nanoTime() < deadline) {
                int head = tx.head();
                int room = tx.space();
                while (room-- > 0 && sent < frames) {
                    int len = 60 + sent % 1455;
                    MemorySegment buf = tx.slotBuffer(head);
                    fill(buf, sent, len);
                    tx.len(head, len);
                    tx.flags(head, 0);
                    head = tx.next(head);
                    sent++;
                }
                tx.advance(head);
                a.txSync();
                b.poll(POLLIN, 2);
                int h = rx.head();
                while (h != rx.tail()) {
                    int len = 60 + received % 1455;
                    assertEquals(len, rx.len(h), "length of frame " + received);
                    check(rx.slotBuffer(h), received, len);
                    received++;
                    h = rx.next(h);
                }
                rx.advance(h);
                b.rxSync(); // give the slots back now: the next burst needs them (netmap drops when the ring is full)
            }
            assertEquals(frames, received, a + " -> " + b);
            assertTrue(received > 0);
        }
    }

    static void fill(MemorySegment buf, int seq, int len) {
        // a frame from a locally administered unicast address to another, EtherType 0x88b5 (local experimental)
        for (int i = 0; i < 12; i++) {
            buf.set(JAVA_BYTE, i, (byte) (i < 6 ? 0x02 : 0x06));
        }
        buf.set(JAVA_BYTE, 12, (byte) 0x88);
        buf.set(JAVA_BYTE, 13, (byte) 0xb5);
        buf.set(JAVA_INT_UNALIGNED, 14, seq);
        for (int i = 18; i < len; i++) {
            buf.set(JAVA_BYTE, i, (byte) (seq * 31 + i));
        }
    }

    static void check(MemorySegment buf, int seq, int len) {
        assertEquals(seq, buf.get(JAVA_INT_UNALIGNED, 14), "sequence number");
        for (int i = 18; i < len; i++) {
            if (buf.get(JAVA_BYTE, i) != (byte) (seq * 31 + i)) {
                throw new AssertionError("frame " + seq + " differs at byte " + i);
            }
        }
    }
}

package io.netmap4j.user.vale;

import io.netmap4j.core.NetmapPort;
import io.netmap4j.core.NetmapRing;
import io.netmap4j.spec.PortSpec;
import io.netmap4j.user.UserBackend;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertEquals;

class ValeSmokeTest {
    @Test
    void aFrameCrosses() throws Exception {
        String sw = "valesmoke" + ProcessHandle.current().pid();
        try (NetmapPort a = UserBackend.INSTANCE.open(PortSpec.parse(sw + ":a"));
             NetmapPort b = UserBackend.INSTANCE.open(PortSpec.parse(sw + ":b"))) {
            NetmapRing tx = a.txRing(0);
            int h = tx.head();
            MemorySegment buf = tx.slotBuffer(h);
            for (int i = 0; i < 60; i++) {
                buf.set(JAVA_BYTE, i, (byte) (i < 6 ? 0x02 : i));
            }
            tx.len(h, 60);
            tx.advance(tx.next(h));
            a.txSync();
            b.rxSync();
            NetmapRing rx = b.rxRing(0);
            assertEquals(1, rx.space());
            assertEquals(60, rx.len(rx.head()));
            assertEquals(59, rx.slotBuffer(rx.head()).get(JAVA_BYTE, 59));
            assertEquals(1 << 8, rx.flags(rx.head()));
            System.out.println(a + " / " + b);
        }
    }
}

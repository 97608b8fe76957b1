package io.netmap4j.netty.reliability;

import io.netmap4j.NetmapPorts;
import io.netmap4j.core.NetmapPort;
import io.netmap4j.core.NetmapRing;
import io.netmap4j.user.UserBackend;

/**
 * The other process of {@link ChurnTest}: {@code NAME CYCLES} opens the slave end of pipe
 * {@code NAME}0, sends what fits, takes what arrived, closes, and again, CYCLES times, while the
 * test's process keeps sending into the master end (and reopens it now and then). Prints
 * {@code PEER CYCLES FRAMES-RECEIVED grown=...}: what its own descriptors and mappings grew by
 * ("null" when nothing did).
 */
public final class ChurnPeer {
    private ChurnPeer() { }

    public static void main(String[] args) throws Exception {
        String name = args[0];
        int cycles = Integer.parseInt(args[1]);
        long received = 0;
        ProcessFootprint before = null;
        int warmUp = Math.min(10, cycles / 10);
        for (int c = 0; c < cycles; c++) {
            if (c == warmUp) {
                before = ProcessFootprint.take(UserBackend.shmDir(), "\u0000");
            }
            try (NetmapPort port = NetmapPorts.open(name + "}0")) {
                NetmapRing tx = port.txRing(0);
                for (int i = c % 7; i > 0 && !tx.isEmpty(); i--) {
                    tx.len(tx.head(), 60);
                    tx.advance(tx.next(tx.head()));
                }
                port.txSync();
                port.rxSync();
                NetmapRing rx = port.rxRing(0);
                received += rx.space();
                // release only some: the next user of this end continues where this one stopped
                rx.advance(c % 3 == 0 ? rx.head() : rx.tail());
                port.rxSync();
            }
        }
        ProcessFootprint after = ProcessFootprint.take(UserBackend.shmDir(), "\u0000");
        System.out.println("PEER " + cycles + " " + received + " grown=" + before.grownIn(after));
    }
}

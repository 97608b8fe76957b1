package io.netmap4j.user;

import io.netmap4j.core.NetmapPort;
import io.netmap4j.core.PeerGoneException;
import io.netmap4j.spec.PortSpec;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.File;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static io.netmap4j.abi.NetmapConstants.POLLERR;
import static io.netmap4j.abi.NetmapConstants.POLLHUP;
import static io.netmap4j.abi.NetmapConstants.POLLIN;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The process at the other end of a pipe is killed (SIGKILL): the survivor must notice within
 * two seconds, through poll (POLLHUP|POLLERR) and through the syncs (PeerGoneException), and the
 * shared files must be gone once the survivor closes. Run with the survivor on either end.
 */
class UserPipePeerDeathTest {

    private static String[] regionFiles(String parent) {
        String prefix = PipeRegistration.regionBase(parent) + ".";
        String[] names = new File(UserBackend.shmDir()).list((dir, n) -> n.startsWith(prefix));
        return names == null ? new String[0] : names;
    }

    @ParameterizedTest
    @ValueSource(strings = {"{", "}"})
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void theSurvivorNoticesAKilledPeerWithinTwoSeconds(String survivorEnd) throws Exception {
        String parent = "pd" + ProcessHandle.current().pid() + (survivorEnd.equals("{") ? "m" : "s");
        String peerEnd = survivorEnd.equals("{") ? "}" : "{";
        NetmapPort survivor = UserBackend.INSTANCE.open(PortSpec.parse("netmap:" + parent + survivorEnd + "3"));
        Process child = PipePeer.start("hold", "netmap:" + parent + peerEnd + "3");
        try {
            PipePeer.awaitReady(child);
            assertTrue(regionFiles(parent).length >= 2,
                    "region and the holder's doorbell exist while the pipe is open");
            AtomicLong killedAt = new AtomicLong();
            Thread killer = new Thread(() -> {
                try {
                    Thread.sleep(300);
                    killedAt.set(System.nanoTime());
                    child.destroyForcibly(); // SIGKILL: no chance to close anything
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            killer.start();
            int ready = survivor.poll(POLLIN, 10_000); // asleep when the peer dies
            long noticed = System.nanoTime();
            killer.join();
            assertEquals(POLLHUP | POLLERR, ready & (POLLHUP | POLLERR), "poll returned " + ready);
            long millis = (noticed - killedAt.get()) / 1_000_000;
            assertTrue(millis < 2000, "noticed after " + millis + " ms");
            assertThrows(PeerGoneException.class, survivor::rxSync);
            assertThrows(PeerGoneException.class, survivor::txSync);
            assertTrue(child.waitFor(10, TimeUnit.SECONDS));
        } finally {
            child.destroyForcibly();
            survivor.close();
        }
        assertArrayEquals(new String[0], regionFiles(parent), "the survivor removed the shared files");
    }

    @ParameterizedTest
    @ValueSource(strings = {"{", "}"})
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aBusySurvivorNoticesThroughItsSyncs(String survivorEnd) throws Exception {
        String parent = "pb" + ProcessHandle.current().pid() + (survivorEnd.equals("{") ? "m" : "s");
        String peerEnd = survivorEnd.equals("{") ? "}" : "{";
        Process child = PipePeer.start("hold", "netmap:" + parent + peerEnd + "1");
        try (NetmapPort survivor = attachAfter(child, "netmap:" + parent + survivorEnd + "1")) {
            child.destroyForcibly();
            child.waitFor(10, TimeUnit.SECONDS);
            long t0 = System.nanoTime();
            PeerGoneException gone = assertThrows(PeerGoneException.class, () -> {
                while (System.nanoTime() - t0 < 5_000_000_000L) {
                    survivor.rxSync(); // spins without sleeping, as a busy-polling loop would
                }
            });
            long millis = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(millis < 2000, "noticed after " + millis + " ms");
            assertTrue(gone.getMessage().contains("died"), gone.getMessage());
            // the dead end cannot be reopened while the survivor holds the broken pipe
            var broken = assertThrows(io.netmap4j.core.NetmapException.class,
                    () -> UserBackend.INSTANCE.open(PortSpec.parse("netmap:" + parent + peerEnd + "1")));
            assertTrue(broken.getMessage().contains("broken"), broken.getMessage());
        } finally {
            child.destroyForcibly();
        }
        assertArrayEquals(new String[0], regionFiles(parent));
    }

    @org.junit.jupiter.api.Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aRegionLeftByDeadProcessesIsReused() throws Exception {
        String parent = "ps" + ProcessHandle.current().pid();
        Process child = PipePeer.start("hold", "netmap:" + parent + "{1");
        try {
            PipePeer.awaitReady(child);
        } finally {
            child.destroyForcibly();
            child.waitFor(10, TimeUnit.SECONDS);
        }
        assertTrue(regionFiles(parent).length > 0, "the dead process could not clean up");
        try (NetmapPort master = UserBackend.INSTANCE.open(PortSpec.parse("netmap:" + parent + "{1"));
             NetmapPort slave = UserBackend.INSTANCE.open(PortSpec.parse("netmap:" + parent + "}1"))) {
            PipePeer.fill(master.txRing(0).slotBuffer(0), 0);
            master.txRing(0).len(0, PipePeer.FRAME);
            master.txRing(0).advance(1);
            master.txSync();
            slave.rxSync();
            assertEquals(null, PipePeer.check(slave.rxRing(0), 0, 0));
        }
        assertArrayEquals(new String[0], regionFiles(parent));
    }

    private static NetmapPort attachAfter(Process child, String name) throws Exception {
        PipePeer.awaitReady(child);
        return UserBackend.INSTANCE.open(PortSpec.parse(name));
    }
}

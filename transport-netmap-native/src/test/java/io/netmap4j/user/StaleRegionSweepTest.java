package io.netmap4j.user;

import io.netmap4j.abi.LibC;
import io.netmap4j.core.NetmapPort;
import io.netmap4j.spec.PortSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.netmap4j.abi.gen.NetmapAbi.LOCK_EX;
import static io.netmap4j.abi.gen.NetmapAbi.LOCK_NB;
import static io.netmap4j.abi.gen.NetmapAbi.O_CLOEXEC;
import static io.netmap4j.abi.gen.NetmapAbi.O_RDWR;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Regions left by processes that died are removed by the sweep that opening a port runs, and
 * only those: a region that a live process (this JVM or another) holds, or that someone is
 * opening or closing at the moment of the sweep, stays.
 */
class StaleRegionSweepTest {
    private static final long PID = ProcessHandle.current().pid();

    private final List<Process> children = new ArrayList<>();
    private final List<NetmapPort> ports = new ArrayList<>();
    private String savedDir;
    private Path dir;

    /**
     * A shared-memory directory of this test's own (passed on to the children), so that a
     * sweep run by some other process on this machine cannot take the dead regions away
     * before this test looks at them.
     */
    @BeforeEach
    void privateShmDir() throws IOException {
        Path shm = Path.of("/dev/shm");
        dir = Files.createTempDirectory(Files.isDirectory(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir")),
                "nm4j-sweep-test");
        savedDir = System.getProperty(UserBackend.SHM_DIR_PROPERTY);
        System.setProperty(UserBackend.SHM_DIR_PROPERTY, dir.toString());
    }

    @AfterEach
    void cleanUp() throws Exception {
        try {
            for (NetmapPort p : ports) {
                p.close();
            }
            for (Process c : children) {
                c.destroyForcibly();
                c.waitFor(10, TimeUnit.SECONDS);
            }
            StaleRegionSweeper.sweep(dir.toString()); // what the killed children left
        } finally {
            if (savedDir == null) {
                System.clearProperty(UserBackend.SHM_DIR_PROPERTY);
            } else {
                System.setProperty(UserBackend.SHM_DIR_PROPERTY, savedDir);
            }
            try (var left = Files.list(dir)) {
                for (Path p : left.toList()) {
                    Files.delete(p);
                }
            }
            Files.delete(dir);
        }
    }

    private static String[] regionFiles(String dir, String parent) {
        String prefix = PipeRegistration.regionBase(parent) + ".";
        String[] names = new File(dir).list((d, n) -> n.startsWith(prefix));
        if (names == null) {
            return new String[0];
        }
        Arrays.sort(names);
        return names;
    }

    /** Opens a port and makes its doorbell, as a port that waits in poll does. */
    private NetmapPort open(String name) throws Exception {
        NetmapPort p = UserBackend.INSTANCE.open(PortSpec.parse(name));
        ports.add(p);
        p.fd();
        return p;
    }

    /** A child JVM holding {@code name} open; returned once the port is open. */
    private Process hold(String name) throws Exception {
        return child("hold", name);
    }

    private Process child(String... args) throws Exception {
        Process child = PipePeer.start(args);
        children.add(child);
        PipePeer.awaitReady(child);
        return child;
    }

    /** Leaves the region of {@code parent} behind, as a process killed while holding it does. */
    private void leaveDeadRegion(String parent) throws Exception {
        Process child = hold("netmap:" + parent + "{1");
        child.destroyForcibly();
        assertTrue(child.waitFor(10, TimeUnit.SECONDS));
        assertEquals(2, regionFiles(UserBackend.shmDir(), parent).length,
                "the killed process left its region and its doorbell");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void openingAnUnrelatedPortRemovesRegionsOfDeadProcessesOnly() throws Exception {
        String dir = UserBackend.shmDir();
        String here = "swh" + PID;
        String other = "swo" + PID;
        String dead = "swd" + PID;
        open("netmap:" + here + "{1"); // held by this JVM
        Process live = child("recv", "netmap:" + other + "}1", "100"); // held by another live JVM
        leaveDeadRegion(dead);
        String[] hereBefore = regionFiles(dir, here);
        String[] otherBefore = regionFiles(dir, other);
        assertEquals(2, hereBefore.length);
        assertEquals(2, otherBefore.length);

        UserBackend.INSTANCE.sweeper().allowNextSweep();
        open("netmap:swu" + PID + "{1");

        assertArrayEquals(new String[0], regionFiles(dir, dead), "the dead process's region was swept");
        assertArrayEquals(hereBefore, regionFiles(dir, here), "this JVM's region is untouched");
        assertArrayEquals(otherBefore, regionFiles(dir, other), "the live child's region is untouched");
        // and the live child's pipe still works: its other end opens and the child receives from it
        PipePeer.send(open("netmap:" + other + "{1"), 100);
        assertTrue(live.waitFor(20, TimeUnit.SECONDS));
        assertEquals(0, live.exitValue(), "the live child received every frame intact");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aRegionWhoseFileLockIsHeldIsLeftAlone() throws Exception {
        String dir = UserBackend.shmDir();
        String dead = "swl" + PID;
        leaveDeadRegion(dead);
        String path = dir + "/" + PipeRegistration.regionBase(dead) + ".shm";
        // what an opener or closer holds while it works on the region
        int fd = LibC.open(path, O_RDWR() | O_CLOEXEC(), 0);
        try {
            assertEquals(0, LibC.flock(fd, LOCK_EX() | LOCK_NB()));
            assertFalse(StaleRegionSweeper.sweep(dir).contains(path), "swept while its file lock was held");
            assertEquals(2, regionFiles(dir, dead).length);
        } finally {
            LibC.closeQuietly(fd);
        }
        assertTrue(StaleRegionSweeper.sweep(dir).contains(path), "swept once the lock is free");
        assertArrayEquals(new String[0], regionFiles(dir, dead));
    }

    /** What the backend creates: a file only its user may open (0600). */
    private static final java.nio.file.attribute.FileAttribute<?> PRIVATE =
            java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));

    @Test
    void aFileWhoseCreatorDiedBeforeSettingItUpIsSweptAndForeignFilesAreNot() throws Exception {
        Path empty = Files.createFile(dir.resolve("netmap4j-e.shm"), PRIVATE);
        Path open = Files.createFile(dir.resolve("netmap4j-o.shm")); // 0644: not made by netmap4j
        Path doorbell = Files.createFile(dir.resolve("netmap4j-e.0.m.fifo"));
        Path similar = Files.createFile(dir.resolve("netmap4j-e2.0.m.fifo"));
        Path foreign = Files.createFile(dir.resolve("netmap4j-e.txt"));
        Path notOurs = Files.createFile(dir.resolve("other-netmap4j-f.shm"));
        Path target = Files.createFile(dir.resolve("target"));
        Path link = Files.createSymbolicLink(dir.resolve("netmap4j-l.shm"), target);

        assertEquals(List.of(empty.toString()), StaleRegionSweeper.sweep(dir.toString()));

        assertFalse(Files.exists(empty));
        assertFalse(Files.exists(doorbell));
        for (Path kept : List.of(similar, foreign, notOurs, target, link, open)) {
            assertTrue(Files.exists(kept, java.nio.file.LinkOption.NOFOLLOW_LINKS), kept + " was removed");
        }
    }

    @Test
    void sweepsRunAtMostOncePerInterval() throws Exception {
        StaleRegionSweeper sweeper = new StaleRegionSweeper(TimeUnit.DAYS.toNanos(1));
        Path first = Files.createFile(dir.resolve("netmap4j-a.shm"), PRIVATE);
        assertEquals(List.of(first.toString()), sweeper.sweepIfDue(dir.toString()));
        Path second = Files.createFile(dir.resolve("netmap4j-b.shm"), PRIVATE);
        assertEquals(List.of(), sweeper.sweepIfDue(dir.toString()), "a second sweep within the interval");
        assertTrue(Files.exists(second));
        sweeper.allowNextSweep();
        assertEquals(List.of(second.toString()), sweeper.sweepIfDue(dir.toString()));
    }

    /** A VALE switch left by a process killed while holding a port goes like a pipe region; one in use stays. */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aSwitchLeftByADeadProcessIsSweptAndOneInUseIsNot() throws Exception {
        String dir = UserBackend.shmDir();
        String deadSwitch = "valesd" + PID;
        String liveSwitch = "valesl" + PID;
        open(liveSwitch + ":here");
        Process child = io.netmap4j.user.vale.ValePeer.start("hold", deadSwitch + ":k", "2");
        children.add(child);
        io.netmap4j.user.vale.ValePeer.awaitLine(child, "READY");
        child.destroyForcibly();
        assertTrue(child.waitFor(10, TimeUnit.SECONDS));
        String deadBase = "netmap4j-%40" + deadSwitch;
        String liveBase = "netmap4j-%40" + liveSwitch;
        String[] dead = new File(dir).list((d, n) -> n.startsWith(deadBase + "."));
        String[] live = new File(dir).list((d, n) -> n.startsWith(liveBase + "."));
        assertTrue(dead.length >= 2, "the killed process left its switch and a doorbell: " + Arrays.toString(dead));

        UserBackend.INSTANCE.sweeper().allowNextSweep();
        open("netmap:sws" + PID + "{1");

        assertArrayEquals(new String[0], new File(dir).list((d, n) -> n.startsWith(deadBase + ".")),
                "the dead process's switch was swept");
        String[] liveAfter = new File(dir).list((d, n) -> n.startsWith(liveBase + "."));
        Arrays.sort(live);
        Arrays.sort(liveAfter);
        assertArrayEquals(live, liveAfter, "the switch this JVM holds is untouched");
    }
}

package io.netmap4j.user;

import io.netmap4j.core.NetmapException;
import io.netmap4j.core.NetmapPort;
import io.netmap4j.core.NetmapRing;
import io.netmap4j.spec.PortSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static io.netmap4j.abi.NetmapConstants.POLLIN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The files a pipe shares between processes are private to the user who made them: the region
 * and every doorbell are 0600 and owned by their creator; a second user (made by the test) can
 * neither open, map nor ring them, and gets a clear error from the API; and what another user may
 * put at those paths in the world-writable shared-memory directory (a symbolic link, a file of
 * their own, a file others can open) is refused, never followed, and left as it was. A VALE
 * switch's file and doorbells go through the same code and get the same guarantees.
 */
class UserPipeIsolationTest {
    private static final AtomicInteger NEXT = new AtomicInteger();
    private final List<NetmapPort> opened = new ArrayList<>();
    private final List<Path> planted = new ArrayList<>();
    private final String parent = "iso" + ProcessHandle.current().pid() + "x" + NEXT.incrementAndGet();
    private final Path region = Path.of(UserBackend.shmDir(), "netmap4j-" + parent + ".shm");
    private final String valeSwitch = "vale" + parent;
    private final Path switchFile = Path.of(UserBackend.shmDir(), "netmap4j-%40" + valeSwitch + ".shm");

    @TempDir
    Path tmp;

    @AfterEach
    void cleanUp() throws IOException {
        for (int i = opened.size() - 1; i >= 0; i--) {
            opened.get(i).close();
        }
        for (Path p : planted) {
            Files.deleteIfExists(p);
        }
    }

    private UserPipePort open(String name) throws NetmapException {
        return (UserPipePort) openPort(name);
    }

    private NetmapPort openPort(String name) throws NetmapException {
        NetmapPort p = UserBackend.INSTANCE.open(PortSpec.parse(name));
        opened.add(p);
        return p;
    }

    /** The switch file and every doorbell of {@link #valeSwitch}. */
    private List<Path> switchFiles() throws IOException {
        String prefix = "netmap4j-%40" + valeSwitch + ".";
        try (Stream<Path> s = Files.list(switchFile.getParent())) {
            return s.filter(p -> p.getFileName().toString().startsWith(prefix)).sorted().toList();
        }
    }

    private Path fifo(int pair, String end, int registration) {
        return Path.of(UserBackend.shmDir(), "netmap4j-" + parent + "." + pair + "." + end + registration + ".fifo");
    }

    private static String refusal(String port, String kind, Path path, String why) {
        return "open " + PortSpec.parse(port) + ": refused " + kind + " " + path + ": " + why
                + ". Remove it if you did not make it";
    }

    @Test
    void theRegionAndEveryDoorbellAre0600AndOwnedByTheirCreator() throws Exception {
        // each registration makes its doorbell when it first needs one (fd(), or a sleep)
        open("netmap:" + parent + "{0").fd();
        open("netmap:" + parent + "}0").fd();
        open("netmap:" + parent + "}0").fd(); // a second registration: a doorbell of its own
        List<Path> files;
        try (Stream<Path> s = Files.list(region.getParent())) {
            files = s.filter(p -> p.getFileName().toString().startsWith("netmap4j-" + parent + ".")).toList();
        }
        assertEquals(Stream.of(region, fifo(0, "m", 0), fifo(0, "s", 0), fifo(0, "s", 1)).sorted().toList(),
                files.stream().sorted().toList());
        int me = (int) Files.getAttribute(region, "unix:uid");
        assertEquals(me, io.netmap4j.abi.LibC.geteuid());
        for (Path f : files) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)), f.toString());
            assertEquals(me, Files.getAttribute(f, "unix:uid"), f.toString());
        }
    }

    @Test
    void aSymbolicLinkAtTheRegionPathIsRefusedAndNotFollowed() throws Exception {
        Path precious = Files.writeString(tmp.resolve("precious"), "not a pipe region");
        planted.add(Files.createSymbolicLink(region, precious));
        String port = "netmap:" + parent + "{0";
        NetmapException e = assertThrows(NetmapException.class, () -> open(port));
        assertEquals(refusal(port, "the pipe region", region, "it is a symbolic link, and netmap4j never follows "
                + "one there (it could make this process write into another file)"), e.getMessage());
        assertEquals("not a pipe region", Files.readString(precious));
        assertTrue(Files.isSymbolicLink(region), "another user's link is theirs to remove");
    }

    @Test
    void aDanglingSymbolicLinkCreatesNothingWhereItPoints() throws Exception {
        Path target = tmp.resolve("would-be-created");
        planted.add(Files.createSymbolicLink(region, target));
        assertThrows(NetmapException.class, () -> open("netmap:" + parent + "}0"));
        assertFalse(Files.exists(target, java.nio.file.LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void aPreCreatedRegionThatOthersCanOpenIsRefusedAndLeftAsItWas() throws Exception {
        planted.add(Files.createFile(region, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--"))));
        Files.setPosixFilePermissions(region, PosixFilePermissions.fromString("rw-rw-rw-"));
        String port = "netmap:" + parent + "{0";
        NetmapException e = assertThrows(NetmapException.class, () -> open(port));
        assertEquals(refusal(port, "the pipe region", region, "its mode 0666 lets other users in (netmap4j makes its "
                + "files 0600)"), e.getMessage());
        assertEquals(0, Files.size(region), "not truncated, not initialised");
    }

    @Test
    void somethingElseThanAFileAtTheRegionPathIsRefused() throws Exception {
        Files.createDirectory(region);
        planted.add(region);
        String port = "netmap:" + parent + "{0";
        NetmapException e = assertThrows(NetmapException.class, () -> open(port));
        assertTrue(e.getMessage().contains("cannot open the pipe region " + region), e.getMessage());
        Files.delete(region);
        io.netmap4j.abi.LibC.mkfifo(region.toString(), 0600);
        e = assertThrows(NetmapException.class, () -> open(port));
        assertEquals(refusal(port, "the pipe region", region, "it is a FIFO, not a regular file"), e.getMessage());
    }

    @Test
    void aSymbolicLinkAtADoorbellPathIsRefusedAndNotFollowed() throws Exception {
        open("netmap:" + parent + "{0");
        open("netmap:" + parent + "}0");
        Path precious = Files.writeString(tmp.resolve("precious"), "x");
        // the doorbell that a second registration of the master end would make
        Path bell = fifo(0, "m", 1);
        planted.add(Files.createSymbolicLink(bell, precious));
        UserPipePort second = open("netmap:" + parent + "{0");
        assertEquals(-1, second.fd(), "no doorbell to poll");
        NetmapException e = assertThrows(NetmapException.class, () -> second.poll(POLLIN, 10));
        assertTrue(e.getMessage().endsWith(": refused the doorbell FIFO " + bell + ": it is a symbolic link, and "
                + "netmap4j never follows one there (it could make this process write into another file). Remove it "
                + "if you did not make it"), e.getMessage());
        assertEquals("x", Files.readString(precious));
    }

    @Test
    void aSecondUserCanNeitherOpenMapNorRingAPipeAndTheAPISaysWhy() throws Exception {
        UserPipePort master = open("netmap:" + parent + "{0");
        UserPipePort slave = open("netmap:" + parent + "}0");
        master.fd(); // its doorbell, which the intruder tries to ring
        String classes = readableCopyOfClassPath();
        try (SecondUser intruder = SecondUser.create()) {
            // their own files at our paths: refused too (the doorbell of a registration not made yet)
            Path theirs = fifo(0, "s", 1);
            planted.add(theirs);
            SecondUser.Result made = intruder.runAs(List.of("mkfifo", "-m", "0600", theirs.toString()));
            assertEquals(0, made.code(), made.output());
            UserPipePort second = open("netmap:" + parent + "}0");
            NetmapException e = assertThrows(NetmapException.class, () -> second.poll(POLLIN, 10));
            assertTrue(e.getMessage().endsWith(": refused the doorbell FIFO " + theirs + ": it belongs to uid "
                    + intruder.uid + ", not to this process's user (uid " + io.netmap4j.abi.LibC.geteuid()
                    + "); a pipe is private to the user who made it. Remove it if you did not make it"), e.getMessage());

            SecondUser.Result r = intruder.runAs(List.of(System.getProperty("java.home") + "/bin/java",
                    "-XX:-UsePerfData", "--enable-native-access=ALL-UNNAMED", "-cp", classes,
                    "-D" + UserBackend.SHM_DIR_PROPERTY + "=" + UserBackend.shmDir(),
                    IsolationIntruder.class.getName(), region.toString(), fifo(0, "m", 0).toString(),
                    "netmap:" + parent + "}0"));
            String denied = "AccessDeniedException: ";
            assertEquals(List.of(
                    "read region: " + denied + region,
                    "map region: " + denied + region,
                    "ring doorbell: " + denied + fifo(0, "m", 0),
                    "open port: NetmapException: open " + PortSpec.parse("netmap:" + parent + "}0")
                            + ": cannot open the pipe region " + region + " (open(" + region
                            + ") failed: EACCES (13): permission denied). Check that the directory exists and is "
                            + "writable (system property netmap4j.shm.dir)"),
                    r.output().lines().filter(l -> l.contains(": ")).toList(), r.output());
        }
        // and the pipe works as before, with no wake-up from the intruder
        long rings = master.doorbellWrites() + slave.doorbellWrites();
        NetmapRing tx = master.txRing(0);
        tx.len(tx.head(), 60);
        tx.advance(tx.next(tx.head()));
        master.txSync();
        slave.rxSync();
        assertEquals(1, slave.rxRing(0).space());
        assertEquals(rings, master.doorbellWrites() + slave.doorbellWrites());
    }

    @Test
    void aValeSwitchFileAndItsDoorbellsAre0600AndOwnedByTheirCreator() throws Exception {
        openPort(valeSwitch + ":a").fd();
        openPort(valeSwitch + ":b").fd();
        List<Path> files = switchFiles();
        assertTrue(files.contains(switchFile), files.toString());
        assertTrue(files.stream().anyMatch(f -> f.toString().endsWith(".fifo")), files.toString());
        int me = io.netmap4j.abi.LibC.geteuid();
        for (Path f : files) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)), f.toString());
            assertEquals(me, Files.getAttribute(f, "unix:uid"), f.toString());
        }
    }

    @Test
    void aSymbolicLinkAtAValeSwitchFileIsRefusedAndNotFollowed() throws Exception {
        Path precious = Files.writeString(tmp.resolve("precious"), "not a switch");
        planted.add(Files.createSymbolicLink(switchFile, precious));
        String port = valeSwitch + ":a";
        NetmapException e = assertThrows(NetmapException.class, () -> openPort(port));
        assertEquals(refusal(port, "the VALE switch", switchFile, "it is a symbolic link, and netmap4j never follows "
                + "one there (it could make this process write into another file)"), e.getMessage());
        assertEquals("not a switch", Files.readString(precious));
    }

    @Test
    void aSecondUserCanNeitherOpenMapNorRingAValeSwitch() throws Exception {
        openPort(valeSwitch + ":a").fd();
        Path bell = switchFiles().stream().filter(f -> f.toString().endsWith(".fifo")).findFirst().orElseThrow();
        String classes = readableCopyOfClassPath();
        try (SecondUser intruder = SecondUser.create()) {
            SecondUser.Result r = intruder.runAs(List.of(System.getProperty("java.home") + "/bin/java",
                    "-XX:-UsePerfData", "--enable-native-access=ALL-UNNAMED", "-cp", classes,
                    "-D" + UserBackend.SHM_DIR_PROPERTY + "=" + UserBackend.shmDir(),
                    IsolationIntruder.class.getName(), switchFile.toString(), bell.toString(), valeSwitch + ":b"));
            String denied = "AccessDeniedException: ";
            assertEquals(List.of(
                    "read region: " + denied + switchFile,
                    "map region: " + denied + switchFile,
                    "ring doorbell: " + denied + bell,
                    "open port: NetmapException: open " + PortSpec.parse(valeSwitch + ":b")
                            + ": cannot open the VALE switch " + switchFile + " (open(" + switchFile
                            + ") failed: EACCES (13): permission denied). Check that the directory exists and is "
                            + "writable (system property netmap4j.shm.dir)"),
                    r.output().lines().filter(l -> l.contains(": ")).toList(), r.output());
        }
        // and the switch still takes ports of its owner
        openPort(valeSwitch + ":c");
    }

    /** The test's class directories, copied where any user may read them (the build tree may not be). */
    private String readableCopyOfClassPath() throws IOException {
        StringBuilder cp = new StringBuilder();
        int n = 0;
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path src = Path.of(entry);
            if (!Files.isDirectory(src)) {
                continue; // jars: JUnit and friends, which the intruder does not need
            }
            Path dst = tmp.resolve("cp" + n++);
            copyTree(src, dst);
            cp.append(cp.isEmpty() ? "" : java.io.File.pathSeparator).append(dst);
        }
        Files.walkFileTree(tmp, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes a) throws IOException {
                Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
                return FileVisitResult.CONTINUE;
            }
        });
        return cp.toString();
    }

    private static void copyTree(Path src, Path dst) throws IOException {
        try (Stream<Path> s = Files.walk(src)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Path t = dst.resolve(src.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t);
                    Files.setPosixFilePermissions(t, PosixFilePermissions.fromString("rw-r--r--"));
                }
            }
        }
    }
}

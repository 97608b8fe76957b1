package io.netmap4j.abi;

import io.netmap4j.abi.gen.NetmapAbi;
import io.netmap4j.abi.gen.flock;
import io.netmap4j.abi.gen.stat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Runs fstat, fallocate and the OFD record locks of {@link LibC} against real files, read and
 * written through the generated struct layouts: a wrong offset in {@code struct stat} or
 * {@code struct flock} shows up as a wrong size, link count or lock answer.
 */
class LibCFileCallsTest {
    @TempDir
    Path dir;

    private Arena arena;
    private Path file;
    private int fd = -1;
    private int other = -1;

    @BeforeEach
    void open() throws IOException {
        arena = Arena.ofConfined();
        file = dir.resolve("region");
        Files.write(file, new byte[1234]);
        fd = LibC.open(file.toString(), NetmapAbi.O_RDWR() | NetmapAbi.O_CLOEXEC(), 0);
    }

    @AfterEach
    void close() {
        LibC.closeQuietly(fd);
        LibC.closeQuietly(other);
        arena.close();
    }

    @Test
    void fstatReportsSizeLinksAndInode() throws IOException {
        MemorySegment st = arena.allocate(stat.layout());
        LibC.fstat(fd, st);
        assertEquals(1234, stat.st_size(st));
        assertEquals(1, stat.st_nlink(st));
        assertEquals(Files.getAttribute(file, "unix:dev"), stat.st_dev(st));
        assertEquals(Files.getAttribute(file, "unix:ino"), stat.st_ino(st));
        assertEquals(Files.getAttribute(file, "unix:mode"), stat.st_mode(st));
        assertEquals(Files.getAttribute(file, "unix:uid"), stat.st_uid(st));
        assertEquals(Files.getAttribute(file, "unix:gid"), stat.st_gid(st));

        Files.delete(file);
        LibC.fstat(fd, st);
        assertEquals(0, stat.st_nlink(st), "an unlinked file has no links left");
    }

    @Test
    void fstatOfABadDescriptorThrowsWithErrno() {
        MemorySegment st = arena.allocate(stat.layout());
        ErrnoException e = assertThrows(ErrnoException.class, () -> LibC.fstat(-1, st));
        assertEquals(Errno.EBADF, e.errno());
        assertEquals("fstat", e.call());
    }

    @Test
    void fstatRefusesASegmentSmallerThanTheStruct() {
        assertThrows(IllegalArgumentException.class, () -> LibC.fstat(fd, arena.allocate(stat.sizeof() - 8)));
    }

    @Test
    void fallocateGrowsTheFile() throws IOException {
        try {
            LibC.fallocate(fd, 0, 4096, 8192);
        } catch (ErrnoException e) {
            if (e.errno() == Errno.EOPNOTSUPP) {
                org.junit.jupiter.api.Assumptions.abort("the temporary directory's file system has no fallocate");
            }
            throw e;
        }
        assertEquals(4096 + 8192, Files.size(file));
        assertThrows(ErrnoException.class, () -> LibC.fallocate(fd, 0, 0, -1), "a negative length is EINVAL");
    }

    @Test
    void ofdLocksConflictBetweenTwoOpensOfOneProcess() throws IOException {
        other = LibC.open(file.toString(), NetmapAbi.O_RDWR() | NetmapAbi.O_CLOEXEC(), 0);
        MemorySegment lock = arena.allocate(flock.layout());

        assertEquals(0, LibC.fcntlLock(fd, NetmapAbi.F_OFD_SETLK(), request(lock, NetmapAbi.F_WRLCK(), 7, 1)));
        assertEquals(-Errno.EAGAIN, LibC.fcntlLock(other, NetmapAbi.F_OFD_SETLK(), request(lock, NetmapAbi.F_WRLCK(), 7, 1)));

        // The other open asks about bytes 0..9: the kernel describes the conflicting lock.
        assertEquals(0, LibC.fcntlLock(other, NetmapAbi.F_OFD_GETLK(), request(lock, NetmapAbi.F_WRLCK(), 0, 10)));
        assertEquals(NetmapAbi.F_WRLCK(), flock.l_type(lock));
        assertEquals(7, flock.l_start(lock));
        assertEquals(1, flock.l_len(lock));
        assertEquals(-1, flock.l_pid(lock), "an OFD lock belongs to no process");

        // A byte next to it is free.
        assertEquals(0, LibC.fcntlLock(other, NetmapAbi.F_OFD_GETLK(), request(lock, NetmapAbi.F_WRLCK(), 8, 1)));
        assertEquals(NetmapAbi.F_UNLCK(), flock.l_type(lock));

        assertEquals(0, LibC.fcntlLock(fd, NetmapAbi.F_OFD_SETLK(), request(lock, NetmapAbi.F_UNLCK(), 7, 1)));
        assertEquals(0, LibC.fcntlLock(other, NetmapAbi.F_OFD_SETLK(), request(lock, NetmapAbi.F_WRLCK(), 7, 1)));
    }

    @Test
    void fcntlLockRefusesASegmentSmallerThanTheStruct() {
        assertThrows(IllegalArgumentException.class,
                () -> LibC.fcntlLock(fd, NetmapAbi.F_OFD_GETLK(), arena.allocate(flock.sizeof() - 4)));
    }

    private static MemorySegment request(MemorySegment lock, int type, long start, long length) {
        lock.fill((byte) 0);
        flock.l_type(lock, (short) type);
        flock.l_whence(lock, (short) NetmapAbi.SEEK_SET());
        flock.l_start(lock, start);
        flock.l_len(lock, length);
        return lock;
    }

    @Test
    void theHandWrittenFileValuesMeanWhatTheySay() throws IOException {
        MemorySegment st = arena.allocate(stat.layout());
        LibC.fstat(fd, st);
        assertEquals(LibC.S_IFREG, stat.st_mode(st) & LibC.S_IFMT);
        assertEquals(Files.getAttribute(file, "unix:uid"), LibC.geteuid());
        Path fifo = dir.resolve("fifo");
        LibC.mkfifo(fifo.toString(), 0600);
        other = LibC.open(fifo.toString(), NetmapAbi.O_RDWR() | NetmapAbi.O_NONBLOCK() | LibC.O_NOFOLLOW, 0);
        LibC.fstat(other, st);
        assertEquals(LibC.S_IFIFO, stat.st_mode(st) & LibC.S_IFMT);
        Path link = Files.createSymbolicLink(dir.resolve("link"), file);
        ErrnoException e = assertThrows(ErrnoException.class,
                () -> LibC.open(link.toString(), NetmapAbi.O_RDWR() | LibC.O_NOFOLLOW, 0));
        assertEquals(Errno.ELOOP, e.errno());
    }
}

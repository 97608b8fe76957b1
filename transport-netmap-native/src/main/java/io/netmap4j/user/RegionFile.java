package io.netmap4j.user;

import io.netmap4j.abi.Errno;
import io.netmap4j.abi.ErrnoException;
import io.netmap4j.abi.LibC;
import io.netmap4j.abi.gen.flock;
import io.netmap4j.abi.gen.stat;
import io.netmap4j.core.NetmapException;

import java.io.File;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static io.netmap4j.abi.gen.NetmapAbi.F_OFD_GETLK;
import static io.netmap4j.abi.gen.NetmapAbi.F_OFD_SETLK;
import static io.netmap4j.abi.gen.NetmapAbi.F_UNLCK;
import static io.netmap4j.abi.gen.NetmapAbi.F_WRLCK;
import static io.netmap4j.abi.gen.NetmapAbi.LOCK_EX;
import static io.netmap4j.abi.gen.NetmapAbi.LOCK_NB;
import static io.netmap4j.abi.gen.NetmapAbi.LOCK_UN;
import static io.netmap4j.abi.gen.NetmapAbi.MAP_SHARED;
import static io.netmap4j.abi.gen.NetmapAbi.O_CLOEXEC;
import static io.netmap4j.abi.gen.NetmapAbi.O_CREAT;
import static io.netmap4j.abi.gen.NetmapAbi.O_EXCL;
import static io.netmap4j.abi.gen.NetmapAbi.O_RDWR;
import static io.netmap4j.abi.gen.NetmapAbi.PROT_READ;
import static io.netmap4j.abi.gen.NetmapAbi.PROT_WRITE;
import static io.netmap4j.abi.gen.NetmapAbi.SEEK_SET;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * One open of a shared-memory file of the user backend (a pipe region or a VALE switch, see
 * {@link RegionFormat}): its descriptor (which carries this registration's liveness lock), its
 * mapping, and the file lock that serialises opens and closes between processes.
 *
 * <p>The file is created with mode 0600 by the first opener ({@code O_CREAT|O_EXCL}) and
 * attached by the others, who refuse a symbolic link or a file that another user made or could
 * open ({@link PrivateFiles}). A closer that finds the region unused unlinks it while holding the
 * file lock; an opener that raced with it notices, after taking the lock, that its descriptor
 * names an unlinked file (no links left) and starts over with a fresh file.
 *
 * <p>Public only for the backend's sub-packages (VALE switches, monitors); not an API.
 */
public final class RegionFile implements AutoCloseable {
    private final RegionFormat format;
    private final String path;
    private final String fifoPrefix;
    private final int fd;
    private final Arena arena;
    private final MemorySegment mem;
    private final long device;
    private final long inode;
    /**
     * The struct flock of the record-lock calls, reused so that the peer check allocates nothing;
     * the methods that use it are synchronized, since a port's RX and TX threads may both ask.
     */
    private final MemorySegment lockScratch;

    private RegionFile(RegionFormat format, String path, String fifoPrefix, int fd, Arena arena, MemorySegment mem,
                       long device, long inode) {
        this.format = format;
        this.path = path;
        this.fifoPrefix = fifoPrefix;
        this.fd = fd;
        this.arena = arena;
        this.mem = mem;
        this.device = device;
        this.inode = inode;
        this.lockScratch = arena.allocate(flock.layout());
    }

    /**
     * Opens (creating if needed) the region file {@code base + ".shm"} in {@code dir}, maps it,
     * and returns with the file lock held: the caller must call {@link #unlock()}.
     */
    public static RegionFile openLocked(String dir, String base, String what, RegionFormat format)
            throws NetmapException {
        long regionSize = format.size();
        String path = dir + "/" + base + ".shm";
        for (int attempt = 0; attempt < 100; attempt++) {
            int fd = -1;
            boolean created = false;
            try {
                try {
                    // O_EXCL never follows a symbolic link: one at the path is EEXIST, and refused below
                    fd = LibC.open(path, O_RDWR() | O_CREAT() | O_EXCL() | O_CLOEXEC() | LibC.O_NOFOLLOW, 0600);
                    created = true;
                } catch (ErrnoException e) {
                    if (e.errno() != Errno.EEXIST) {
                        throw e;
                    }
                    try {
                        fd = PrivateFiles.open(path, O_RDWR() | O_CLOEXEC(), LibC.S_IFREG, what, "the " + format.kind());
                    } catch (ErrnoException gone) {
                        if (gone.errno() == Errno.ENOENT) {
                            continue; // unlinked between the two opens: try again
                        }
                        throw gone;
                    }
                }
                int r = LibC.flock(fd, LOCK_EX());
                if (r < 0) {
                    throw new ErrnoException("flock(" + path + ")", -r);
                }
                long links;
                long size;
                long device;
                long inode;
                try (Arena scratch = Arena.ofConfined()) {
                    MemorySegment st = scratch.allocate(stat.layout());
                    LibC.fstat(fd, st);
                    links = stat.st_nlink(st);
                    size = stat.st_size(st);
                    device = stat.st_dev(st);
                    inode = stat.st_ino(st);
                }
                if (links == 0) {
                    LibC.closeQuietly(fd); // a closer removed the region meanwhile
                    continue;
                }
                if (size == 0) {
                    LibC.ftruncate(fd, regionSize);
                    reserve(fd, 0, format.headerBytes());
                } else if (size != regionSize) {
                    throw new OtherLayoutException(what + ": " + path + " is not a netmap4j " + format.kind()
                            + " of this version (size " + size + ", expected " + regionSize
                            + "). Remove it if no process uses it");
                }
                Arena arena = Arena.ofShared();
                MemorySegment mem;
                try {
                    MemorySegment raw = LibC.mmap(regionSize, PROT_READ() | PROT_WRITE(), MAP_SHARED(), fd, 0);
                    long address = raw.address();
                    mem = raw.reinterpret(regionSize, arena,
                            ignored -> LibC.munmapQuietly(MemorySegment.ofAddress(address).reinterpret(regionSize)));
                } catch (ErrnoException | RuntimeException e) {
                    arena.close();
                    throw e;
                }
                RegionFile file = new RegionFile(format, path, dir + "/" + base, fd, arena, mem, device, inode);
                fd = -1;
                try {
                    if (size == 0 || mem.get(JAVA_LONG, 0) == 0) {
                        file.initHeader();
                    } else if (!format.headerMatches(mem)) {
                        throw new OtherLayoutException(what + ": " + path + " is not a netmap4j " + format.kind()
                                + " of this version. Remove it if no process uses it");
                    }
                    return file;
                } catch (NetmapException | RuntimeException e) {
                    file.unlock();
                    file.close();
                    throw e;
                }
            } catch (ErrnoException e) {
                if (created && fd >= 0) {
                    LibC.unlink(path);
                }
                throw new NetmapException(what + ": cannot open the " + format.kind() + " " + path + " (" + e.getMessage()
                        + "). Check that the directory exists and is writable (system property netmap4j.shm.dir)",
                        e.errno(), e);
            } finally {
                LibC.closeQuietly(fd);
            }
        }
        throw new NetmapException(what + ": the " + format.kind() + " " + path
                + " keeps disappearing while it is opened");
    }

    /** Sets the header up afresh (the file's users are all gone: nothing in it is worth keeping). */
    public void initHeader() {
        format.initHeader(mem);
    }

    public String path() {
        return path;
    }

    /** The directory the file is in. */
    public String dir() {
        return path.substring(0, path.lastIndexOf('/'));
    }

    /** With {@link #inode()}, identifies the file across opens in one JVM (for the memory id). */
    public long device() {
        return device;
    }

    public long inode() {
        return inode;
    }

    /** The whole mapping. */
    public MemorySegment mem() {
        return mem;
    }

    /**
     * The path of a doorbell FIFO named after this file: {@code <dir>/<base>.<name>.fifo}. Every
     * doorbell of a file is named so, which is how {@link #removeIfAbandoned} finds them.
     */
    public String doorbellPath(String name) {
        return fifoPrefix + "." + name + ".fifo";
    }

    public void lock() throws NetmapException {
        int r = LibC.flock(fd, LOCK_EX());
        if (r < 0) {
            throw new NetmapException("cannot lock the " + format.kind() + " " + path, -r, null);
        }
    }

    public void unlock() {
        LibC.flock(fd, LOCK_UN());
    }

    /**
     * Reserves the blocks of {@code [offset, offset + length)} so that touching them later cannot
     * fail with SIGBUS on a full tmpfs. File systems without fallocate are tolerated: there the
     * risk is the same as for any shared-memory file.
     */
    public void reserve(long offset, long length) throws ErrnoException {
        reserve(fd, offset, length);
    }

    static void reserve(int fd, long offset, long length) throws ErrnoException {
        try {
            LibC.fallocate(fd, 0, offset, length);
        } catch (ErrnoException e) {
            if (e.errno() != Errno.EOPNOTSUPP) {
                throw e;
            }
        }
    }

    /**
     * Takes a write lock on byte {@code offset}, owned by this open file description: it
     * conflicts with every other open (also in this process) and disappears when the descriptor
     * is closed, which the kernel does when a process dies.
     *
     * @return true if taken, false if someone else holds it
     */
    public synchronized boolean tryLockByte(long offset) {
        return lockOp(F_OFD_SETLK(), F_WRLCK(), offset, 1) == 0;
    }

    public synchronized void unlockByte(long offset) {
        lockOp(F_OFD_SETLK(), F_UNLCK(), offset, 1);
    }

    /**
     * True if some other open of the file holds a lock in {@code [offset, offset + length)}.
     * Only asks: takes nothing.
     */
    public synchronized boolean heldByOthers(long offset, long length) {
        if (lockOp(F_OFD_GETLK(), F_WRLCK(), offset, length) != 0) {
            // cannot ask: assume held, so that nobody is declared dead by mistake
            return true;
        }
        return flock.l_type(lockScratch) != F_UNLCK();
    }

    private int lockOp(int cmd, int type, long offset, long length) {
        MemorySegment fl = lockScratch;
        fl.fill((byte) 0);
        flock.l_type(fl, (short) type);
        flock.l_whence(fl, (short) SEEK_SET());
        flock.l_start(fl, offset);
        flock.l_len(fl, length);
        return LibC.fcntlLock(fd, cmd, fl);
    }

    /**
     * Removes the file, after the caller removed the doorbells it made; call with the file lock
     * held, so that an opener waiting for it sees the file unlinked and starts over.
     */
    public void unlink() {
        LibC.unlink(path);
    }

    /**
     * Removes every doorbell named after this file (see {@link #doorbellPath}), then the file;
     * call with the file lock held. For files whose doorbells are not tracked one by one.
     */
    public void unlinkWithDoorbells() {
        int slash = path.lastIndexOf('/');
        unlinkDoorbells(path.substring(0, slash), path.substring(slash + 1, path.length() - ".shm".length()));
        LibC.unlink(path);
    }

    private static void unlinkDoorbells(String dir, String base) {
        String prefix = base + ".";
        String[] doorbells = new File(dir).list((d, n) -> n.startsWith(prefix) && n.endsWith(".fifo"));
        if (doorbells != null) {
            for (String n : doorbells) {
                LibC.unlink(dir + "/" + n);
            }
        }
    }

    /**
     * Removes the region file {@code base + ".shm"} in {@code dir}, with every doorbell named
     * after it, if nobody uses it: no open of the file holds any byte lock (each registration
     * holds one as long as its process lives) and nobody is opening or closing it right now (the
     * file lock is free; it is not waited for). The doorbells go first and the file last, all under
     * the file lock, so an opener that meets the file meanwhile waits for the lock, then sees it
     * unlinked and starts over with a new one, whose doorbells are made only after that.
     *
     * <p>The file's size and contents are not looked at: a file whose creator died before it
     * was set up is as abandoned as one whose users all died.
     *
     * @return true if the file was removed by this call
     */
    public static boolean removeIfAbandoned(String dir, String base) {
        String path = dir + "/" + base + ".shm";
        int fd;
        try {
            fd = PrivateFiles.open(path, O_RDWR() | O_CLOEXEC(), LibC.S_IFREG, "sweep", PrivateFiles.REGION);
        } catch (ErrnoException | NetmapException e) {
            return false; // gone already, or not ours to open
        }
        try (Arena scratch = Arena.ofConfined()) {
            if (LibC.flock(fd, LOCK_EX() | LOCK_NB()) < 0) {
                return false; // someone is opening or closing it: alive by definition
            }
            MemorySegment st = scratch.allocate(stat.layout());
            LibC.fstat(fd, st);
            if (stat.st_nlink(st) == 0) {
                return false; // removed meanwhile by its last user
            }
            MemorySegment fl = scratch.allocate(flock.layout());
            flock.l_type(fl, (short) F_WRLCK());
            flock.l_whence(fl, (short) SEEK_SET());
            flock.l_start(fl, 0);
            flock.l_len(fl, 0); // the whole file, whatever version laid out its lock bytes
            if (LibC.fcntlLock(fd, F_OFD_GETLK(), fl) != 0 || flock.l_type(fl) != F_UNLCK()) {
                return false; // held (or we cannot tell): leave it
            }
            unlinkDoorbells(dir, base);
            return LibC.unlink(path) == 0;
        } catch (ErrnoException e) {
            return false;
        } finally {
            LibC.closeQuietly(fd); // drops the file lock
        }
    }

    /** Unmaps the region and closes the descriptor, which drops every lock this open held. */
    @Override
    public void close() {
        arena.close();
        LibC.closeQuietly(fd);
    }

    /**
     * The file has the name of one of ours but another layout: made by another version of
     * netmap4j (or damaged). Nothing of this version can use it; a listing skips it.
     */
    public static final class OtherLayoutException extends NetmapException {
        OtherLayoutException(String message) {
            super(message);
        }
    }
}

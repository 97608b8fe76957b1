package io.netmap4j.user;

import io.netmap4j.abi.Errno;
import io.netmap4j.abi.ErrnoException;
import io.netmap4j.abi.LibC;
import io.netmap4j.abi.gen.stat;
import io.netmap4j.core.NetmapException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Opens the files that the user backend shares between processes (pipe regions, VALE switch
 * files and doorbell FIFOs) only if this user made them for itself. The shared-memory directory is writable by
 * everyone, so another user can put something at a path before we get there: a symbolic link
 * (which would make this process truncate, map and write some other file, with its own rights,
 * perhaps root's), or a file of their own that they can read and write too. So the last path
 * component is never followed ({@code O_NOFOLLOW}), and the descriptor itself is checked with
 * fstat (no window between check and use): the right file type, owned by this process's effective
 * user, no permission bits for group or others (the backend makes every file 0600).
 */
final class PrivateFiles {
    private PrivateFiles() { }

    /** A region file whose format is not known (the sweeper looks at pipe and VALE files alike). */
    static final String REGION = "the region file";
    static final String DOORBELL = "the doorbell FIFO";
    static final String BOARD = "the ready board";

    /**
     * Opens the existing file {@code path} with {@code flags} (plus O_NOFOLLOW) and checks it.
     *
     * @param type  {@link LibC#S_IFREG} or {@link LibC#S_IFIFO}
     * @param what  who opens it, for messages (the port name)
     * @param kind  what the file is, for messages: {@code "the " + RegionFormat.kind()}, {@link #REGION}
     *              or {@link #DOORBELL}
     * @throws ErrnoException  when open(2) fails for another reason than a symbolic link (ENOENT
     *                         for a file that is not there)
     * @throws NetmapException when the file is not one this user made for itself; nothing was
     *                         changed, and no descriptor is left open
     */
    static int open(String path, int flags, int type, String what, String kind) throws ErrnoException, NetmapException {
        int fd;
        try {
            fd = LibC.open(path, flags | LibC.O_NOFOLLOW, 0);
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ELOOP) {
                throw refused(what, kind, path, "it is a symbolic link, and netmap4j never follows one there (it could "
                        + "make this process write into another file)");
            }
            throw e;
        }
        try {
            check(fd, path, type, what, kind);
            return fd;
        } catch (ErrnoException | NetmapException | RuntimeException e) {
            LibC.closeQuietly(fd);
            throw e;
        }
    }

    private static void check(int fd, String path, int type, String what, String kind)
            throws ErrnoException, NetmapException {
        int mode;
        int uid;
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment st = scratch.allocate(stat.layout());
            LibC.fstat(fd, st);
            mode = stat.st_mode(st);
            uid = stat.st_uid(st);
        }
        if ((mode & LibC.S_IFMT) != type) {
            throw refused(what, kind, path, "it is " + typeName(mode) + ", not " + typeName(type));
        }
        int euid = LibC.geteuid();
        if (uid != euid) {
            throw refused(what, kind, path, "it belongs to uid " + Integer.toUnsignedString(uid)
                    + ", not to this process's user (uid " + Integer.toUnsignedString(euid)
                    + "); a pipe is private to the user who made it");
        }
        if ((mode & 077) != 0) {
            throw refused(what, kind, path, "its mode " + String.format("%04o", mode & 07777)
                    + " lets other users in (netmap4j makes its files 0600)");
        }
    }

    private static NetmapException refused(String what, String kind, String path, String why) {
        return new NetmapException(what + ": refused " + kind + " " + path + ": " + why
                + ". Remove it if you did not make it", Errno.EACCES, null);
    }

    private static String typeName(int mode) {
        return switch (mode & LibC.S_IFMT) {
            case LibC.S_IFREG -> "a regular file";
            case LibC.S_IFIFO -> "a FIFO";
            case 0040000 -> "a directory";
            case 0020000 -> "a character device";
            case 0060000 -> "a block device";
            case 0140000 -> "a socket";
            default -> "a file of type " + String.format("%06o", mode & LibC.S_IFMT);
        };
    }
}

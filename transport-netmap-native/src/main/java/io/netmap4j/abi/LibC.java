package io.netmap4j.abi;

import io.netmap4j.abi.gen.pollfd;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The libc calls the project makes, as downcall handles that capture {@code errno} right after
 * the call (the JVM may clobber it before Java code could read it otherwise).
 *
 * <p>Each method returns what the C function returns; on failure ({@code -1}, or
 * {@code MAP_FAILED}) it throws {@link ErrnoException} with the captured errno and the name of
 * the call, so callers never look at errno themselves. The generated bindings in
 * {@code io.netmap4j.abi.gen} declare the same functions; they are not used for calls because
 * they cannot capture errno.
 *
 * <p>The two sync ioctls get a handle of their own with a fixed {@code (int, long)} signature:
 * they take no argument, so there is no reason to pay for the variadic calling convention on
 * the hottest call of the data path.
 */
public final class LibC {
    private LibC() { }

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final Linker.Option CAPTURE = Linker.Option.captureCallState("errno");
    private static final MemoryLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    /** Per-thread scratch for the captured call state, so no call allocates. */
    private static final ThreadLocal<MemorySegment> STATE =
            ThreadLocal.withInitial(() -> Arena.global().allocate(CAPTURE_LAYOUT));

    private static final MethodHandle OPEN = capture("open",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle CLOSE = capture("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle IOCTL_PTR = capture("ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle IOCTL_NOARG = capture("ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MMAP = capture("mmap",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUNMAP = capture("munmap",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle POLL = capture("poll",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle EVENTFD = capture("eventfd",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle READ = capture("read",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle WRITE = capture("write",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle FTRUNCATE = capture("ftruncate",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle FLOCK = capture("flock",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle FCNTL_PTR = capture("fcntl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle FSTAT = capture("fstat",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle FALLOCATE = capture("fallocate",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle MKFIFO = capture("mkfifo",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle UNLINK = capture("unlink",
            FunctionDescriptor.of(JAVA_INT, ADDRESS));
    /** geteuid() cannot fail: no errno to capture. */
    private static final MethodHandle GETEUID = LINKER.downcallHandle(
            LIBC.find("geteuid").orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol geteuid")),
            FunctionDescriptor.of(JAVA_INT));

    /*
     * File-system values used only to refuse files the process did not make for itself. They are
     * not part of netmap_abi.h (so jextract does not generate them); abi_layout_check.c asserts
     * these numbers against glibc's <fcntl.h> and <sys/stat.h>.
     */
    /** open(2): fail with ELOOP instead of following a symbolic link in the last path component. */
    public static final int O_NOFOLLOW = 0400000;
    /** st_mode: the file-type bits, and the types of a regular file and a FIFO. */
    public static final int S_IFMT = 0170000;
    public static final int S_IFREG = 0100000;
    public static final int S_IFIFO = 0010000;

    /** {@code MAP_FAILED}, i.e. {@code (void *) -1}. */
    private static final long MAP_FAILED = -1L;

    static MethodHandle capture(String name, FunctionDescriptor fd, Linker.Option... extra) {
        Linker.Option[] options = new Linker.Option[extra.length + 1];
        options[0] = CAPTURE;
        System.arraycopy(extra, 0, options, 1, extra.length);
        MemorySegment symbol = LIBC.find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name));
        return LINKER.downcallHandle(symbol, fd, options);
    }

    static MemorySegment state() {
        return STATE.get();
    }

    static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    private static int check(String call, int result, MemorySegment state) throws ErrnoException {
        if (result == -1) {
            throw new ErrnoException(call, errno(state));
        }
        return result;
    }

    private static long check(String call, long result, MemorySegment state) throws ErrnoException {
        if (result == -1L) {
            throw new ErrnoException(call, errno(state));
        }
        return result;
    }

    static RuntimeException unexpected(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }

    /** {@code open(path, flags, mode)}. */
    public static int open(String path, int flags, int mode) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = state();
            int fd = (int) OPEN.invokeExact(state, arena.allocateFrom(path), flags, mode);
            return check("open(" + path + ")", fd, state);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code close(fd)}. Failures are reported, but the descriptor is gone either way on Linux. */
    public static void close(int fd) throws ErrnoException {
        try {
            MemorySegment state = state();
            check("close", (int) CLOSE.invokeExact(state, fd), state);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** Closes {@code fd} if it is not negative, and ignores any failure: for undo paths. */
    public static void closeQuietly(int fd) {
        if (fd >= 0) {
            try {
                close(fd);
            } catch (ErrnoException ignored) {
                // the descriptor is released by the kernel even when close reports an error
            }
        }
    }

    /** {@code ioctl(fd, request, arg)} with a pointer argument. */
    public static int ioctl(int fd, long request, MemorySegment arg) throws ErrnoException {
        try {
            MemorySegment state = state();
            return check("ioctl", (int) IOCTL_PTR.invokeExact(state, fd, request, arg), state);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * {@code ioctl(fd, request)} for requests without an argument (NIOCTXSYNC, NIOCRXSYNC).
     * Returns 0, or {@code -errno} on failure, so that the data path can branch without an
     * exception object; {@link #ioctlNoArgOrThrow} is the checked variant.
     */
    public static int ioctlNoArg(int fd, long request) {
        try {
            MemorySegment state = state();
            int r = (int) IOCTL_NOARG.invokeExact(state, fd, request);
            return r == -1 ? -errno(state) : r;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code ioctl(fd, request)} for requests without an argument, throwing on failure. */
    public static void ioctlNoArgOrThrow(int fd, long request, String what) throws ErrnoException {
        int r = ioctlNoArg(fd, request);
        if (r < 0) {
            throw new ErrnoException(what, -r);
        }
    }

    /** {@code mmap(NULL, length, prot, flags, fd, offset)}, as a segment of {@code length} bytes. */
    public static MemorySegment mmap(long length, int prot, int flags, int fd, long offset) throws ErrnoException {
        try {
            MemorySegment state = state();
            MemorySegment p = (MemorySegment) MMAP.invokeExact(state, MemorySegment.NULL, length, prot, flags, fd, offset);
            if (p.address() == MAP_FAILED) {
                throw new ErrnoException("mmap", errno(state));
            }
            return p.reinterpret(length);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code munmap(segment.address(), segment.byteSize())}. */
    public static void munmap(MemorySegment mapping) throws ErrnoException {
        try {
            MemorySegment state = state();
            check("munmap", (int) MUNMAP.invokeExact(state, mapping, mapping.byteSize()), state);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** Unmaps and ignores failure: for undo paths. */
    public static void munmapQuietly(MemorySegment mapping) {
        if (mapping != null) {
            try {
                munmap(mapping);
            } catch (ErrnoException ignored) {
                // nothing more can be done on an undo path
            }
        }
    }

    /**
     * {@code poll(fds, nfds, timeoutMillis)} over an array of {@code struct pollfd}
     * ({@link #POLLFD_SIZE} bytes each). Returns the number of ready descriptors, or {@code -errno} on
     * failure (EINTR is the common one), without throwing.
     */
    public static int poll(MemorySegment fds, long nfds, int timeoutMillis) {
        try {
            MemorySegment state = state();
            int r = (int) POLL.invokeExact(state, fds, nfds, timeoutMillis);
            return r == -1 ? -errno(state) : r;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code eventfd(initval, flags)}. */
    public static int eventfd(int initval, int flags) throws ErrnoException {
        try {
            MemorySegment state = state();
            return check("eventfd", (int) EVENTFD.invokeExact(state, initval, flags), state);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code read(fd, buf, count)}: bytes read, or {@code -errno} (EAGAIN on an empty non-blocking fd). */
    public static long read(int fd, MemorySegment buf, long count) {
        try {
            MemorySegment state = state();
            long r = (long) READ.invokeExact(state, fd, buf, count);
            return r == -1 ? -errno(state) : r;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code write(fd, buf, count)}: bytes written, or {@code -errno}. */
    public static long write(int fd, MemorySegment buf, long count) {
        try {
            MemorySegment state = state();
            long r = (long) WRITE.invokeExact(state, fd, buf, count);
            return r == -1 ? -errno(state) : r;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code ftruncate(fd, length)}. */
    public static void ftruncate(int fd, long length) throws ErrnoException {
        try {
            MemorySegment state = state();
            check("ftruncate", (int) FTRUNCATE.invokeExact(state, fd, length), state);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code flock(fd, operation)}: 0, or {@code -errno} (EWOULDBLOCK with LOCK_NB when held). */
    public static int flock(int fd, int operation) {
        try {
            MemorySegment state = state();
            int r = (int) FLOCK.invokeExact(state, fd, operation);
            return r == -1 ? -errno(state) : r;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * {@code fcntl(fd, cmd, lock)} for the record-lock commands ({@code F_OFD_SETLK},
     * {@code F_OFD_GETLK}) on a {@code struct flock} ({@link io.netmap4j.abi.gen.flock}).
     * Returns 0, or {@code -errno} (EAGAIN when someone else holds the lock), without throwing:
     * a held lock is an answer, not an error.
     */
    public static int fcntlLock(int fd, int cmd, MemorySegment lock) {
        if (lock.byteSize() < io.netmap4j.abi.gen.flock.sizeof()) {
            throw new IllegalArgumentException("fcntl needs a whole struct flock ("
                    + io.netmap4j.abi.gen.flock.sizeof() + " bytes), got " + lock.byteSize());
        }
        try {
            MemorySegment state = state();
            int r = (int) FCNTL_PTR.invokeExact(state, fd, cmd, lock);
            return r == -1 ? -errno(state) : r;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code fstat(fd, st)} into a {@code struct stat} ({@link io.netmap4j.abi.gen.stat}). */
    public static void fstat(int fd, MemorySegment st) throws ErrnoException {
        if (st.byteSize() < io.netmap4j.abi.gen.stat.sizeof()) {
            throw new IllegalArgumentException("fstat needs a whole struct stat ("
                    + io.netmap4j.abi.gen.stat.sizeof() + " bytes), got " + st.byteSize());
        }
        try {
            MemorySegment state = state();
            check("fstat", (int) FSTAT.invokeExact(state, fd, st), state);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * {@code fallocate(fd, mode, offset, length)}: with mode 0, allocates the blocks of the range
     * (growing the file if needed). EOPNOTSUPP means the file system cannot do it.
     */
    public static void fallocate(int fd, int mode, long offset, long length) throws ErrnoException {
        try {
            MemorySegment state = state();
            check("fallocate", (int) FALLOCATE.invokeExact(state, fd, mode, offset, length), state);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code mkfifo(path, mode)}. */
    public static void mkfifo(String path, int mode) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = state();
            check("mkfifo(" + path + ")", (int) MKFIFO.invokeExact(state, arena.allocateFrom(path), mode), state);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code geteuid()}: the effective user id of this process. */
    public static int geteuid() {
        try {
            return (int) GETEUID.invokeExact();
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code unlink(path)}: 0, or {@code -errno}. */
    public static int unlink(String path) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = state();
            int r = (int) UNLINK.invokeExact(state, arena.allocateFrom(path));
            return r == -1 ? -errno(state) : r;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** Bytes of one {@code struct pollfd}. */
    public static final long POLLFD_SIZE = pollfd.sizeof();
}

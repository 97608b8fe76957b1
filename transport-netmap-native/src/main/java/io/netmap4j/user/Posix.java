package io.netmap4j.user;

import io.netmap4j.abi.ErrnoException;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The few POSIX calls and constants (x86_64 Linux values) that only the user backend needs
 * beyond {@link io.netmap4j.abi.LibC}: open-file-description record locks (the liveness
 * markers of pipe ends), fstat and fallocate. Kept here so that the shared ABI classes stay
 * unchanged; all of these run only when a port opens or closes, or every few hundred
 * milliseconds for the peer check, never per frame.
 */
final class Posix {
    private Posix() { }

    static final int O_RDONLY = 0;
    static final int O_RDWR = 2;
    static final int O_CREAT = 0x40;
    static final int O_EXCL = 0x80;
    static final int O_NONBLOCK = 0x800;
    static final int O_CLOEXEC = 0x80000;

    static final int PROT_READ = 1;
    static final int PROT_WRITE = 2;
    static final int MAP_SHARED = 1;

    static final int LOCK_EX = 2;
    static final int LOCK_UN = 8;

    /** fcntl commands for locks owned by the open file description, not the process (Linux 3.15+). */
    private static final int F_OFD_GETLK = 36;
    private static final int F_OFD_SETLK = 37;
    private static final short F_WRLCK = 1;
    private static final short F_UNLCK = 2;
    private static final short SEEK_SET = 0;

    /** struct flock on x86_64: l_type @0, l_whence @2, l_start @8, l_len @16, l_pid @24; 32 bytes. */
    private static final long FLOCK_SIZE = 32;
    /** struct stat on x86_64: st_nlink @16 (u64), st_size @48; 144 bytes. */
    private static final long STAT_SIZE = 144;
    private static final long ST_NLINK = 16;
    private static final long ST_DEV = 0;
    private static final long ST_INO = 8;
    private static final long ST_SIZE = 48;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final Linker.Option CAPTURE = Linker.Option.captureCallState("errno");
    private static final MemoryLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    private static final MethodHandle FCNTL_PTR = handle("fcntl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle FSTAT = handle("fstat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle FALLOCATE = handle("fallocate",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG));

    private static MethodHandle handle(String name, FunctionDescriptor fd, Linker.Option... extra) {
        Linker.Option[] options = new Linker.Option[extra.length + 1];
        options[0] = CAPTURE;
        System.arraycopy(extra, 0, options, 1, extra.length);
        MemorySegment symbol = LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name));
        return LINKER.downcallHandle(symbol, fd, options);
    }

    private static RuntimeException unexpected(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }

    /** What fstat says about a file, as far as the backend cares. */
    record FileStat(long dev, long ino, long links, long size) { }

    static FileStat fstat(int fd) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE_LAYOUT);
            MemorySegment st = arena.allocate(STAT_SIZE, 8);
            int r = (int) FSTAT.invokeExact(state, fd, st);
            if (r == -1) {
                throw new ErrnoException("fstat", (int) ERRNO.get(state, 0L));
            }
            return new FileStat(st.get(JAVA_LONG, ST_DEV), st.get(JAVA_LONG, ST_INO),
                    st.get(JAVA_LONG, ST_NLINK), st.get(JAVA_LONG, ST_SIZE));
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * Reserves the blocks of {@code [offset, offset + length)} so that touching them later cannot
     * fail with SIGBUS on a full tmpfs. File systems without fallocate are tolerated: there the
     * risk is the same as for any shared-memory file.
     */
    static void reserve(int fd, long offset, long length) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE_LAYOUT);
            int r = (int) FALLOCATE.invokeExact(state, fd, 0, offset, length);
            if (r == -1) {
                int errno = (int) ERRNO.get(state, 0L);
                if (errno != io.netmap4j.abi.Errno.EOPNOTSUPP) {
                    throw new ErrnoException("fallocate", errno);
                }
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * Takes a write lock on byte {@code offset} of {@code fd}'s file, owned by this open file
     * description: it conflicts with every other description (also in this process) and
     * disappears when the description is closed, which the kernel does when a process dies.
     *
     * @return true if taken, false if someone else holds it
     */
    static boolean tryLockByte(int fd, long offset, MemorySegment scratch) {
        return lockOp(fd, F_OFD_SETLK, F_WRLCK, offset, 1, scratch) == 0;
    }

    static void unlockByte(int fd, long offset, MemorySegment scratch) {
        lockOp(fd, F_OFD_SETLK, F_UNLCK, offset, 1, scratch);
    }

    /**
     * True if another open file description holds a lock on some byte of
     * {@code [offset, offset + length)}. Only asks: takes nothing.
     */
    static boolean isLockedByOthers(int fd, long offset, long length, MemorySegment scratch) {
        int r = lockOp(fd, F_OFD_GETLK, F_WRLCK, offset, length, scratch);
        if (r != 0) {
            // cannot ask: assume held, so that nobody is declared dead by mistake
            return true;
        }
        return scratch.get(JAVA_SHORT, 0) != F_UNLCK;
    }

    /** Scratch memory for the lock calls: a struct flock followed by the captured errno. */
    static MemorySegment newLockScratch(Arena arena) {
        return arena.allocate(FLOCK_SIZE + CAPTURE_LAYOUT.byteSize(), 8);
    }

    private static int lockOp(int fd, int cmd, short type, long offset, long length, MemorySegment scratch) {
        MemorySegment fl = scratch.asSlice(0, FLOCK_SIZE);
        MemorySegment state = scratch.asSlice(FLOCK_SIZE, CAPTURE_LAYOUT.byteSize());
        fl.fill((byte) 0);
        fl.set(JAVA_SHORT, 0, type);
        fl.set(JAVA_SHORT, 2, SEEK_SET);
        fl.set(JAVA_LONG, 8, offset);
        fl.set(JAVA_LONG, 16, length);
        try {
            int r = (int) FCNTL_PTR.invokeExact(state, fd, cmd, fl);
            return r == -1 ? -(int) ERRNO.get(state, 0L) : r;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }
}

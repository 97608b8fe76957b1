package io.netmap4j.abi;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The Linux calls that the user backend's NIC ports make beside {@link LibC}: sockets (AF_XDP,
 * AF_PACKET, netlink), the bpf(2) system call, and epoll. Same conventions as {@link LibC}:
 * errno is captured with the call; set-up calls throw {@link ErrnoException}, the calls of the
 * data path return {@code -errno} so that a full queue costs no exception.
 */
public final class LinuxCalls {
    private LinuxCalls() { }

    /** x86_64 system call number of bpf(2); glibc has no wrapper for it. */
    public static final long SYS_BPF = 321;

    private static final MethodHandle SOCKET = LibC.capture("socket",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle BIND = LibC.capture("bind",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SETSOCKOPT = LibC.capture("setsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle GETSOCKOPT = LibC.capture("getsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle SENDTO = LibC.capture("sendto",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle RECVFROM = LibC.capture("recvfrom",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle SENDMMSG = LibC.capture("sendmmsg",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle SYSCALL4 = LibC.capture("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT), Linker.Option.firstVariadicArg(1));
    private static final MethodHandle EPOLL_CREATE1 = LibC.capture("epoll_create1",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle EPOLL_CTL = LibC.capture("epoll_ctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle IF_NAMETOINDEX = LibC.capture("if_nametoindex",
            FunctionDescriptor.of(JAVA_INT, ADDRESS));

    /** {@code socket(domain, type, protocol)}. */
    public static int socket(int domain, int type, int protocol) throws ErrnoException {
        try {
            MemorySegment state = LibC.state();
            int fd = (int) SOCKET.invokeExact(state, domain, type, protocol);
            return check("socket(" + domain + ", " + type + ", " + protocol + ")", fd, state);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw LibC.unexpected(t);
        }
    }

    /** {@code bind(fd, addr, addr.byteSize())}. */
    public static void bind(int fd, MemorySegment addr) throws ErrnoException {
        try {
            MemorySegment state = LibC.state();
            check("bind", (int) BIND.invokeExact(state, fd, addr, (int) addr.byteSize()), state);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw LibC.unexpected(t);
        }
    }

    /** {@code setsockopt(fd, level, name, value, value.byteSize())}; {@code what} names it in errors. */
    public static void setsockopt(int fd, int level, int name, MemorySegment value, String what) throws ErrnoException {
        try {
            MemorySegment state = LibC.state();
            check("setsockopt(" + what + ")", (int) SETSOCKOPT.invokeExact(state, fd, level, name, value,
                    (int) value.byteSize()), state);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw LibC.unexpected(t);
        }
    }

    /** {@code setsockopt} of one int. */
    public static void setsockopt(int fd, int level, int name, int value, String what) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            setsockopt(fd, level, name, arena.allocateFrom(JAVA_INT, value), what);
        }
    }

    /** {@code getsockopt(fd, level, name, value, &len)}: the length the kernel wrote. */
    public static int getsockopt(int fd, int level, int name, MemorySegment value, String what) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment len = arena.allocateFrom(JAVA_INT, (int) value.byteSize());
            MemorySegment state = LibC.state();
            check("getsockopt(" + what + ")", (int) GETSOCKOPT.invokeExact(state, fd, level, name, value, len), state);
            return len.get(JAVA_INT, 0);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw LibC.unexpected(t);
        }
    }

    /** Reads and clears a socket's pending error ({@code SO_ERROR}): 0, or an errno. */
    public static int socketError(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(JAVA_INT);
            getsockopt(fd, 1 /* SOL_SOCKET */, 4 /* SO_ERROR */, v, "SO_ERROR");
            return v.get(JAVA_INT, 0);
        } catch (ErrnoException e) {
            return e.errno();
        }
    }

    /**
     * {@code sendto(fd, NULL, 0, flags, NULL, 0)}: the kick that makes an AF_XDP socket transmit
     * (or an AF_PACKET TX ring flush). Returns 0, or {@code -errno}.
     */
    public static int kick(int fd, int flags) {
        try {
            MemorySegment state = LibC.state();
            long r = (long) SENDTO.invokeExact(state, fd, MemorySegment.NULL, 0L, flags, MemorySegment.NULL, 0);
            return r == -1 ? -LibC.errno(state) : 0;
        } catch (Throwable t) {
            throw LibC.unexpected(t);
        }
    }

    /** {@code recvfrom(fd, NULL, 0, flags, NULL, NULL)}: the kick that wakes an AF_XDP driver for RX. */
    public static int kickRx(int fd, int flags) {
        try {
            MemorySegment state = LibC.state();
            long r = (long) RECVFROM.invokeExact(state, fd, MemorySegment.NULL, 0L, flags, MemorySegment.NULL,
                    MemorySegment.NULL);
            return r == -1 ? -LibC.errno(state) : 0;
        } catch (Throwable t) {
            throw LibC.unexpected(t);
        }
    }

    /** {@code sendto(fd, buf, buf.byteSize(), flags, NULL, 0)}: bytes sent, or {@code -errno}. */
    public static long send(int fd, MemorySegment buf, int flags) {
        try {
            MemorySegment state = LibC.state();
            long r = (long) SENDTO.invokeExact(state, fd, buf, buf.byteSize(), flags, MemorySegment.NULL, 0);
            return r == -1 ? -LibC.errno(state) : r;
        } catch (Throwable t) {
            throw LibC.unexpected(t);
        }
    }

    /** {@code recvfrom(fd, buf, buf.byteSize(), flags, NULL, NULL)}: bytes received, or {@code -errno}. */
    public static long recv(int fd, MemorySegment buf, int flags) {
        try {
            MemorySegment state = LibC.state();
            long r = (long) RECVFROM.invokeExact(state, fd, buf, buf.byteSize(), flags, MemorySegment.NULL,
                    MemorySegment.NULL);
            return r == -1 ? -LibC.errno(state) : r;
        } catch (Throwable t) {
            throw LibC.unexpected(t);
        }
    }

    /** {@code sendmmsg(fd, msgs, count, flags)}: messages sent, or {@code -errno}. */
    public static int sendmmsg(int fd, MemorySegment msgs, int count, int flags) {
        try {
            MemorySegment state = LibC.state();
            int r = (int) SENDMMSG.invokeExact(state, fd, msgs, count, flags);
            return r == -1 ? -LibC.errno(state) : r;
        } catch (Throwable t) {
            throw LibC.unexpected(t);
        }
    }

    /** {@code bpf(cmd, attr, attr.byteSize())}: what the command returns (often a new fd), or {@code -errno}. */
    public static long bpf(int cmd, MemorySegment attr) {
        try {
            MemorySegment state = LibC.state();
            long r = (long) SYSCALL4.invokeExact(state, SYS_BPF, cmd, attr, (int) attr.byteSize());
            return r == -1 ? -LibC.errno(state) : r;
        } catch (Throwable t) {
            throw LibC.unexpected(t);
        }
    }

    /** {@code epoll_create1(flags)}. */
    public static int epollCreate(int flags) throws ErrnoException {
        try {
            MemorySegment state = LibC.state();
            return check("epoll_create1", (int) EPOLL_CREATE1.invokeExact(state, flags), state);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw LibC.unexpected(t);
        }
    }

    /** {@code epoll_ctl(epfd, op, fd, event)}. */
    public static void epollCtl(int epfd, int op, int fd, MemorySegment event) throws ErrnoException {
        try {
            MemorySegment state = LibC.state();
            check("epoll_ctl", (int) EPOLL_CTL.invokeExact(state, epfd, op, fd, event), state);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw LibC.unexpected(t);
        }
    }

    /** {@code if_nametoindex(name)}: the interface index in this network namespace, or 0 if none. */
    public static int ifNameToIndex(String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = LibC.state();
            return (int) IF_NAMETOINDEX.invokeExact(state, arena.allocateFrom(name));
        } catch (Throwable t) {
            throw LibC.unexpected(t);
        }
    }

    private static int check(String call, int result, MemorySegment state) throws ErrnoException {
        if (result == -1) {
            throw new ErrnoException(call, LibC.errno(state));
        }
        return result;
    }
}

package io.netmap4j.abi;

/** The errno values the project reacts to (Linux numbers), and their names for messages. */
public final class Errno {
    private Errno() { }

    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EINTR = 4;
    public static final int EIO = 5;
    public static final int ENXIO = 6;
    public static final int EBADF = 9;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EFAULT = 14;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int ENODEV = 19;
    public static final int EINVAL = 22;
    public static final int ENOSPC = 28;
    public static final int ENAMETOOLONG = 36;
    public static final int ELOOP = 40;
    public static final int EOPNOTSUPP = 95;
    public static final int E2BIG = 7;
    public static final int ENOSYS = 38;
    public static final int EAFNOSUPPORT = 97;
    public static final int ENETDOWN = 100;
    public static final int ENOBUFS = 105;
    public static final int ENOPROTOOPT = 92;
    public static final int EMSGSIZE = 90;

    /** {@code NAME (number): text}, for example {@code ENXIO (6): no such device or address}. */
    public static String describe(int errno) {
        String name = name(errno);
        String text = text(errno);
        return (name == null ? "errno " + errno : name + " (" + errno + ")") + (text == null ? "" : ": " + text);
    }

    /** The symbolic name of an errno, or null when the project does not know it. */
    public static String name(int errno) {
        return switch (errno) {
            case EPERM -> "EPERM";
            case ENOENT -> "ENOENT";
            case EINTR -> "EINTR";
            case EIO -> "EIO";
            case ENXIO -> "ENXIO";
            case EBADF -> "EBADF";
            case EAGAIN -> "EAGAIN";
            case ENOMEM -> "ENOMEM";
            case EACCES -> "EACCES";
            case EFAULT -> "EFAULT";
            case EBUSY -> "EBUSY";
            case EEXIST -> "EEXIST";
            case ENODEV -> "ENODEV";
            case EINVAL -> "EINVAL";
            case ENOSPC -> "ENOSPC";
            case ENAMETOOLONG -> "ENAMETOOLONG";
            case EOPNOTSUPP -> "EOPNOTSUPP";
            case ELOOP -> "ELOOP";
            case E2BIG -> "E2BIG";
            case ENOSYS -> "ENOSYS";
            case EAFNOSUPPORT -> "EAFNOSUPPORT";
            case ENETDOWN -> "ENETDOWN";
            case ENOBUFS -> "ENOBUFS";
            case ENOPROTOOPT -> "ENOPROTOOPT";
            case EMSGSIZE -> "EMSGSIZE";
            default -> null;
        };
    }

    private static String text(int errno) {
        return switch (errno) {
            case EPERM -> "operation not permitted";
            case ENOENT -> "no such file or directory";
            case EINTR -> "interrupted system call";
            case EIO -> "input/output error";
            case ENXIO -> "no such device or address";
            case EBADF -> "bad file descriptor";
            case EAGAIN -> "resource temporarily unavailable";
            case ENOMEM -> "cannot allocate memory";
            case EACCES -> "permission denied";
            case EFAULT -> "bad address";
            case EBUSY -> "device or resource busy";
            case EEXIST -> "file exists";
            case ENODEV -> "no such device";
            case EINVAL -> "invalid argument";
            case ENOSPC -> "no space left on device";
            case ENAMETOOLONG -> "file name too long";
            case EOPNOTSUPP -> "operation not supported";
            case ELOOP -> "too many levels of symbolic links";
            case E2BIG -> "argument list too long";
            case ENOSYS -> "function not implemented";
            case EAFNOSUPPORT -> "address family not supported by protocol";
            case ENETDOWN -> "network is down";
            case ENOBUFS -> "no buffer space available";
            case ENOPROTOOPT -> "protocol not available";
            case EMSGSIZE -> "message too long";
            default -> null;
        };
    }
}

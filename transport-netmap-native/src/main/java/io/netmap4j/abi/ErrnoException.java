package io.netmap4j.abi;

import java.io.IOException;

/** A libc call failed; carries the call's name and the errno it left. */
public final class ErrnoException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String call;
    private final int errno;

    public ErrnoException(String call, int errno) {
        super(call + " failed: " + Errno.describe(errno));
        this.call = call;
        this.errno = errno;
    }

    /** The call that failed, for example {@code ioctl} or {@code open(/dev/netmap)}. */
    public String call() {
        return call;
    }

    /** The errno the call left. */
    public int errno() {
        return errno;
    }
}

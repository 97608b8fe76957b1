package io.netmap4j.netty;

import io.netmap4j.NetmapPorts;
import io.netmap4j.abi.LibC;
import io.netmap4j.core.NetmapBackend;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

/**
 * Tells whether the netmap transport can run here, in the manner of Netty's {@code Epoll} and
 * {@code IoUring}: the FFM calls it needs must link (the JVM must allow native access), and a
 * netmap backend must be able to open ports — the kernel module through /dev/netmap, or the
 * user-space implementation otherwise.
 */
public final class Netmap {
    private static final InternalLogger logger = InternalLoggerFactory.getInstance(Netmap.class);
    private static final Throwable UNAVAILABILITY_CAUSE;
    private static final NetmapBackend BACKEND;

    static {
        Throwable cause = null;
        NetmapBackend backend = null;
        try {
            // An eventfd round trip proves that libc links and that native access is enabled.
            LibC.close(LibC.eventfd(0, 0));
            backend = NetmapPorts.defaultBackend();
            if (backend != null && !backend.isAvailable()) {
                cause = backend.unavailabilityCause();
                if (cause == null) {
                    cause = new IllegalStateException("the " + backend.name() + " netmap backend is not available");
                }
            }
        } catch (Throwable t) {
            cause = nativeAccessDenied(t) ? new IllegalStateException("native access is not enabled for netmap4j "
                    + "(the JVM denies restricted FFM calls, e.g. with --illegal-native-access=deny): run java with "
                    + "--enable-native-access=ALL-UNNAMED (class path) or --enable-native-access=io.netmap4j (module "
                    + "path), or put 'Enable-Native-Access: ALL-UNNAMED' in the manifest of the application's "
                    + "executable JAR", t) : t;
        }
        UNAVAILABILITY_CAUSE = cause;
        BACKEND = cause == null ? backend : null;
        if (cause != null) {
            logger.debug("netmap transport unavailable", cause);
        } else if (backend != null) {
            logger.debug("netmap transport uses the {} backend", backend.name());
        }
    }

    private Netmap() {
    }

    private static boolean nativeAccessDenied(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof IllegalCallerException) {
                return true;
            }
        }
        return false;
    }

    /** True when netmap channels can be used. */
    public static boolean isAvailable() {
        return UNAVAILABILITY_CAUSE == null;
    }

    /**
     * Throws when netmap channels cannot be used.
     *
     * @throws UnsatisfiedLinkError with the cause attached, as Netty's native transports do
     */
    public static void ensureAvailability() {
        if (UNAVAILABILITY_CAUSE != null) {
            throw (Error) new UnsatisfiedLinkError("the netmap transport cannot be used here: "
                    + UNAVAILABILITY_CAUSE.getMessage()
                    + " (netmap needs Linux, and native access: --enable-native-access=ALL-UNNAMED)")
                    .initCause(UNAVAILABILITY_CAUSE);
        }
    }

    /** Why {@link #isAvailable()} is false, or null when it is true. */
    public static Throwable unavailabilityCause() {
        return UNAVAILABILITY_CAUSE;
    }

    /** The backend that opens ports ({@code kernel} or {@code user}), or null when unavailable. */
    public static NetmapBackend backend() {
        return BACKEND;
    }
}

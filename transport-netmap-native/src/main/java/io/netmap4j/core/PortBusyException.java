package io.netmap4j.core;

/** The port is held exclusively by another user, or the descriptor is already bound (EBUSY). */
public class PortBusyException extends NetmapException {
    private static final long serialVersionUID = 1L;

    public PortBusyException(String message) {
        super(message);
    }

    public PortBusyException(String message, int errno, Throwable cause) {
        super(message, errno, cause);
    }
}

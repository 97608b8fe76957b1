package io.netmap4j.core;

/** The named interface, pipe or VALE port does not exist (ENXIO, ENOENT). */
public class NoSuchPortException extends NetmapException {
    private static final long serialVersionUID = 1L;

    public NoSuchPortException(String message) {
        super(message);
    }

    public NoSuchPortException(String message, int errno, Throwable cause) {
        super(message, errno, cause);
    }
}

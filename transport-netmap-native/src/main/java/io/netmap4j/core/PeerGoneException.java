package io.netmap4j.core;

/** The other end of a pipe closed or its process died; the port can only be closed now. */
public class PeerGoneException extends NetmapException {
    private static final long serialVersionUID = 1L;

    public PeerGoneException(String message) {
        super(message);
    }
}

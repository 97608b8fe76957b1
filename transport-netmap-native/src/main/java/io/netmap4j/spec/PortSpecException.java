package io.netmap4j.spec;

/** A port name does not follow the grammar; the message quotes it and points at the bad character. */
public class PortSpecException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public PortSpecException(String message) {
        super(message);
    }
}

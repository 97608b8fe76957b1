package io.netmap4j.spec;

/**
 * A port name does not follow libnetmap's grammar. The message quotes the name, says what was
 * wrong and, on two more lines, shows the name again with a caret under the offending character:
 *
 * <pre>
 * bad port name "netmap:eth0-x": ring number expected at position 12
 * netmap:eth0-x
 *             ^
 * </pre>
 *
 * Positions count UTF-16 chars from 0, like {@link String#charAt(int)}; a position equal to the
 * name's length means "at the end".
 */
public class PortSpecException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String portName;
    private final int position;
    private final String reason;

    /** A free-form message, for errors that have no position in a name. */
    public PortSpecException(String message) {
        super(message);
        this.portName = null;
        this.position = -1;
        this.reason = message;
    }

    /** An error at {@code position} of {@code portName}, described by {@code reason}. */
    public PortSpecException(String portName, int position, String reason) {
        super(format(portName, position, reason));
        this.portName = portName;
        this.position = position;
        this.reason = reason;
    }

    private static String format(String name, int position, String reason) {
        StringBuilder sb = new StringBuilder(2 * name.length() + reason.length() + 64);
        sb.append("bad port name \"").append(name).append("\": ").append(reason)
                .append(" at position ").append(position).append('\n')
                .append(name).append('\n');
        sb.repeat(' ', position);
        return sb.append('^').toString();
    }

    /** The name that failed to parse, or null when the error is not tied to a name. */
    public String portName() {
        return portName;
    }

    /** Index of the offending char in {@link #portName()}, or -1 when not tied to a name. */
    public int position() {
        return position;
    }

    /** What was wrong, without the name and the caret lines. */
    public String reason() {
        return reason;
    }
}

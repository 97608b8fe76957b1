package io.netmap4j.user.nic;

import java.util.Locale;

/**
 * How the user backend reaches a network interface: {@link #XDP} (AF_XDP sockets, frames land in
 * netmap buffers without a copy), {@link #PACKET} (AF_PACKET sockets with mmap()ed rings, one copy,
 * works everywhere), or {@link #AUTO} (AF_XDP when its program loads and its socket binds, else
 * AF_PACKET).
 */
public enum NicMechanism {
    AUTO, XDP, PACKET;

    /** System property that forces the mechanism for the JVM: {@code auto}, {@code xdp} or {@code packet}. */
    public static final String PROPERTY = "netmap4j.nic";

    /**
     * The mechanism named {@code name} ({@code auto}, {@code xdp} or {@code af_xdp}, {@code packet}
     * or {@code af_packet}; case does not matter).
     *
     * @throws IllegalArgumentException for any other name
     */
    public static NicMechanism of(String name) {
        return switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "auto", "" -> AUTO;
            case "xdp", "af_xdp" -> XDP;
            case "packet", "af_packet" -> PACKET;
            default -> throw new IllegalArgumentException("unknown NIC mechanism \"" + name
                    + "\": use auto, xdp or packet");
        };
    }

    /** The mechanism {@code -Dnetmap4j.nic} asks for, {@link #AUTO} when it is not set. */
    public static NicMechanism fromProperty() {
        String p = System.getProperty(PROPERTY);
        try {
            return p == null ? AUTO : of(p);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("-D" + PROPERTY + "=" + p + " is not a NIC mechanism: use auto, xdp or packet");
        }
    }

    /** The name used in messages and options: {@code auto}, {@code xdp} or {@code packet}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return switch (this) {
            case AUTO -> "auto";
            case XDP -> "AF_XDP";
            case PACKET -> "AF_PACKET";
        };
    }
}

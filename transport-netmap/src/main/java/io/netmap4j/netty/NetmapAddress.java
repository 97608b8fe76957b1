package io.netmap4j.netty;

import io.netmap4j.spec.PortSpec;
import io.netmap4j.spec.PortSpecException;

import java.net.SocketAddress;
import java.util.Objects;

/**
 * The address of a netmap port, for {@code Bootstrap.bind(...)}: a port name in libnetmap's
 * grammar, which also selects the rings ({@code netmap:eth0} all hardware rings,
 * {@code netmap:eth0-2} ring 2, {@code netmap:x{1} / {@code netmap:x}1} the two ends of a pipe,
 * {@code vale0:p} a VALE port, ...). The name is parsed when the address is made, so a bad name
 * fails here, not at bind.
 */
public final class NetmapAddress extends SocketAddress {
    private static final long serialVersionUID = 1L;

    private final String name;
    private final transient PortSpec spec;

    private NetmapAddress(String name, PortSpec spec) {
        this.name = name;
        this.spec = spec;
    }

    /**
     * The address of the port {@code name}.
     *
     * @throws IllegalArgumentException if {@code name} is not a valid port name (the message points
     *         at the offending character)
     */
    public static NetmapAddress of(String name) {
        Objects.requireNonNull(name, "name");
        try {
            return new NetmapAddress(name, PortSpec.parse(name));
        } catch (PortSpecException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** The address of an already parsed port name. */
    public static NetmapAddress of(PortSpec spec) {
        return new NetmapAddress(spec.toString(), spec);
    }

    /** The port name as given. */
    public String name() {
        return name;
    }

    /** The parsed port name. */
    public PortSpec spec() {
        return spec != null ? spec : of(name).spec;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NetmapAddress other && name.equals(other.name);
    }

    @Override
    public int hashCode() {
        return name.hashCode();
    }

    @Override
    public String toString() {
        return name;
    }
}

package io.netmap4j;

import io.netmap4j.core.NetmapBackend;
import io.netmap4j.core.NetmapException;
import io.netmap4j.core.NetmapPort;
import io.netmap4j.core.ValeControl;
import io.netmap4j.kernel.KernelBackend;
import io.netmap4j.spec.PortSpec;
import io.netmap4j.user.UserBackend;
import io.netmap4j.user.nic.NicMechanism;

import java.util.Locale;

/**
 * Where applications open ports: {@code NetmapPorts.open("netmap:x{1")}, as libnetmap's
 * {@code nmport_open}. It picks the backend once per JVM:
 * <ul>
 *   <li>{@code -Dnetmap4j.backend=auto} (the default): the kernel module when /dev/netmap can be
 *       opened, the user-space backend otherwise;</li>
 *   <li>{@code -Dnetmap4j.backend=kernel} or {@code user}: that one, whatever the machine has.</li>
 * </ul>
 * {@link #open(PortSpec, NetmapBackend)} forces a backend for one port. The choice and its
 * reason are logged once, at INFO, through {@link System.Logger}.
 */
public final class NetmapPorts {
    /** System property that forces a backend: {@code auto}, {@code kernel} or {@code user}. */
    public static final String BACKEND_PROPERTY = "netmap4j.backend";

    private static final System.Logger LOG = System.getLogger(NetmapPorts.class.getName());

    private NetmapPorts() { }

    /** Parses {@code name} and opens it with the default backend. */
    public static NetmapPort open(String name) throws NetmapException {
        return open(PortSpec.parse(name));
    }

    /** Opens {@code spec} with the default backend. */
    public static NetmapPort open(PortSpec spec) throws NetmapException {
        return open(spec, defaultBackend());
    }

    /** Opens {@code spec} with the given backend. */
    public static NetmapPort open(PortSpec spec, NetmapBackend backend) throws NetmapException {
        return backend.open(spec);
    }

    /**
     * Opens {@code spec} with the given backend; when that is the user backend and {@code spec}
     * names a network interface, through {@code nic} (AF_XDP, AF_PACKET, or
     * {@link NicMechanism#AUTO}: {@code -Dnetmap4j.nic}, else AF_XDP where it works and AF_PACKET
     * otherwise). The kernel backend opens interfaces natively and ignores {@code nic}.
     */
    public static NetmapPort open(PortSpec spec, NetmapBackend backend, NicMechanism nic) throws NetmapException {
        return backend instanceof UserBackend user ? user.open(spec, nic) : backend.open(spec);
    }

    /**
     * vale-ctl's requests (list, persistent interfaces, attach, detach) on the default backend;
     * close it when done.
     */
    public static ValeControl valeControl() throws NetmapException {
        return defaultBackend().valeControl();
    }

    /** The backend {@link #open(PortSpec)} uses, chosen on first use. */
    public static NetmapBackend defaultBackend() {
        return DefaultBackend.CHOICE;
    }

    /**
     * The backend named {@code name}: {@code kernel}, {@code user}, or {@code auto} for the
     * default choice.
     *
     * @throws IllegalArgumentException for any other name
     */
    public static NetmapBackend backend(String name) {
        return switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "kernel" -> KernelBackend.INSTANCE;
            case "user" -> UserBackend.INSTANCE;
            case "auto" -> defaultBackend();
            default -> throw new IllegalArgumentException("unknown netmap backend \"" + name
                    + "\": use kernel, user or auto");
        };
    }

    /** Chooses the default backend, by property or by what the machine has. */
    static NetmapBackend choose(String property, NetmapBackend kernel, NetmapBackend user) {
        String wanted = property == null ? "auto" : property.trim().toLowerCase(Locale.ROOT);
        return switch (wanted) {
            case "kernel" -> kernel;
            case "user" -> user;
            case "auto", "" -> kernel.isAvailable() ? kernel : user;
            default -> throw new IllegalArgumentException("-D" + BACKEND_PROPERTY + "=" + property
                    + " is not a netmap backend: use kernel, user or auto");
        };
    }

    /** Holder: the choice is made, and logged, once, when first needed. */
    private static final class DefaultBackend {
        static final NetmapBackend CHOICE = choose(System.getProperty(BACKEND_PROPERTY),
                KernelBackend.INSTANCE, UserBackend.INSTANCE);

        static {
            String property = System.getProperty(BACKEND_PROPERTY);
            String why = property != null && !property.isBlank() && !property.equalsIgnoreCase("auto")
                    ? "forced by -D" + BACKEND_PROPERTY + "=" + property
                    : CHOICE == KernelBackend.INSTANCE ? "/dev/netmap is available"
                    : "no netmap kernel module: " + KernelBackend.INSTANCE.unavailabilityCause().getMessage();
            LOG.log(System.Logger.Level.INFO, "netmap4j uses the " + CHOICE.name() + " backend (" + why + ")");
        }
    }
}

package io.netmap4j.core;

import java.util.List;

/**
 * The VALE switch requests of vale-ctl, for any backend: list the ports of the switches, create
 * and delete persistent interfaces, attach interfaces to a switch and detach them. Get one from
 * {@link NetmapBackend#valeControl()} (or {@code NetmapPorts.valeControl()} for the default
 * backend) and close it when done.
 *
 * <p>On the kernel backend these are the module's requests (see
 * {@link io.netmap4j.kernel.NetmapControl}). On the user backend a switch lives as long as
 * processes hold its ports; persistent interfaces are kept in a small file beside the switches
 * and live until deleted or the machine restarts; attaching an interface that is not a
 * persistent one (a NIC) runs a forwarding loop in the attaching process, which lasts until it is
 * detached or the process ends.
 *
 * <p>Errors come as {@link NetmapException} with netmap's errno: ENXIO for what does not exist,
 * EEXIST for a name taken, EBUSY for what is in use, EINVAL for a bad name.
 */
public interface ValeControl extends AutoCloseable {
    /** Every port attached to a VALE switch, by switch, then by port index. */
    List<ValePortId> list() throws NetmapException;

    /**
     * Creates the persistent VALE interface {@code name} (vale-ctl -n), which lives until
     * {@link #deleteInterface}; 0 asks for the default of a count.
     *
     * @param name 1 to 15 bytes, not starting with {@code vale}
     */
    ValeInterface newInterface(String name, int txSlots, int rxSlots, int txRings, int rxRings) throws NetmapException;

    /** Deletes a persistent VALE interface (vale-ctl -r); it must be detached. */
    void deleteInterface(String name) throws NetmapException;

    /**
     * Attaches interface {@code name} (a persistent VALE interface, or a NIC) to switch
     * {@code valeSwitch} as port {@code valeSwitch:name} (vale-ctl -a; with the host stack too
     * when {@code hostStack}, vale-ctl -h).
     *
     * @return the port's index on the switch
     */
    int attach(String valeSwitch, String name, boolean hostStack) throws NetmapException;

    /**
     * Detaches {@code valeS:name} from its switch (vale-ctl -d).
     *
     * @return the index the port had
     */
    int detach(String portName) throws NetmapException;

    @Override
    void close();
}

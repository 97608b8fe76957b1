package io.netmap4j.core;

import io.netmap4j.spec.PortSpec;

/**
 * Something that can open netmap ports: the kernel module through /dev/netmap, or the
 * project's user-space implementation of the same memory layout and ring protocol.
 */
public interface NetmapBackend {
    /** A short name: {@code kernel} or {@code user}. */
    String name();

    /** True when this backend can open ports on this machine. */
    boolean isAvailable();

    /** Why {@link #isAvailable()} is false, or null when it is true. */
    Throwable unavailabilityCause();

    /**
     * Opens and registers a port. Opening is done in steps, each undone exactly on failure, so
     * that a failed open leaks no file descriptor, mapping or shared file.
     */
    NetmapPort open(PortSpec spec) throws NetmapException;

    /**
     * How many NIC ring pairs the interface of {@code spec} has, so that a caller can bind each
     * of them on its own ({@link PortSpec#ringPair(int)}): the larger of its TX and RX ring
     * counts.
     *
     * @throws NetmapException if the interface does not exist, or this backend cannot tell
     */
    default int nicRingPairs(PortSpec spec) throws NetmapException {
        throw new NetmapException("the " + name() + " backend cannot count the rings of " + spec);
    }

    /**
     * The VALE switch requests of vale-ctl on this backend (list, persistent interfaces, attach,
     * detach). Close it when done.
     *
     * @throws NetmapException if this backend has no VALE switches, or cannot reach them now
     */
    default ValeControl valeControl() throws NetmapException {
        throw new NetmapException("the " + name() + " backend has no VALE switches");
    }
}

package io.netmap4j.user;

import io.netmap4j.abi.NetmapConstants;
import io.netmap4j.abi.gen.netmap_if;

/** Field offsets of {@code struct netmap_if}, from the generated bindings. */
final class NifLayout {
    private NifLayout() { }

    static final long NAME = netmap_if.ni_name$offset();
    static final long VERSION = netmap_if.ni_version$offset();
    static final long FLAGS = netmap_if.ni_flags$offset();
    static final long TX_RINGS = netmap_if.ni_tx_rings$offset();
    static final long RX_RINGS = netmap_if.ni_rx_rings$offset();
    static final long BUFS_HEAD = netmap_if.ni_bufs_head$offset();
    static final long HOST_TX_RINGS = netmap_if.ni_host_tx_rings$offset();
    static final long HOST_RX_RINGS = netmap_if.ni_host_rx_rings$offset();
    static final long RING_OFS = netmap_if.layout().byteSize();
    static final int NAME_SIZE = NetmapConstants.NM_IFNAMSIZ;
}

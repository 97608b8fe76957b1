package io.netmap4j.user.nic;

import io.netmap4j.core.NetmapBackend;
import io.netmap4j.spec.PortSpec;

/**
 * What a NIC port is asked to be, from its name, checked: the interface, which of its queues,
 * ring sizes, directions, extra buffers. The mechanisms open ports from this.
 *
 * @param what         for messages, for example {@code open netmap:eth0-1}
 * @param firstQueue   the first queue bound
 * @param queueCount   how many consecutive queues are bound
 * @param txPoll       false with NR_NO_TX_POLL
 * @param memId        the memory id the port's private region gets
 */
public record NicRequest(String what, PortSpec spec, NetmapBackend backend, NetInterface nif, int firstQueue,
                         int queueCount, int txSlots, int rxSlots, boolean bindTx, boolean bindRx, int extraBuffers,
                         boolean txPoll, int memId) {

    /** Maps and lays out the port's region, with {@code spareRxBuffers} per RX ring beside the slots' own. */
    public NicRegion newRegion(int spareRxBuffers) throws io.netmap4j.core.NetmapException {
        return NicRegion.create(what, nif.name(), Math.max(nif.rxQueues(), nif.txQueues()), firstQueue, queueCount,
                txSlots, rxSlots, bindTx, bindRx, extraBuffers, spareRxBuffers);
    }

    /** The name of queue {@code q} in messages. */
    public String queueName(int q) {
        return spec + (queueCount > 1 ? " queue " + q : "");
    }
}

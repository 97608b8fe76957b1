package io.netmap4j.kernel;

/**
 * What the kernel says about a port without registering it (PORT_INFO_GET): its memory
 * region and its current ring geometry. Ports with the same {@link #memId()} share buffers.
 *
 * @param memorySize  bytes of the port's memory region ({@code nr_memsize})
 * @param txSlots     slots in each TX ring
 * @param rxSlots     slots in each RX ring
 * @param txRings     hardware (or VALE/pipe) TX rings
 * @param rxRings     hardware (or VALE/pipe) RX rings
 * @param hostTxRings host-stack TX rings (0 for pipes and VALE ports)
 * @param hostRxRings host-stack RX rings (0 for pipes and VALE ports)
 * @param memId       the memory region's id (1 is the global region that NICs share)
 */
public record PortInfo(long memorySize, int txSlots, int rxSlots, int txRings, int rxRings,
                       int hostTxRings, int hostRxRings, int memId) {
}

package io.netmap4j.kernel;

/**
 * A persistent VALE port as the kernel created it (VALE_NEWIF): the geometry it granted, which
 * may differ from what was asked for (0 asks for the default).
 *
 * @param name    the interface name, without a switch prefix; attach it with
 *                {@link NetmapControl#valeAttach(String, String)}
 * @param txSlots slots in each TX ring
 * @param rxSlots slots in each RX ring
 * @param txRings TX rings
 * @param rxRings RX rings
 * @param memId   the memory region the port uses
 */
public record ValeInterface(String name, int txSlots, int rxSlots, int txRings, int rxRings, int memId) {
}

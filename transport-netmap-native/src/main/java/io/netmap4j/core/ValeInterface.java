package io.netmap4j.core;

/**
 * A persistent VALE interface as the backend created it (VALE_NEWIF): the geometry it granted,
 * which may differ from what was asked for (0 asks for the default).
 *
 * @param name    the interface name, without a switch prefix; attach it with
 *                {@link ValeControl#attach}
 * @param txSlots slots in each TX ring
 * @param rxSlots slots in each RX ring
 * @param txRings TX rings
 * @param rxRings RX rings
 * @param memId   the memory region the port uses (0 where the backend makes it only when the port
 *                opens: the user backend)
 */
public record ValeInterface(String name, int txSlots, int rxSlots, int txRings, int rxRings, int memId) {
}

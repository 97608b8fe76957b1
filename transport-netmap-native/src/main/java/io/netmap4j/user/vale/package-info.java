/**
 * VALE software switches on the user backend: ports {@code valeS:P} of a learning Ethernet
 * switch, in one process or across processes, with netmap's semantics. Each switch is one
 * shared-memory file ({@link io.netmap4j.user.vale.SwitchLayout}); each port is a memory region of
 * its own in it; a sender's txsync does the switch's work ({@link io.netmap4j.user.vale.ValeForwarder}).
 * Ports are opened through {@link io.netmap4j.user.UserBackend}.
 */
package io.netmap4j.user.vale;

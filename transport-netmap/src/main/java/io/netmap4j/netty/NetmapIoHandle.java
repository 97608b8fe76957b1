package io.netmap4j.netty;

import io.netmap4j.core.NetmapPort;
import io.netty.channel.IoHandle;

/**
 * Something a {@link NetmapIoHandler} can wait on: a netmap port. {@link NetmapChannel}'s unsafe
 * is one; a tool that drives a port by hand from the event loop can be another.
 *
 * <p>The handler asks for the port on every loop iteration, so a handle may register before it has
 * a port (an unbound channel) and get one later; a null or closed port is simply not waited on.
 */
public interface NetmapIoHandle extends IoHandle {
    /** The port to wait on, or null while there is none. */
    NetmapPort port();
}

package io.netmap4j.netty;

import io.netmap4j.core.NetmapPort;
import io.netty.channel.IoHandle;

/**
 * Something a {@link NetmapIoHandler} can wait on: a netmap port. {@link NetmapChannel}'s unsafe
 * is one; a tool that drives a port by hand from the event loop can be another.
 *
 * <p>The handler asks for the port when the handle submits its interest, and again whenever it
 * looks at the port: on every iteration while the port is busy, and for an idle pipe end when its
 * peer marks it or the loop's sweep comes by. So a handle may register before it has a port (an
 * unbound channel) and get one later, but must then submit its interest again (NetmapChannel
 * does, when it becomes active); a null or closed port is simply not waited on.
 */
public interface NetmapIoHandle extends IoHandle {
    /** The port to wait on, or null while there is none. */
    NetmapPort port();
}

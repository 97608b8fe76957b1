package io.netmap4j.netty.testsuite;

import io.netmap4j.netty.NetmapIoHandler;
import io.netty.channel.AbstractIoHandlerEventCountTest;
import io.netty.channel.IoHandlerFactory;

/**
 * Netty's contract for what {@code IoHandler.run} counts: timer expirations, wakeups and scheduled
 * tasks are not I/O. Runs as-is on {@link NetmapIoHandler}.
 */
class NetmapIoHandlerEventCountTest extends AbstractIoHandlerEventCountTest {
    @Override
    protected IoHandlerFactory newIoHandlerFactory() {
        return NetmapIoHandler.newFactory();
    }
}

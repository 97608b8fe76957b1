package io.netmap4j.netty;

import io.netmap4j.core.NetmapPort;
import io.netty.channel.IoEvent;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoRegistration;
import io.netty.util.concurrent.ThreadAwareExecutor;

import java.util.concurrent.atomic.AtomicInteger;

/** What tests need to drive a {@link NetmapIoHandler} by hand, one {@code run} at a time. */
final class ManualLoop {
    private ManualLoop() { }

    /** The test thread is the loop: tasks run at once. */
    static final ThreadAwareExecutor THIS_THREAD = new ThreadAwareExecutor() {
        @Override
        public boolean isExecutorThread(Thread thread) {
            return true;
        }

        @Override
        public void execute(Runnable command) {
            command.run();
        }
    };

    /** A loop that may block until the next event (no task is scheduled). */
    static final IoHandlerContext MAY_BLOCK = context(true);

    /** A loop with tasks waiting: it must not block. */
    static final IoHandlerContext MUST_NOT_BLOCK = context(false);

    private static IoHandlerContext context(boolean canBlock) {
        return new IoHandlerContext() {
            @Override
            public boolean canBlock() {
                return canBlock;
            }

            @Override
            public long delayNanos(long currentTimeNanos) {
                return Long.MAX_VALUE;
            }

            @Override
            public long deadlineNanos() {
                return -1;
            }
        };
    }

    /** A handle over a port that counts its events and how often the loop asked for its port. */
    static class CountingHandle implements NetmapIoHandle {
        final NetmapPort port;
        final AtomicInteger events = new AtomicInteger();
        final AtomicInteger portLookups = new AtomicInteger();
        volatile int lastEvent;

        CountingHandle(NetmapPort port) {
            this.port = port;
        }

        @Override
        public NetmapPort port() {
            portLookups.incrementAndGet();
            return port;
        }

        @Override
        public void handle(IoRegistration registration, IoEvent ioEvent) {
            lastEvent = ((NetmapIoEvent) ioEvent).readyOps();
            events.incrementAndGet();
            onEvent(lastEvent);
        }

        /** What the handle does with an event (nothing by default). */
        void onEvent(int readyOps) {
        }

        @Override
        public void close() {
            port.close();
        }
    }
}

package io.netmap4j.netty;

import io.netmap4j.core.NetmapPort;
import io.netmap4j.core.NetmapRing;
import io.netty.channel.IoEvent;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoRegistration;
import io.netty.util.concurrent.ThreadAwareExecutor;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static io.netmap4j.abi.NetmapConstants.POLLIN;

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

    /** A handle that reads (and counts) every frame of its port when told POLLIN. */
    static final class ReadingHandle extends CountingHandle {
        volatile int frames;

        ReadingHandle(NetmapPort port) {
            super(port);
        }

        @Override
        void onEvent(int readyOps) {
            if ((readyOps & POLLIN) == 0) {
                return;
            }
            NetmapRing rx = port.rxRing(0);
            while (rx.cur() != rx.tail()) {
                rx.advance(rx.next(rx.cur()));
                frames++;
            }
        }
    }

    /**
     * A handler's loop on a thread of its own, for tests of sleeping and waking: the executor to
     * make the handler with, which takes no tasks. The test thread is the loop's thread until
     * {@link #start} and again after {@link #stop} (it sets the handler up and destroys it).
     */
    static final class SleepingLoop implements ThreadAwareExecutor {
        private volatile Thread thread = Thread.currentThread();
        private final AtomicBoolean stopped = new AtomicBoolean();
        private volatile Throwable failure;
        private NetmapIoHandler handler;

        @Override
        public boolean isExecutorThread(Thread t) {
            return t == thread;
        }

        @Override
        public void execute(Runnable command) {
            throw new UnsupportedOperationException("no tasks in this test");
        }

        /** Runs {@code handler} (made with this executor) on a new thread until {@link #stop}. */
        void start(NetmapIoHandler handler, String name) {
            this.handler = handler;
            Thread t = new Thread(() -> {
                try {
                    while (!stopped.get()) {
                        handler.run(MAY_BLOCK);
                    }
                } catch (Throwable e) {
                    failure = e;
                }
            }, name);
            thread = t;
            t.start();
        }

        /**
         * Waits until the loop thread is in poll(2) for its sleep. It gets there only after it
         * announced the sleep on its board (when no other port makes it poll), so a mark from
         * then on must write the board's FIFO.
         */
        void awaitAsleep() throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < deadline) {
                for (StackTraceElement e : thread.getStackTrace()) {
                    if (e.getMethodName().equals("pollOnce")) {
                        return;
                    }
                }
                Thread.sleep(1);
            }
            throw new AssertionError("the loop never went to sleep");
        }

        /** Stops the loop and gives the handler back to the test thread (for a finally block). */
        void stop() throws InterruptedException {
            stopped.set(true);
            handler.wakeup();
            thread.join();
            thread = Thread.currentThread();
        }

        /** Fails if the loop thread failed; after {@link #stop}. */
        void assertNoFailure() {
            if (failure != null) {
                throw new AssertionError("the loop failed", failure);
            }
        }
    }
}

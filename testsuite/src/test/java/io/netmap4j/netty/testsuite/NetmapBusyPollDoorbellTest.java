package io.netmap4j.netty.testsuite;

import io.netmap4j.core.NetmapPort;
import io.netmap4j.core.NetmapRing;
import io.netmap4j.netty.NetmapIoHandle;
import io.netmap4j.netty.NetmapIoHandler;
import io.netmap4j.netty.NetmapIoHandlerConfig;
import io.netmap4j.netty.NetmapIoOps;
import io.netmap4j.spec.PortSpec;
import io.netmap4j.user.UserBackend;
import io.netmap4j.user.UserPipePort;
import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A busy-polling loop never sleeps, so it must never tell its peer that it sleeps: otherwise a
 * producer slower than the loop pays a write(2) on the loop's doorbell for nearly every batch
 * (and the loop a read(2) to drain it). The producer is a plain pipe end in the test thread that
 * sends small batches with pauses; the consumer is a handle on a busy loop that takes whatever
 * the loop reports ready, so the loop is idle between batches.
 */
class NetmapBusyPollDoorbellTest {
    private static final int BATCHES = 200;
    private static final int PER_BATCH = 4;

    /** Consumes every frame the loop reports, straight from the ring the loop synced. */
    private static final class Drain implements NetmapIoHandle {
        final NetmapPort port;
        final AtomicInteger received = new AtomicInteger();

        Drain(NetmapPort port) {
            this.port = port;
        }

        @Override
        public NetmapPort port() {
            return port;
        }

        @Override
        public void handle(IoRegistration registration, IoEvent event) {
            NetmapRing rx = port.rxRing(0);
            received.addAndGet(rx.distance(rx.head(), rx.tail()));
            rx.advance(rx.tail()); // released by the loop's next rxsync
        }

        @Override
        public void close() {
            port.close();
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aBusyLoopCostsItsProducerNoDoorbellWrites() throws Exception {
        MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1,
                NetmapIoHandler.newFactory(new NetmapIoHandlerConfig().setBusyPoll(true)));
        String name = NetmapTestPermutation.newPipeName();
        try (UserPipePort producer = (UserPipePort) UserBackend.INSTANCE.open(PortSpec.parse(name + "}1"))) {
            Drain consumer = new Drain(UserBackend.INSTANCE.open(PortSpec.parse(name + "{1")));
            IoEventLoop loop = (IoEventLoop) group.next();
            IoRegistration registration = loop.register(consumer).sync().getNow();
            registration.submit(NetmapIoOps.READ);

            NetmapRing tx = producer.txRing(0);
            int sent = 0;
            for (int b = 0; b < BATCHES; b++) {
                for (int f = 0; f < PER_BATCH; f++) {
                    while (tx.isEmpty()) {
                        producer.txSync(); // the loop is behind for once: wait for room
                    }
                    tx.len(tx.head(), 60);
                    tx.advance(tx.next(tx.head()));
                    sent++;
                }
                producer.txSync();
                LockSupport.parkNanos(100_000); // the loop is faster: it goes idle between batches
            }
            while (consumer.received.get() < sent) {
                Thread.onSpinWait();
            }
            assertEquals(BATCHES * PER_BATCH, consumer.received.get());
            assertEquals(0, producer.doorbellWrites(),
                    "the busy loop announced sleeps, so the producer made system calls to wake it");
        } finally {
            group.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync(); // closes the consumer's port
        }
    }
}

package io.netmap4j.netty;

import io.netmap4j.abi.Errno;
import io.netmap4j.core.NetmapPort;
import io.netmap4j.core.NetmapRing;
import io.netmap4j.spec.PortSpec;
import io.netmap4j.user.UserBackend;
import io.netmap4j.user.UserPipePort;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * poll(2) failing (EINVAL, ENOMEM) after the ports announced that they sleep must not leave the
 * announcements behind: a peer would then keep paying system calls to wake a loop that is not
 * asleep. The handler is driven by hand on the test thread, with a poll(2) that always fails.
 */
class NetmapIoHandlerPollFailureTest {

    @Test
    void aFailedPollWithdrawsTheSleepAnnouncements() throws Exception {
        String name = "netmap:pf" + ProcessHandle.current().pid();
        AtomicInteger polls = new AtomicInteger();
        NetmapIoHandler handler = new NetmapIoHandler(ManualLoop.THIS_THREAD, new NetmapIoHandlerConfig(),
                (fds, count, timeout) -> {
                    polls.incrementAndGet();
                    return -Errno.EINVAL;
                });
        try (UserPipePort producer = (UserPipePort) UserBackend.INSTANCE.open(PortSpec.parse(name + "}1"))) {
            ManualLoop.CountingHandle consumer =
                    new ManualLoop.CountingHandle(UserBackend.INSTANCE.open(PortSpec.parse(name + "{1")));
            handler.register(consumer).submit(NetmapIoOps.READ);

            assertEquals(0, handler.run(ManualLoop.MAY_BLOCK), "nothing to read, and poll(2) failed");
            assertEquals(1, polls.get(), "the loop tried to sleep in poll(2) once");

            NetmapRing tx = producer.txRing(0);
            tx.len(tx.head(), 60);
            tx.advance(tx.next(tx.head()));
            producer.txSync();
            assertEquals(0, producer.doorbellWrites(),
                    "the consumer is not asleep, yet its failed poll left the sleep announced");
            assertEquals(0, consumer.events.get());
        } finally {
            handler.destroy();
        }
    }
}

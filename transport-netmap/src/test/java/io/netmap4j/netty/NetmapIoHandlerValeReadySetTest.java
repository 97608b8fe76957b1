package io.netmap4j.netty;

import io.netmap4j.core.NetmapException;
import io.netmap4j.core.NetmapPort;
import io.netmap4j.core.NetmapRing;
import io.netmap4j.netty.ManualLoop.ReadingHandle;
import io.netmap4j.netty.ManualLoop.SleepingLoop;
import io.netmap4j.spec.PortSpec;
import io.netmap4j.user.UserBackend;
import io.netmap4j.user.vale.UserValePort;
import io.netty.util.concurrent.ThreadAwareExecutor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.netmap4j.netty.ManualLoop.MUST_NOT_BLOCK;
import static io.netmap4j.netty.ManualLoop.THIS_THREAD;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * VALE ports of the user backend wait in the loop's ready set as pipe ends do: idle ones are
 * armed and then not asked for, a frame a sender delivers to one brings exactly that one back
 * through the sender's mark (no system call while the loop is awake), and a sleeping loop is
 * woken by one write(2).
 */
class NetmapIoHandlerValeReadySetTest {
    /** Idle receiving ports, each on a switch of its own with one sending port. */
    private static final int IDLE = 24;
    private static final String PREFIX = "valers" + ProcessHandle.current().pid() + "t";
    private static int nextTest;

    private final List<UserValePort> senders = new ArrayList<>();
    private final List<ReadingHandle> receivers = new ArrayList<>();
    private NetmapIoHandler handler;

    private void openPorts(ThreadAwareExecutor executor) throws NetmapException {
        handler = new NetmapIoHandler(executor, new NetmapIoHandlerConfig().setSpinNanos(0).sweepLooksPerSecond(0),
                io.netmap4j.abi.LibC::poll);
        String test = PREFIX + nextTest++ + "s";
        for (int k = 0; k < IDLE; k++) {
            String sw = test + k;
            senders.add((UserValePort) UserBackend.INSTANCE.open(PortSpec.parse(sw + ":a@conf:slots=64")));
            ReadingHandle receiver = new ReadingHandle(UserBackend.INSTANCE.open(PortSpec.parse(sw + ":b@conf:slots=64")));
            receivers.add(receiver);
            handler.register(receiver).submit(NetmapIoOps.READ);
        }
    }

    @AfterEach
    void close() {
        if (handler != null) {
            handler.destroy(); // closes the receivers
        }
        senders.forEach(NetmapPort::close);
    }

    /** One broadcast frame: the switch floods it to the only other port, the receiver. */
    private static void send(NetmapPort sender) throws NetmapException {
        NetmapRing tx = sender.txRing(0);
        tx.slotBuffer(tx.head()).asSlice(0, 60).fill((byte) 0xff);
        tx.len(tx.head(), 60);
        tx.advance(tx.next(tx.head()));
        sender.txSync();
    }

    private long senderDoorbellWrites() {
        return senders.stream().mapToLong(UserValePort::doorbellWrites).sum();
    }

    @Test
    void idleValePortsAreArmedThenUntouchedAndAMarkBringsBackExactlyTheOneThatGotAFrame() throws Exception {
        openPorts(THIS_THREAD);
        assertEquals(0, handler.run(MUST_NOT_BLOCK), "nothing to read yet");
        assertEquals(IDLE, handler.armedCount(), "every idle port is armed after one empty look");
        receivers.forEach(r -> r.portLookups.set(0));
        for (int i = 0; i < 50; i++) {
            assertEquals(0, handler.run(MUST_NOT_BLOCK));
        }
        assertEquals(0, receivers.stream().mapToInt(r -> r.portLookups.get()).sum(),
                "iterations over armed ports asked for none of them");

        int k = IDLE / 3;
        send(senders.get(k));
        assertEquals(0, senderDoorbellWrites(), "the loop is awake: marking it costs no system call");
        assertEquals(1, handler.run(MUST_NOT_BLOCK), "the marked port, and only it");
        for (int i = 0; i < IDLE; i++) {
            assertEquals(i == k ? 1 : 0, receivers.get(i).frames, "frames of port " + i);
        }
        assertEquals(0, handler.sweepLooks, "delivered by the mark, not by a sweep (sweeping is off)");
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void aSleepingLoopIsWokenByOneWrite() throws Exception {
        SleepingLoop loop = new SleepingLoop();
        openPorts(loop);
        assertEquals(0, handler.run(MUST_NOT_BLOCK));
        loop.start(handler, "vale-ready-set-loop");
        try {
            int k = 5;
            ReadingHandle r = receivers.get(k);
            for (int round = 1; round <= 2; round++) {
                loop.awaitAsleep();
                long before = senderDoorbellWrites();
                send(senders.get(k));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (r.frames < round && System.nanoTime() < deadline) {
                    Thread.sleep(1);
                }
                assertEquals(round, r.frames, "the sleeping loop read the frame of round " + round);
                assertEquals(before + 1, senderDoorbellWrites(), "one write(2) woke the loop");
            }
        } finally {
            loop.stop(); // the handler is destroyed by this thread after the test
        }
        loop.assertNoFailure();
    }
}

package io.netmap4j.netty;

import io.netmap4j.core.NetmapException;
import io.netmap4j.core.NetmapPort;
import io.netmap4j.core.NetmapRing;
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
import java.util.concurrent.atomic.AtomicBoolean;

import static io.netmap4j.abi.NetmapConstants.POLLIN;
import static io.netmap4j.netty.ManualLoop.MAY_BLOCK;
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

    /** A handle that reads (and counts) every frame of its port when told POLLIN. */
    private static final class ReadingHandle extends ManualLoop.CountingHandle {
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
        Thread[] loopThread = {Thread.currentThread()};
        ThreadAwareExecutor executor = new ThreadAwareExecutor() {
            @Override
            public boolean isExecutorThread(Thread thread) {
                return thread == loopThread[0];
            }

            @Override
            public void execute(Runnable command) {
                throw new UnsupportedOperationException("no tasks in this test");
            }
        };
        openPorts(executor);
        assertEquals(0, handler.run(MUST_NOT_BLOCK));
        AtomicBoolean stop = new AtomicBoolean();
        Throwable[] failure = new Throwable[1];
        loopThread[0] = new Thread(() -> {
            try {
                while (!stop.get()) {
                    handler.run(MAY_BLOCK);
                }
            } catch (Throwable t) {
                failure[0] = t;
            }
        }, "vale-ready-set-loop");
        loopThread[0].start();
        try {
            int k = 5;
            ReadingHandle r = receivers.get(k);
            for (int round = 1; round <= 2; round++) {
                awaitAsleep(loopThread[0]);
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
            stop.set(true);
            handler.wakeup();
            loopThread[0].join();
            loopThread[0] = Thread.currentThread();
        }
        if (failure[0] != null) {
            throw new AssertionError("the loop failed", failure[0]);
        }
    }

    /** Waits until the loop thread is in poll(2) for its sleep, announced on its board. */
    private static void awaitAsleep(Thread loop) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            for (StackTraceElement e : loop.getStackTrace()) {
                if (e.getMethodName().equals("pollOnce")) {
                    return;
                }
            }
            Thread.sleep(1);
        }
        throw new AssertionError("the loop never went to sleep");
    }
}

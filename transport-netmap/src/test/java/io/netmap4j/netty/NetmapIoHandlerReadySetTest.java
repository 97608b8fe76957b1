package io.netmap4j.netty;

import io.netmap4j.core.NetmapException;
import io.netmap4j.core.NetmapPort;
import io.netmap4j.core.NetmapRing;
import io.netmap4j.netty.ManualLoop.ReadingHandle;
import io.netmap4j.netty.ManualLoop.SleepingLoop;
import io.netmap4j.spec.PortSpec;
import io.netmap4j.user.UserBackend;
import io.netmap4j.user.UserPipePort;
import io.netty.util.concurrent.ThreadAwareExecutor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.netmap4j.abi.NetmapConstants.POLLIN;
import static io.netmap4j.netty.ManualLoop.MUST_NOT_BLOCK;
import static io.netmap4j.netty.ManualLoop.THIS_THREAD;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The loop's ready set, driven by hand: idle pipe ends are armed and then cost the loop nothing
 * (it does not even ask for their ports), a frame sent to one of them brings exactly that one
 * back through its peer's mark, without a system call while the loop is awake and with one
 * write(2) for the whole loop while it sleeps; a mark that never comes is made up for by the
 * sweep, and a mark for a port with nothing to read delivers nothing.
 */
class NetmapIoHandlerReadySetTest {
    /** Idle pipes; 64 share a parent (a region), so four regions. */
    private static final int IDLE = 256;
    private static final String PREFIX = "rs" + ProcessHandle.current().pid() + "x";
    private static int nextTest;

    private final List<NetmapPort> producers = new ArrayList<>();
    private final List<ReadingHandle> consumers = new ArrayList<>();
    private NetmapIoHandler handler;

    private void openPipes(NetmapIoHandlerConfig config, ThreadAwareExecutor executor) throws NetmapException {
        handler = new NetmapIoHandler(executor, config, io.netmap4j.abi.LibC::poll);
        String test = PREFIX + nextTest++ + "p";
        for (int k = 0; k < IDLE; k++) {
            String pipe = "netmap:" + test + (k / 64);
            producers.add(UserBackend.INSTANCE.open(PortSpec.parse(pipe + "{" + (k % 64) + "@conf:slots=64")));
            ReadingHandle consumer = new ReadingHandle(
                    UserBackend.INSTANCE.open(PortSpec.parse(pipe + "}" + (k % 64) + "@conf:slots=64")));
            consumers.add(consumer);
            handler.register(consumer).submit(NetmapIoOps.READ);
        }
    }

    @AfterEach
    void close() {
        if (handler != null) {
            handler.destroy(); // closes the consumers
        }
        producers.forEach(NetmapPort::close);
    }

    private static void send(NetmapPort producer) throws NetmapException {
        NetmapRing tx = producer.txRing(0);
        tx.len(tx.head(), 60);
        tx.advance(tx.next(tx.head()));
        producer.txSync();
    }

    private long producerDoorbellWrites() {
        long writes = 0;
        for (NetmapPort p : producers) {
            writes += ((UserPipePort) p).doorbellWrites();
        }
        return writes;
    }

    private int totalPortLookups() {
        int n = 0;
        for (ReadingHandle c : consumers) {
            n += c.portLookups.get();
        }
        return n;
    }

    @Test
    void idlePortsAreArmedThenUntouchedAndAMarkBringsBackExactlyTheOneThatMoved() throws Exception {
        openPipes(new NetmapIoHandlerConfig().setSpinNanos(0).sweepLooksPerSecond(0), THIS_THREAD);
        assertEquals(0, handler.run(MUST_NOT_BLOCK), "nothing to read yet");
        assertEquals(IDLE, handler.armedCount(), "every idle port is armed after one empty look");
        assertEquals(0, handler.activeCount());

        for (ReadingHandle c : consumers) {
            c.portLookups.set(0);
        }
        for (int i = 0; i < 100; i++) {
            assertEquals(0, handler.run(MUST_NOT_BLOCK));
        }
        assertEquals(0, totalPortLookups(), "iterations over armed ports asked for none of them");

        int k = IDLE * 2 / 3;
        send(producers.get(k));
        assertEquals(0, producerDoorbellWrites(), "the loop is awake: marking it costs no system call");
        assertEquals(1, handler.run(MUST_NOT_BLOCK), "the marked port, and only it");
        for (int i = 0; i < IDLE; i++) {
            ReadingHandle c = consumers.get(i);
            assertEquals(i == k ? 1 : 0, c.events.get(), "events of port " + i);
            assertEquals(i == k ? 1 : 0, c.frames, "frames of port " + i);
        }
        assertEquals(0, handler.sweepLooks, "delivered by the mark, not by a sweep (sweeping is off)");

        // it went idle again: armed at the next empty look, and a second frame comes the same way
        handler.run(MUST_NOT_BLOCK);
        assertEquals(IDLE, handler.armedCount());
        send(producers.get(k));
        send(producers.get(3));
        assertEquals(2, handler.run(MUST_NOT_BLOCK));
        assertEquals(2, consumers.get(k).frames);
        assertEquals(1, consumers.get(3).frames);
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void aSleepingLoopIsWokenByOneWriteForTheWholeSet() throws Exception {
        SleepingLoop loop = new SleepingLoop();
        openPipes(new NetmapIoHandlerConfig().setSpinNanos(0).sweepLooksPerSecond(0), loop);
        assertEquals(0, handler.run(MUST_NOT_BLOCK));
        loop.start(handler, "ready-set-loop");
        try {
            int k = 17;
            ReadingHandle c = consumers.get(k);
            for (int round = 1; round <= 3; round++) {
                loop.awaitAsleep();
                long before = producerDoorbellWrites();
                send(producers.get(k));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (c.frames < round && System.nanoTime() < deadline) {
                    Thread.sleep(1);
                }
                assertEquals(round, c.frames, "the sleeping loop read the frame of round " + round);
                assertEquals(before + 1, producerDoorbellWrites(), "one write(2) woke the loop");
            }
            for (int i = 0; i < IDLE; i++) {
                assertEquals(i == k ? 3 : 0, consumers.get(i).frames, "frames of port " + i);
            }
        } finally {
            loop.stop(); // the handler is destroyed by this thread after the test
        }
        loop.assertNoFailure();
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void aMarkThatNeverComesIsMadeUpForByTheSweep() throws Exception {
        openPipes(new NetmapIoHandlerConfig().setSpinNanos(0), THIS_THREAD);
        handler.run(MUST_NOT_BLOCK);
        assertEquals(IDLE, handler.armedCount());
        int k = 101;
        send(producers.get(k));
        // someone takes the mark before the loop sees it: a peer that did not mark, as far as the
        // loop can tell
        int[] stolen = {0};
        handler.readySet().takeMarked(m -> stolen[0]++);
        assertEquals(1, stolen[0], "the peer marked the port");
        ReadingHandle c = consumers.get(k);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (c.frames == 0 && System.nanoTime() < deadline) {
            handler.run(MUST_NOT_BLOCK);
            Thread.sleep(1);
        }
        assertEquals(1, c.frames, "the sweep found the frame");
        assertTrue(handler.sweepFinds >= 1, "found by the sweep");
        for (int i = 0; i < IDLE; i++) {
            assertEquals(i == k ? 1 : 0, consumers.get(i).frames, "frames of port " + i);
        }
    }

    @Test
    void aMarkForAPortWithNothingToReadDeliversNothing() throws Exception {
        openPipes(new NetmapIoHandlerConfig().setSpinNanos(0).sweepLooksPerSecond(0), THIS_THREAD);
        handler.run(MUST_NOT_BLOCK);
        int k = 200;
        send(producers.get(k));
        // the frame is read behind the loop's back, so the mark it left finds nothing
        ReadingHandle c = consumers.get(k);
        c.port.rxSync();
        c.onEvent(POLLIN);
        assertEquals(1, c.frames);
        c.port.rxSync();

        assertEquals(0, handler.run(MUST_NOT_BLOCK), "a mark is a hint: nothing to read, no event");
        assertEquals(0, c.events.get());
        assertEquals(1, handler.marksTaken);
        assertEquals(IDLE - 1, handler.armedCount(), "the marked port is looked at again");
        handler.run(MUST_NOT_BLOCK);
        assertEquals(IDLE, handler.armedCount(), "and armed again when it finds nothing");
        send(producers.get(k));
        assertEquals(1, handler.run(MUST_NOT_BLOCK));
        assertEquals(2, c.frames, "and the next frame comes through as usual");
    }

    @Test
    void closingTheLoopRemovesItsBoard() throws Exception {
        openPipes(new NetmapIoHandlerConfig().setSpinNanos(0), THIS_THREAD);
        handler.run(MUST_NOT_BLOCK);
        assertNotNull(handler.readySet());
        String board = ((io.netmap4j.user.ReadyBoard) handler.readySet()).path();
        assertTrue(new java.io.File(board).exists(), board);
        handler.destroy();
        handler = null;
        assertTrue(!new java.io.File(board).exists(), "removed: " + board);
        assertTrue(!new java.io.File(board.replace(".shm", ".fifo")).exists(), "its FIFO removed too");
    }

}

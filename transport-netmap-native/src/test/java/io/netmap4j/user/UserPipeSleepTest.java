package io.netmap4j.user;

import io.netmap4j.abi.LibC;
import io.netmap4j.core.NetmapException;
import io.netmap4j.core.NetmapPort;
import io.netmap4j.core.NetmapRing;
import io.netmap4j.spec.PortSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static io.netmap4j.abi.NetmapConstants.POLLIN;
import static io.netmap4j.abi.NetmapConstants.POLLOUT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sleep handshake with several registrations of one pipe end (netmap allows several
 * descriptors on one end, for example a reader bound with /R and a writer bound with /T on two
 * threads): each registration sleeps and is woken on its own, and nothing one of them does
 * (announcing, waking up, draining its doorbell, opening) takes a wake-up away from another.
 */
class UserPipeSleepTest {
    private static final AtomicInteger NEXT = new AtomicInteger();
    private final List<NetmapPort> opened = new ArrayList<>();

    @AfterEach
    void closeAll() {
        for (int i = opened.size() - 1; i >= 0; i--) {
            opened.get(i).close();
        }
    }

    private String parent() {
        return "netmap:sl" + ProcessHandle.current().pid() + "x" + NEXT.incrementAndGet();
    }

    private UserPipePort open(String name) throws NetmapException {
        UserPipePort p = (UserPipePort) UserBackend.INSTANCE.open(PortSpec.parse(name));
        opened.add(p);
        return p;
    }

    /** True if the port's doorbell has a wake-up waiting (poll(2) with no timeout). */
    private static boolean rung(NetmapPort port) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment pfd = a.allocate(LibC.POLLFD_SIZE, 8);
            pfd.set(JAVA_INT, 0, port.fd());
            pfd.set(JAVA_SHORT, 4, (short) POLLIN);
            return LibC.poll(pfd, 1, 0) == 1;
        }
    }

    private static void fill(NetmapPort port) throws NetmapException {
        NetmapRing tx = port.txRing(0);
        while (!tx.isEmpty()) {
            tx.len(tx.head(), 60);
            tx.advance(tx.next(tx.head()));
        }
        port.txSync();
    }

    private static void sendOne(NetmapPort port) throws NetmapException {
        NetmapRing tx = port.txRing(0);
        tx.len(tx.head(), 60);
        tx.advance(tx.next(tx.head()));
        port.txSync();
    }

    private static void releaseAll(NetmapPort port) throws NetmapException {
        port.rxSync();
        NetmapRing rx = port.rxRing(0);
        rx.advance(rx.tail());
        port.rxSync();
    }

    @Test
    void aReaderAndAWriterOfOneEndAreWokenEachForItsOwnReason() throws Exception {
        String base = parent();
        UserPipePort reader = open(base + "{1/R@conf:slots=16");
        UserPipePort writer = open(base + "{1/T");
        UserPipePort peer = open(base + "}1");
        fill(writer);
        assertEquals(0, reader.prepareToSleep(POLLIN), "nothing to read yet");
        assertEquals(0, writer.prepareToSleep(POLLOUT), "the TX ring is full");

        sendOne(peer);
        assertTrue(rung(reader), "the reader sleeps for RX and the peer published a frame");
        assertFalse(rung(writer), "the writer waits for room, which the peer did not make");

        // the reader wakes up and drains its doorbell; the writer must still be woken later
        assertEquals(POLLIN, reader.completePoll(POLLIN, POLLIN));
        releaseAll(peer);
        assertTrue(rung(writer), "the peer made room in the writer's ring");
        assertEquals(POLLOUT, writer.completePoll(POLLOUT, POLLIN));
    }

    @Test
    void oneRegistrationWakingUpDoesNotCancelTheOthersSleep() throws Exception {
        String base = parent();
        UserPipePort first = open(base + "{1/R");
        UserPipePort second = open(base + "{1/R");
        UserPipePort peer = open(base + "}1");
        assertEquals(0, first.prepareToSleep(POLLIN));
        assertEquals(0, second.prepareToSleep(POLLIN));
        assertEquals(0, first.completePoll(POLLIN, 0), "woken by a timeout: nothing to read");

        sendOne(peer);
        assertTrue(rung(second), "the second registration still sleeps and must be woken");
    }

    @Test
    void sleepBitsOfRegistrationsThatDoNotExistWakeNobodyAndBreakNothing() throws Exception {
        String base = parent();
        UserPipePort reader = open(base + "{1");
        UserPipePort peer = open(base + "}1");
        assertEquals(0, reader.prepareToSleep(POLLIN));
        // a peer process breaking the protocol: every registration of 16 "sleeps", 8 of which no end has
        reader.region().set(JAVA_INT, PipeLayout.line(0, PipeLayout.MASTER) + PipeLayout.L_SLEEP, -1);
        sendOne(peer);
        assertTrue(rung(reader), "the one that does sleep is woken");
        assertEquals(POLLIN, reader.completePoll(POLLIN, POLLIN));
    }

    @Test
    void aSleepThatRanToItsBoundWhileThePeerMovedCountsAsALateWakeUp() throws Exception {
        String base = parent();
        UserPipePort reader = open(base + "{1");
        UserPipePort peer = open(base + "}1");
        assertEquals(0, reader.prepareToSleep(POLLIN));
        sendOne(peer);
        assertTrue(rung(reader));
        assertEquals(POLLIN, reader.completePoll(POLLIN, POLLIN));
        releaseAll(reader);
        assertEquals(0, reader.lateWakeups(), "woken by the doorbell");

        assertEquals(0, reader.prepareToSleep(POLLIN));
        // what a lost wake-up looks like: the peer finds no sleep bit, so it publishes and does not ring
        reader.region().set(JAVA_INT, PipeLayout.line(0, PipeLayout.MASTER) + PipeLayout.L_SLEEP, 0);
        sendOne(peer);
        assertFalse(rung(reader));
        Thread.sleep(UserPipePort.MAX_SLEEP_NANOS / 1_000_000); // the bounded sleep of the poll
        assertEquals(POLLIN, reader.completePoll(POLLIN, 0));
        assertEquals(1, reader.lateWakeups());

        releaseAll(reader);
        assertEquals(0, reader.prepareToSleep(POLLIN));
        Thread.sleep(UserPipePort.MAX_SLEEP_NANOS / 1_000_000);
        assertEquals(0, reader.completePoll(POLLIN, 0), "an idle timeout");
        assertEquals(1, reader.lateWakeups(), "only a timeout that finds work counts");
    }

    @Test
    void openingAnotherRegistrationDoesNotEatAPendingWakeUp() throws Exception {
        String base = parent();
        UserPipePort reader = open(base + "{1/R");
        UserPipePort peer = open(base + "}1");
        assertEquals(0, reader.prepareToSleep(POLLIN));
        sendOne(peer);
        assertTrue(rung(reader));

        open(base + "{1/T"); // a later registration of the same end
        assertTrue(rung(reader), "the reader's wake-up is still waiting for it");
        assertEquals(POLLIN, reader.completePoll(POLLIN, POLLIN));
        assertFalse(rung(reader), "drained once the reader woke up");
    }

    /**
     * An idle loop's readiness check costs no more than it must: without POLLOUT and with nothing
     * queued there is no txsync (which would read the peer's line and reclaim slots), while a
     * frame that is queued is still pushed, as netmap's poll does unless NR_NO_TX_POLL. And a
     * sleeper wakes by itself at most once a second, which still notices a dead peer in time.
     */
    @Test
    void anIdleReadinessCheckSkipsTheTxsyncWhenNothingIsQueued() throws Exception {
        String base = parent();
        UserPipePort master = open(base + "{1@conf:slots=16");
        UserPipePort slave = open(base + "}1");
        sendOne(master);
        releaseAll(slave); // the slot may now be reclaimed, by the next txsync
        NetmapRing tx = master.txRing(0);
        int tail = tx.tail();
        assertEquals(0, master.readyOps(POLLIN));
        assertEquals(tail, tx.tail(), "nothing was queued, so no txsync ran");

        tx.len(tx.head(), 60);
        tx.advance(tx.next(tx.head())); // queued, not synced
        assertEquals(0, master.readyOps(POLLIN));
        slave.rxSync();
        NetmapRing rx = slave.rxRing(0);
        assertEquals(1, rx.distance(rx.head(), rx.tail()), "the readiness check pushed the queued frame");

        assertTrue(master.maxPollDelayNanos() >= 1_000_000_000L && master.maxPollDelayNanos() <= 2_000_000_000L,
                "an idle sleeper wakes at most once a second, and at least every two");
    }
}

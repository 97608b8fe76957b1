package io.netmap4j.conformance;

import io.netmap4j.core.NetmapBackend;
import io.netmap4j.core.NetmapException;
import io.netmap4j.core.NetmapPort;
import io.netmap4j.core.NetmapRing;
import io.netmap4j.core.PortBusyException;
import io.netmap4j.spec.PortSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static io.netmap4j.abi.NetmapConstants.NS_BUF_CHANGED;
import static io.netmap4j.abi.NetmapConstants.NS_MOREFRAG;
import static io.netmap4j.abi.NetmapConstants.NS_TXMON;
import static io.netmap4j.abi.NetmapConstants.POLLERR;
import static io.netmap4j.abi.NetmapConstants.POLLIN;
import static io.netmap4j.abi.NetmapConstants.POLLOUT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ring protocol of netmap pipes, written once against {@link NetmapPort} and run against
 * every backend the machine has: head/cur/tail invariants, space, wrap-around, partial reads,
 * NS_MOREFRAG chains, extra buffers, poll readiness, reopen and exclusive opens. Each backend
 * provides a subclass that says how to reach it.
 */
public abstract class AbstractRingConformanceTest {
    /** The backend under test. */
    protected abstract NetmapBackend backend();

    /**
     * A pipe parent name no other test uses, with its prefix, for example {@code netmap:pt42};
     * the tests append {@code {1} and {@code }1} and options.
     */
    protected abstract String pipeName();

    private final List<NetmapPort> opened = new ArrayList<>();

    @AfterEach
    void closeAll() {
        for (int i = opened.size() - 1; i >= 0; i--) {
            opened.get(i).close();
        }
        opened.clear();
    }

    protected NetmapPort open(String name) throws NetmapException {
        return open(PortSpec.parse(name));
    }

    protected NetmapPort open(PortSpec spec) throws NetmapException {
        NetmapPort p = backend().open(spec);
        opened.add(p);
        return p;
    }

    /** Master and slave of a fresh pipe with {@code slots} slots per ring (0: default). */
    private NetmapPort[] pair(int slots) throws NetmapException {
        String base = pipeName();
        String conf = slots > 0 ? "@conf:slots=" + slots : "";
        NetmapPort master = open(base + "{1" + conf);
        NetmapPort slave = open(base + "}1" + conf);
        return new NetmapPort[] {master, slave};
    }

    /** Puts a frame carrying {@code seq} in the next TX slot and advances head and cur. */
    private static void send(NetmapRing tx, long seq, int len) {
        int h = tx.head();
        MemorySegment buf = tx.slotBuffer(h);
        buf.set(JAVA_LONG, 0, seq);
        buf.set(JAVA_LONG, 8, ~seq);
        tx.len(h, len);
        tx.flags(h, 0);
        tx.advance(tx.next(h));
    }

    private static long seqAt(NetmapRing rx, int slot) {
        MemorySegment buf = rx.slotBuffer(slot);
        long seq = buf.get(JAVA_LONG, 0);
        assertEquals(~seq, buf.get(JAVA_LONG, 8), "payload of frame " + seq);
        return seq;
    }

    @Test
    void ringsStartAsTheKernelLeavesThem() throws Exception {
        NetmapPort[] p = pair(64);
        for (NetmapPort port : p) {
            assertEquals(1, port.txRingCount());
            assertEquals(1, port.rxRingCount());
            NetmapRing tx = port.txRing(0);
            NetmapRing rx = port.rxRing(0);
            assertEquals(64, tx.numSlots());
            assertEquals(0, tx.head());
            assertEquals(0, tx.cur());
            assertEquals(63, tx.tail());
            assertEquals(0, rx.head());
            assertEquals(0, rx.cur());
            assertEquals(0, rx.tail());
            assertTrue(tx.invariantsHold() && rx.invariantsHold());
            assertEquals(2048, port.bufferSize());
        }
        assertEquals(p[0].memId(), p[1].memId(), "both ends share the parent's region");
        // slot-aligned crossover: each RX ring holds the peer TX ring's buffers, slot by slot
        for (int i = 0; i < 64; i++) {
            assertEquals(p[0].txRing(0).bufIdx(i), p[1].rxRing(0).bufIdx(i));
            assertEquals(p[1].txRing(0).bufIdx(i), p[0].rxRing(0).bufIdx(i));
        }
        Set<Integer> distinct = new HashSet<>();
        for (int i = 0; i < 64; i++) {
            distinct.add(p[0].txRing(0).bufIdx(i));
            distinct.add(p[1].txRing(0).bufIdx(i));
        }
        assertEquals(128, distinct.size(), "every TX slot has a buffer of its own");
    }

    @Test
    void aFrameCrossesWithItsBufferIndexAndPayload() throws Exception {
        NetmapPort[] p = pair(0);
        NetmapRing tx = p[0].txRing(0);
        NetmapRing rx = p[1].rxRing(0);
        int buf = tx.bufIdx(0);
        send(tx, 42, 60);
        p[0].txSync();
        p[1].rxSync();
        assertEquals(1, rx.space());
        assertEquals(buf, rx.bufIdx(0), "the receiver sees the sender's buffer, nothing was copied");
        assertEquals(60, rx.len(0));
        assertEquals(42, seqAt(rx, 0));
        assertEquals(0, rx.flags(0) & NS_BUF_CHANGED);
    }

    @Test
    void txTailAdvancesOnlyAfterThePeerReleases() throws Exception {
        NetmapPort[] p = pair(16);
        NetmapRing tx = p[0].txRing(0);
        NetmapRing rx = p[1].rxRing(0);
        for (int i = 0; i < 15; i++) {
            send(tx, i, 64);
        }
        assertEquals(0, tx.space());
        p[0].txSync();
        assertEquals(0, tx.space(), "nothing released yet");
        assertEquals(0, p[0].poll(POLLOUT, 0), "no POLLOUT with a full TX ring");
        p[1].rxSync();
        assertEquals(15, rx.space());
        p[0].txSync();
        assertEquals(0, tx.space(), "the receiver holds every slot");
        rx.advance(rx.advanceBy(rx.head(), 5)); // release five
        p[1].rxSync();
        p[0].txSync();
        assertEquals(5, tx.space());
        assertEquals(POLLOUT, p[0].poll(POLLOUT, 0));
    }

    @Test
    void framesWrapAroundSmallRingsInOrder() throws Exception {
        NetmapPort[] p = pair(8);
        NetmapRing tx = p[0].txRing(0);
        NetmapRing rx = p[1].rxRing(0);
        long sent = 0;
        long received = 0;
        java.util.Random random = new java.util.Random(7);
        while (received < 5000) {
            int burst = Math.min(tx.space(), 1 + random.nextInt(7));
            for (int i = 0; i < burst; i++) {
                send(tx, sent++, 64);
            }
            p[0].txSync();
            p[1].rxSync();
            int take = Math.min(rx.space(), random.nextInt(8));
            int h = rx.head();
            for (int i = 0; i < take; i++) {
                assertEquals(received++, seqAt(rx, h));
                h = rx.next(h);
            }
            rx.advance(h);
            assertTrue(tx.invariantsHold() && rx.invariantsHold());
        }
    }

    @Test
    void curAheadOfHeadHoldsFramesAndWaitsForNewOnes() throws Exception {
        NetmapPort[] p = pair(32);
        NetmapRing tx = p[0].txRing(0);
        NetmapRing rx = p[1].rxRing(0);
        send(tx, 1, 64);
        send(tx, 2, 64);
        p[0].txSync();
        assertEquals(POLLIN, p[1].poll(POLLIN, 1000));
        assertEquals(2, rx.space());
        rx.cur(rx.tail()); // keep both, but wake me only for more
        assertEquals(0, p[1].poll(POLLIN, 0));
        assertEquals(0, rx.head(), "held frames stay with the user");
        p[0].txSync();
        assertEquals(29, tx.space(), "the receiver still holds two slots");
        send(tx, 3, 64);
        p[0].txSync();
        assertEquals(POLLIN, p[1].poll(POLLIN, 1000));
        assertEquals(3, rx.space());
        assertEquals(1, seqAt(rx, 0));
        assertEquals(3, seqAt(rx, 2));
    }

    @Test
    void onlyWholeMoreFragChainsArePublished() throws Exception {
        NetmapPort[] p = pair(32);
        NetmapRing tx = p[0].txRing(0);
        NetmapRing rx = p[1].rxRing(0);
        for (int i = 0; i < 3; i++) {
            tx.len(i, 100 + i);
            tx.flags(i, i < 2 ? NS_MOREFRAG : 0);
        }
        tx.advance(2); // the chain is not complete yet
        p[0].txSync();
        p[1].rxSync();
        assertEquals(0, rx.space(), "half a chain must not reach the peer");
        tx.advance(3);
        p[0].txSync();
        p[1].rxSync();
        assertEquals(3, rx.space());
        assertEquals(NS_MOREFRAG, rx.flags(0) & NS_MOREFRAG);
        assertEquals(NS_MOREFRAG, rx.flags(1) & NS_MOREFRAG);
        assertEquals(0, rx.flags(2) & NS_MOREFRAG);
        assertEquals(102, rx.len(2));
    }

    @Test
    void extraBuffersCanBeSwappedIntoSlots() throws Exception {
        String base = pipeName();
        NetmapPort master = open(PortSpec.parse(base + "{1").withExtraBuffers(8));
        NetmapPort slave = open(base + "}1");
        int granted = master.extraBufferCount();
        assertTrue(granted > 0 && granted <= 8, "granted " + granted);
        Set<Integer> list = new HashSet<>();
        for (int b = master.extraBuffersHead(); b != 0; b = master.region().get(java.lang.foreign.ValueLayout.JAVA_INT,
                master.txRing(0).bufferOffset(b))) {
            assertTrue(list.add(b), "the list has no cycle");
        }
        assertEquals(granted, list.size());
        NetmapRing tx = master.txRing(0);
        for (int i = 0; i < tx.numSlots(); i++) {
            assertTrue(!list.contains(tx.bufIdx(i)), "extra buffers are not ring buffers");
        }
        int spare = master.takeExtraBuffer();
        int old = tx.bufIdx(0);
        tx.bufIdx(0, spare);
        tx.flags(0, NS_BUF_CHANGED);
        tx.len(0, 64);
        tx.slotBuffer(0).set(JAVA_LONG, 0, 77L);
        tx.slotBuffer(0).set(JAVA_LONG, 8, ~77L);
        tx.advance(1);
        master.giveExtraBuffer(old);
        master.txSync();
        slave.rxSync();
        NetmapRing rx = slave.rxRing(0);
        assertEquals(spare, rx.bufIdx(0));
        // netmap_pipe_txsync copies the whole slot, flags included, then clears the sender's copy
        assertEquals(NS_BUF_CHANGED, rx.flags(0) & NS_BUF_CHANGED, "the receiver sees the flag as it was sent");
        assertEquals(0, tx.flags(0) & NS_BUF_CHANGED, "the sender's slot is cleared");
        assertEquals(77, seqAt(rx, 0));
        assertEquals(old, master.extraBuffersHead());
    }

    @Test
    void aReceiverCanSwapBuffersBeforeReleasing() throws Exception {
        String base = pipeName();
        NetmapPort master = open(base + "{1@conf:slots=8");
        NetmapPort slave = open(PortSpec.parse(base + "}1@conf:slots=8").withExtraBuffers(2));
        NetmapRing tx = master.txRing(0);
        NetmapRing rx = slave.rxRing(0);
        send(tx, 5, 64);
        master.txSync();
        slave.rxSync();
        int kept = rx.bufIdx(0);
        int spare = slave.takeExtraBuffer();
        rx.bufIdx(0, spare); // keep the frame's buffer, give a spare back instead
        rx.flags(0, NS_BUF_CHANGED);
        rx.advance(1);
        slave.rxSync();
        master.txSync();
        assertEquals(spare, tx.bufIdx(0), "the swapped buffer travels back to the sender");
        assertEquals(5, slave.rxRing(0).buffer(kept).get(JAVA_LONG, 0));
        slave.giveExtraBuffer(kept);
    }

    @Test
    void pollReportsReadinessAsNetmapDoes() throws Exception {
        NetmapPort[] p = pair(16);
        assertEquals(POLLOUT, p[0].poll(POLLOUT, 0), "an empty TX ring has room");
        assertEquals(0, p[1].poll(POLLIN, 0), "nothing to read");
        send(p[0].txRing(0), 9, 64);
        p[0].txSync();
        assertEquals(POLLIN, p[1].poll(POLLIN, 1000));
        assertEquals(POLLIN | POLLOUT, p[1].poll(POLLIN | POLLOUT, 0));
    }

    @Test
    void pollWakesASleeperWhenThePeerSends() throws Exception {
        NetmapPort[] p = pair(16);
        Thread sender = new Thread(() -> {
            try {
                Thread.sleep(100);
                send(p[0].txRing(0), 1, 64);
                p[0].txSync();
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        sender.start();
        assertEquals(POLLIN, p[1].poll(POLLIN, 10_000));
        sender.join();
        assertEquals(1, seqAt(p[1].rxRing(0), 0));
    }

    @Test
    void aHeadPastTheLastSlotResetsTheRingAndPollSaysPollerr() throws Exception {
        NetmapPort[] p = pair(16);
        NetmapRing tx = p[0].txRing(0);
        send(tx, 1, 64);
        p[0].txSync();
        tx.head(16); // not a slot at all: netmap_ring_reinit resets the ring
        int ready = p[0].poll(POLLOUT, 0);
        assertEquals(POLLERR, ready & POLLERR);
        assertEquals(1, tx.head(), "reset to the kernel's hwcur");
        assertEquals(1, tx.cur());
        assertEquals(15, tx.tail(), "and tail to its hwtail");
        assertTrue(tx.invariantsHold());
        send(tx, 2, 64);
        p[0].txSync();
        p[1].rxSync();
        assertEquals(2, p[1].rxRing(0).space(), "the ring works after the reset");
        assertEquals(1, seqAt(p[1].rxRing(0), 0));
        assertEquals(2, seqAt(p[1].rxRing(0), 1));
    }

    /**
     * A head that is a slot, but not one the user owns, is refused without a reset: the kernel
     * resets a ring only when an index is past the last slot. (It also adopts the bad head as
     * the user's, so what a further sync with it would do differs; only a repaired ring is
     * tested here.)
     */
    @Test
    void aHeadOutsideTheUsersSlotsSaysPollerrAndLeavesTheRingAsItIs() throws Exception {
        NetmapPort[] p = pair(16);
        NetmapRing tx = p[0].txRing(0);
        send(tx, 1, 64);
        p[0].txSync();
        tx.head(0); // behind hwcur (1): that slot went to the peer
        int ready = p[0].poll(POLLOUT, 0);
        assertEquals(POLLERR, ready & POLLERR);
        assertEquals(0, tx.head(), "the ring stays as the user wrote it");
        assertEquals(1, tx.cur());
        p[1].rxSync();
        assertEquals(1, p[1].rxRing(0).space(), "nothing more was sent");
        tx.head(1); // repaired
        send(tx, 2, 64);
        p[0].txSync();
        p[1].rxSync();
        assertEquals(2, p[1].rxRing(0).space(), "the repaired ring sends again");
        assertEquals(2, seqAt(p[1].rxRing(0), 1));
    }

    /**
     * Reopening an end that its peer kept alive continues from the rings as the previous user
     * left them (netmap_pipe_reg_both leaves them as they are): frames that user read, moving
     * head, are not delivered again, even though no sync told the pipe before it closed.
     */
    @Test
    void anEndCanCloseAndReopenWhileThePeerLives() throws Exception {
        String base = pipeName();
        NetmapPort master = open(base + "{1@conf:slots=16");
        NetmapPort slave = open(base + "}1@conf:slots=16");
        NetmapRing tx = master.txRing(0);
        for (int i = 0; i < 4; i++) {
            send(tx, i, 64);
        }
        master.txSync();
        slave.rxSync();
        NetmapRing rx = slave.rxRing(0);
        assertEquals(0, seqAt(rx, 0));
        rx.advance(1);
        slave.rxSync(); // frame 0 released
        rx.advance(2); // frame 1 consumed, but the end closes before a sync tells the pipe
        slave.close();
        for (int i = 4; i < 6; i++) {
            send(tx, i, 64);
        }
        master.txSync();
        NetmapPort again = open(base + "}1");
        NetmapRing rx2 = again.rxRing(0);
        assertEquals(2, rx2.head(), "head as the previous user left it");
        assertEquals(2, rx2.cur());
        again.rxSync();
        int h = rx2.head();
        int n = rx2.space();
        assertEquals(4, n, "frames 2 to 5 wait for the reopened end");
        for (int i = 0; i < n; i++) {
            assertEquals(2 + i, seqAt(rx2, h), "frame 1 is not delivered twice");
            h = rx2.next(h);
        }
        rx2.advance(h);
        again.rxSync();
        master.txSync();
        assertEquals(15, tx.space(), "every slot came back");
    }

    @Test
    void framesQueuedBeforeACloseLeaveWithTheNextUsersSync() throws Exception {
        String base = pipeName();
        NetmapPort slave = open(base + "}1@conf:slots=16");
        NetmapPort master = open(base + "{1@conf:slots=16");
        send(master.txRing(0), 7, 64);
        send(master.txRing(0), 8, 64);
        master.close(); // queued, never synced
        NetmapPort again = open(base + "{1");
        assertEquals(2, again.txRing(0).head());
        again.txSync();
        NetmapRing rx = slave.rxRing(0);
        slave.rxSync();
        assertEquals(2, rx.space());
        assertEquals(7, seqAt(rx, 0));
        assertEquals(8, seqAt(rx, 1));
    }

    @Test
    void aSecondOpenSharesTheRings() throws Exception {
        String base = pipeName();
        NetmapPort a = open(base + "{1");
        NetmapPort b = open(base + "{1");
        open(base + "}1");
        assertEquals(a.txRing(0).offsetInRegion(), b.txRing(0).offsetInRegion());
        send(a.txRing(0), 1, 64);
        a.txSync();
        assertEquals(1, b.txRing(0).head(), "the same ring seen through another registration");
        assertNotEquals(0, b.poll(POLLOUT, 0));
    }

    @Test
    void exclusiveOpensAreExclusive() throws Exception {
        String base = pipeName();
        open(base + "{1/x");
        assertThrows(PortBusyException.class, () -> open(base + "{1"));
        assertThrows(PortBusyException.class, () -> open(base + "{1/x"));
        open(base + "}1"); // the other end is free
        String other = pipeName();
        open(other + "}2");
        assertThrows(PortBusyException.class, () -> open(other + "}2/x"));
    }

    /** The sequence numbers in {@code port}'s RX ring 0 after an rxsync, with their flags; released. */
    private static List<long[]> drain(NetmapPort port) throws NetmapException {
        port.rxSync();
        NetmapRing rx = port.rxRing(0);
        List<long[]> frames = new ArrayList<>();
        for (int h = rx.head(); h != rx.tail(); h = rx.next(h)) {
            frames.add(new long[] {seqAt(rx, h), rx.flags(h)});
        }
        rx.advance(rx.tail());
        port.rxSync();
        return frames;
    }

    private static List<Long> seqs(List<long[]> frames) {
        List<Long> l = new ArrayList<>();
        for (long[] f : frames) {
            l.add(f[0]);
        }
        return l;
    }

    @Test
    void copyMonitorsSeeWhatAnEndSendsAndWhatTheOtherReceives() throws Exception {
        NetmapPort[] p = pair(64);
        String base = p[0].name().substring(0, p[0].name().indexOf('{'));
        NetmapPort sent = open(base + "{1/t");
        NetmapPort received = open(base + "}1/r");
        assertEquals(1, sent.rxRingCount());
        assertEquals(1, sent.txRingCount(), "a monitor has a TX ring, as in netmap, that it cannot use");
        assertNotEquals(p[0].memId(), sent.memId(), "a copy monitor has a region of its own");
        for (int i = 0; i < 5; i++) {
            send(p[0].txRing(0), i, 64);
        }
        p[0].txSync();
        List<long[]> tx = drain(sent);
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L), seqs(tx), "copies of what the master sent, in order");
        for (long[] f : tx) {
            assertEquals(NS_TXMON, f[1] & NS_TXMON);
        }
        p[1].rxSync();
        List<long[]> rx = drain(received);
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L), seqs(rx), "copies of what the slave received");
        for (long[] f : rx) {
            assertEquals(0, f[1] & NS_TXMON);
        }
    }

    /**
     * A zero-copy monitor sees frames once consumed: sent ones when their slots come back, received
     * ones when the user releases them. (One monitor per pipe here: a zero-copy monitor on each end
     * would see, at the sender, the empty buffers the other end's monitor traded for the frames,
     * in netmap as here.)
     */
    @Test
    void aZeroCopyMonitorSeesFramesOnceConsumed() throws Exception {
        for (String monitored : new String[] {"{", "}"}) {
            NetmapPort[] p = pair(64);
            String base = p[0].name().substring(0, p[0].name().indexOf('{'));
            NetmapPort z = open(base + monitored + "1/z");
            assertEquals(p[0].memId(), z.memId(), "a zero-copy monitor shares the pipe's region");
            for (int i = 0; i < 3; i++) {
                send(p[0].txRing(0), i, 64);
            }
            p[0].txSync();
            p[1].rxSync();
            assertEquals(List.of(), seqs(drain(z)), "sent and received, not consumed yet");
            NetmapRing rx = p[1].rxRing(0);
            assertEquals(0, seqAt(rx, rx.head()), "the slave reads the frames whole");
            rx.advance(rx.tail());
            p[1].rxSync(); // released by the slave
            if (monitored.equals("{")) {
                assertEquals(List.of(), seqs(drain(z)), "the master's slots have not come back yet");
                p[0].txSync(); // now they do
            }
            List<long[]> seen = drain(z);
            assertEquals(List.of(0L, 1L, 2L), seqs(seen), "consumed: the monitor of " + monitored + " has them");
            assertEquals(monitored.equals("{") ? NS_TXMON : 0, seen.get(0)[1] & NS_TXMON);
        }
    }

    @Test
    void aMonitorWithoutRoomKeepsTheNewestFrames() throws Exception {
        NetmapPort[] p = pair(64);
        String base = p[0].name().substring(0, p[0].name().indexOf('{'));
        NetmapPort small = open(base + "{1/t@conf:slots=8");
        assertEquals(8, small.rxRing(0).numSlots());
        for (int i = 0; i < 20; i++) {
            send(p[0].txRing(0), i, 64);
        }
        p[0].txSync();
        assertEquals(List.of(13L, 14L, 15L, 16L, 17L, 18L, 19L), seqs(drain(small)),
                "7 slots of room: the oldest 13 frames were dropped for the monitor, as netmap does");
        p[1].rxSync();
        assertEquals(20, p[1].rxRing(0).space(), "the pipe lost nothing");
    }

    @Test
    void aMonitorOfAnEndNobodyOpenedIsRefused() {
        NetmapException e = assertThrows(NetmapException.class, () -> open(pipeName() + "{1/r"));
        assertEquals(io.netmap4j.abi.Errno.EINVAL, e.errno(), e.getMessage());
    }
}

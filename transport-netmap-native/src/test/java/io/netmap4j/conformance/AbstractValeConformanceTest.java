package io.netmap4j.conformance;

import io.netmap4j.core.NetmapBackend;
import io.netmap4j.core.NetmapException;
import io.netmap4j.core.NetmapPort;
import io.netmap4j.core.NetmapRing;
import io.netmap4j.core.PortBusyException;
import io.netmap4j.spec.PortSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static io.netmap4j.abi.NetmapConstants.NS_BUF_CHANGED;
import static io.netmap4j.abi.NetmapConstants.NS_MOREFRAG;
import static io.netmap4j.abi.NetmapConstants.NS_TXMON;
import static io.netmap4j.abi.NetmapConstants.POLLERR;
import static io.netmap4j.abi.NetmapConstants.POLLIN;
import static io.netmap4j.abi.NetmapConstants.POLLOUT;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a VALE switch does, written once against {@link NetmapPort} and run against every backend
 * the machine has: ring geometry, private regions and copies, TX slots back within the txsync,
 * learning, flooding, no frame back to its sender, short frames dropped, a full receiver dropping
 * for itself alone, rings of several ports, fragment chains, poll readiness, exclusive opens.
 * Each backend provides a subclass that says how to reach it.
 */
public abstract class AbstractValeConformanceTest {
    /** The backend under test. */
    protected abstract NetmapBackend backend();

    /** A new switch name no other test uses, for example {@code vale42x1}; each test takes one. */
    protected abstract String switchName();

    static final long BROADCAST = 0xFFFF_FFFF_FFFFL;

    private final List<NetmapPort> opened = new ArrayList<>();
    private String switchName;

    @BeforeEach
    void newSwitch() {
        switchName = switchName();
    }

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

    /** A locally administered unicast MAC for port number {@code i}. */
    static long mac(int i) {
        return 0x02_00_00_00_00_00L | i;
    }

    /**
     * Puts a frame in the next TX slot of {@code tx} and advances head and cur: destination and
     * source MAC, then {@code seq} and its complement, then a pattern up to {@code len} bytes.
     */
    static void send(NetmapRing tx, long dst, long src, long seq, int len) {
        int h = tx.head();
        write(tx.slotBuffer(h), dst, src, seq, len);
        tx.len(h, len);
        tx.flags(h, 0);
        tx.advance(tx.next(h));
    }

    static void write(MemorySegment buf, long dst, long src, long seq, int len) {
        for (int i = 0; i < 6; i++) {
            buf.set(JAVA_BYTE, i, (byte) (dst >>> 8 * (5 - i)));
            buf.set(JAVA_BYTE, 6 + i, (byte) (src >>> 8 * (5 - i)));
        }
        buf.set(JAVA_BYTE, 12, (byte) 0x88);
        buf.set(JAVA_BYTE, 13, (byte) 0xb5); // local experimental ethertype
        if (len >= 30) {
            buf.set(JAVA_LONG_UNALIGNED, 14, seq);
            buf.set(JAVA_LONG_UNALIGNED, 22, ~seq);
        }
        for (int i = 30; i < len; i++) {
            buf.set(JAVA_BYTE, i, (byte) (seq * 7 + i));
        }
    }

    /** Syncs {@code rx}'s port and returns the sequence numbers it holds, releasing them. */
    static List<Long> receive(NetmapPort port) throws NetmapException {
        port.rxSync();
        List<Long> seqs = new ArrayList<>();
        for (int r = 0; r < port.rxRingCount(); r++) {
            NetmapRing rx = port.rxRing(r);
            int h = rx.head();
            while (h != rx.tail()) {
                seqs.add(seqAt(rx, h));
                h = rx.next(h);
            }
            rx.advance(h);
        }
        port.rxSync();
        return seqs;
    }

    static long seqAt(NetmapRing rx, int slot) {
        MemorySegment buf = rx.slotBuffer(slot);
        long seq = buf.get(JAVA_LONG_UNALIGNED, 14);
        assertEquals(~seq, buf.get(JAVA_LONG_UNALIGNED, 22), "payload of frame " + seq);
        for (int i = 30; i < rx.len(slot); i++) {
            assertEquals((byte) (seq * 7 + i), buf.get(JAVA_BYTE, i), "byte " + i + " of frame " + seq);
        }
        return seq;
    }

    /** Port {@code p} (with options) of this test's switch. */
    protected String port(String p) {
        return switchName + ":" + p;
    }

    @Test
    void portsStartAsNetmapLeavesThemEachInARegionOfItsOwn() throws Exception {
        NetmapPort a = open(port("a"));
        NetmapPort b = open(port("b"));
        for (NetmapPort p : List.of(a, b)) {
            assertEquals(1, p.txRingCount());
            assertEquals(1, p.rxRingCount());
            NetmapRing tx = p.txRing(0);
            NetmapRing rx = p.rxRing(0);
            assertEquals(1024, tx.numSlots(), "netmap's default VALE ring");
            assertEquals(1024, rx.numSlots());
            assertEquals(0, tx.head());
            assertEquals(0, tx.cur());
            assertEquals(1023, tx.tail());
            assertEquals(0, rx.head());
            assertEquals(0, rx.cur());
            assertEquals(0, rx.tail());
            assertEquals(2048, p.bufferSize());
        }
        assertNotEquals(a.memId(), b.memId(), "VALE ports have private regions");
    }

    @Test
    void aFrameIsCopiedAndTheTxSlotComesBackInTheSameSync() throws Exception {
        NetmapPort a = open(port("a"));
        NetmapPort b = open(port("b"));
        NetmapRing tx = a.txRing(0);
        for (int i = 0; i < 5; i++) {
            send(tx, BROADCAST, mac(1), 100 + i, 60 + i * 100);
        }
        a.txSync();
        assertEquals(5, tx.head());
        assertEquals(4, tx.tail(), "every slot but one is the user's again");
        assertEquals(tx.numSlots() - 1, tx.space());
        b.rxSync();
        NetmapRing rx = b.rxRing(0);
        assertEquals(5, rx.space());
        for (int i = 0; i < 5; i++) {
            assertEquals(60 + i * 100, rx.len(i));
            assertEquals(100 + i, seqAt(rx, i));
            assertEquals(1 << 8, rx.flags(i), "one fragment, nothing else");
        }
        assertEquals(100, tx.slotBuffer(0).get(JAVA_LONG_UNALIGNED, 14), "the sender's buffer keeps its frame: it was copied");
    }

    @Test
    void broadcastReachesEveryOtherPortAndNotTheSender() throws Exception {
        NetmapPort a = open(port("a"));
        NetmapPort b = open(port("b"));
        NetmapPort c = open(port("c"));
        send(a.txRing(0), BROADCAST, mac(1), 7, 64);
        a.txSync();
        assertEquals(List.of(7L), receive(b));
        assertEquals(List.of(7L), receive(c));
        assertEquals(List.of(), receive(a));
    }

    @Test
    void unknownUnicastIsFloodedAndLearnedUnicastGoesToItsPortAlone() throws Exception {
        NetmapPort a = open(port("a"));
        NetmapPort b = open(port("b"));
        NetmapPort c = open(port("c"));
        send(a.txRing(0), mac(2), mac(1), 1, 64); // nobody knows mac(2) yet
        a.txSync();
        assertEquals(List.of(1L), receive(b));
        assertEquals(List.of(1L), receive(c));
        send(b.txRing(0), mac(1), mac(2), 2, 64); // b says where mac(2) is; mac(1) was learned on a
        b.txSync();
        assertEquals(List.of(2L), receive(a));
        assertEquals(List.of(), receive(c), "mac(1) was learned: only a gets it");
        send(a.txRing(0), mac(2), mac(1), 3, 64);
        a.txSync();
        assertEquals(List.of(3L), receive(b));
        assertEquals(List.of(), receive(c));
    }

    @Test
    void aFrameForItsOwnPortAndAShortFrameGoNowhere() throws Exception {
        NetmapPort a = open(port("a"));
        NetmapPort b = open(port("b"));
        send(a.txRing(0), BROADCAST, mac(1), 1, 64); // learns mac(1) on a
        a.txSync();
        assertEquals(List.of(1L), receive(b));
        send(a.txRing(0), mac(1), mac(3), 2, 64); // addressed to a port's own MAC
        NetmapRing tx = a.txRing(0);
        int h = tx.head();
        write(tx.slotBuffer(h), BROADCAST, mac(1), 3, 64);
        tx.len(h, 13); // shorter than an Ethernet header
        tx.advance(tx.next(h));
        a.txSync();
        assertEquals(tx.numSlots() - 1, tx.space());
        assertEquals(List.of(), receive(b));
        assertEquals(List.of(), receive(a));
    }

    @Test
    void aFullReceiverDropsForItselfAloneAndTheSenderNeverWaits() throws Exception {
        NetmapPort a = open(port("a"));
        NetmapPort small = open(port("small@conf:slots=64"));
        NetmapPort big = open(port("big"));
        assertEquals(64, small.rxRing(0).numSlots());
        NetmapRing tx = a.txRing(0);
        for (int round = 0; round < 4; round++) {
            for (int i = 0; i < 50; i++) {
                send(tx, BROADCAST, mac(1), round * 50 + i, 64);
            }
            a.txSync();
            assertEquals(tx.numSlots() - 1, tx.space(), "the sender got its slots back");
        }
        List<Long> fromSmall = receive(small);
        assertEquals(63, fromSmall.size(), "a ring of 64 slots holds 63 frames; the rest was dropped");
        for (int i = 0; i < 63; i++) {
            assertEquals(i, fromSmall.get(i), "the first frames, in order");
        }
        List<Long> fromBig = receive(big);
        assertEquals(200, fromBig.size(), "the other port lost nothing");
        for (int i = 0; i < 200; i++) {
            assertEquals(i, fromBig.get(i));
        }
    }

    @Test
    void unicastKeepsTheRingNumberAndBroadcastGoesToRingZero() throws Exception {
        NetmapPort a = open(port("a@conf:rings=2"));
        NetmapPort b = open(port("b@conf:rings=2"));
        assertEquals(2, a.txRingCount());
        assertEquals(2, b.rxRingCount());
        send(b.txRing(0), BROADCAST, mac(2), 1, 64);
        b.txSync();
        assertEquals(List.of(1L), receive(a));
        send(a.txRing(1), mac(2), mac(1), 2, 64); // to b, learned, from TX ring 1
        send(a.txRing(1), BROADCAST, mac(1), 3, 64);
        a.txSync();
        b.rxSync();
        assertEquals(1, b.rxRing(1).space(), "unicast from TX ring 1 arrives on RX ring 1");
        assertEquals(2, seqAt(b.rxRing(1), b.rxRing(1).head()));
        assertEquals(1, b.rxRing(0).space(), "a broadcast arrives on ring 0");
        assertEquals(3, seqAt(b.rxRing(0), b.rxRing(0).head()));
    }

    @Test
    void aChainArrivesAsFragmentsCarryingTheirCount() throws Exception {
        NetmapPort a = open(port("a"));
        NetmapPort b = open(port("b"));
        NetmapRing tx = a.txRing(0);
        for (int i = 0; i < 3; i++) {
            write(tx.slotBuffer(i), BROADCAST, mac(1), 40 + i, 100 + i);
            tx.len(i, 100 + i);
            tx.flags(i, i < 2 ? NS_MOREFRAG : 0);
        }
        tx.advance(3);
        a.txSync();
        b.rxSync();
        NetmapRing rx = b.rxRing(0);
        assertEquals(3, rx.space());
        for (int i = 0; i < 3; i++) {
            assertEquals(100 + i, rx.len(i));
            assertEquals(3 << 8 | (i < 2 ? NS_MOREFRAG : 0), rx.flags(i), "fragment count in the high byte");
            assertEquals(40 + i, seqAt(rx, i));
        }
    }

    @Test
    void aSwappedInExtraBufferIsSentAndTheSlotForgetsTheFlag() throws Exception {
        NetmapPort a = open(PortSpec.parse(port("a")).withExtraBuffers(4));
        NetmapPort b = open(port("b"));
        assertTrue(a.extraBufferCount() > 0, "extra buffers granted");
        NetmapRing tx = a.txRing(0);
        int spare = a.takeExtraBuffer();
        int old = tx.bufIdx(0);
        tx.bufIdx(0, spare);
        write(tx.slotBuffer(0), BROADCAST, mac(1), 9, 80);
        tx.len(0, 80);
        tx.flags(0, NS_BUF_CHANGED);
        tx.advance(1);
        a.giveExtraBuffer(old);
        a.txSync();
        assertEquals(0, tx.flags(0) & NS_BUF_CHANGED, "the switch clears it in the sender's slot");
        assertEquals(spare, tx.bufIdx(0), "the buffer stays with the sender");
        assertEquals(List.of(9L), receive(b));
    }

    @Test
    void pollSaysPolloutAlwaysAndPollinWhenAFrameArrives() throws Exception {
        NetmapPort a = open(port("a"));
        NetmapPort b = open(port("b"));
        assertEquals(POLLOUT, a.poll(POLLOUT, 0));
        assertEquals(0, b.poll(POLLIN, 0));
        NetmapRing tx = a.txRing(0);
        for (int i = 0; i < tx.numSlots() - 1; i++) {
            send(tx, BROADCAST, mac(1), i, 60);
        }
        assertEquals(POLLOUT, a.poll(POLLOUT, 0), "a full TX ring is sent and given back by the poll");
        assertEquals(POLLIN, b.poll(POLLIN, 1000));
        assertEquals(POLLIN | POLLOUT, b.poll(POLLIN | POLLOUT, 0));
    }

    @Test
    void pollWakesASleeperWhenAFrameArrives() throws Exception {
        NetmapPort a = open(port("a"));
        NetmapPort b = open(port("b"));
        Thread sender = new Thread(() -> {
            try {
                Thread.sleep(100);
                send(a.txRing(0), BROADCAST, mac(1), 5, 64);
                a.txSync();
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        sender.start();
        assertEquals(POLLIN, b.poll(POLLIN, 10_000));
        sender.join();
        assertEquals(List.of(5L), receive(b));
    }

    @Test
    void aRegistrationCanBindOneRingPair() throws Exception {
        NetmapPort all = open(port("a@conf:rings=2"));
        NetmapPort one = open(port("a-1"));
        assertEquals(2, all.rxRingCount());
        assertEquals(1, one.txRingCount());
        assertEquals(1, one.rxRingCount());
        assertEquals(1, one.rxRing(0).index());
        assertEquals(all.rxRing(1).offsetInRegion(), one.rxRing(0).offsetInRegion(), "the same ring, shared");
    }

    @Test
    void exclusiveOpensAreExclusive() throws Exception {
        open(port("a/x"));
        assertThrows(PortBusyException.class, () -> open(port("a")));
        assertThrows(PortBusyException.class, () -> open(port("a/x")));
        open(port("b"));
        assertThrows(PortBusyException.class, () -> open(port("b/x")));
    }

    /** Frames in ring {@code r} of {@code port}, with their flags, after an rxsync; released. */
    static List<long[]> drain(NetmapPort port, int r) throws NetmapException {
        port.rxSync();
        NetmapRing rx = port.rxRing(r);
        List<long[]> frames = new ArrayList<>();
        for (int h = rx.head(); h != rx.tail(); h = rx.next(h)) {
            frames.add(new long[] {seqAt(rx, h), rx.flags(h), rx.len(h)});
        }
        rx.advance(rx.tail());
        port.rxSync();
        return frames;
    }

    static List<Long> seqs(List<long[]> frames) {
        List<Long> l = new ArrayList<>();
        for (long[] f : frames) {
            l.add(f[0]);
        }
        return l;
    }

    @Test
    void copyMonitorsSeeWhatAPortSendsAndWhatItReceives() throws Exception {
        NetmapPort a = open(port("a"));
        NetmapPort b = open(port("b"));
        NetmapPort sent = open(port("a/t"));
        NetmapPort got = open(port("b/r"));
        assertEquals(1, sent.txRingCount(), "a monitor has a TX ring, as in netmap, that it cannot use");
        assertEquals(1, sent.rxRingCount(), "and an RX ring per ring pair of the port");
        assertNotEquals(a.memId(), sent.memId(), "a copy monitor has a region of its own");
        for (int i = 0; i < 5; i++) {
            send(a.txRing(0), BROADCAST, mac(1), i, 60 + i);
        }
        a.txSync();
        List<long[]> txCopies = drain(sent, 0);
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L), seqs(txCopies), "the TX monitor saw every frame, in order");
        for (long[] f : txCopies) {
            assertEquals(NS_TXMON, f[1] & NS_TXMON, "marked as TX traffic");
        }
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L), receive(b), "b got them too");
        List<long[]> rxCopies = drain(got, 0);
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L), seqs(rxCopies), "the RX monitor saw what b received");
        for (int i = 0; i < 5; i++) {
            assertEquals(0, rxCopies.get(i)[1] & NS_TXMON);
            assertEquals(60 + i, rxCopies.get(i)[2]);
        }
        assertEquals(List.of(), drain(sent, 0), "nothing twice");
    }

    @Test
    void aZeroCopyMonitorSeesFramesOnceConsumedBySwappingBuffers() throws Exception {
        NetmapPort a = open(port("a"));
        NetmapPort b = open(port("b"));
        NetmapPort za = open(port("a/z"));
        NetmapPort zb = open(port("b/z"));
        assertEquals(a.memId(), za.memId(), "a zero-copy monitor shares the port's region");
        NetmapRing tx = a.txRing(0);
        int before = tx.bufIdx(0);
        send(tx, BROADCAST, mac(1), 1, 64);
        a.txSync(); // a VALE port's TX slots come back within the txsync: the monitor has them now
        assertNotEquals(before, tx.bufIdx(0), "the slot got the monitor's free buffer");
        assertEquals(NS_BUF_CHANGED, tx.flags(0) & NS_BUF_CHANGED);
        List<long[]> fromA = drain(za, 0);
        assertEquals(List.of(1L), seqs(fromA));
        assertEquals(NS_TXMON, fromA.get(0)[1] & NS_TXMON);
        b.rxSync();
        assertEquals(List.of(), seqs(drain(zb, 0)), "b has not consumed it yet");
        NetmapRing rx = b.rxRing(0);
        assertEquals(1, seqAt(rx, rx.head()));
        rx.advance(rx.tail());
        b.rxSync(); // released: now the monitor sees it
        List<long[]> fromB = drain(zb, 0);
        assertEquals(List.of(1L), seqs(fromB));
        assertEquals(0, fromB.get(0)[1] & NS_TXMON);
    }

    @Test
    void aMonitorOfAPortNobodyOpenedIsRefused() {
        NetmapException e = assertThrows(NetmapException.class, () -> open(port("ghost/t")));
        assertEquals(io.netmap4j.abi.Errno.EINVAL, e.errno(), e.getMessage());
    }

    @Test
    void aMonitorSaysPollerrOnceThePortIsClosed() throws Exception {
        NetmapPort a = backend().open(PortSpec.parse(port("a")));
        NetmapPort mon = open(port("a/r"));
        assertEquals(0, mon.poll(POLLIN, 0));
        a.close();
        assertEquals(POLLERR, mon.poll(POLLIN, 2000) & POLLERR, "the monitored port left netmap mode");
    }
}

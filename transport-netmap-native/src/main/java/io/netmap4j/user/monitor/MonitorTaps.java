package io.netmap4j.user.monitor;

import io.netmap4j.abi.gen.netmap_ring;
import io.netmap4j.abi.gen.netmap_slot;
import io.netmap4j.user.Doorbell;
import io.netmap4j.user.SharedLock;
import io.netmap4j.user.SleepWord;
import io.netmap4j.user.SlotWords;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

import static io.netmap4j.abi.NetmapConstants.NR_MONITOR_RX;
import static io.netmap4j.abi.NetmapConstants.NR_MONITOR_TX;
import static io.netmap4j.abi.NetmapConstants.NR_ZCOPY_MON;
import static io.netmap4j.abi.NetmapConstants.NS_BUF_CHANGED;
import static io.netmap4j.abi.NetmapConstants.NS_TXMON;
import static io.netmap4j.user.monitor.MonitorLayout.*;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * What a monitored port's syncs do for its monitors, as netmap's monitor code does inside the
 * kernel; one per registration of the monitored port, called by its syncs at four points:
 * <ul>
 *   <li>{@link #sent}: TX slots about to be sent. Copy monitors of TX traffic ({@code /t}) get a
 *       copy now, before the frames leave;</li>
 *   <li>{@link #reclaimed}: TX slots that came back after sending. Zero-copy monitors
 *       ({@code /z}) get them now, by buffer swap;</li>
 *   <li>{@link #received}: RX slots that became visible. Copy monitors of RX traffic
 *       ({@code /r}) get a copy now, before the user consumes them;</li>
 *   <li>{@link #released}: RX slots the user released. Zero-copy monitors get them now, by
 *       buffer swap, before they go back.</li>
 * </ul>
 * Monitor ring r gets the frames of the port's TX ring r and RX ring r; TX ones carry
 * {@code NS_TXMON}. A monitor without room drops the oldest of what it is given (netmap's
 * choice) and counts them; it never holds the monitored port back. A swapped slot of the
 * monitored port gets the monitor's free buffer, with {@code NS_BUF_CHANGED}.
 *
 * <p>Each monitor ring is filled under its {@link SharedLock}, since a port's TX and RX syncs (of
 * several registrations) may fill it at once. While no monitor is live it costs one read per call.
 */
public final class MonitorTaps {
    private static final VarHandle INT = JAVA_INT.varHandle();
    private static final long SLOTS = netmap_ring.layout().byteSize();
    private static final long SLOT = netmap_slot.layout().byteSize();
    private static final ValueLayout.OfLong DESCRIPTOR = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfInt INT_U = ValueLayout.JAVA_INT_UNALIGNED;

    private final MemorySegment mem;
    private final long maskWord;
    private final MonitorPlace[] places;
    private final long token;
    private final SharedLock.Holders holders;
    private final Doorbell bell;
    private int bufLimit;

    /**
     * @param places the monitor slots of the monitored port, by their bit in its mask
     * @param token  the lock token of the monitored registration
     * @param bell   a doorbell that rings monitor slot m as {@code places[m].doorbell()}
     */
    public MonitorTaps(MemorySegment mem, long maskWord, MonitorPlace[] places, long token, SharedLock.Holders holders,
                       Doorbell bell) {
        this.mem = mem;
        this.maskWord = maskWord;
        this.places = places.clone();
        this.token = token;
        this.holders = holders;
        this.bell = bell;
    }

    /** TX slots {@code [from, to)} of ring {@code r} at {@code ring} (of {@code n} slots) are about to be sent. */
    public void sent(int r, long ring, int n, int from, int to) {
        feed(NR_MONITOR_TX, false, r, ring, n, from, to, NS_TXMON);
    }

    /** TX slots {@code [from, to)} came back, their frames sent. */
    public void reclaimed(int r, long ring, int n, int from, int to) {
        feed(NR_MONITOR_TX, true, r, ring, n, from, to, NS_TXMON);
    }

    /** RX slots {@code [from, to)} just became visible to the user. */
    public void received(int r, long ring, int n, int from, int to) {
        feed(NR_MONITOR_RX, false, r, ring, n, from, to, 0);
    }

    /** RX slots {@code [from, to)} were released by the user and are about to go back. */
    public void released(int r, long ring, int n, int from, int to) {
        feed(NR_MONITOR_RX, true, r, ring, n, from, to, 0);
    }

    private void feed(long direction, boolean zeroCopy, int r, long ring, int n, int from, int to, int txmon) {
        int mask = (int) INT.getAcquire(mem, maskWord);
        if (mask == 0 || from == to) {
            return;
        }
        for (int bits = mask; bits != 0; bits &= bits - 1) {
            int m = Integer.numberOfTrailingZeros(bits);
            if (m >= places.length) {
                continue; // a bit nobody of ours set: damaged
            }
            MonitorPlace p = places[m];
            int flags = mem.get(JAVA_INT, p.control() + M_FLAGS);
            boolean z = (flags & NR_ZCOPY_MON) != 0;
            if (z == zeroCopy && (z || (flags & direction) != 0)) {
                fill(p, r, ring, n, from, to, zeroCopy, txmon);
            }
        }
    }

    /** Puts slots {@code [from, to)} into ring r of monitor {@code p}, under the ring's lock. */
    private void fill(MonitorPlace p, int r, long ring, int n, int from, int to, boolean zeroCopy, int txmon) {
        long c = p.control();
        int rings = mem.get(JAVA_INT, c + M_RINGS);
        int slots = mem.get(JAVA_INT, c + M_SLOTS);
        if (r >= rings || rings > 64 || slots < 2 || slots > MAX_SLOTS) {
            return;
        }
        long line = c + line(r);
        long mring = p.rxRing(r);
        int filled = 0;
        SharedLock.lock(mem, line + L_LOCK, token, holders);
        try {
            if ((int) INT.getAcquire(mem, c + M_STATE) != LIVE) {
                return; // closing
            }
            int hwtail = mem.get(JAVA_INT, line + L_FILL_TAIL);
            int hwcur = (int) INT.getAcquire(mem, line + L_RELEASED); // pairs with the monitor's release
            if (hwtail < 0 || hwtail >= slots || hwcur < 0 || hwcur >= slots) {
                return; // damaged: give it nothing
            }
            int room = slots - 1 - dist(hwcur, hwtail, slots);
            int count = dist(from, to, n);
            if (count > room) {
                // netmap's choice: the newest frames are kept, the oldest dropped for the monitor
                mem.set(JAVA_LONG, line + L_DROPS, mem.get(JAVA_LONG, line + L_DROPS) + count - room);
                from = (from + count - room) % n;
            }
            for (int i = from; i != to; i = i + 1 == n ? 0 : i + 1) {
                long s = ring + SLOTS + i * SLOT;
                long d = mem.get(DESCRIPTOR, s);
                int idx = SlotWords.bufIdx(d);
                int len = SlotWords.len(d);
                int flags = SlotWords.flags(d);
                long ms = mring + SLOTS + hwtail * SLOT;
                int midx = mem.get(INT_U, ms);
                if (!valid(p, idx) || !valid(p, midx) || len > p.bufferSize()) {
                    continue; // a slot someone damaged: nothing to give
                }
                if (zeroCopy) {
                    mem.set(INT_U, s, midx);
                    mem.set(INT_U, s + 4, SlotWords.lenAndFlags(len, flags | NS_BUF_CHANGED));
                    mem.set(INT_U, ms, idx);
                } else {
                    MemorySegment.copy(mem, p.bufferBase() + (long) idx * p.bufferSize(), mem,
                            p.bufferBase() + (long) midx * p.bufferSize(), len);
                }
                mem.set(INT_U, ms + 4, SlotWords.lenAndFlags(len, (flags & ~NS_TXMON) | txmon));
                hwtail = hwtail + 1 == slots ? 0 : hwtail + 1;
                filled++;
            }
            // release: the slots written above become visible no later than the tail that says so
            INT.setRelease(mem, line + L_FILL_TAIL, hwtail);
        } finally {
            SharedLock.unlock(mem, line + L_LOCK, token);
        }
        if (filled > 0) {
            SleepWord.wake(mem, c + M_SLEEP, SleepWord.WANT_RX, bell, p.doorbell());
        }
    }

    private boolean valid(MonitorPlace p, int bufIdx) {
        if (bufIdx >= 1 && bufIdx < bufLimit) {
            return true;
        }
        if (bufIdx > 0) {
            int next = (int) INT.getAcquire(mem, p.poolNextField());
            bufLimit = next < 2 || next > p.maxBuffers() ? 2 : next;
            return bufIdx < bufLimit;
        }
        return false;
    }

    private static int dist(int from, int to, int n) {
        int d = to - from;
        return d < 0 ? d + n : d;
    }
}

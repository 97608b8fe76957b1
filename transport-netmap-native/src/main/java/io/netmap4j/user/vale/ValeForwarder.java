package io.netmap4j.user.vale;

import io.netmap4j.abi.gen.netmap_ring;
import io.netmap4j.abi.gen.netmap_slot;
import io.netmap4j.user.Doorbell;
import io.netmap4j.user.LockTokens;
import io.netmap4j.user.SharedLock;
import io.netmap4j.user.SleepWord;
import io.netmap4j.user.SlotWords;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

import static io.netmap4j.abi.NetmapConstants.NS_BUF_CHANGED;
import static io.netmap4j.abi.NetmapConstants.NS_INDIRECT;
import static io.netmap4j.abi.NetmapConstants.NS_MOREFRAG;
import static io.netmap4j.user.vale.SwitchLayout.*;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The switch's work for the frames one TX ring of a port sends, done in that port's txsync as
 * netmap does it: look at each frame's Ethernet addresses (learn the source, find the
 * destination), then, per destination ring, take its lock once, copy every frame for it that
 * fits and publish them with one store of the ring's tail.
 *
 * <p>As netmap's learning bridge: a unicast destination that was learned goes to its port only,
 * anything else (unknown, multicast, broadcast) is flooded to every other live port, and no
 * frame goes back to the port that sent it. Frames shorter than an Ethernet header are dropped.
 * Unicast frames go to the destination's RX ring of the sender's TX ring number (modulo its
 * rings), flooded ones to its ring 0. A destination without room takes what fits and drops the
 * rest (counted in its ring); the sender never waits for a receiver. A frame of several slots
 * ({@code NS_MOREFRAG}) arrives as that many slots, each with the fragment count in the high byte
 * of its flags, and is delivered whole or not at all.
 *
 * <p>Not thread-safe: one per registration, used by the thread that syncs its TX rings.
 */
final class ValeForwarder {
    /** Slots looked at before the copies start, as netmap's bridge_batch. */
    static final int BATCH = 1024;
    /** The destination of a flooded frame. */
    static final int BROADCAST = MAX_PORTS;
    /** A frame that goes nowhere. */
    static final int NOPORT = -1;
    /** The buffer given to a slot whose own buffer index was damaged: its frame arrives empty. */
    static final int SCRATCH_BUFFER = 1;

    private static final long SLOTS = netmap_ring.layout().byteSize();
    private static final long SLOT = netmap_slot.layout().byteSize();
    private static final ValueLayout.OfLong DESCRIPTOR = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfInt INT_U = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong WIRE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final long MAC_MASK = 0xFFFF_FFFF_FFFFL;
    private static final int ETHER_HEADER = 14;
    private static final VarHandle INT = JAVA_INT.varHandle();
    private static final VarHandle LONG = JAVA_LONG.varHandle();

    private final MemorySegment mem;
    private final int me;
    private final long myBase;
    private final int myGen;
    private final long token;
    private final LockTokens holders;
    private final Doorbell bell;
    private int myBufLimit;

    // the frames of one batch: first slot, slot count, next frame for the same destination
    private final int[] fSlot = new int[BATCH + MAX_FRAGS];
    private final int[] fFrags = new int[BATCH + MAX_FRAGS];
    private final int[] fNext = new int[BATCH + MAX_FRAGS];
    // per destination port: its unicast frames, and the generation they were learned with
    private final int[] uHead = new int[MAX_PORTS];
    private final int[] uTail = new int[MAX_PORTS];
    private final int[] uGen = new int[MAX_PORTS];
    private final int[] dsts = new int[MAX_PORTS];
    private final long[] live = new long[4];
    private int nd;
    private int bHead = -1;
    private int bTail = -1;
    // the last source MAC learned, and where
    private long lastSmac = -1;
    private int lastSmacIndex;
    // the last destination MAC looked up, the entry found and the answer
    private long lastDmac = -1;
    private int lastDmacIndex;
    private long lastDmacEntry = ~0L;
    private int lastDmacPort;
    private int lastDmacGen;

    long forwarded;
    long dropped;
    long ringFull;

    ValeForwarder(MemorySegment mem, int me, int myGen, LockTokens holders, Doorbell bell) {
        this.mem = mem;
        this.me = me;
        this.myBase = port(me);
        this.myGen = myGen;
        this.token = holders.mine();
        this.holders = holders;
        this.bell = bell;
        Arrays.fill(uHead, -1);
        this.myBufLimit = bufLimit(me);
    }

    /**
     * Forwards the frames in slots {@code [from, to)} of the TX ring at {@code txRing} (an offset
     * in the file) of {@code n} slots, the port's TX ring number {@code ringIndex}. A chain that
     * {@code to} cuts is sent as it is, as netmap does.
     */
    void forward(long txRing, int n, int ringIndex, int from, int to) {
        lastDmacEntry = ~0L; // looked up afresh in every sync: a port may have gone since the last
        int i = from;
        while (i != to) {
            int frames = 0;
            int slots = 0;
            while (i != to && slots < BATCH) {
                int start = i;
                int frags = 0;
                boolean bad = false;
                long first = 0;
                for (;;) {
                    long s = txRing + SLOTS + i * SLOT;
                    long d = mem.get(DESCRIPTOR, s);
                    if (frags == 0) {
                        first = d;
                    }
                    int flags = flags(d);
                    if ((flags & NS_BUF_CHANGED) != 0) {
                        // netmap clears it in the sender's slot: the switch copies, it needs no hint
                        mem.set(ValueLayout.JAVA_SHORT_UNALIGNED, s + 6, (short) (flags & ~NS_BUF_CHANGED));
                    }
                    bad |= !ownBuffer(bufIdx(d)) || len(d) > BUF_SIZE || (flags & NS_INDIRECT) != 0;
                    frags++;
                    slots++;
                    i = i + 1 == n ? 0 : i + 1;
                    if ((flags & NS_MOREFRAG) == 0 || i == to) {
                        break;
                    }
                }
                int dst = bad || frags > MAX_FRAGS ? NOPORT : destination(first);
                if (dst == NOPORT) {
                    dropped++;
                    continue;
                }
                int f = frames++;
                fSlot[f] = start;
                fFrags[f] = frags;
                fNext[f] = -1;
                if (dst == BROADCAST) {
                    if (bHead < 0) {
                        bHead = f;
                    } else {
                        fNext[bTail] = f;
                    }
                    bTail = f;
                } else if (uHead[dst] < 0) {
                    uHead[dst] = uTail[dst] = f;
                    uGen[dst] = lookedUpGen;
                    dsts[nd++] = dst;
                } else {
                    fNext[uTail[dst]] = f;
                    uTail[dst] = f;
                }
            }
            if (frames > 0) {
                flush(txRing, n, ringIndex);
            }
        }
    }

    /** The generation of the port {@link #destination} returned last (low 8 bits). */
    private int lookedUpGen;

    /** Learns the source of the frame whose first slot is {@code d}, and returns where it goes. */
    private int destination(long d) {
        if (len(d) < ETHER_HEADER) {
            return NOPORT;
        }
        long buf = myBase + buffer(bufIdx(d));
        long dmac = mem.get(WIRE_LONG, buf) & MAC_MASK;
        long smac = mem.get(WIRE_LONG, buf + 4) >>> 16;
        if ((smac & 1) == 0) { // a unicast source: learn where it is
            if (smac != lastSmac) {
                lastSmac = smac;
                lastSmacIndex = MacTable.index(smac);
            }
            long mine = MacTable.entry(smac, me, myGen);
            if (MacTable.read(mem, lastSmacIndex) != mine) {
                MacTable.write(mem, lastSmacIndex, mine);
            }
        }
        if ((dmac & 1) != 0) {
            return BROADCAST; // multicast and broadcast go everywhere
        }
        if (dmac != lastDmac) {
            lastDmac = dmac;
            lastDmacIndex = MacTable.index(dmac);
            lastDmacEntry = ~0L; // no entry is all ones (the port byte would be 255)
        }
        long e = MacTable.read(mem, lastDmacIndex);
        if (e == lastDmacEntry) {
            lookedUpGen = lastDmacGen;
            return lastDmacPort; // same destination, same entry: same answer (deliver checks again)
        }
        lastDmacEntry = e;
        lastDmacPort = lookup(e, dmac);
        lastDmacGen = lookedUpGen;
        return lastDmacPort;
    }

    /** Where the learning-table entry {@code e} sends a frame for {@code dmac}. */
    private int lookup(long e, long dmac) {
        int port = MacTable.port(e, dmac);
        if (port < 0) {
            return BROADCAST; // unknown: flood
        }
        if (port == me) {
            return NOPORT; // never back to where it came from
        }
        long entry = entry(port);
        if ((int) INT.getAcquire(mem, entry + P_STATE) != LIVE
                || ((int) INT.getAcquire(mem, entry + P_GEN) & 0xff) != MacTable.gen(e)) {
            return BROADCAST; // learned on a port that has gone since: unknown again
        }
        lookedUpGen = MacTable.gen(e);
        return port;
    }

    /** Copies the batch's frames to their destinations, then forgets the batch. */
    private void flush(long txRing, int n, int ringIndex) {
        if (bHead >= 0) {
            for (int w = 0; w < live.length; w++) {
                live[w] = (long) LONG.getAcquire(mem, H_LIVE + 8L * w);
            }
            for (int w = 0; w < live.length; w++) {
                for (long bits = live[w]; bits != 0; bits &= bits - 1) {
                    int p = w * 64 + Long.numberOfTrailingZeros(bits);
                    if (p == me || p >= MAX_PORTS) {
                        continue;
                    }
                    int gen = (int) INT.getAcquire(mem, entry(p) + P_GEN);
                    int uRing = uHead[p] >= 0 ? unicastRing(p, ringIndex) : -1;
                    if (uRing == 0) {
                        deliver(txRing, n, p, 0, uHead[p], uGen[p], bHead, gen);
                        uHead[p] = -1; // done with them
                    } else {
                        deliver(txRing, n, p, 0, -1, 0, bHead, gen);
                    }
                }
            }
        }
        for (int i = 0; i < nd; i++) {
            int p = dsts[i];
            if (uHead[p] >= 0) {
                int ring = unicastRing(p, ringIndex);
                if (ring >= 0) {
                    deliver(txRing, n, p, ring, uHead[p], uGen[p], -1, 0);
                } else {
                    dropList(uHead[p]);
                }
                uHead[p] = -1;
            }
        }
        nd = 0;
        bHead = bTail = -1;
    }

    /** The RX ring of port {@code p} that unicast frames from TX ring {@code ringIndex} go to, or -1 if damaged. */
    private int unicastRing(int p, int ringIndex) {
        int rings = mem.get(JAVA_INT, port(p) + C_RX_RINGS);
        return rings >= 1 && rings <= MAX_RINGS ? ringIndex % rings : -1;
    }

    private void dropList(int f) {
        for (; f >= 0; f = fNext[f]) {
            dropped++;
        }
    }

    /**
     * Copies into RX ring {@code ring} of port {@code p} the frames of the unicast list
     * {@code u} (learned with port generation {@code uGen8}) and of the broadcast list {@code b}
     * (for the port of generation {@code bGen}), merged in the order they were sent, under the
     * ring's lock; what does not fit is dropped and counted in the ring.
     */
    private void deliver(long txRing, int n, int p, int ring, int u, int uGen8, int b, int bGen) {
        long base = port(p);
        int slots = mem.get(JAVA_INT, base + C_RX_SLOTS);
        if (slots < 2 || slots > MAX_SLOTS) {
            dropList(u);
            dropList(b);
            return;
        }
        long line = base + rxLine(ring);
        long ringOffset = base + rxRing(ring);
        int delivered = 0;
        int lost = 0;
        SharedLock.lock(mem, line + D_LOCK, token, holders);
        try {
            // under the lock: a port that retires waits for us, and one that retired is seen here
            long e = entry(p);
            int state = (int) INT.getAcquire(mem, e + P_STATE);
            int gen = (int) INT.getAcquire(mem, e + P_GEN);
            boolean open = state == LIVE && ((int) INT.getAcquire(mem, base + C_RX_OPEN) & 1 << ring) != 0;
            if (!open || (gen & 0xff) != uGen8) {
                dropList(u);
                u = -1;
            }
            if (!open || gen != bGen) {
                dropList(b);
                b = -1;
            }
            if (u < 0 && b < 0) {
                return;
            }
            int hwtail = mem.get(JAVA_INT, line + D_HWTAIL);
            int hwcur = (int) INT.getAcquire(mem, line + R_HWCUR); // pairs with the receiver's release
            if (hwtail < 0 || hwtail >= slots || hwcur < 0 || hwcur >= slots) {
                dropList(u); // the ring's state is damaged: deliver nothing into it
                dropList(b);
                return;
            }
            int space = slots - 1 - dist(hwcur, hwtail, slots);
            int limit = bufLimit(p);
            while (u >= 0 || b >= 0) {
                int f;
                if (b < 0 || u >= 0 && u < b) {
                    f = u;
                    u = fNext[f];
                } else {
                    f = b;
                    b = fNext[f];
                }
                int frags = fFrags[f];
                if (frags > space) {
                    lost++;
                    continue; // the rest cannot fit either once a frame does not: counted below
                }
                int s = fSlot[f];
                for (int q = 0; q < frags; q++) {
                    long src = mem.get(DESCRIPTOR, txRing + SLOTS + s * SLOT);
                    long dslot = ringOffset + SLOTS + hwtail * SLOT;
                    int dIdx = mem.get(INT_U, dslot);
                    int len = len(src);
                    int sIdx = bufIdx(src);
                    if (dIdx < SCRATCH_BUFFER || dIdx >= limit || !ownBuffer(sIdx) || len > BUF_SIZE) {
                        // a buffer index the receiver damaged, or a slot our user rewrote meanwhile
                        if (dIdx < SCRATCH_BUFFER || dIdx >= limit) {
                            mem.set(INT_U, dslot, SCRATCH_BUFFER);
                        }
                        len = 0;
                    } else {
                        MemorySegment.copy(mem, myBase + buffer(sIdx), mem, base + buffer(dIdx), len);
                    }
                    int flags = frags << 8 | (q + 1 < frags ? NS_MOREFRAG : 0);
                    mem.set(INT_U, dslot + 4, lenAndFlags(len, flags));
                    hwtail = hwtail + 1 == slots ? 0 : hwtail + 1;
                    s = s + 1 == n ? 0 : s + 1;
                }
                space -= frags;
                delivered++;
            }
            if (lost > 0) {
                mem.set(JAVA_LONG, line + D_DROPS, mem.get(JAVA_LONG, line + D_DROPS) + lost);
            }
            // release: the slots copied above become visible no later than the tail that says so
            INT.setRelease(mem, line + D_HWTAIL, hwtail);
        } finally {
            SharedLock.unlock(mem, line + D_LOCK, token);
        }
        forwarded += delivered;
        ringFull += lost;
        if (delivered > 0) {
            SleepWord.wake(mem, base + C_SLEEP, SleepWord.WANT_RX, bell, doorbell(p, 0));
        }
    }

    private boolean ownBuffer(int bufIdx) {
        if (bufIdx >= SCRATCH_BUFFER && bufIdx < myBufLimit) {
            return true;
        }
        if (bufIdx > 0) {
            myBufLimit = bufLimit(me); // a registration may have taken extra buffers since
            return bufIdx < myBufLimit;
        }
        return false;
    }

    /** Buffers that exist in port {@code p}'s region (its pool's bump index, checked). */
    private int bufLimit(int p) {
        int next = (int) INT.getAcquire(mem, port(p) + C_BUF_NEXT);
        return next < 2 || next > MAX_PORT_BUFFERS ? 2 : next;
    }

    private static int bufIdx(long descriptor) {
        return SlotWords.bufIdx(descriptor);
    }

    private static int len(long descriptor) {
        return SlotWords.len(descriptor);
    }

    private static int flags(long descriptor) {
        return SlotWords.flags(descriptor);
    }

    private static int lenAndFlags(int len, int flags) {
        return SlotWords.lenAndFlags(len, flags);
    }

    private static int dist(int from, int to, int n) {
        int d = to - from;
        return d < 0 ? d + n : d;
    }
}

package io.netmap4j.user.nic;

import io.netmap4j.core.NetmapException;
import io.netmap4j.abi.gen.netmap_ring;
import io.netmap4j.core.NetmapRing;

import java.lang.foreign.ValueLayout;

import static io.netmap4j.abi.NetmapConstants.NETMAP_MAX_FRAGS;
import static io.netmap4j.abi.NetmapConstants.NS_BUF_CHANGED;
import static io.netmap4j.abi.NetmapConstants.NS_MOREFRAG;

/**
 * One queue of a NIC port: what the netmap kernel does for a ring pair of a NIC, in Java. This
 * class keeps netmap's side of the ring protocol, the same for every mechanism: the kernel's
 * indices ({@code hwcur}, {@code hwtail}), the checks of a sync's prologue (a ring whose head or
 * cur break the rules is reset, and the next poll reports POLLERR), and the rule that only whole
 * NS_MOREFRAG chains are handed on. A mechanism (AF_XDP, AF_PACKET) moves the frames.
 *
 * <p>Buffer ownership is netmap's: the user owns the slots in {@code [head, tail)} and their
 * buffers; a TX slot's buffer is the mechanism's from the txsync that publishes it until the
 * txsync that moves tail past it; an RX slot's buffer is the mechanism's from the rxsync that
 * releases it (head moved past it, with whatever buffer the user left there, NS_BUF_CHANGED or
 * not) until a frame arrives in it.
 *
 * <p>Not thread-safe: as in netmap, one thread at a time syncs a ring.
 */
public abstract class NicQueue implements AutoCloseable {
    private static final long TAIL = netmap_ring.tail$offset();

    /** The netmap TX ring of this queue, or null when the port binds RX only (/R). */
    protected final NetmapRing tx;
    /** The netmap RX ring of this queue, or null when the port binds TX only (/T). */
    protected final NetmapRing rx;
    protected final NicRegion region;
    /** For messages: the port and queue, for example {@code netmap:eth0 queue 1}. */
    protected final String name;
    /** The interface's queue number. */
    protected final int queue;
    /** The interface. */
    protected final NetInterface nif;

    private int txHwcur;
    private int txHwtail;
    private int rxHwcur;
    private int rxHwtail;
    private boolean errorPending;
    private long txResets;
    private long rxResets;

    protected NicQueue(String name, int queue, NetInterface nif, NicRegion region, NetmapRing tx, NetmapRing rx) {
        this.name = name;
        this.queue = queue;
        this.nif = nif;
        this.region = region;
        this.tx = tx;
        this.rx = rx;
        if (tx != null) {
            txHwtail = tx.tail();
        }
    }

    // ------------------------------------------------------------------ txsync

    /**
     * NIOCTXSYNC: hands the whole frames in {@code [hwcur, head)} to the mechanism, then moves
     * tail past the slots it has sent.
     *
     * @return true if anything moved
     */
    public final boolean txSync() throws NetmapException {
        if (tx == null) {
            return false;
        }
        NetmapRing r = tx;
        int n = r.numSlots();
        int hwcur = txHwcur;
        int head = r.head();
        int cur = r.cur();
        if (!prologueHolds(head, cur, hwcur, txHwtail, n)) {
            resetTx();
            return false;
        }
        boolean moved = false;
        if (head != hwcur) {
            int publish = hwcur;
            int frags = 0;
            for (int i = hwcur; i != head; i = r.next(i)) {
                int flags = r.flags(i);
                int len = r.len(i);
                if (!region.isUsableBuffer(r.bufIdx(i)) || len == 0 || len > NicRegion.BUF_SIZE
                        || frags >= NETMAP_MAX_FRAGS) {
                    resetTx();
                    return false;
                }
                if ((flags & NS_BUF_CHANGED) != 0) {
                    r.flags(i, flags & ~NS_BUF_CHANGED); // the new index needs nothing more here
                }
                if ((flags & NS_MOREFRAG) != 0) {
                    frags++;
                } else {
                    frags = 0;
                    publish = r.next(i); // only whole chains leave
                }
            }
            if (publish != hwcur) {
                transmit(hwcur, publish);
                txHwcur = publish;
                moved = true;
            }
        }
        int newTail = reclaim(txHwtail, txHwcur);
        if (newTail != txHwtail) {
            txHwtail = newTail;
            moved = true;
        }
        setTail(r, txHwtail);
        return moved;
    }

    private void resetTx() {
        tx.advance(txHwcur);
        setTail(tx, txHwtail);
        txResets++;
        errorPending = true;
    }

    // ------------------------------------------------------------------ rxsync

    /**
     * NIOCRXSYNC: gives the slots in {@code [hwcur, head)} back to the mechanism, then shows the
     * frames that arrived since.
     *
     * @return true if anything moved
     */
    public final boolean rxSync() throws NetmapException {
        if (rx == null) {
            return false;
        }
        NetmapRing r = rx;
        int n = r.numSlots();
        int hwcur = rxHwcur;
        int head = r.head();
        int cur = r.cur();
        if (!prologueHolds(head, cur, hwcur, rxHwtail, n)) {
            resetRx();
            return false;
        }
        boolean moved = false;
        if (head != hwcur) {
            for (int i = hwcur; i != head; i = r.next(i)) {
                int flags = r.flags(i);
                if (!region.isUsableBuffer(r.bufIdx(i))) {
                    resetRx(); // the user put a buffer that does not exist into a released slot
                    return false;
                }
                if ((flags & NS_BUF_CHANGED) != 0) {
                    r.flags(i, flags & ~NS_BUF_CHANGED);
                }
            }
            release(hwcur, head);
            rxHwcur = head;
            moved = true;
        }
        int limit = rxHwcur == 0 ? n - 1 : rxHwcur - 1; // one slot always stays empty
        int newTail = receive(rxHwtail, limit);
        if (newTail != rxHwtail) {
            rxHwtail = newTail;
            moved = true;
        }
        setTail(r, rxHwtail);
        return moved;
    }

    private void resetRx() {
        rx.advance(rxHwcur);
        setTail(rx, rxHwtail);
        rxResets++;
        errorPending = true;
    }

    /** Writes a ring's tail, the one field of the ring header that the kernel side owns. */
    private static void setTail(NetmapRing r, int tail) {
        r.segment().set(ValueLayout.JAVA_INT_UNALIGNED, TAIL, tail);
    }

    /** netmap's prologue: hwcur &lt;= head &lt;= cur &lt;= hwtail, going forward from hwcur. */
    private static boolean prologueHolds(int head, int cur, int hwcur, int hwtail, int n) {
        return head >= 0 && head < n && cur >= 0 && cur < n
                && dist(hwcur, head, n) <= dist(hwcur, cur, n) && dist(hwcur, cur, n) <= dist(hwcur, hwtail, n);
    }

    protected static int dist(int from, int to, int n) {
        int d = to - from;
        return d < 0 ? d + n : d;
    }

    // ------------------------------------------------------------------ readiness

    /** POLLIN as netmap defines it: frames past cur. */
    public final boolean rxReady() {
        return rx != null && rx.cur() != rx.tail();
    }

    /** POLLOUT as netmap defines it: free slots past cur. */
    public final boolean txReady() {
        return tx != null && tx.cur() != tx.tail();
    }

    /** True if the user queued frames that no txsync has handed over yet. */
    public final boolean txPending() {
        return tx != null && tx.head() != txHwcur;
    }

    /** True once after a ring was reset: the next poll reports POLLERR. */
    public final boolean takeError() {
        boolean e = errorPending;
        errorPending = false;
        return e;
    }

    /** Times a ring was reset because the user broke the ring rules. */
    public final long ringResets() {
        return txResets + rxResets;
    }

    // ------------------------------------------------------------------ the mechanism

    /**
     * Takes the whole frames of TX slots {@code [from, to)} (valid buffers and lengths, checked)
     * and starts sending them; their buffers are the mechanism's until {@link #reclaim} gives the
     * slots back.
     */
    protected abstract void transmit(int from, int to) throws NetmapException;

    /**
     * The new TX tail: the slot before the first slot in {@code [hwtail + 1, hwcur)} that is not
     * sent yet (so {@code hwtail} when nothing more was).
     */
    protected abstract int reclaim(int hwtail, int hwcur) throws NetmapException;

    /** Takes back RX slots {@code [from, to)}, with the buffers the user left in them, to receive into. */
    protected abstract void release(int from, int to) throws NetmapException;

    /**
     * Fills RX slots from {@code hwtail} with frames that arrived, never reaching {@code limit},
     * and returns the new tail, which must not split an NS_MOREFRAG chain.
     */
    protected abstract int receive(int hwtail, int limit) throws NetmapException;

    /** The descriptor that becomes readable when frames arrive. */
    public abstract int fd();

    /**
     * True while frames were handed over but not all sent and reclaimed: nothing makes {@link #fd()}
     * readable when they are, so a sleeper must come back to look.
     */
    public abstract boolean txInFlight();

    /** Frames the kernel dropped for this queue, as far as the mechanism can tell (for diagnostics). */
    public abstract long droppedFrames();

    /** The longest frame this queue receives whole; longer ones are dropped by the kernel. */
    public int maxReceiveFrame() {
        return Integer.MAX_VALUE;
    }

    /**
     * Called when poll(2) reported an error on {@link #fd()}: reads and clears the socket's error
     * (ENETDOWN when the interface went down, which passes), and throws if the interface is gone.
     */
    public final void checkError() throws NetmapException {
        int e = io.netmap4j.abi.LinuxCalls.socketError(fd());
        if (io.netmap4j.abi.LinuxCalls.ifNameToIndex(nif.name()) != nif.index()) {
            throw new NetmapException(name + ": the interface " + nif.name() + " is gone", e, null);
        }
    }

    /** Closes the sockets and mappings of this queue (not the region). */
    @Override
    public abstract void close();
}

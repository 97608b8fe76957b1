package io.netmap4j.user.nic.xdp;

import io.netmap4j.abi.Errno;
import io.netmap4j.abi.LinuxCalls;
import io.netmap4j.core.NetmapException;
import io.netmap4j.core.NetmapRing;
import io.netmap4j.user.nic.NetInterface;
import io.netmap4j.user.nic.NicQueue;
import io.netmap4j.user.nic.NicRegion;

import java.lang.foreign.MemorySegment;

import static io.netmap4j.abi.NetmapConstants.NS_MOREFRAG;
import static io.netmap4j.user.nic.LinuxNet.MSG_DONTWAIT;
import static io.netmap4j.user.nic.NicRegion.BUF_SIZE;
import static io.netmap4j.user.nic.NicRegion.HEADROOM;
import static io.netmap4j.user.nic.NicRegion.XDP_FRAME_ROOM;
import static io.netmap4j.user.nic.xdp.XdpAbi.STAT_RX_DROPPED;
import static io.netmap4j.user.nic.xdp.XdpAbi.STAT_RX_RING_FULL;
import static io.netmap4j.user.nic.xdp.XdpAbi.XDP_PKT_CONTD;

/**
 * One queue of a NIC port over AF_XDP, without a copy: the UMEM is the port's buffer area, so
 * a descriptor's address names a netmap buffer ({@code addr / 2048}).
 * <ul>
 *   <li>RX: the buffers of released RX slots go to the fill ring; a received descriptor becomes
 *       the next RX slot, its buffer index the descriptor's chunk (the slot's buffer changes, as
 *       with pipes; the buffer the slot held before is still the kernel's, in the fill ring or
 *       on its way back). XDP_PKT_CONTD fragments become NS_MOREFRAG chains, shown whole.</li>
 *   <li>TX: a published slot becomes a TX descriptor of its buffer (a frame longer than what
 *       follows the headroom in a chunk, {@value NicRegion#XDP_FRAME_ROOM} B, becomes two
 *       descriptors with XDP_PKT_CONTD, the second in the next chunk, where the buffer goes on);
 *       the completion ring gives the slots back in order.</li>
 * </ul>
 * The kernel is kicked only when it asks (need_wakeup) or, in copy mode, where sends happen in
 * sendto(2), whenever descriptors wait.
 */
final class XdpQueue extends NicQueue {
    private final XskSocket sock;
    private final MemorySegment mem;
    private final boolean multiBuffer;

    // RX: where the next received descriptor goes (past tail while a chain is incomplete)
    private int fillPos;

    // TX: descriptors each published slot became (0 for a frame that could not be sent), the
    // first slot not completed, the end of the published slots, completions not yet matched
    private final byte[] descriptors;
    private int reclaimed;
    private int hwcur;
    private int completed;
    private long txDropped;
    private boolean warnedChain;
    private static final System.Logger LOG = System.getLogger(XdpQueue.class.getName());
    private long rxMoved;

    XdpQueue(String name, int queue, int index, NicRegion region, NetmapRing tx, NetmapRing rx, XskSocket sock,
             NetInterface nif) {
        super(name, queue, nif, region, tx, rx);
        this.sock = sock;
        this.mem = region.mem();
        this.multiBuffer = (sock.bindFlags & XdpAbi.XDP_USE_SG) != 0;
        this.descriptors = new byte[tx == null ? 1 : tx.numSlots()];
        if (rx != null) {
            // every RX slot's buffer starts in the fill ring, with the spare ones: the kernel may
            // hold a ring's worth of frames more than the ring shows, in the XSK RX ring
            for (int s = 0; s < rx.numSlots(); s++) {
                sock.fill.putAddress((long) rx.bufIdx(s) * BUF_SIZE);
            }
            for (int k = 0; k < region.spareRxBuffers(); k++) {
                sock.fill.putAddress((long) region.spareRxBuffer(index, k) * BUF_SIZE);
            }
            sock.fill.submit();
        }
    }

    // ------------------------------------------------------------------ RX

    @Override
    protected void release(int from, int to) {
        NetmapRing r = rx;
        XskRing fill = sock.fill;
        fill.free(fill.size);
        for (int i = from; i != to; i = r.next(i)) {
            fill.putAddress((long) r.bufIdx(i) * BUF_SIZE);
        }
        fill.submit();
        if (sock.zeroCopy && fill.needsWakeup()) {
            LinuxCalls.kickRx(sock.fd, MSG_DONTWAIT); // the driver stopped for want of buffers
        }
    }

    @Override
    protected int receive(int hwtail, int limit) {
        NetmapRing r = rx;
        XskRing ring = sock.rx;
        int chainEnd = hwtail; // the tail only ever ends a whole frame
        int avail = ring.available();
        int slot = fillPos;
        int taken = 0;
        while (taken < avail && slot != limit) {
            long addr = ring.address(taken);
            int len = ring.length(taken);
            int options = ring.options(taken);
            int buf = (int) (addr / BUF_SIZE);
            int offset = (int) (addr % BUF_SIZE);
            if (offset != HEADROOM) {
                // not where netmap buffers start (a program that moved the frame's head): move it
                MemorySegment.copy(mem, region.umemOffset() + addr, mem, region.bufferOffset(buf), len);
                rxMoved++;
            }
            r.bufIdx(slot, buf);
            r.len(slot, len);
            boolean more = (options & XDP_PKT_CONTD) != 0;
            if (more && !warnedChain) {
                warnedChain = true;
                LOG.log(System.Logger.Level.WARNING, name + ": received a frame longer than a buffer holds after the XDP "
                        + "headroom (" + XDP_FRAME_ROOM + " B): it is delivered as an NS_MOREFRAG chain. To receive one "
                        + "frame per buffer, " + nif.largeFrameAdvice(XDP_FRAME_ROOM));
            }
            r.flags(slot, more ? NS_MOREFRAG : 0);
            slot = r.next(slot);
            taken++;
            if (!more) {
                chainEnd = slot;
            }
        }
        if (taken > 0) {
            ring.release(taken);
        }
        fillPos = slot;
        return chainEnd;
    }

    // ------------------------------------------------------------------ TX

    @Override
    protected void transmit(int from, int to) {
        NetmapRing r = tx;
        XskRing ring = sock.tx;
        ring.free(2 * r.distance(from, to));
        for (int i = from; i != to; i = r.next(i)) {
            int buf = r.bufIdx(i);
            int len = r.len(i);
            int more = (r.flags(i) & NS_MOREFRAG) != 0 ? XDP_PKT_CONTD : 0;
            long addr = (long) buf * BUF_SIZE + HEADROOM;
            if (len <= XDP_FRAME_ROOM && (more == 0 || multiBuffer)) {
                ring.putDescriptor(addr, len, more);
                descriptors[i] = 1;
            } else if (multiBuffer) {
                // the buffer goes on past its chunk: the rest is the start of the next chunk
                ring.putDescriptor(addr, XDP_FRAME_ROOM, XDP_PKT_CONTD);
                ring.putDescriptor((long) (buf + 1) * BUF_SIZE, len - XDP_FRAME_ROOM, more);
                descriptors[i] = 2;
            } else {
                descriptors[i] = 0; // cannot leave without multi-buffer support: dropped, counted
                txDropped++;
            }
        }
        ring.submit();
        hwcur = to;
        kick();
    }

    /** Makes the kernel send: in copy mode every time descriptors wait, in zero-copy mode when it asks. */
    private void kick() {
        XskRing ring = sock.tx;
        if (sock.zeroCopy ? ring.needsWakeup() : ring.kernelBehind()) {
            // copy mode sends a bounded batch per call and says EAGAIN when more wait
            for (int i = 0; i < 64; i++) {
                int r = LinuxCalls.kick(sock.fd, MSG_DONTWAIT);
                if (r != -Errno.EAGAIN || !ring.kernelBehind()) {
                    break;
                }
                reap();
            }
        }
    }

    @Override
    protected int reclaim(int hwtail, int hwcur) {
        if (reclaimed != this.hwcur && sock.tx.kernelBehind()) {
            kick();
        }
        reap();
        return reclaimed == 0 ? tx.numSlots() - 1 : reclaimed - 1;
    }

    /** Takes the completions and gives back the slots whose descriptors are all done. */
    private void reap() {
        XskRing cq = sock.completion;
        int done = cq.available();
        if (done > 0) {
            cq.release(done);
            completed += done;
        }
        NetmapRing r = tx;
        while (reclaimed != hwcur && completed >= descriptors[reclaimed]) {
            completed -= descriptors[reclaimed];
            reclaimed = r.next(reclaimed);
        }
    }

    // ------------------------------------------------------------------ the rest

    @Override
    public int fd() {
        return sock.fd;
    }

    @Override
    public boolean txInFlight() {
        return tx != null && reclaimed != hwcur;
    }

    /** Without multi-buffer frames (kernels before 6.6), one UMEM chunk's room. */
    @Override
    public int maxReceiveFrame() {
        return multiBuffer ? Integer.MAX_VALUE : XDP_FRAME_ROOM;
    }

    @Override
    public long droppedFrames() {
        long[] st = sock.statistics();
        long kernel = st == null ? 0 : st[(int) (STAT_RX_DROPPED / 8)] + st[(int) (STAT_RX_RING_FULL / 8)];
        return kernel + txDropped;
    }

    /** True if the kernel granted zero-copy for this queue. */
    boolean zeroCopy() {
        return sock.zeroCopy;
    }


    @Override
    public void close() {
        sock.close();
    }
}

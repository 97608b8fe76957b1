package io.netmap4j.user.nic.packet;

import io.netmap4j.abi.Errno;
import io.netmap4j.abi.LinuxCalls;
import io.netmap4j.core.NetmapException;
import io.netmap4j.core.NetmapRing;
import io.netmap4j.user.nic.NetInterface;
import io.netmap4j.user.nic.NicQueue;
import io.netmap4j.user.nic.NicRegion;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

import static io.netmap4j.abi.NetmapConstants.NETMAP_MAX_FRAGS;
import static io.netmap4j.abi.NetmapConstants.NS_MOREFRAG;
import static io.netmap4j.user.nic.LinuxNet.MSG_DONTWAIT;
import static io.netmap4j.user.nic.packet.PacketAbi.*;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * One queue of a NIC port over AF_PACKET. RX: frames are copied from the socket's TPACKET_V3
 * blocks into the buffers of the RX slots (the one copy of this mechanism); a block goes back to
 * the kernel as soon as its last frame is copied, and a frame that does not fit the free slots
 * waits in its block for the next rxsync (when all blocks wait, the kernel drops, as a NIC does
 * when its ring is full). TX: the frames of the published slots leave with sendmmsg(2), one
 * message per frame (an NS_MOREFRAG chain is one message of several iovecs pointing into the
 * netmap buffers; the kernel copies them), so a slot is done when the call returns; what the
 * device refuses for now (EAGAIN, ENOBUFS) is sent by a later txsync.
 */
final class PacketQueue extends NicQueue {
    private static final System.Logger LOG = System.getLogger(PacketQueue.class.getName());
    private static final VarHandle INT = JAVA_INT.varHandle();

    private final PacketSocket sock;
    private final MemorySegment mem;
    private final MemorySegment blocks;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment msgs;
    private final MemorySegment iovs;
    private final int iovCapacity;

    // RX: the block being read, frames left in it, and the offset of the next frame in the ring
    private int block;
    private int left;
    private long frame;
    private long rxTooLarge;
    private long rxTruncated;
    private long kernelDrops;
    private boolean warnedChain;

    // TX: first published slot not sent yet, and the end of the published slots
    private int sent;
    private int hwcur;
    private long txDropped;
    private boolean warnedTx;

    PacketQueue(String name, int queue, NicRegion region, NetmapRing tx, NetmapRing rx, PacketSocket sock,
                NetInterface nif) {
        super(name, queue, nif, region, tx, rx);
        this.sock = sock;
        this.mem = region.mem();
        this.blocks = sock.ring;
        int slots = tx == null ? 1 : tx.numSlots();
        this.iovCapacity = slots + NETMAP_MAX_FRAGS;
        this.msgs = arena.allocate(MMSGHDR_SIZE * UIO_MAXIOV, 8);
        this.iovs = arena.allocate(IOVEC_SIZE * iovCapacity, 8);
    }

    // ------------------------------------------------------------------ RX

    @Override
    protected void release(int from, int to) {
        // the slots keep their buffers; frames are copied into them
    }

    @Override
    protected int receive(int hwtail, int limit) {
        NetmapRing r = rx;
        int slot = hwtail;
        while (true) {
            if (left == 0 && !openBlock()) {
                return slot;
            }
            if (left == 0) {
                closeBlock(); // an empty block (retired by its timer): give it back
                continue;
            }
            long f = frame;
            int snap = blocks.get(JAVA_INT, f + FRAME_SNAPLEN);
            int len = blocks.get(JAVA_INT, f + FRAME_LEN);
            int mac = Short.toUnsignedInt(blocks.get(JAVA_SHORT, f + FRAME_MAC));
            int pieces = Math.max(1, (snap + NicRegion.BUF_SIZE - 1) / NicRegion.BUF_SIZE);
            if (pieces > NETMAP_MAX_FRAGS || snap < len) {
                if (snap < len) {
                    rxTruncated++;
                } else {
                    rxTooLarge++;
                }
                warnLarge(len);
            } else {
                if (r.distance(slot, limit) < pieces) {
                    return slot; // not room for the whole frame: it waits in its block
                }
                long src = f + mac;
                for (int k = 0; k < pieces; k++) {
                    int chunk = Math.min(NicRegion.BUF_SIZE, snap - k * NicRegion.BUF_SIZE);
                    MemorySegment.copy(blocks, src + (long) k * NicRegion.BUF_SIZE, mem,
                            region.bufferOffset(r.bufIdx(slot)), chunk);
                    r.len(slot, chunk);
                    r.flags(slot, k + 1 < pieces ? NS_MOREFRAG : 0);
                    slot = r.next(slot);
                }
                if (pieces > 1) {
                    warnLarge(len);
                }
            }
            if (--left == 0) {
                closeBlock();
            } else {
                frame = f + blocks.get(JAVA_INT, f + FRAME_NEXT_OFFSET);
            }
        }
    }

    /** Starts reading the next block if the kernel handed it over; false if it did not yet. */
    private boolean openBlock() {
        long b = (long) block * PacketSocket.BLOCK_SIZE;
        // acquire: the frames the kernel wrote into the block are read after it said "yours"
        int status = (int) INT.getAcquire(blocks, b + BLOCK_STATUS);
        if ((status & TP_STATUS_USER) == 0) {
            return false;
        }
        left = blocks.get(JAVA_INT, b + BLOCK_NUM_PKTS);
        frame = b + blocks.get(JAVA_INT, b + BLOCK_OFFSET_TO_FIRST_PKT);
        return true;
    }

    private void closeBlock() {
        long b = (long) block * PacketSocket.BLOCK_SIZE;
        // release: our reads of the block happen before the kernel may write it again
        INT.setRelease(blocks, b + BLOCK_STATUS, TP_STATUS_KERNEL);
        block = block + 1 == sock.blocks ? 0 : block + 1;
        left = 0;
    }

    private void warnLarge(int len) {
        if (!warnedChain) {
            warnedChain = true;
            LOG.log(System.Logger.Level.WARNING, name + ": received a frame of " + len + " bytes, larger than a netmap "
                    + "buffer (" + NicRegion.BUF_SIZE + " B): it is delivered as an NS_MOREFRAG chain when it fits "
                    + NETMAP_MAX_FRAGS + " buffers, dropped otherwise. To receive one frame per buffer, "
                    + nif.largeFrameAdvice(NicRegion.BUF_SIZE));
        }
    }

    // ------------------------------------------------------------------ TX

    @Override
    protected void transmit(int from, int to) {
        hwcur = to;
        pump();
    }

    @Override
    protected int reclaim(int hwtail, int hwcur) {
        pump();
        return sent == 0 ? tx.numSlots() - 1 : sent - 1;
    }

    /** Sends the published frames not sent yet, as far as the device takes them now. */
    private void pump() {
        NetmapRing r = tx;
        while (sent != hwcur) {
            int count = 0;
            int iov = 0;
            int s = sent;
            while (s != hwcur && count < UIO_MAXIOV && iov + NETMAP_MAX_FRAGS <= iovCapacity) {
                long m = count * MMSGHDR_SIZE;
                msgs.set(JAVA_LONG, m + MSG_IOV, iovs.address() + iov * IOVEC_SIZE);
                int frags = 0;
                int flags;
                do {
                    long v = (long) iov * IOVEC_SIZE;
                    iovs.set(JAVA_LONG, v + IOV_BASE, mem.address() + region.bufferOffset(r.bufIdx(s)));
                    iovs.set(JAVA_LONG, v + IOV_LEN, r.len(s));
                    flags = r.flags(s);
                    iov++;
                    frags++;
                    s = r.next(s);
                } while ((flags & NS_MOREFRAG) != 0 && s != hwcur);
                msgs.set(JAVA_LONG, m + MSG_IOVLEN, frags);
                count++;
            }
            int n = LinuxCalls.sendmmsg(sock.fd, msgs, count, MSG_DONTWAIT);
            if (n > 0) {
                skipMessages(n);
            } else if (n == -Errno.EAGAIN || n == -Errno.ENOBUFS || n == -Errno.EINTR || n == 0) {
                return; // the device is busy: a later txsync sends them
            } else {
                // this frame cannot leave (too large for the MTU, interface down or gone): drop it,
                // as a NIC would, and go on with the next
                txDropped++;
                if (!warnedTx) {
                    warnedTx = true;
                    LOG.log(System.Logger.Level.WARNING, name + ": a frame could not be sent and was dropped ("
                            + Errno.describe(-n) + (n == -Errno.EMSGSIZE ? ": longer than the MTU of " + nif.name()
                            + " allows, " + nif.mtu() + " + 14 B" : "") + "); further drops are only counted");
                }
                skipMessages(1);
            }
        }
    }

    private void skipMessages(int messages) {
        NetmapRing r = tx;
        for (int i = 0; i < messages; i++) {
            int flags;
            do {
                flags = r.flags(sent);
                sent = r.next(sent);
            } while ((flags & NS_MOREFRAG) != 0 && sent != hwcur);
        }
    }

    // ------------------------------------------------------------------ the rest

    @Override
    public int fd() {
        return sock.fd;
    }

    @Override
    public boolean txInFlight() {
        return tx != null && sent != hwcur;
    }

    @Override
    public long droppedFrames() {
        kernelDrops += sock.takeDrops();
        return kernelDrops + rxTooLarge + rxTruncated + txDropped;
    }


    @Override
    public void close() {
        sock.close();
        arena.close();
    }
}

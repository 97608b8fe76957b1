package io.netmap4j.user;

import io.netmap4j.abi.ErrnoException;
import io.netmap4j.abi.LibC;
import io.netmap4j.core.NetmapException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static io.netmap4j.abi.gen.NetmapAbi.O_CLOEXEC;
import static io.netmap4j.abi.gen.NetmapAbi.O_NONBLOCK;
import static io.netmap4j.abi.gen.NetmapAbi.O_RDWR;

/**
 * The pollable side of a pipe end: a FIFO per end in the shared-memory directory, which works
 * between threads of one JVM and between processes alike. The owner polls its own FIFO for
 * POLLIN and drains it after waking; the peer writes one byte into it, and only when the owner
 * announced in shared memory that it is about to sleep, so a pair that keeps each other busy
 * never touches the FIFOs.
 *
 * <p>Both FIFOs are opened read-write and non-blocking: opening a FIFO that way never waits for
 * the other side, and a write into a FIFO whose owner has not opened it yet (or whose buffer is
 * full, meaning a wake-up is already pending) simply does nothing useful and is ignored.
 */
final class Doorbell implements AutoCloseable {
    private final int own;
    private final int peer;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment scratch = arena.allocate(64);

    private Doorbell(int own, int peer) {
        this.own = own;
        this.peer = peer;
    }

    static Doorbell open(String ownPath, String peerPath, String what) throws NetmapException {
        int own = -1;
        try {
            own = LibC.open(ownPath, O_RDWR() | O_NONBLOCK() | O_CLOEXEC(), 0);
            int peer = LibC.open(peerPath, O_RDWR() | O_NONBLOCK() | O_CLOEXEC(), 0);
            Doorbell bell = new Doorbell(own, peer);
            bell.drain(); // a leftover byte from an earlier user of this end
            return bell;
        } catch (ErrnoException e) {
            LibC.closeQuietly(own);
            throw new NetmapException(what + ": cannot open the doorbell FIFOs " + ownPath + " and " + peerPath
                    + " (" + e.getMessage() + ")", e.errno(), e);
        }
    }

    /** The descriptor to poll for POLLIN. */
    int fd() {
        return own;
    }

    /** Wakes the peer. One byte is enough: the peer only needs its poll to return. */
    void ringPeer() {
        scratch.set(java.lang.foreign.ValueLayout.JAVA_BYTE, 0, (byte) 1);
        LibC.write(peer, scratch, 1);
    }

    /** Empties this end's FIFO so that the next poll blocks again. */
    void drain() {
        while (LibC.read(own, scratch, scratch.byteSize()) == scratch.byteSize()) {
            // keep reading until the FIFO is empty (EAGAIN or a short read)
        }
    }

    @Override
    public void close() {
        LibC.closeQuietly(own);
        LibC.closeQuietly(peer);
        arena.close();
    }
}

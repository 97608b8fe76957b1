package io.netmap4j.user;

import io.netmap4j.abi.Errno;
import io.netmap4j.abi.ErrnoException;
import io.netmap4j.abi.LibC;
import io.netmap4j.core.NetmapException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.function.IntFunction;

import static io.netmap4j.abi.gen.NetmapAbi.O_CLOEXEC;
import static io.netmap4j.abi.gen.NetmapAbi.O_NONBLOCK;
import static io.netmap4j.abi.gen.NetmapAbi.O_RDWR;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * The pollable side of one registration of a pipe end: a FIFO per registration in the
 * shared-memory directory, which works between threads of one JVM and between processes alike.
 * The owner polls its own FIFO for POLLIN and drains it after waking; the peer writes one byte
 * into it, and only when the owner announced in shared memory that it is about to sleep, so a
 * pair that keeps each other busy never touches the FIFOs.
 *
 * <p>Each registration has a FIFO of its own because several registrations of one end may sleep
 * at once, for different reasons (a reader on one thread, a writer on another): one that drains
 * its FIFO must not take away a byte meant for another. A registration makes its FIFO when it
 * opens; the peer opens it the first time it rings that registration, and keeps it: FIFOs are
 * removed only with the pipe, which lives as long as either end is open.
 *
 * <p>All FIFOs are opened read-write and non-blocking, and only if they are FIFOs of this user
 * that nobody else may open ({@link PrivateFiles}): opening a FIFO that way never waits for
 * the other side, and a write into a FIFO whose owner has not opened it yet (or whose buffer is
 * full, meaning a wake-up is already pending) simply does nothing useful and is ignored.
 *
 * <p>The same works for any set of peers (the ports of a VALE switch, the monitors of a port):
 * peers are numbered, and a function gives each one's FIFO. A FIFO a peer rang once is kept
 * open, so a FIFO must keep its path for as long as its file's users may ring it.
 *
 * <p>Public only for the backend's sub-packages; not an API.
 */
public final class Doorbell implements AutoCloseable {
    private static final VarHandle FDS = MethodHandles.arrayElementVarHandle(int[].class);

    private final int own;
    /** The peer's FIFO of each registration slot, -1 until first rung. */
    private final int[] peers;
    private final IntFunction<String> peerPaths;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment drainBuffer = arena.allocate(64);
    private final MemorySegment one = arena.allocate(1);
    /** write(2) calls made to wake the peer; written by the syncing threads, read by tests. */
    volatile long rings;

    /** write(2) calls made to wake peers (a diagnostic count). */
    public long rings() {
        return rings;
    }

    private Doorbell(int own, int peerCount, IntFunction<String> peerPaths) {
        this.own = own;
        this.peerPaths = peerPaths;
        this.peers = new int[peerCount];
        Arrays.fill(peers, -1);
        one.set(JAVA_BYTE, 0, (byte) 1);
    }

    /**
     * Makes (if needed) and opens this registration's FIFO {@code ownPath}. Called while the
     * registration holds its lock byte, so the pipe and its FIFOs cannot be removed meanwhile.
     */
    static Doorbell open(String ownPath, String[] peerPaths, String what) throws NetmapException {
        String[] paths = peerPaths.clone();
        return open(ownPath, paths.length, j -> paths[j], what);
    }

    /**
     * Makes (if needed) and opens the FIFO {@code ownPath}; peer j, for j below
     * {@code peerCount}, is rung through the FIFO {@code peerPath.apply(j)}.
     */
    public static Doorbell open(String ownPath, int peerCount, IntFunction<String> peerPath, String what)
            throws NetmapException {
        try {
            try {
                LibC.mkfifo(ownPath, 0600);
            } catch (ErrnoException e) {
                if (e.errno() != Errno.EEXIST) {
                    throw e;
                }
            }
            int own = PrivateFiles.open(ownPath, O_RDWR() | O_NONBLOCK() | O_CLOEXEC(), LibC.S_IFIFO, what,
                    PrivateFiles.DOORBELL);
            Doorbell bell = new Doorbell(own, peerCount, peerPath);
            bell.drain(); // a leftover byte for an earlier user of this registration slot
            return bell;
        } catch (ErrnoException e) {
            throw new NetmapException(what + ": cannot make or open the doorbell FIFO " + ownPath + " ("
                    + e.getMessage() + "). Check that " + UserBackend.SHM_DIR_PROPERTY + " names a writable directory",
                    e.errno(), e);
        }
    }

    /** The descriptor to poll for POLLIN. */
    public int fd() {
        return own;
    }

    /**
     * Wakes registration {@code registration} of the peer. One byte is enough: the peer only needs
     * its poll to return.
     */
    @SuppressWarnings("NonAtomicOperationOnVolatileField") // a diagnostic count; a lost increment is harmless
    public void ringPeer(int registration) {
        if (registration < 0 || registration >= peers.length) {
            // named by a sleep bit in shared memory that someone else set (a peer process breaking
            // the protocol): no such peer, nobody to wake
            return;
        }
        int fd = peers[registration];
        if (fd < 0) {
            fd = openPeer(registration);
        }
        LibC.write(fd, one, 1);
        rings++;
    }

    /**
     * Opens the peer's FIFO of one registration slot. Two threads (one syncing RX, one TX) may
     * get here at once: the first to store its descriptor wins, the other closes its own.
     */
    private int openPeer(int registration) {
        int fd;
        try {
            fd = PrivateFiles.open(peerPaths.apply(registration), O_RDWR() | O_NONBLOCK() | O_CLOEXEC(),
                    LibC.S_IFIFO, "doorbell", PrivateFiles.DOORBELL);
        } catch (ErrnoException | NetmapException e) {
            // no FIFO (the peer's registration is gone or broke the protocol), or something at its
            // path that is not our own FIFO: nobody to wake, and nothing to write into
            return -1;
        }
        int witness = (int) FDS.compareAndExchange(peers, registration, -1, fd);
        if (witness != -1) {
            LibC.closeQuietly(fd);
            return witness;
        }
        return fd;
    }

    /** Empties this registration's FIFO so that the next poll blocks again. */
    public void drain() {
        while (LibC.read(own, drainBuffer, drainBuffer.byteSize()) == drainBuffer.byteSize()) {
            // keep reading until the FIFO is empty (EAGAIN or a short read)
        }
    }

    @Override
    public void close() {
        LibC.closeQuietly(own);
        for (int j = 0; j < peers.length; j++) {
            LibC.closeQuietly((int) FDS.getAndSet(peers, j, -1));
        }
        arena.close();
    }
}

package io.netmap4j.user;

import io.netmap4j.abi.Errno;
import io.netmap4j.abi.ErrnoException;
import io.netmap4j.abi.LibC;
import io.netmap4j.core.NetmapException;
import io.netmap4j.core.ReadySet;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntFunction;
import java.util.function.IntToLongFunction;

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
 * its FIFO must not take away a byte meant for another. A registration makes its FIFO before it
 * first announces a sleep that the FIFO must answer; the peer opens it the first time it rings
 * that registration, and keeps it: FIFOs are removed only with the pipe, which lives as long as
 * either end is open.
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
 * <p>A peer that waits in an event loop's {@link ReadyBoard} says so in its {@link WaiterSlot};
 * ringing it then marks it in that board instead, which costs a system call only when the loop
 * itself sleeps (one for the whole loop, not one per port). Peers without a waiter slot (the
 * monitors of a pipe) are always rung through their FIFO.
 *
 * <p>Public only for the backend's sub-packages; not an API.
 */
public final class Doorbell implements AutoCloseable {
    private static final VarHandle FDS = MethodHandles.arrayElementVarHandle(int[].class);
    private static final VarHandle BOARDS = MethodHandles.arrayElementVarHandle(BoardView[].class);

    private final String ownPath;
    /** This registration's FIFO, -1 until first needed. */
    private volatile int own = -1;
    /** The peer's FIFO of each registration slot, -1 until first rung. */
    private final int[] peers;
    private final IntFunction<String> peerPaths;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment drainBuffer = arena.allocate(64);
    private final MemorySegment one = arena.allocate(1);
    /** The shared memory of the waiter slots (ours and the peers'), or null when there are none. */
    private final MemorySegment waiterMem;
    /** Our own waiter slot in waiterMem, or -1 when this registration cannot join a ready board. */
    private final long ownWaiter;
    /** Peers below this number have a waiter slot; the others are always rung through their FIFO. */
    private final int waiterPeers;
    /** The offset of the waiter slot of peer j, for j below waiterPeers. */
    private final IntToLongFunction peerWaiter;
    /** The directory of the ready boards the peers may name. */
    private final String boardDir;
    /** The view of the board each peer registration named last, null until one is marked. */
    private final BoardView[] boards;
    /** Views replaced while another thread may still be marking through them; released at close. */
    private final List<BoardView> retired = new ArrayList<>();
    /** write(2) calls made to wake the peer; written by the syncing threads, read by tests. */
    volatile long rings;

    private Doorbell(String ownPath, int peerCount, IntFunction<String> peerPaths, Waiters waiters) {
        this.ownPath = ownPath;
        this.peerPaths = peerPaths;
        this.peers = new int[peerCount];
        Arrays.fill(peers, -1);
        one.set(JAVA_BYTE, 0, (byte) 1);
        this.waiterMem = waiters == null ? null : waiters.mem();
        this.ownWaiter = waiters == null ? -1 : waiters.own();
        this.waiterPeers = waiters == null ? 0 : waiters.peers();
        this.peerWaiter = waiters == null ? j -> -1 : waiters.peer();
        this.boardDir = waiters == null ? null : waiters.boardDir();
        this.boards = new BoardView[waiterPeers];
        if (ownWaiter >= 0) {
            WaiterSlot.leave(waiterMem, ownWaiter); // what a registration that died in this slot left
        }
    }

    /**
     * Where the waiter slots of a registration and its peers are (see {@link WaiterSlot}).
     *
     * @param mem      the shared memory that holds them
     * @param own      the offset of this registration's own slot
     * @param peers    peers below this number have one (the others are always rung through their FIFO)
     * @param peer     the offset of peer j's slot, for j below {@code peers}
     * @param boardDir the directory where the ready boards the slots name are
     */
    public record Waiters(MemorySegment mem, long own, int peers, IntToLongFunction peer, String boardDir) { }

    /** write(2) calls made to wake peers (a diagnostic count). */
    public long rings() {
        return rings;
    }

    /**
     * Makes (if needed) and opens the FIFO {@code ownPath}; peer j, for j below
     * {@code peerCount}, is rung through the FIFO {@code peerPath.apply(j)}. Called while the
     * caller holds its lock byte, so its FIFO cannot be removed meanwhile.
     */
    public static Doorbell open(String ownPath, int peerCount, IntFunction<String> peerPath, String what)
            throws NetmapException {
        Doorbell bell = new Doorbell(ownPath, peerCount, peerPath, null);
        try {
            bell.ensureOwn(what);
        } catch (NetmapException e) {
            bell.close();
            throw e;
        }
        return bell;
    }

    /**
     * The doorbell of a registration that may wait in an event loop's ready board: its own FIFO
     * {@code ownPath} is made the first time it is needed ({@link #ensureOwn}), so one that waits
     * in a board costs no FIFO and no descriptor; peers whose waiter slot names a board are
     * marked there rather than rung.
     */
    public static Doorbell lazy(String ownPath, int peerCount, IntFunction<String> peerPath, Waiters waiters) {
        return new Doorbell(ownPath, peerCount, peerPath, waiters);
    }

    /**
     * Asks the peers to mark this registration in {@code set} as {@code member} instead of
     * ringing its FIFO, if {@code set} is a ready board it can join (one of the directory its
     * waiter slots' boards are in).
     *
     * @return false when it cannot: it keeps waiting on its FIFO
     */
    public boolean join(ReadySet set, int member) {
        if (ownWaiter < 0 || !(set instanceof ReadyBoard board) || !board.dir().equals(boardDir)) {
            return false;
        }
        WaiterSlot.join(waiterMem, ownWaiter, board.id(), member);
        return true;
    }

    /** Asks the peers to ring this registration's FIFO again. */
    public void leave() {
        if (ownWaiter >= 0) {
            WaiterSlot.leave(waiterMem, ownWaiter);
        }
    }

    /**
     * Makes (if needed) and opens this registration's FIFO, before the registration first
     * announces a sleep that a peer answers through it. Called while the registration holds its
     * lock byte, so the pipe and its FIFOs cannot be removed meanwhile.
     *
     * @throws NetmapException if the FIFO cannot be made or opened
     */
    public synchronized void ensureOwn(String what) throws NetmapException {
        if (own >= 0) {
            return;
        }
        try {
            try {
                LibC.mkfifo(ownPath, 0600);
            } catch (ErrnoException e) {
                if (e.errno() != Errno.EEXIST) {
                    throw e;
                }
            }
            own = PrivateFiles.open(ownPath, O_RDWR() | O_NONBLOCK() | O_CLOEXEC(), LibC.S_IFIFO, what,
                    PrivateFiles.DOORBELL);
            drain(); // a leftover byte for an earlier user of this registration slot
        } catch (ErrnoException e) {
            throw new NetmapException(what + ": cannot make or open the doorbell FIFO " + ownPath + " ("
                    + e.getMessage() + "). Check that " + UserBackend.SHM_DIR_PROPERTY + " names a writable directory",
                    e.errno(), e);
        }
    }

    /** The descriptor to poll for POLLIN, -1 until {@link #ensureOwn} made it. */
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
        if (registration < waiterPeers && markPeer(registration)) {
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
     * Marks peer registration {@code registration} in the ready board its waiter slot names.
     *
     * @return false if it names none that can be marked: ring its FIFO instead
     */
    @SuppressWarnings("NonAtomicOperationOnVolatileField") // as in ringPeer
    private boolean markPeer(int registration) {
        long slot = peerWaiter.applyAsLong(registration);
        long boardId = WaiterSlot.board(waiterMem, slot);
        if (boardId == 0) {
            return false;
        }
        BoardView view = boardOf(registration, boardId);
        if (view == null) {
            return false;
        }
        int marked = view.mark(WaiterSlot.member(waiterMem, slot));
        if (marked == BoardView.MARKED_AND_RANG) {
            rings++;
        }
        return marked != BoardView.NOT_A_MEMBER;
    }

    /**
     * The view of board {@code boardId}, kept per peer registration. Two syncing threads may
     * look at once: one view wins; a view replaced because the peer moved to another board is
     * kept until close, since the other thread may be marking through it.
     */
    private BoardView boardOf(int registration, long boardId) {
        BoardView known = (BoardView) BOARDS.getAcquire(boards, registration);
        if (known != null && known.id == boardId) {
            return known;
        }
        BoardView fresh = BoardView.acquire(boardDir, boardId);
        if (fresh == null) {
            return null;
        }
        BoardView witness = (BoardView) BOARDS.compareAndExchange(boards, registration, known, fresh);
        if (witness != known) {
            fresh.release();
            return witness != null && witness.id == boardId ? witness : null;
        }
        if (known != null) {
            synchronized (retired) {
                retired.add(known);
            }
        }
        return fresh;
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
        int fd = own;
        while (fd >= 0 && LibC.read(fd, drainBuffer, drainBuffer.byteSize()) == drainBuffer.byteSize()) {
            // keep reading until the FIFO is empty (EAGAIN or a short read)
        }
    }

    @Override
    public void close() {
        LibC.closeQuietly(own); // -1 when never made: ignored
        for (int j = 0; j < peers.length; j++) {
            LibC.closeQuietly((int) FDS.getAndSet(peers, j, -1));
        }
        for (int j = 0; j < boards.length; j++) {
            BoardView view = (BoardView) BOARDS.getAndSet(boards, j, (BoardView) null);
            if (view != null) {
                view.release();
            }
        }
        synchronized (retired) {
            retired.forEach(BoardView::release);
            retired.clear();
        }
        arena.close();
    }
}

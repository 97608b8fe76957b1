package io.netmap4j.user;

import io.netmap4j.core.NetmapException;

import io.netmap4j.abi.ErrnoException;
import io.netmap4j.abi.LibC;
import io.netmap4j.abi.gen.stat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.util.HashMap;
import java.util.Map;

import static io.netmap4j.abi.gen.NetmapAbi.MAP_SHARED;
import static io.netmap4j.abi.gen.NetmapAbi.O_CLOEXEC;
import static io.netmap4j.abi.gen.NetmapAbi.O_NONBLOCK;
import static io.netmap4j.abi.gen.NetmapAbi.O_RDWR;
import static io.netmap4j.abi.gen.NetmapAbi.PROT_READ;
import static io.netmap4j.abi.gen.NetmapAbi.PROT_WRITE;
import static io.netmap4j.user.ReadyBoard.ASLEEP;
import static io.netmap4j.user.ReadyBoard.CAPACITY;
import static io.netmap4j.user.ReadyBoard.MARKS;
import static io.netmap4j.user.ReadyBoard.SIZE;
import static io.netmap4j.user.ReadyBoard.SUMMARY;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A waker's view of a {@link ReadyBoard}: its memory, where {@link #mark} sets a member's bit,
 * and its FIFO, written when the owner sleeps. One view per board per process, shared by every
 * port that wakes members of that board and counted, so that a process whose thousand pipes
 * lead to one event loop maps that loop's board once and holds one descriptor for it. The
 * owner's own board is found here too, so wakers in its process use its mapping.
 *
 * <p>A view of another process's board is checked when it is mapped (a regular file of the
 * board's size, with its magic, version and capacity); the id that names it came from shared
 * memory and may be a lie, which then costs a failed open and the FIFO fallback, nothing else.
 */
final class BoardView {
    private static final VarHandle LONG = JAVA_LONG.varHandle();
    private static final VarHandle INT = JAVA_INT.varHandle();
    /** S_IFMT and S_IFREG of st_mode (sys/stat.h; the same on every Linux). */
    private static final int S_IFMT = 0170000;
    private static final int S_IFREG = 0100000;

    /** Views in use in this process, by board id. */
    private static final Map<Long, BoardView> VIEWS = new HashMap<>();

    /** Result of {@link #mark}: the member number is not one of this board. */
    static final int NOT_A_MEMBER = -1;
    /** Result of {@link #mark}: marked; the owner is awake or someone else rang. */
    static final int MARKED = 0;
    /** Result of {@link #mark}: marked, and the owner was asleep, so its FIFO was written. */
    static final int MARKED_AND_RANG = 1;

    final long id;
    private final MemorySegment mem;
    private final String fifoPath;
    private final MemorySegment one;
    /** Guarded by this: the FIFO is opened on first need and closed with the last reference. */
    private int fifo = -1;
    private boolean closed;
    /** Guarded by VIEWS. */
    private int references;

    private BoardView(long id, MemorySegment mem, String fifoPath) {
        this.id = id;
        this.mem = mem;
        this.fifoPath = fifoPath;
        this.one = Arena.ofAuto().allocate(1);
        one.set(JAVA_BYTE, 0, (byte) 1);
    }

    /** Makes the view of a board its owner just created in this process (one reference: the owner's). */
    static BoardView publish(long id, MemorySegment mem, String fifoPath) {
        BoardView view = new BoardView(id, mem, fifoPath);
        synchronized (VIEWS) {
            view.references = 1;
            VIEWS.put(id, view);
        }
        return view;
    }

    /**
     * The view of board {@code id} in {@code dir}, mapped on first use in this process; null if
     * there is no such board (or what is there is not one). Each non-null result must be
     * {@linkplain #release() released}.
     */
    static BoardView acquire(String dir, long id) {
        if (id == 0) {
            return null;
        }
        synchronized (VIEWS) {
            BoardView view = VIEWS.get(id);
            if (view == null) {
                view = map(dir, id);
                if (view == null) {
                    return null;
                }
                VIEWS.put(id, view);
            }
            view.references++;
            return view;
        }
    }

    /** Gives back one reference; the last one closes the FIFO (the mapping goes with the garbage). */
    void release() {
        synchronized (VIEWS) {
            if (--references > 0) {
                return;
            }
            VIEWS.remove(id, this);
        }
        synchronized (this) {
            closed = true;
            LibC.closeQuietly(fifo);
            fifo = -1;
        }
    }

    private static BoardView map(String dir, long id) {
        String base = dir + "/" + ReadyBoard.baseName(id);
        int fd;
        try {
            // only a board this user made for itself, never through a link (PrivateFiles)
            fd = PrivateFiles.open(base + ".shm", O_RDWR() | O_CLOEXEC(), S_IFREG, "a ready-board mark",
                    PrivateFiles.BOARD);
        } catch (ErrnoException | NetmapException e) {
            return null; // gone, never was, or not ours to open: the sweep finds the port instead
        }
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment st = scratch.allocate(stat.layout());
            LibC.fstat(fd, st);
            if ((stat.st_mode(st) & S_IFMT) != S_IFREG || stat.st_size(st) != SIZE) {
                return null;
            }
            MemorySegment raw = LibC.mmap(SIZE, PROT_READ() | PROT_WRITE(), MAP_SHARED(), fd, 0);
            long address = raw.address();
            // unmapped when the view is garbage: no waker can then be marking through it
            MemorySegment mem = raw.reinterpret(SIZE, Arena.ofAuto(),
                    ignored -> LibC.munmapQuietly(MemorySegment.ofAddress(address).reinterpret(SIZE)));
            if (!ReadyBoard.validHeader(mem)) {
                return null;
            }
            return new BoardView(id, mem, base + ".fifo");
        } catch (ErrnoException e) {
            return null;
        } finally {
            LibC.closeQuietly(fd); // the mapping stays
        }
    }

    /**
     * Marks {@code member} and, if the owner announced that it sleeps, wakes it (one write(2)
     * for the whole board, by whoever takes the announcement).
     *
     * <p>The bit is set before the summary bit that leads the owner to it, and the owner clears
     * the summary before it reads the bits, so no mark is lost between the two; a summary bit
     * left over after its mark was taken costs the owner one empty read. The atomic or on the
     * summary (a full barrier) comes before the load of the owner's sleep flag, as the owner's
     * atomic write of that flag comes before its loads of the summary: either the owner sees the
     * mark and does not sleep, or this sees the flag and rings. A member already marked is left
     * to whoever marked it, who does both.
     *
     * @return {@link #MARKED_AND_RANG}, {@link #MARKED} or {@link #NOT_A_MEMBER}
     */
    int mark(int member) {
        if (member < 0 || member >= CAPACITY) {
            return NOT_A_MEMBER;
        }
        int word = member >>> 6;
        long bit = 1L << member;
        long before = (long) LONG.getAndBitwiseOr(mem, MARKS + 8L * word, bit);
        if ((before & bit) != 0) {
            return MARKED;
        }
        LONG.getAndBitwiseOr(mem, SUMMARY + 8L * (word >>> 6), 1L << word);
        if ((int) INT.getVolatile(mem, ASLEEP) != 0 && INT.compareAndSet(mem, ASLEEP, 1, 0)) {
            ring();
            return MARKED_AND_RANG;
        }
        return MARKED;
    }

    /** One byte into the owner's FIFO: its poll returns. */
    private synchronized void ring() {
        if (closed) {
            return;
        }
        if (fifo < 0) {
            try {
                fifo = PrivateFiles.open(fifoPath, O_RDWR() | O_NONBLOCK() | O_CLOEXEC(), LibC.S_IFIFO,
                        "a ready-board wake-up", PrivateFiles.DOORBELL);
            } catch (ErrnoException | NetmapException e) {
                return; // the owner is gone (or the FIFO is not its own): nobody to wake; its sweep covers it
            }
        }
        LibC.write(fifo, one, 1); // EAGAIN: the FIFO is full, a wake-up is pending anyway
    }

    /** Views mapped in this process (for tests). */
    static int viewsInUse() {
        synchronized (VIEWS) {
            return VIEWS.size();
        }
    }
}

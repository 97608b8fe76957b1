package io.netmap4j.user;

import io.netmap4j.abi.Errno;
import io.netmap4j.abi.ErrnoException;
import io.netmap4j.abi.LibC;
import io.netmap4j.abi.gen.flock;
import io.netmap4j.core.NetmapException;
import io.netmap4j.core.ReadySet;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.util.BitSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.IntConsumer;

import static io.netmap4j.abi.NetmapConstants.POLLIN;
import static io.netmap4j.abi.gen.NetmapAbi.F_OFD_SETLK;
import static io.netmap4j.abi.gen.NetmapAbi.F_WRLCK;
import static io.netmap4j.abi.gen.NetmapAbi.MAP_SHARED;
import static io.netmap4j.abi.gen.NetmapAbi.O_CLOEXEC;
import static io.netmap4j.abi.gen.NetmapAbi.O_CREAT;
import static io.netmap4j.abi.gen.NetmapAbi.O_EXCL;
import static io.netmap4j.abi.gen.NetmapAbi.O_NONBLOCK;
import static io.netmap4j.abi.gen.NetmapAbi.O_RDWR;
import static io.netmap4j.abi.gen.NetmapAbi.PROT_READ;
import static io.netmap4j.abi.gen.NetmapAbi.PROT_WRITE;
import static io.netmap4j.abi.gen.NetmapAbi.SEEK_SET;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The user backend's {@link ReadySet}: a small shared-memory file per owner (an event loop),
 * {@code netmap4j-%ready-ID.shm} in the shared-memory directory, where the peers of its member
 * ports, in this process or another, mark the members they made ready; and a FIFO beside it
 * ({@code .fifo}) that they write only when the owner announced that it sleeps.
 *
 * <pre>
 * 0       magic "NM4JREDY", version, capacity
 * 64      ASLEEP: 1 while the owner may be blocked in poll(2) (its own cache line)
 * 128     summary: bit w set when mark word w may have bits (CAPACITY / 4096 words)
 * 256     marks: bit m set when member m was marked (CAPACITY / 64 words)
 * </pre>
 *
 * A member that wants to be marked says so in its port's shared memory ({@link WaiterSlot}),
 * next to the sleep bits its peer already reads, so the peer's cost while the owner is awake
 * is two atomic ors on this board per idle-to-ready change of a member, and no system call.
 *
 * <h2>Joining</h2>
 * Pipe ends ({@link UserPipePort}) and VALE ports ({@code io.netmap4j.user.vale}, through
 * {@link DoorbellPort}) join boards; any port kind whose registrations sleep behind sleep bits
 * and a {@link Doorbell} can, in three steps:
 * <ol>
 *   <li>give each registration (each doorbell number) a {@link WaiterSlot} in shared memory that
 *       its wakers map;</li>
 *   <li>make its {@link Doorbell} {@linkplain Doorbell#lazy lazily}, with {@link Doorbell.Waiters}
 *       naming its own slot and the peers' ones: {@code ringPeer(j)} then marks registration j
 *       in the board its slot names, and writes its FIFO only when the slot names no board that
 *       can be marked;</li>
 *   <li>let {@code NetmapPort.joinReadySet} call {@link Doorbell#join} and remember that it
 *       joined (a joined registration needs no FIFO: call {@link Doorbell#ensureOwn} before
 *       announcing a sleep only when it has not joined), and {@code leaveReadySet}
 *       {@link Doorbell#leave}. {@link DoorbellPort} does this step.</li>
 * </ol>
 * The sleep-bit handshake stays as it is (the sleeper announces, then looks again; the waker
 * publishes, fences, then reads the bits), so no wake-up is lost: only what the waker does with
 * the bits it took changes. Interfaces ({@code io.netmap4j.user.nic}) cannot join: their peer is
 * the kernel, which makes their socket readable instead of marking a board; an event loop syncs
 * them on every iteration (it holds a few). Monitors do not join either: their doorbells are
 * rung through their FIFOs.
 *
 * <p>The owner holds a byte lock on the file while it lives, so that the stale-region sweeper
 * removes a board (and its FIFO) left by a process that died, and never a live one; the name
 * cannot be a pipe region's (those escape '%' as %25). The memory is unmapped only when no view
 * of it is left, so a waker in this process that marks just as the owner closes touches mapped
 * memory.
 */
public final class ReadyBoard extends ReadySet {
    static final long MAGIC = 0x4E4D344A52454459L; // "NM4JREDY"
    static final int VERSION = 1;
    /** Members of one board; a loop with more ports waits on the rest without a board. */
    static final int CAPACITY = 1 << 16;
    static final long H_MAGIC = 0;
    static final long H_VERSION = 8;
    static final long H_CAPACITY = 12;
    static final long ASLEEP = 64;
    static final long SUMMARY = 128;
    static final long MARKS = 256;
    /** The header, ASLEEP, summary and marks (8448 bytes), in whole pages. */
    static final long SIZE = 12288;
    private static final int MARK_WORDS = CAPACITY / 64;
    private static final int MEMBERS_PER_SUMMARY_WORD = 64 * 64;

    private static final VarHandle LONG = JAVA_LONG.varHandle();
    private static final VarHandle INT = JAVA_INT.varHandle();

    private final String dir;
    private final String path;
    private final String fifoPath;
    private final long id;
    private final int fd;
    private final int fifo;
    private final MemorySegment mem;
    private final BoardView view;
    private final MemorySegment drainBuffer = Arena.ofAuto().allocate(64);
    private final BitSet members = new BitSet();
    /** Summary words that may hold marks of members in use: those up to the highest member ever used. */
    private int summaryWords;
    private boolean closed;

    private ReadyBoard(String dir, String path, String fifoPath, long id, int fd, int fifo, MemorySegment mem) {
        this.dir = dir;
        this.path = path;
        this.fifoPath = fifoPath;
        this.id = id;
        this.fd = fd;
        this.fifo = fifo;
        this.mem = mem;
        this.view = BoardView.publish(id, mem, fifoPath);
    }

    /** The file name (without .shm or .fifo) of board {@code id}. */
    static String baseName(long id) {
        return String.format("netmap4j-%%ready-%016x", id);
    }

    /**
     * Makes a board in {@code dir}: the file (mode 0600, a new random id), its lock, and its FIFO.
     *
     * @throws NetmapException if the directory has no room or is not writable, or descriptors ran out
     */
    public static ReadyBoard create(String dir) throws NetmapException {
        for (int attempt = 0; attempt < 16; attempt++) {
            long id = ThreadLocalRandom.current().nextLong();
            if (id == 0) {
                continue;
            }
            String base = dir + "/" + baseName(id);
            String path = base + ".shm";
            String fifoPath = base + ".fifo";
            int fd;
            try {
                fd = LibC.open(path, O_RDWR() | O_CREAT() | O_EXCL() | O_CLOEXEC(), 0600);
            } catch (ErrnoException e) {
                if (e.errno() == Errno.EEXIST) {
                    continue;
                }
                throw failure(path, e);
            }
            int fifo = -1;
            try {
                lockByte(fd);
                LibC.ftruncate(fd, SIZE);
                RegionFile.reserve(fd, 0, SIZE);
                MemorySegment raw = LibC.mmap(SIZE, PROT_READ() | PROT_WRITE(), MAP_SHARED(), fd, 0);
                long address = raw.address();
                MemorySegment mem = raw.reinterpret(SIZE, Arena.ofAuto(),
                        ignored -> LibC.munmapQuietly(MemorySegment.ofAddress(address).reinterpret(SIZE)));
                mem.set(JAVA_INT, H_VERSION, VERSION);
                mem.set(JAVA_INT, H_CAPACITY, CAPACITY);
                LONG.setRelease(mem, H_MAGIC, MAGIC);
                LibC.mkfifo(fifoPath, 0600);
                fifo = PrivateFiles.open(fifoPath, O_RDWR() | O_NONBLOCK() | O_CLOEXEC(), LibC.S_IFIFO, path,
                        PrivateFiles.DOORBELL);
                return new ReadyBoard(dir, path, fifoPath, id, fd, fifo, mem);
            } catch (ErrnoException | NetmapException e) {
                LibC.closeQuietly(fifo);
                LibC.unlink(fifoPath);
                LibC.unlink(path);
                LibC.closeQuietly(fd);
                throw e instanceof ErrnoException errno ? failure(path, errno) : (NetmapException) e;
            }
        }
        throw new NetmapException("cannot make a ready board in " + dir + ": every name tried exists");
    }

    private static NetmapException failure(String path, ErrnoException e) {
        return new NetmapException("cannot make the ready board " + path + " that an event loop needs to wait on "
                + "many user-space ports (" + e.getMessage() + "). Check that " + UserBackend.SHM_DIR_PROPERTY
                + " names a writable directory with room, and the limit on open files", e.errno(), e);
    }

    /** Holds byte 0 for as long as the descriptor is open: the stale-region sweeper's sign of life. */
    private static void lockByte(int fd) throws ErrnoException {
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment fl = scratch.allocate(flock.layout());
            flock.l_type(fl, (short) F_WRLCK());
            flock.l_whence(fl, (short) SEEK_SET());
            flock.l_start(fl, 0);
            flock.l_len(fl, 1);
            int r = LibC.fcntlLock(fd, F_OFD_SETLK(), fl);
            if (r != 0) {
                throw new ErrnoException("fcntl(F_OFD_SETLK)", -r);
            }
        }
    }

    /** True if {@code mem} starts with a board header of this version. */
    static boolean validHeader(MemorySegment mem) {
        return (long) LONG.getAcquire(mem, H_MAGIC) == MAGIC && mem.get(JAVA_INT, H_VERSION) == VERSION
                && mem.get(JAVA_INT, H_CAPACITY) == CAPACITY;
    }

    /** The id that members write into their waiter slots. */
    long id() {
        return id;
    }

    /** The directory of the board: only ports whose regions are there can join it. */
    String dir() {
        return dir;
    }

    /** The board file (for tests and diagnostics). */
    public String path() {
        return path;
    }

    @Override
    public int addMember() {
        int m = members.nextClearBit(0);
        if (m >= CAPACITY || closed) {
            return -1;
        }
        members.set(m);
        summaryWords = Math.max(summaryWords, m / MEMBERS_PER_SUMMARY_WORD + 1);
        return m;
    }

    @Override
    public void removeMember(int member) {
        if (member >= 0) {
            members.clear(member);
        }
    }

    /** Members in use (for tests). */
    public int memberCount() {
        return members.cardinality();
    }

    @Override
    public void takeMarked(IntConsumer marked) {
        for (int s = 0; s < summaryWords; s++) {
            long at = SUMMARY + 8L * s;
            if ((long) LONG.getAcquire(mem, at) == 0) {
                continue;
            }
            long summary = (long) LONG.getAndSet(mem, at, 0L);
            while (summary != 0) {
                int word = s * 64 + Long.numberOfTrailingZeros(summary);
                summary &= summary - 1;
                long marks = (long) LONG.getAndSet(mem, MARKS + 8L * word, 0L);
                while (marks != 0) {
                    int member = word * 64 + Long.numberOfTrailingZeros(marks);
                    marks &= marks - 1;
                    marked.accept(member);
                }
            }
        }
    }

    /**
     * The atomic write of ASLEEP (a full barrier) comes before the loads of the summary, as a
     * marker's atomic or of the summary comes before its load of ASLEEP (see
     * {@link BoardView#mark}). Only the summary words of members in use are looked at: a bit
     * beyond them (a peer that lied) must not keep the owner from sleeping.
     */
    @Override
    public boolean prepareToSleep() {
        INT.getAndSet(mem, ASLEEP, 1);
        for (int s = 0; s < summaryWords; s++) {
            if ((long) LONG.getVolatile(mem, SUMMARY + 8L * s) != 0) {
                INT.setVolatile(mem, ASLEEP, 0);
                return false;
            }
        }
        return true;
    }

    @Override
    public int fd() {
        return fifo;
    }

    @Override
    public void completeSleep(int revents) {
        INT.setVolatile(mem, ASLEEP, 0);
        if ((revents & POLLIN) != 0) {
            // A waker that took ASLEEP just before we cleared it may write after this: the next
            // sleep then returns at once and looks again, which is harmless.
            while (LibC.read(fifo, drainBuffer, drainBuffer.byteSize()) == drainBuffer.byteSize()) {
                // until the FIFO is empty
            }
        }
    }

    /**
     * Removes the file and FIFO and closes the descriptors; wakers that still hold a view mark
     * memory nobody reads, and their writes to the FIFO go nowhere.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        LibC.unlink(fifoPath);
        LibC.unlink(path);
        LibC.closeQuietly(fifo);
        LibC.closeQuietly(fd);
        view.release();
    }

    @Override
    public String toString() {
        return "ReadyBoard(" + path + ", " + members.cardinality() + " members)";
    }
}

package io.netmap4j.user;

import io.netmap4j.abi.LibC;
import io.netmap4j.core.NetmapException;
import io.netmap4j.core.NetmapPort;
import io.netmap4j.core.NetmapRing;
import io.netmap4j.spec.PortSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.netmap4j.abi.NetmapConstants.POLLIN;
import static io.netmap4j.user.PipeLayout.SLAVE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ready board: marks are taken once each, a pending mark keeps the owner awake and a mark
 * while it sleeps writes its FIFO once; what comes from shared memory is distrusted (member
 * numbers, board ids, files that are not boards, bits where no member is); and a peer in another
 * process marks a member across the process boundary.
 */
class ReadyBoardTest {
    private static final AtomicInteger NEXT = new AtomicInteger();
    private final List<AutoCloseable> opened = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = opened.size() - 1; i >= 0; i--) {
            opened.get(i).close();
        }
    }

    private ReadyBoard board() throws NetmapException {
        ReadyBoard b = ReadyBoard.create(UserBackend.shmDir());
        opened.add(b);
        return b;
    }

    private UserPipePort open(String name) throws NetmapException {
        UserPipePort p = (UserPipePort) UserBackend.INSTANCE.open(PortSpec.parse(name));
        opened.add(p);
        return p;
    }

    private static String parent() {
        return "netmap:rb" + ProcessHandle.current().pid() + "x" + NEXT.incrementAndGet();
    }

    private static List<Integer> take(ReadyBoard b) {
        List<Integer> taken = new ArrayList<>();
        b.takeMarked(taken::add);
        return taken;
    }

    /** True if {@code fd} is readable now. */
    private static boolean readable(int fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment pfd = a.allocate(LibC.POLLFD_SIZE, 8);
            pfd.set(JAVA_INT, 0, fd);
            pfd.set(JAVA_SHORT, 4, (short) POLLIN);
            return LibC.poll(pfd, 1, 0) == 1;
        }
    }

    private static void send(NetmapPort producer) throws NetmapException {
        NetmapRing tx = producer.txRing(0);
        tx.len(tx.head(), 60);
        tx.advance(tx.next(tx.head()));
        producer.txSync();
    }

    @Test
    void marksAreTakenOnceEachInEveryWordOfTheBoard() throws Exception {
        ReadyBoard b = board();
        for (int i = 0; i < 5000; i++) {
            assertEquals(i, b.addMember());
        }
        BoardView view = BoardView.acquire(UserBackend.shmDir(), b.id());
        try {
            int[] members = {0, 63, 64, 4095, 4096, 4999};
            for (int m : members) {
                assertEquals(BoardView.MARKED, view.mark(m));
                assertEquals(BoardView.MARKED, view.mark(m), "a second mark of the same member changes nothing");
            }
            assertEquals(List.of(0, 63, 64, 4095, 4096, 4999), take(b));
            assertEquals(List.of(), take(b), "each mark is taken once");
        } finally {
            view.release();
        }
        b.removeMember(63);
        assertEquals(63, b.addMember(), "a number given back is used again");
    }

    @Test
    void aPendingMarkKeepsTheOwnerAwakeAndAMarkWhileItSleepsRingsOnce() throws Exception {
        ReadyBoard b = board();
        b.addMember();
        b.addMember();
        BoardView view = BoardView.acquire(UserBackend.shmDir(), b.id());
        try {
            view.mark(1);
            assertFalse(b.prepareToSleep(), "a mark is pending: do not sleep");
            assertEquals(List.of(1), take(b));
            assertTrue(b.prepareToSleep());
            assertFalse(readable(b.fd()));
            assertEquals(BoardView.MARKED_AND_RANG, view.mark(0), "the owner sleeps: the first mark rings");
            assertEquals(BoardView.MARKED, view.mark(1), "the second does not ring again");
            assertTrue(readable(b.fd()));
            b.completeSleep(POLLIN);
            assertFalse(readable(b.fd()), "completeSleep emptied the FIFO");
            assertEquals(List.of(0, 1), take(b));
            assertEquals(BoardView.MARKED, view.mark(0), "awake: marking rings nobody");
            assertFalse(readable(b.fd()));
        } finally {
            view.release();
        }
    }

    @Test
    void whatSharedMemorySaysIsChecked() throws Exception {
        ReadyBoard b = board();
        for (int i = 0; i < 10; i++) {
            b.addMember();
        }
        BoardView view = BoardView.acquire(UserBackend.shmDir(), b.id());
        try {
            assertEquals(BoardView.NOT_A_MEMBER, view.mark(-1));
            assertEquals(BoardView.NOT_A_MEMBER, view.mark(ReadyBoard.CAPACITY));
            // a bit far beyond the members in use (a peer that lied): never taken, never keeps
            // the owner awake
            assertEquals(BoardView.MARKED, view.mark(60000));
            assertTrue(b.prepareToSleep(), "bits where no member is do not keep the owner awake");
            b.completeSleep(0);
            assertEquals(List.of(), take(b));
        } finally {
            view.release();
        }

        String dir = UserBackend.shmDir();
        assertNull(BoardView.acquire(dir, 0), "id 0 names no board");
        assertNull(BoardView.acquire(dir, 0x1234_5678_9abc_def0L), "no such file");
        long fake = 0x0bad_0bad_0bad_0badL;
        Path p = Path.of(dir, ReadyBoard.baseName(fake) + ".shm");
        try {
            Files.write(p, new byte[100]);
            assertNull(BoardView.acquire(dir, fake), "not the size of a board");
            Files.write(p, new byte[(int) ReadyBoard.SIZE]);
            assertNull(BoardView.acquire(dir, fake), "the size of a board, but no board header");
        } finally {
            Files.deleteIfExists(p);
        }
        assertEquals(0, BoardView.viewsInUse() - viewsOfOpenBoards(), "no view left mapped by failed lookups");
    }

    private int viewsOfOpenBoards() {
        int n = 0;
        for (AutoCloseable c : opened) {
            n += c instanceof ReadyBoard ? 1 : 0;
        }
        return n;
    }

    @Test
    void aPeerRingsTheFifoWhenTheWaiterSlotNamesNoUsableBoard() throws Exception {
        String name = parent();
        UserPipePort producer = open(name + "{0");
        UserPipePort consumer = open(name + "}0");
        ReadyBoard b = board();
        b.addMember();
        MemorySegment mem = consumer.region();
        long slot = PipeLayout.waiter(0, SLAVE, 0);

        // a member number the board does not have
        WaiterSlot.join(mem, slot, b.id(), ReadyBoard.CAPACITY + 5);
        assertEquals(0, consumer.prepareToSleep(POLLIN));
        send(producer);
        assertEquals(1, producer.doorbellWrites(), "fell back to the consumer's FIFO");
        assertTrue(readable(consumer.fd()));
        assertEquals(List.of(), take(b), "and marked nothing");
        assertEquals(POLLIN, consumer.completePoll(POLLIN, POLLIN) & POLLIN);
        consumer.rxRing(0).advance(consumer.rxRing(0).tail());

        // a board that does not exist
        WaiterSlot.join(mem, slot, 0x7777_0000_7777_0000L, 0);
        assertEquals(0, consumer.prepareToSleep(POLLIN));
        send(producer);
        assertEquals(2, producer.doorbellWrites(), "fell back to the consumer's FIFO again");
        assertTrue(readable(consumer.fd()));
        assertEquals(POLLIN, consumer.completePoll(POLLIN, POLLIN) & POLLIN);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aPeerInAnotherProcessMarksTheBoard() throws Exception {
        String name = parent();
        UserPipePort consumer = open(name + "}2");
        ReadyBoard b = board();
        int member = b.addMember();
        assertTrue(consumer.joinReadySet(b, member));
        long frames = 2000;
        Process child = PipePeer.start("send", name + "{2", Long.toString(frames));
        try {
            PipePeer.awaitReady(child);
            NetmapRing rx = consumer.rxRing(0);
            long received = 0;
            int wakeups = 0;
            while (received < frames) {
                int ready = consumer.readyOps(POLLIN);
                if (ready == 0) {
                    ready = consumer.prepareToSleep(POLLIN);
                    if (ready == 0) {
                        // armed: only a mark on the board, from the other process, brings it back
                        if (b.prepareToSleep()) {
                            try (Arena a = Arena.ofConfined()) {
                                MemorySegment pfd = a.allocate(LibC.POLLFD_SIZE, 8);
                                pfd.set(JAVA_INT, 0, b.fd());
                                pfd.set(JAVA_SHORT, 4, (short) POLLIN);
                                LibC.poll(pfd, 1, 10_000);
                                b.completeSleep(Short.toUnsignedInt(pfd.get(JAVA_SHORT, 6)));
                            }
                        }
                        List<Integer> marked = take(b);
                        assertEquals(List.of(member), marked, "the child marked our member");
                        wakeups++;
                        ready = consumer.completePoll(POLLIN, 0);
                    }
                }
                while (rx.cur() != rx.tail()) {
                    String problem = PipePeer.check(rx, rx.cur(), received);
                    assertNull(problem, problem);
                    received++;
                    rx.advance(rx.next(rx.cur()));
                }
            }
            consumer.rxSync(); // gives the last slots back: the child waits for them before it exits
            assertTrue(wakeups > 0, "waited on the board at least once");
            assertTrue(child.waitFor(20, TimeUnit.SECONDS));
            assertEquals(0, child.exitValue());
        } finally {
            child.destroyForcibly();
        }
    }
}

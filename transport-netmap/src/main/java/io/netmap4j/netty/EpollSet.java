package io.netmap4j.netty;

import io.netmap4j.abi.ErrnoException;
import io.netmap4j.abi.LibC;
import io.netmap4j.abi.LinuxCalls;
import io.netmap4j.user.nic.LinuxNet;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

/**
 * An epoll instance over the descriptors of many kernel ports, for {@link NetmapIoHandler}: the
 * kernel keeps the list of those that are ready, so a wait costs the same for ten thousand ports
 * as for ten. Each descriptor carries a number the caller chooses (its slot), which
 * {@link #wait} gives back with the events. Level-triggered, as poll(2): netmap's poll callback
 * runs the syncs whenever the kernel asks it, exactly as under poll(2).
 *
 * <p>Loop-confined: one thread at a time.
 */
final class EpollSet implements AutoCloseable {
    private static final long EVENT_SIZE = LinuxNet.EPOLL_EVENT_SIZE;
    /** In a struct epoll_event (packed on x86_64): u32 events, then the u64 data. */
    private static final long EVENTS = 0;
    private static final long DATA = 4;

    private final int epfd;
    private final MemorySegment scratch;
    private MemorySegment events;
    private int capacity;

    EpollSet() throws ErrnoException {
        this.epfd = LinuxCalls.epollCreate(LinuxNet.EPOLL_CLOEXEC);
        Arena arena = Arena.ofAuto();
        this.scratch = arena.allocate(EVENT_SIZE, 8);
        this.capacity = 64;
        this.events = arena.allocate(EVENT_SIZE * capacity, 8);
    }

    /** The epoll descriptor: readable when some descriptor in the set is ready. */
    int fd() {
        return epfd;
    }

    /** Adds {@code fd}, waiting for {@code pollEvents} (poll(2) bits, which epoll shares). */
    void add(int fd, int pollEvents, int slot) throws ErrnoException {
        control(LinuxNet.EPOLL_CTL_ADD, fd, pollEvents, slot);
    }

    void modify(int fd, int pollEvents, int slot) throws ErrnoException {
        control(LinuxNet.EPOLL_CTL_MOD, fd, pollEvents, slot);
    }

    /**
     * Removes {@code fd}. Call it only while {@code fd} is open: the kernel drops a closed file
     * from the set by itself, and the number may belong to another file by now.
     */
    void remove(int fd) {
        try {
            LinuxCalls.epollCtl(epfd, LinuxNet.EPOLL_CTL_DEL, fd, scratch);
        } catch (ErrnoException e) {
            // not in the set (or already gone): nothing to undo
        }
    }

    private void control(int op, int fd, int pollEvents, int slot) throws ErrnoException {
        scratch.set(JAVA_INT, EVENTS, pollEvents);
        scratch.set(JAVA_LONG_UNALIGNED, DATA, slot);
        LinuxCalls.epollCtl(epfd, op, fd, scratch);
    }

    /** Makes room for at least {@code n} events per {@link #wait}. */
    void ensureCapacity(int n) {
        if (n > capacity) {
            capacity = Math.max(n, capacity * 2);
            events = Arena.ofAuto().allocate(EVENT_SIZE * capacity, 8);
        }
    }

    /** epoll_wait: the number of ready descriptors (then {@link #slot}/{@link #events}), or -errno. */
    int wait(int timeoutMillis) {
        return LinuxCalls.epollWait(epfd, events, capacity, timeoutMillis);
    }

    /** The slot of the {@code i}-th ready descriptor of the last {@link #wait}. */
    int slot(int i) {
        return (int) events.get(JAVA_LONG_UNALIGNED, i * EVENT_SIZE + DATA);
    }

    /** The events (poll(2) bits) of the {@code i}-th ready descriptor of the last {@link #wait}. */
    int events(int i) {
        return events.get(JAVA_INT, i * EVENT_SIZE + EVENTS);
    }

    @Override
    public void close() {
        LibC.closeQuietly(epfd);
    }
}

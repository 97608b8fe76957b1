package io.netmap4j.core;

import java.util.function.IntConsumer;

/**
 * Where the peers of many ports tell one waiting thread which of those ports may have become
 * ready, so that the thread looks at those and leaves the others alone: for ports whose peers
 * live in user space, what an epoll instance's ready list is for kernel descriptors. A thread
 * that waits on thousands of ports (an event loop) then pays per iteration for the ports that
 * moved, not for all it holds.
 *
 * <p>One thread owns a set and does everything below; only the ports' peers touch it from
 * elsewhere (in this process or another), by marking members.
 *
 * <h2>Members</h2>
 * The owner numbers its ports with {@link #addMember()} and offers each its number with
 * {@link NetmapPort#joinReadySet}; a port that cannot join (its kind has no peer that could
 * mark it: a kernel port, an interface) says false and is waited on as before. For a member,
 * the four steps of {@link NetmapPort} change in one place: {@link NetmapPort#prepareToSleep}
 * arranges for the member to be <em>marked</em> here (instead of the port's descriptor becoming
 * readable), and the owner may leave it prepared ("armed") while it goes on working with other
 * ports: marking costs the peer no system call while the owner is awake. Then:
 * <ul>
 *   <li>{@link #takeMarked} gives the owner the members marked since it last asked; for each,
 *       it calls {@link NetmapPort#completePoll}{@code (ops, 0)} as usual, which syncs and says
 *       what is ready;</li>
 *   <li>a member that is not armed is looked at with {@link NetmapPort#readyOps} like any
 *       port;</li>
 *   <li>marks are hints: a mark for a member that is not armed, or one that finds nothing,
 *       costs one sync and nothing else. A peer that lies or dies may also fail to mark, so
 *       the owner must look at every armed member now and then (a bounded sweep with
 *       {@link NetmapPort#readyOps}), which is also how a member learns that its peer died.</li>
 * </ul>
 * A port leaves with {@link NetmapPort#leaveReadySet()} (after its last {@code completePoll}),
 * then the owner gives the number back with {@link #removeMember}. Closing a port leaves the
 * set by itself; its number must still be given back.
 *
 * <h2>Sleeping</h2>
 * Before blocking, the owner calls {@link #prepareToSleep()}: from then on a peer that marks a
 * member makes {@link #fd()} readable (one system call for the whole set, however many members
 * are marked). If it returns false a mark is already there and the owner must not block. After
 * poll(2), whatever happened, {@link #completeSleep(int)}.
 */
public abstract class ReadySet implements AutoCloseable {
    /**
     * A free member number, or -1 when the set is full (the port is then waited on as a port
     * that cannot join).
     */
    public abstract int addMember();

    /** Gives a member number back; a mark that still comes for it is harmless. */
    public abstract void removeMember(int member);

    /**
     * Calls {@code marked} with every member marked since the last call (each once), and
     * clears those marks. Allocates nothing.
     */
    public abstract void takeMarked(IntConsumer marked);

    /**
     * Announces that the owner is about to block: a mark from now on makes {@link #fd()}
     * readable. Returns false (announcing nothing) if a mark is already pending; the owner must
     * then take the marks instead of blocking.
     */
    public abstract boolean prepareToSleep();

    /** The descriptor to poll for POLLIN after {@link #prepareToSleep()} returned true. */
    public abstract int fd();

    /**
     * The owner is awake again: withdraws the announcement and empties {@link #fd()} if
     * {@code revents} (what poll(2) returned for it, 0 if not polled) says it was readable.
     */
    public abstract void completeSleep(int revents);

    /** Releases the set; its members should have left it. Idempotent. */
    @Override
    public abstract void close();
}

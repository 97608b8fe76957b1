package io.netmap4j.user;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Removes the pipe regions (and their doorbells) that processes left behind when they died
 * without closing their ports. A region is otherwise reclaimed only when its parent name is
 * opened again, and names that embed a process id never are, so the shared-memory directory
 * would fill up with them.
 *
 * <p>The backend asks for a sweep before each open; one actually runs at most once per
 * {@link #INTERVAL_NANOS} per JVM, so opening many ports costs one directory listing. Whether a
 * region is abandoned is decided by {@link RegionFile#removeIfAbandoned}, under the same file
 * lock that opens and closes take, with the same liveness test (byte locks that die with their
 * process): a region in use, or being opened this very moment, by any live process is never
 * touched. A sweep never fails an open; what it removed is logged at INFO.
 */
final class StaleRegionSweeper {
    static final long INTERVAL_NANOS = 60_000_000_000L;
    private static final System.Logger LOG = System.getLogger(StaleRegionSweeper.class.getName());
    private static final String PREFIX = "netmap4j-";
    private static final String SUFFIX = ".shm";

    private final long intervalNanos;
    /** When the next sweep may run (System.nanoTime); {@code Long.MIN_VALUE} means "now". */
    private final AtomicLong nextSweep = new AtomicLong(Long.MIN_VALUE);

    StaleRegionSweeper(long intervalNanos) {
        this.intervalNanos = intervalNanos;
    }

    /**
     * Sweeps {@code dir} unless a sweep ran less than the interval ago (or runs now in another
     * thread).
     *
     * @return the region files removed, empty if none or if it was not time
     */
    List<String> sweepIfDue(String dir) {
        long now = System.nanoTime();
        long next = nextSweep.get();
        if (next != Long.MIN_VALUE && now - next < 0 || !nextSweep.compareAndSet(next, now + intervalNanos)) {
            return List.of();
        }
        return sweep(dir);
    }

    /** Lets the next {@link #sweepIfDue} run whatever the time (for tests). */
    void allowNextSweep() {
        nextSweep.set(Long.MIN_VALUE);
    }

    /** Sweeps {@code dir} now: removes every abandoned {@code netmap4j-*.shm} and its doorbells. */
    static List<String> sweep(String dir) {
        List<String> removed = new ArrayList<>();
        try {
            String[] names = new File(dir).list((d, n) -> n.startsWith(PREFIX) && n.endsWith(SUFFIX));
            if (names == null) {
                return removed; // no such directory: the open that follows says so
            }
            for (String name : names) {
                String base = name.substring(0, name.length() - SUFFIX.length());
                if (!Files.isRegularFile(Path.of(dir, name), LinkOption.NOFOLLOW_LINKS)) {
                    continue; // not something a pipe region could be: not ours to judge
                }
                if (RegionFile.removeIfAbandoned(dir, base)) {
                    removed.add(dir + "/" + name);
                }
            }
        } catch (RuntimeException e) {
            // a sweep is housekeeping: the open must go on whatever happens here
            LOG.log(System.Logger.Level.DEBUG, "netmap4j: sweeping " + dir + " for abandoned pipe regions failed", e);
        }
        if (!removed.isEmpty()) {
            LOG.log(System.Logger.Level.INFO, "netmap4j: removed " + removed.size()
                    + " pipe region(s) abandoned by processes that died: " + removed);
        }
        return removed;
    }
}

package io.netmap4j.user;

import io.netmap4j.abi.ErrnoException;
import io.netmap4j.core.NetmapException;

import java.lang.foreign.MemorySegment;

import static io.netmap4j.user.PipeLayout.*;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * The buffer allocator of a pipe region, kept in the region header: buffers below the bump
 * index exist, those on the free list are unused. Used only with the region's file lock held
 * (when pipes and registrations come and go), never on the data path.
 *
 * <p>The header is shared memory that another process may have damaged, so every index read
 * from it is checked: a broken free list is dropped (its buffers are lost until the region is
 * removed) rather than followed outside the pool.
 */
final class BufferPool {
    private final RegionFile file;
    private final MemorySegment mem;

    BufferPool(RegionFile file) {
        this.file = file;
        this.mem = file.mem();
    }

    /** Buffers that exist: valid indices are {@code 1 .. limit() - 1} (1 is the scratch buffer). */
    int limit() {
        int next = mem.get(JAVA_INT, H_BUF_NEXT);
        return next < 2 || next > MAX_BUFFERS ? 2 : next;
    }

    boolean isAllocated(int bufIdx) {
        return bufIdx >= 2 && bufIdx < limit();
    }

    /**
     * Allocates up to {@code n} buffers into {@code out[0..]}, from the free list first, then
     * from never-used space.
     *
     * @return how many were allocated (fewer than {@code n} when the region is full)
     */
    int allocate(int[] out, int n) throws NetmapException {
        int got = 0;
        while (got < n) {
            int head = mem.get(JAVA_INT, H_FREE_HEAD);
            if (head == 0) {
                break;
            }
            if (!isAllocated(head)) {
                mem.set(JAVA_INT, H_FREE_HEAD, 0); // damaged list: forget it
                break;
            }
            mem.set(JAVA_INT, H_FREE_HEAD, mem.get(JAVA_INT, buffer(head)));
            out[got++] = head;
        }
        int next = limit();
        int fresh = Math.min(n - got, MAX_BUFFERS - next);
        if (fresh > 0) {
            try {
                file.reserve(buffer(next), (long) fresh * BUF_SIZE);
            } catch (ErrnoException e) {
                throw new NetmapException("no memory for " + fresh + " more buffers in " + file.path()
                        + " (" + e.getMessage() + "); free space in the shared-memory directory", e.errno(), e);
            }
            for (int i = 0; i < fresh; i++) {
                out[got++] = next + i;
            }
            mem.set(JAVA_INT, H_BUF_NEXT, next + fresh);
        }
        return got;
    }

    /** Returns a buffer to the free list; indices that are not allocated buffers are ignored. */
    void free(int bufIdx) {
        if (isAllocated(bufIdx)) {
            mem.set(JAVA_INT, buffer(bufIdx), mem.get(JAVA_INT, H_FREE_HEAD));
            mem.set(JAVA_INT, H_FREE_HEAD, bufIdx);
        }
    }

    /**
     * Returns a whole list linked through the buffers' first 4 bytes (an extra-buffer list),
     * stopping at 0, at an invalid index, or after as many steps as there are buffers (a cycle).
     */
    void freeList(int head) {
        int steps = limit();
        int b = head;
        while (b != 0 && isAllocated(b) && steps-- > 0) {
            int next = mem.get(JAVA_INT, buffer(b));
            free(b);
            b = next;
        }
    }
}

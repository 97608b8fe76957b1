package io.netmap4j.user;

import io.netmap4j.abi.ErrnoException;
import io.netmap4j.core.NetmapException;

import java.lang.foreign.MemorySegment;

import static io.netmap4j.user.PipeLayout.*;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * The buffer allocator of a memory region in a shared file (a pipe region; a VALE port): two
 * words of state, a bump index and the head of a free list: buffers below the bump index exist,
 * those on the free list are unused. Used only with the file lock held (when pipes, ports and
 * registrations come and go), never on the data path. Buffers 0 and 1 are reserved, as in
 * netmap: 1 is a harmless scratch buffer.
 *
 * <p>The state is shared memory that another process may have damaged, so every index read
 * from it is checked: a broken free list is dropped (its buffers are lost until the region is
 * removed) rather than followed outside the pool.
 *
 * <p>Public only for the backend's sub-packages; not an API.
 */
public final class BufferPool {
    private final RegionFile file;
    private final MemorySegment mem;
    private final long nextField;
    private final long freeHeadField;
    private final long base;
    private final int bufferSize;
    private final int maxBuffers;

    /** The pool of a pipe region. */
    BufferPool(RegionFile file) {
        this(file, H_BUF_NEXT, H_FREE_HEAD, BUF_BASE, BUF_SIZE, MAX_BUFFERS);
    }

    /**
     * A pool whose bump index is the int at {@code nextField} and free-list head the int at
     * {@code freeHeadField}, with buffer i at {@code base + i * bufferSize}, i below
     * {@code maxBuffers}.
     */
    public BufferPool(RegionFile file, long nextField, long freeHeadField, long base, int bufferSize, int maxBuffers) {
        this.file = file;
        this.mem = file.mem();
        this.nextField = nextField;
        this.freeHeadField = freeHeadField;
        this.base = base;
        this.bufferSize = bufferSize;
        this.maxBuffers = maxBuffers;
    }

    /** Empties the pool: only the reserved buffers 0 and 1 exist. */
    public void reset() {
        mem.set(JAVA_INT, nextField, 2);
        mem.set(JAVA_INT, freeHeadField, 0);
    }

    /** Buffers that exist: valid indices are {@code 1 .. limit() - 1} (1 is the scratch buffer). */
    public int limit() {
        int next = mem.get(JAVA_INT, nextField);
        return next < 2 || next > maxBuffers ? 2 : next;
    }

    /** Offset in the file of buffer {@code bufIdx}. */
    public long buffer(int bufIdx) {
        return base + (long) bufIdx * bufferSize;
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
    public int allocate(int[] out, int n) throws NetmapException {
        int got = 0;
        while (got < n) {
            int head = mem.get(JAVA_INT, freeHeadField);
            if (head == 0) {
                break;
            }
            if (!isAllocated(head)) {
                mem.set(JAVA_INT, freeHeadField, 0); // damaged list: forget it
                break;
            }
            mem.set(JAVA_INT, freeHeadField, mem.get(JAVA_INT, buffer(head)));
            out[got++] = head;
        }
        int next = limit();
        int fresh = Math.min(n - got, maxBuffers - next);
        if (fresh > 0) {
            try {
                file.reserve(buffer(next), (long) fresh * bufferSize);
            } catch (ErrnoException e) {
                throw new NetmapException("no memory for " + fresh + " more buffers in " + file.path()
                        + " (" + e.getMessage() + "); free space in the shared-memory directory", e.errno(), e);
            }
            for (int i = 0; i < fresh; i++) {
                out[got++] = next + i;
            }
            mem.set(JAVA_INT, nextField, next + fresh);
        }
        return got;
    }

    /** Returns a buffer to the free list; indices that are not allocated buffers are ignored. */
    public void free(int bufIdx) {
        if (isAllocated(bufIdx)) {
            mem.set(JAVA_INT, buffer(bufIdx), mem.get(JAVA_INT, freeHeadField));
            mem.set(JAVA_INT, freeHeadField, bufIdx);
        }
    }

    /**
     * Returns a whole list linked through the buffers' first 4 bytes (an extra-buffer list),
     * stopping at 0, at an invalid index, or after as many steps as there are buffers (a cycle).
     */
    public void freeList(int head) {
        int steps = limit();
        int b = head;
        while (b != 0 && isAllocated(b) && steps-- > 0) {
            int next = mem.get(JAVA_INT, buffer(b));
            free(b);
            b = next;
        }
    }
}

package io.netmap4j.kernel;

/**
 * The layout of a memory region (POOLS_INFO_GET): where the three object pools (netmap_if
 * headers, rings, buffers) start and how many objects of which size each holds. Offsets are
 * from the start of the region as a process maps it.
 *
 * @param memorySize bytes of the region
 * @param memId      the region's id
 * @param ifPool     the pool of {@code netmap_if} objects
 * @param ringPool   the pool of rings
 * @param bufferPool the pool of packet buffers
 */
public record PoolsInfo(long memorySize, int memId, Pool ifPool, Pool ringPool, Pool bufferPool) {
    /**
     * One pool of equally sized objects.
     *
     * @param offset      where the pool starts in the region
     * @param objectCount objects in the pool
     * @param objectSize  bytes per object
     */
    public record Pool(long offset, long objectCount, long objectSize) {
    }
}

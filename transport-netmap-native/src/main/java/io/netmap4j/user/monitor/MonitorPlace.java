package io.netmap4j.user.monitor;

import io.netmap4j.user.BufferPool;
import io.netmap4j.user.RegionFile;

/**
 * Where one monitor slot lives in the shared file of the port it monitors, as the host (a pipe
 * region, a VALE switch) lays it out: everything the generic monitor code needs to build the
 * monitor, fill it and read it. Offsets are in the file.
 *
 * @param file          the host's shared file
 * @param control       the slot's control block (see {@link MonitorLayout})
 * @param nif           the slot's netmap_if
 * @param txRing        the slot's TX ring (netmap gives a monitor one, unused)
 * @param firstRxRing   the slot's RX ring 0; ring r at {@code firstRxRing + r * ringStride}
 * @param ringStride    bytes between two rings
 * @param regionBase    the start of the memory region the monitored port (and so the monitor) maps
 * @param regionSize    its size
 * @param bufferBase    buffer 0 of the region's pool; buffer i at {@code bufferBase + i * bufferSize}
 * @param bufferSize    bytes of a buffer
 * @param pool          the region's buffer pool (the monitor's buffers come from it)
 * @param poolNextField the pool's bump index (buffers below it exist)
 * @param maxBuffers    the pool's most buffers
 * @param maskWord      the monitored port's word with a bit per live monitor
 * @param maskBit       this slot's bit in it
 * @param lockByte      the byte lock the monitor holds while it lives
 * @param doorbell      the doorbell number of this slot among those its feeders can ring
 * @param doorbellPath  the path of that doorbell's FIFO
 */
public record MonitorPlace(RegionFile file, long control, long nif, long txRing, long firstRxRing, long ringStride,
                           long regionBase, long regionSize, long bufferBase, int bufferSize, BufferPool pool,
                           long poolNextField, int maxBuffers, long maskWord, int maskBit, long lockByte, int doorbell,
                           String doorbellPath) {
    /** RX ring {@code r} of the monitor. */
    public long rxRing(int r) {
        return firstRxRing + r * ringStride;
    }

    /** The monitor's view of the region starts here: offsets in the region are offsets in the file minus this. */
    public long toRegion(long fileOffset) {
        return fileOffset - regionBase;
    }
}

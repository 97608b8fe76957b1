package io.netmap4j.kernel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A file laid out like the memory region the kernel gives a pipe end after REGISTER (one TX and
 * one RX ring of {@link #SLOTS} slots, placeholder host rings), written from the offsets of
 * NETMAP-ABI.md, so the open path can map something real without a kernel.
 */
final class SyntheticRegion {
    private SyntheticRegion() { }

    static final long NIFP = 0x100;
    static final long TX_RING = 0x1000;
    static final long RX_RING = 0x2000;
    static final long BUFFERS = 0x4000;
    static final int SLOTS = 8;
    static final int BUF_SIZE = 2048;
    static final int BUFFER_COUNT = 16;
    static final long SIZE = BUFFERS + (long) BUFFER_COUNT * BUF_SIZE;

    /** Writes the region to {@code file}; {@code txRings} lets a test describe an impossible interface. */
    static Path write(Path file, int txRings) throws IOException {
        ByteBuffer b = ByteBuffer.allocate((int) SIZE).order(ByteOrder.LITTLE_ENDIAN);
        // netmap_if: name @0, version @16, flags @20, tx @24, rx @28, bufs_head @32, host tx @36, host rx @40
        b.put((int) NIFP, "x{1".getBytes());
        b.putInt((int) NIFP + 16, 14);
        b.putInt((int) NIFP + 20, 1); // NI_PRIV_MEM
        b.putInt((int) NIFP + 24, txRings);
        b.putInt((int) NIFP + 28, 1);
        b.putInt((int) NIFP + 36, 1); // the kernel writes at least 1 host ring, with ring_ofs 0
        b.putInt((int) NIFP + 40, 1);
        // ring_ofs @56, relative to the netmap_if: TX, host TX, RX, host RX
        b.putLong((int) NIFP + 56, TX_RING - NIFP);
        b.putLong((int) NIFP + 64, 0);
        b.putLong((int) NIFP + 72, RX_RING - NIFP);
        b.putLong((int) NIFP + 80, 0);
        ring(b, TX_RING, 1, 0, SLOTS - 1, 0);
        ring(b, RX_RING, 0, 0, 0, SLOTS);
        Files.write(file, b.array());
        return file;
    }

    private static void ring(ByteBuffer b, long at, int dir, int head, int tail, int firstBuffer) {
        int r = (int) at;
        b.putLong(r, BUFFERS - at);  // buf_ofs
        b.putInt(r + 8, SLOTS);      // num_slots
        b.putInt(r + 12, BUF_SIZE);  // nr_buf_size
        b.putShort(r + 16, (short) 0);
        b.putShort(r + 18, (short) dir);
        b.putInt(r + 20, head);
        b.putInt(r + 24, head);
        b.putInt(r + 28, tail);
        for (int i = 0; i < SLOTS; i++) {
            b.putInt(r + 256 + 16 * i, firstBuffer + i);
        }
    }
}

package io.netmap4j.user;

import io.netmap4j.abi.NetmapConstants;
import io.netmap4j.abi.gen.netmap_if;
import io.netmap4j.abi.gen.netmap_ring;
import io.netmap4j.abi.gen.netmap_slot;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

import static io.netmap4j.abi.NetmapConstants.NETMAP_API;
import static io.netmap4j.abi.NetmapConstants.NI_PRIV_MEM;
import static io.netmap4j.abi.NetmapConstants.NR_RING_DIR_RX;
import static io.netmap4j.abi.NetmapConstants.NR_RING_DIR_TX;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Writes the shared objects a user of the netmap layout maps, as the kernel sets them up: ring
 * headers and slots, and a registration's {@code netmap_if}. Used by the ports of the backend's
 * sub-packages (VALE ports, monitors) when they make their rings. Public only for them; not an API.
 */
public final class RingWriter {
    private static final long RING_BUF_OFS = netmap_ring.buf_ofs$offset();
    private static final long RING_NUM_SLOTS = netmap_ring.num_slots$offset();
    private static final long RING_BUF_SIZE = netmap_ring.nr_buf_size$offset();
    private static final long RING_ID = netmap_ring.ringid$offset();
    private static final long RING_DIR = netmap_ring.dir$offset();
    private static final long RING_TAIL = netmap_ring.tail$offset();
    private static final long RING_HEADER = netmap_ring.layout().byteSize();
    private static final long SLOT_SIZE = netmap_slot.layout().byteSize();
    private static final long SLOT_BUF_IDX = netmap_slot.buf_idx$offset();
    private static final long NIF_HEADER = netmap_if.layout().byteSize();

    private RingWriter() { }

    /** Bytes of a ring of {@code slots} slots (header and slots). */
    public static long ringBytes(int slots) {
        return RING_HEADER + SLOT_SIZE * slots;
    }

    /**
     * The header fields of the ring at {@code ring} that never change: where its buffers are
     * (buffer 0 at {@code bufferBase}), how many slots, how big a buffer, which ring, which way.
     */
    public static void geometry(MemorySegment mem, long ring, long bufferBase, int slots, int bufferSize, int index,
                                boolean tx) {
        mem.set(JAVA_LONG, ring + RING_BUF_OFS, bufferBase - ring);
        mem.set(JAVA_INT, ring + RING_NUM_SLOTS, slots);
        mem.set(JAVA_INT, ring + RING_BUF_SIZE, bufferSize);
        mem.set(JAVA_SHORT, ring + RING_ID, (short) index);
        mem.set(JAVA_SHORT, ring + RING_DIR, (short) (tx ? NR_RING_DIR_TX : NR_RING_DIR_RX));
    }

    /**
     * A whole ring as netmap leaves it after REGISTER: TX head = cur = 0 and tail = n - 1, RX
     * all 0; slot i holds buffer {@code bufs[first + i]} (or buffer 0 when {@code bufs} is null:
     * a ring nobody may use), length 0, no flags.
     */
    public static void init(MemorySegment mem, long ring, long bufferBase, int slots, int bufferSize, int index,
                            boolean tx, int[] bufs, int first) {
        mem.asSlice(ring, RING_HEADER).fill((byte) 0);
        geometry(mem, ring, bufferBase, slots, bufferSize, index, tx);
        mem.set(JAVA_INT, ring + RING_TAIL, tx ? slots - 1 : 0);
        mem.asSlice(ring + RING_HEADER, slots * SLOT_SIZE).fill((byte) 0);
        if (bufs != null) {
            for (int i = 0; i < slots; i++) {
                mem.set(JAVA_INT, ring + RING_HEADER + i * SLOT_SIZE + SLOT_BUF_IDX, bufs[first + i]);
            }
        }
    }

    /** The buffer index of each slot of the ring at {@code ring}, to give them back. */
    public static void forEachBuffer(MemorySegment mem, long ring, int slots, java.util.function.IntConsumer each) {
        for (int i = 0; i < slots; i++) {
            each.accept(mem.get(JAVA_INT, ring + RING_HEADER + i * SLOT_SIZE + SLOT_BUF_IDX));
        }
    }

    /**
     * A registration's {@code netmap_if} at {@code nif}, as the kernel writes it: the name (cut to
     * fit), the ring counts, at least one (unbound, offset 0) host ring of each kind, the first
     * extra buffer, and a ring offset per ring, relative to the netmap_if: {@code txRings[i]} and
     * {@code rxRings[i]} are the rings' offsets in the same space as {@code nif}, or -1 for a
     * ring this registration does not bind (offset 0).
     */
    public static void nif(MemorySegment mem, long nif, long size, String name, int bufsHead, long[] txRings,
                           long[] rxRings) {
        mem.asSlice(nif, size).fill((byte) 0);
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        MemorySegment.copy(n, 0, mem, JAVA_BYTE, nif + netmap_if.ni_name$offset(),
                Math.min(n.length, NetmapConstants.NM_IFNAMSIZ - 1));
        mem.set(JAVA_INT, nif + netmap_if.ni_version$offset(), NETMAP_API);
        mem.set(JAVA_INT, nif + netmap_if.ni_flags$offset(), NI_PRIV_MEM);
        mem.set(JAVA_INT, nif + netmap_if.ni_tx_rings$offset(), txRings.length);
        mem.set(JAVA_INT, nif + netmap_if.ni_rx_rings$offset(), rxRings.length);
        mem.set(JAVA_INT, nif + netmap_if.ni_bufs_head$offset(), bufsHead);
        mem.set(JAVA_INT, nif + netmap_if.ni_host_tx_rings$offset(), 1);
        mem.set(JAVA_INT, nif + netmap_if.ni_host_rx_rings$offset(), 1);
        long ofs = nif + NIF_HEADER;
        for (long r : txRings) {
            mem.set(JAVA_LONG, ofs, r < 0 ? 0L : r - nif);
            ofs += 8;
        }
        ofs += 8; // host TX ring
        for (long r : rxRings) {
            mem.set(JAVA_LONG, ofs, r < 0 ? 0L : r - nif);
            ofs += 8;
        }
    }
}

package io.netmap4j.core;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Checks the offsets that {@link NetmapRing} reads and writes against NETMAP-ABI.md, typed in
 * from the sheet (netmap_ring, 256 B header; netmap_slot, 16 B), and then checks that the
 * flyweight's accessors really touch those bytes.
 */
class RingLayoutTest {

    /** Every package-private offset constant of NetmapRing and the documented value. */
    private static final Map<String, Long> EXPECTED = Map.ofEntries(
            Map.entry("BUF_OFS", 0L),
            Map.entry("NUM_SLOTS", 8L),
            Map.entry("NR_BUF_SIZE", 12L),
            Map.entry("RINGID", 16L),
            Map.entry("DIR", 18L),
            Map.entry("HEAD", 20L),
            Map.entry("CUR", 24L),
            Map.entry("TAIL", 28L),
            Map.entry("FLAGS", 32L),
            Map.entry("TS", 40L),
            Map.entry("SLOTS", 256L),
            Map.entry("SLOT_SIZE", 16L),
            Map.entry("SLOT_BUF_IDX", 0L),
            Map.entry("SLOT_LEN", 4L),
            Map.entry("SLOT_FLAGS", 6L),
            Map.entry("SLOT_PTR", 8L));

    /**
     * Found by reflection, so that an offset constant added to NetmapRing without a row here
     * fails instead of going unchecked.
     */
    @Test
    void offsetConstantsMatchTheAbi() throws IllegalAccessException {
        Map<String, Long> actual = new TreeMap<>();
        for (Field field : NetmapRing.class.getDeclaredFields()) {
            int mod = field.getModifiers();
            boolean packagePrivate = !Modifier.isPublic(mod) && !Modifier.isPrivate(mod) && !Modifier.isProtected(mod);
            if (Modifier.isStatic(mod) && Modifier.isFinal(mod) && packagePrivate && field.getType() == long.class) {
                actual.put(field.getName(), field.getLong(null));
            }
        }
        List<String> problems = new ArrayList<>();
        for (var e : actual.entrySet()) {
            Long expected = EXPECTED.get(e.getKey());
            if (expected == null) {
                problems.add("NetmapRing." + e.getKey() + " = " + e.getValue()
                        + " has no row in RingLayoutTest.EXPECTED (add it from NETMAP-ABI.md)");
            } else if (!expected.equals(e.getValue())) {
                problems.add("NetmapRing." + e.getKey() + " is " + e.getValue() + ", NETMAP-ABI.md says " + expected);
            }
        }
        for (String name : EXPECTED.keySet()) {
            if (!actual.containsKey(name)) {
                problems.add("NetmapRing." + name + " is gone; remove its row from RingLayoutTest.EXPECTED");
            }
        }
        if (!problems.isEmpty()) {
            fail(String.join("\n", problems));
        }
    }

    /** Raw bytes written at the documented offsets are what the accessors return, and back. */
    @Test
    void accessorsTouchTheDocumentedBytes() {
        int slots = 8;
        int bufSize = 2048;
        long ringBytes = 256 + 16L * slots;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment region = arena.allocate(ringBytes + (long) bufSize * slots, 8);
            region.set(JAVA_LONG, 0, ringBytes);      // buf_ofs: buffers right after the slots
            region.set(JAVA_INT, 8, slots);           // num_slots
            region.set(JAVA_INT, 12, bufSize);        // nr_buf_size
            region.set(JAVA_INT, 20, 3);              // head
            region.set(JAVA_INT, 24, 4);              // cur
            region.set(JAVA_INT, 28, 6);              // tail
            region.set(JAVA_INT, 32, 0x4);            // flags: NR_FORWARD
            region.set(JAVA_LONG, 40, 7);             // ts.tv_sec
            region.set(JAVA_LONG, 48, 250);           // ts.tv_usec
            long slot5 = 256 + 16 * 5;
            region.set(JAVA_INT, slot5, 2);           // buf_idx
            region.set(JAVA_SHORT, slot5 + 4, (short) 60000);   // len (unsigned)
            region.set(JAVA_SHORT, slot5 + 6, (short) 0x0120);  // flags: port 1, NS_MOREFRAG
            region.set(JAVA_LONG, slot5 + 8, 0x1122334455667788L); // ptr

            NetmapRing ring = new NetmapRing(region, 0, 0, true);
            assertEquals(slots, ring.numSlots());
            assertEquals(bufSize, ring.bufferSize());
            assertEquals(3, ring.head());
            assertEquals(4, ring.cur());
            assertEquals(6, ring.tail());
            assertEquals(0x4, ring.ringFlags());
            assertEquals(7_000_250L, ring.timestampMicros());
            assertEquals(2, ring.bufIdx(5));
            assertEquals(60000, ring.len(5));
            assertEquals(0x0120, ring.flags(5));
            assertEquals(0x1122334455667788L, ring.ptr(5));
            assertEquals(ringBytes + 2L * bufSize, ring.slotBufferOffset(5), "buffer = ring + buf_ofs + idx * size");

            ring.head(1);
            ring.cur(2);
            ring.ringFlags(0x2);
            ring.bufIdx(7, 5);
            ring.len(7, 1514);
            ring.flags(7, 0x1);
            ring.ptr(7, 42);
            assertEquals(1, region.get(JAVA_INT, 20), "head @20");
            assertEquals(2, region.get(JAVA_INT, 24), "cur @24");
            assertEquals(6, region.get(JAVA_INT, 28), "tail @28 untouched");
            assertEquals(0x2, region.get(JAVA_INT, 32), "flags @32");
            long slot7 = 256 + 16 * 7;
            assertEquals(5, region.get(JAVA_INT, slot7), "slot[7].buf_idx @0");
            assertEquals(1514, region.get(JAVA_SHORT, slot7 + 4), "slot[7].len @4");
            assertEquals(0x1, region.get(JAVA_SHORT, slot7 + 6), "slot[7].flags @6");
            assertEquals(42, region.get(JAVA_LONG, slot7 + 8), "slot[7].ptr @8");
            assertTrue(ring.invariantsHold());
        }
    }

    /**
     * Buffer sizes and buffer bases netmap never makes (it rounds both to 64 bytes) are refused
     * when the ring is opened: a peer that wrote them must not leave users with unaligned buffers.
     */
    @Test
    void aBufferSizeOrBaseThatNetmapNeverMakesIsRefused() {
        int slots = 8;
        long ringBytes = 256 + 16L * slots;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment region = arena.allocate(ringBytes + 2048L * slots, 8);
            region.set(JAVA_INT, 8, slots);
            for (int bufSize : new int[] {64, 2048, 4096}) {
                region.set(JAVA_LONG, 0, ringBytes);
                region.set(JAVA_INT, 12, bufSize);
                assertEquals(bufSize, new NetmapRing(region, 0, 0, true).bufferSize());
            }
            for (int bufSize : new int[] {0, -64, 257, 100, 2047}) {
                region.set(JAVA_INT, 12, bufSize);
                IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                        () -> new NetmapRing(region, 0, 0, true));
                assertTrue(e.getMessage().contains("buffer size of " + bufSize), e.getMessage());
            }
            region.set(JAVA_INT, 12, 2048);
            region.set(JAVA_LONG, 0, ringBytes + 8);
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> new NetmapRing(region, 0, 0, true));
            assertTrue(e.getMessage().contains("not on a 64-byte boundary"), e.getMessage());
        }
    }
}

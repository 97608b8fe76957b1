package io.netmap4j.kernel;

import io.netmap4j.core.ValePortId;
import io.netmap4j.core.ValeInterface;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every control request, byte for byte, against bytes built here independently from the offsets
 * in NETMAP-ABI.md (a little-endian ByteBuffer, no generated layout), and every reply decoded
 * from bytes written the same way.
 */
class ControlRequestsTest {
    // nmreq_header (NETMAP-ABI.md): version u16 @0, reqtype u16 @2, reserved u32 @4, name[64] @8,
    // options u64 @72, body u64 @80; 88 bytes.
    private static final int HEADER = 88;

    /** The header the kernel should get: API 14, {@code reqtype}, {@code name}, no options. */
    private static ByteBuffer expected(MemorySegment request, int reqtype, String name, int bodySize) {
        ByteBuffer b = ByteBuffer.allocate(HEADER + bodySize).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort(0, (short) 14);
        b.putShort(2, (short) reqtype);
        b.putInt(4, 0);
        byte[] n = name.getBytes(StandardCharsets.US_ASCII);
        b.put(8, n);
        b.putLong(72, 0);
        b.putLong(80, bodySize == 0 ? 0 : request.address() + HEADER);
        return b;
    }

    private static void assertBytes(ByteBuffer expected, MemorySegment actual) {
        assertEquals(expected.capacity(), actual.byteSize(), "request size");
        assertArrayEquals(expected.array(), actual.toArray(JAVA_BYTE));
    }

    @Test
    void portInfoGetHasTheBareNameAndAZeroBody() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment r = ControlRequests.portInfoGet(arena, "netmap:eth0");
            assertBytes(expected(r, 2, "eth0", 32), r);
            MemorySegment v = ControlRequests.portInfoGet(arena, "vale0:a");
            assertBytes(expected(v, 2, "vale0:a", 32), v);
            MemorySegment p = ControlRequests.portInfoGet(arena, "x{1");
            assertBytes(expected(p, 2, "x{1", 32), p);
        }
    }

    @Test
    void poolsInfoGet() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment r = ControlRequests.poolsInfoGet(arena, "vale1:p");
            assertBytes(expected(r, 12, "vale1:p", 64), r);
        }
    }

    @Test
    void valeAttachNicRingsOnlyLikeValeCtlDashA() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment r = ControlRequests.valeAttach(arena, "vale0", "eth0", ControlRequests.ATTACH_NIC, 0);
            // nmreq_vale_attach: reg (nmreq_register, 56 B) @0, port_index u32 @56; 64 B.
            ByteBuffer b = expected(r, 3, "vale0:eth0", 64);
            b.putInt(HEADER + 36, 1); // reg.nr_mode = NR_REG_ALL_NIC
            assertBytes(b, r);
        }
    }

    @Test
    void valeAttachWithHostRingsAndMemoryRegionLikeValeCtlDashH() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment r = ControlRequests.valeAttach(arena, "vale", "em1", ControlRequests.ATTACH_NIC_AND_HOST, 7);
            ByteBuffer b = expected(r, 3, "vale:em1", 64);
            b.putShort(HEADER + 32, (short) 7); // reg.nr_mem_id
            b.putInt(HEADER + 36, 3);           // reg.nr_mode = NR_REG_NIC_SW
            assertBytes(b, r);
        }
    }

    @Test
    void valeDetach() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment r = ControlRequests.valeDetach(arena, "vale0:eth0");
            assertBytes(expected(r, 4, "vale0:eth0", 8), r);
        }
    }

    @Test
    void valeListStartsWithAnEmptyNameAndTheCursorAtZero() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment r = ControlRequests.valeList(arena);
            assertBytes(expected(r, 5, "", 8), r);
        }
    }

    @Test
    void valeListAdvanceMovesThePortCursorAndClearsTheName() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment r = ControlRequests.valeList(arena);
            // what the kernel writes back for port 3 of switch 2
            ByteBuffer reply = expected(r, 5, "vale2:abc", 8);
            reply.putShort(HEADER, (short) 2);
            reply.putInt(HEADER + 4, 3);
            MemorySegment.copy(MemorySegment.ofArray(reply.array()), 0, r, 0, r.byteSize());

            assertEquals(new ValePortId(2, 3, "vale2:abc"), ControlRequests.valeListEntry(r));
            ControlRequests.valeListAdvance(r);

            ByteBuffer next = expected(r, 5, "", 8);
            next.putShort(HEADER, (short) 2);
            next.putInt(HEADER + 4, 4);
            assertBytes(next, r);
        }
    }

    @Test
    void valeNewIf() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment r = ControlRequests.valeNewIf(arena, "v0", 1024, 512, 2, 3, 9);
            // nmreq_vale_newif: tx_slots u32 @0, rx_slots u32 @4, tx_rings u16 @8, rx_rings u16 @10, mem_id u16 @12
            ByteBuffer b = expected(r, 8, "v0", 16);
            b.putInt(HEADER, 1024);
            b.putInt(HEADER + 4, 512);
            b.putShort(HEADER + 8, (short) 2);
            b.putShort(HEADER + 10, (short) 3);
            b.putShort(HEADER + 12, (short) 9);
            assertBytes(b, r);
        }
    }

    @Test
    void valeDelIfHasNoBodyBecauseTheKernelRejectsOne() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment r = ControlRequests.valeDelIf(arena, "v0");
            assertBytes(expected(r, 9, "v0", 0), r);
        }
    }

    @Test
    void portHdrGetAndSet() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment get = ControlRequests.portHdrGet(arena, "vale0:a");
            assertBytes(expected(get, 7, "vale0:a", 8), get);
            for (int len : new int[] {0, 10, 12}) {
                MemorySegment set = ControlRequests.portHdrSet(arena, "vale0:a", len);
                ByteBuffer b = expected(set, 6, "vale0:a", 8);
                b.putInt(HEADER, len);
                assertBytes(b, set);
            }
        }
    }

    @Test
    void sixtyThreeByteNamesFitSixtyFourDoNot() {
        try (Arena arena = Arena.ofConfined()) {
            String max = "vale0:" + "p".repeat(57);
            MemorySegment r = ControlRequests.portInfoGet(arena, max);
            assertBytes(expected(r, 2, max, 32), r);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ControlRequests.portInfoGet(arena, max + "q"));
            assertTrue(e.getMessage().contains("64 bytes") && e.getMessage().contains("63"), e.getMessage());
        }
    }

    // ---- replies

    private static MemorySegment withBody(Arena arena, MemorySegment request, ByteBuffer body) {
        MemorySegment.copy(MemorySegment.ofArray(body.array()), 0, request, HEADER, body.capacity());
        return request;
    }

    private static ByteBuffer le(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Test
    void portInfoReply() {
        try (Arena arena = Arena.ofConfined()) {
            // nmreq_port_info_get: memsize u64 @0, tx_slots @8, rx_slots @12, tx_rings u16 @16,
            // rx_rings @18, host_tx @20, host_rx @22, mem_id @24
            ByteBuffer b = le(32).putLong(0, 0x1_2345_6789L).putInt(8, 1024).putInt(12, 2048)
                    .putShort(16, (short) 4).putShort(18, (short) 5).putShort(20, (short) 1).putShort(22, (short) 2)
                    .putShort(24, (short) 0xfffe);
            MemorySegment r = withBody(arena, ControlRequests.portInfoGet(arena, "eth0"), b);
            assertEquals(new PortInfo(0x1_2345_6789L, 1024, 2048, 4, 5, 1, 2, 0xfffe), ControlRequests.portInfo(r));
        }
    }

    @Test
    void poolsInfoReply() {
        try (Arena arena = Arena.ofConfined()) {
            ByteBuffer b = le(64).putLong(0, 340_000_000L).putShort(8, (short) 1)
                    .putLong(16, 0).putInt(24, 100).putInt(28, 1024)
                    .putLong(32, 102_400).putInt(40, 200).putInt(44, 36_864)
                    .putLong(48, 7_475_200).putInt(56, 0xfffffff0).putInt(60, 2048);
            MemorySegment r = withBody(arena, ControlRequests.poolsInfoGet(arena, "eth0"), b);
            assertEquals(new PoolsInfo(340_000_000L, 1, new PoolsInfo.Pool(0, 100, 1024),
                    new PoolsInfo.Pool(102_400, 200, 36_864), new PoolsInfo.Pool(7_475_200, 0xfffffff0L, 2048)),
                    ControlRequests.poolsInfo(r));
        }
    }

    @Test
    void attachDetachNewIfAndHeaderReplies() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment att = ControlRequests.valeAttach(arena, "vale0", "eth0", ControlRequests.ATTACH_NIC, 0);
            att.set(java.lang.foreign.ValueLayout.JAVA_INT, HEADER + 56, 5);
            assertEquals(5, ControlRequests.valeAttachPortIndex(att));

            MemorySegment det = withBody(arena, ControlRequests.valeDetach(arena, "vale0:eth0"), le(8).putInt(0, 6));
            assertEquals(6, ControlRequests.valeDetachPortIndex(det));

            MemorySegment newif = withBody(arena, ControlRequests.valeNewIf(arena, "v1", 0, 0, 0, 0, 0),
                    le(16).putInt(0, 1024).putInt(4, 1024).putShort(8, (short) 1).putShort(10, (short) 1)
                            .putShort(12, (short) 3));
            assertEquals(new ValeInterface("v1", 1024, 1024, 1, 1, 3), ControlRequests.valeInterface(newif));

            MemorySegment hdr = withBody(arena, ControlRequests.portHdrGet(arena, "vale0:a"), le(8).putInt(0, 12));
            assertEquals(12, ControlRequests.portHdrLength(hdr));
        }
    }

    // ---- argument checks (all before any system call: these methods make none)

    @Test
    void headerLengthMustBeZeroTenOrTwelve() {
        try (Arena arena = Arena.ofConfined()) {
            for (int bad : new int[] {-1, 1, 8, 11, 13, 14, 4096}) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> ControlRequests.portHdrSet(arena, "vale0:a", bad));
                assertTrue(e.getMessage().contains(String.valueOf(bad)) && e.getMessage().contains("10"),
                        e.getMessage());
            }
        }
    }

    @Test
    void badNamesAreRejectedWithTheNameInTheMessage() {
        try (Arena arena = Arena.ofConfined()) {
            assertThrows(IllegalArgumentException.class, () -> ControlRequests.portInfoGet(arena, ""));
            assertThrows(IllegalArgumentException.class, () -> ControlRequests.portInfoGet(arena, "netmap:"));
            assertThrows(IllegalArgumentException.class, () -> ControlRequests.portInfoGet(arena, null));
            assertThrows(IllegalArgumentException.class, () -> ControlRequests.portInfoGet(arena, "eth\0"));

            IllegalArgumentException sw = assertThrows(IllegalArgumentException.class,
                    () -> ControlRequests.valeAttach(arena, "eth0", "eth1", ControlRequests.ATTACH_NIC, 0));
            assertTrue(sw.getMessage().contains("'eth0'") && sw.getMessage().contains("vale0"), sw.getMessage());
            assertThrows(IllegalArgumentException.class,
                    () -> ControlRequests.valeAttach(arena, "vale0:", "eth1", ControlRequests.ATTACH_NIC, 0));
            assertThrows(IllegalArgumentException.class,
                    () -> ControlRequests.valeAttach(arena, "vale0", "vale1:x", ControlRequests.ATTACH_NIC, 0));
            assertThrows(IllegalArgumentException.class,
                    () -> ControlRequests.valeAttach(arena, "vale0", "", ControlRequests.ATTACH_NIC, 0));
            assertThrows(IllegalArgumentException.class,
                    () -> ControlRequests.valeAttach(arena, "vale0", "eth0", ControlRequests.ATTACH_NIC, 65536));

            IllegalArgumentException det = assertThrows(IllegalArgumentException.class,
                    () -> ControlRequests.valeDetach(arena, "eth0"));
            assertTrue(det.getMessage().contains("'eth0'") && det.getMessage().contains("vale0:eth0"), det.getMessage());
            assertThrows(IllegalArgumentException.class, () -> ControlRequests.valeDetach(arena, "vale0:"));
        }
    }

    @Test
    void newIfNamesFollowLinuxAndKeepTheValePrefixForSwitches() {
        try (Arena arena = Arena.ofConfined()) {
            IllegalArgumentException vale = assertThrows(IllegalArgumentException.class,
                    () -> ControlRequests.valeNewIf(arena, "vale0", 0, 0, 0, 0, 0));
            assertTrue(vale.getMessage().contains("'vale0'"), vale.getMessage());
            ControlRequests.valeNewIf(arena, "p".repeat(15), 0, 0, 0, 0, 0);
            IllegalArgumentException longName = assertThrows(IllegalArgumentException.class,
                    () -> ControlRequests.valeNewIf(arena, "p".repeat(16), 0, 0, 0, 0, 0));
            assertTrue(longName.getMessage().contains("15"), longName.getMessage());
            assertThrows(IllegalArgumentException.class, () -> ControlRequests.valeNewIf(arena, "a/b", 0, 0, 0, 0, 0));
            assertThrows(IllegalArgumentException.class, () -> ControlRequests.valeNewIf(arena, "v0", -1, 0, 0, 0, 0));
            assertThrows(IllegalArgumentException.class, () -> ControlRequests.valeNewIf(arena, "v0", 0, -5, 0, 0, 0));
            assertThrows(IllegalArgumentException.class,
                    () -> ControlRequests.valeNewIf(arena, "v0", 0, 0, 70_000, 0, 0));
            assertThrows(IllegalArgumentException.class, () -> ControlRequests.valeNewIf(arena, "v0", 0, 0, 0, -1, 0));
            assertThrows(IllegalArgumentException.class, () -> ControlRequests.valeDelIf(arena, "vale0:v0"));
        }
    }
}

package io.netmap4j.spec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The REGISTER request, byte for byte. The expected bytes are written here with a plain
 * little-endian ByteBuffer at the offsets of NETMAP-ABI.md, independently of the generated
 * layouts that {@link RegisterRequest} uses; the pointer fields are checked separately.
 */
class RegisterRequestTest {
    static final int ALL_NIC = 1, SW = 2, NIC_SW = 3, ONE_NIC = 4, ONE_SW = 8;
    static final long MON_TX = 0x100, MON_RX = 0x200, ZCOPY = 0x400, EXCL = 0x800, RX_ONLY = 0x2000, TX_ONLY = 0x4000;

    /** What the kernel must receive for a name: every field literal. */
    record Expected(String name, String nrName, int mode, int ringId, long flags, int memId, int txSlots,
                    int rxSlots, int txRings, int rxRings, int hostTxRings, int hostRxRings) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Expected e(String name, String nrName, int mode, int ringId, long flags, int memId) {
        return new Expected(name, nrName, mode, ringId, flags, memId, 0, 0, 0, 0, 0, 0);
    }

    static Stream<Expected> requests() {
        return Stream.of(
                new Expected("netmap:eth0-2/T@conf:slots=1024", "eth0", ONE_NIC, 2, TX_ONLY, 0, 1024, 1024, 0, 0, 0, 0),
                new Expected("vale0:v@conf:rings=4,slots=1024", "vale0:v", ALL_NIC, 0, 0, 0, 1024, 1024, 4, 4, 0, 0),
                new Expected("vale0:v@conf:rings=1,tx-rings=2,rx-rings=3,host-rings=4,host-tx-rings=5,"
                        + "host-rx-rings=6,slots=7,tx-slots=8,rx-slots=9", "vale0:v", ALL_NIC, 0, 0, 0, 8, 9, 2, 3, 5, 6),
                new Expected("netmap:eth0*@conf:host-rings=2,slots=2048", "eth0", NIC_SW, 0, 0, 0, 2048, 2048, 0, 0, 2, 2),
                e("netmap:eth0", "eth0", ALL_NIC, 0, 0, 0),
                e("netmap:eth0^", "eth0", SW, 0, 0, 0),
                e("netmap:eth0^1", "eth0", ONE_SW, 1, 0, 0),
                e("netmap:eth0*", "eth0", NIC_SW, 0, 0, 0),
                e("netmap:eth0-3", "eth0", ONE_NIC, 3, 0, 0),
                e("netmap:eth0-4094", "eth0", ONE_NIC, 4094, 0, 0),
                e("netmap:eth0-3/R", "eth0", ONE_NIC, 3, RX_ONLY, 0),
                e("netmap:eth0/rt", "eth0", ALL_NIC, 0, MON_RX | MON_TX, 0),
                e("netmap:eth0/z", "eth0", ALL_NIC, 0, ZCOPY, 0),
                e("netmap:p{0", "p{0", ALL_NIC, 0, 0, 0),
                e("netmap:p}0", "p}0", ALL_NIC, 0, 0, 0),
                e("vale0:a", "vale0:a", ALL_NIC, 0, 0, 0),
                e("vale1:x{3", "vale1:x{3", ALL_NIC, 0, 0, 0),
                e("netmap:eth0@2", "eth0", ALL_NIC, 0, 0, 2),
                e("netmap:eth0@65535/x", "eth0", ALL_NIC, 0, EXCL, 65535),
                e("netmap:eth0@share=netmap:eth1", "eth0", ALL_NIC, 0, 0, 0),
                e("netmap:" + "n".repeat(63), "n".repeat(63), ALL_NIC, 0, 0, 0),
                e("netmap:" + "é".repeat(31) + "x", "é".repeat(31) + "x", ALL_NIC, 0, 0, 0));
    }

    static byte[] expectedHeader(String nrName) {
        ByteBuffer b = ByteBuffer.allocate(88).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort(0, (short) 14);          // nr_version
        b.putShort(2, (short) 1);           // nr_reqtype REGISTER
        b.putInt(4, 0);                     // nr_reserved
        b.put(8, nrName.getBytes(StandardCharsets.UTF_8)); // nr_name, NUL-padded to 64
        // nr_options @72 and nr_body @80 are pointers: left 0 here, checked on their own
        return b.array();
    }

    static byte[] expectedBody(Expected x, int extraBufs) {
        ByteBuffer b = ByteBuffer.allocate(56).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0, 0);                    // nr_offset (out)
        b.putLong(8, 0);                    // nr_memsize (out)
        b.putInt(16, x.txSlots());
        b.putInt(20, x.rxSlots());
        b.putShort(24, (short) x.txRings());
        b.putShort(26, (short) x.rxRings());
        b.putShort(28, (short) x.hostTxRings());
        b.putShort(30, (short) x.hostRxRings());
        b.putShort(32, (short) x.memId());
        b.putShort(34, (short) x.ringId());
        b.putInt(36, x.mode());
        b.putInt(40, extraBufs);
        b.putLong(48, x.flags());
        return b.array();
    }

    static byte[] bytes(MemorySegment s, long size) {
        return s.reinterpret(size).toArray(ValueLayout.JAVA_BYTE);
    }

    static long ptr(byte[] struct, int offset) {
        return ByteBuffer.wrap(struct).order(ByteOrder.LITTLE_ENDIAN).getLong(offset);
    }

    static byte[] withoutPointers(byte[] header) {
        byte[] copy = header.clone();
        java.util.Arrays.fill(copy, 72, 88, (byte) 0);
        return copy;
    }

    static void assertBytes(byte[] expected, byte[] actual, String what) {
        assertArrayEquals(expected, actual, () -> what + "\nexpected " + HexFormat.of().formatHex(expected)
                + "\nactual   " + HexFormat.of().formatHex(actual));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("requests")
    void encodesTheRequestByteForByte(Expected x) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment header = RegisterRequest.encode(PortSpec.parse(x.name()), arena);
            assertEquals(88, header.byteSize());
            byte[] h = bytes(header, 88);
            assertBytes(expectedHeader(x.nrName()), withoutPointers(h), "header");
            assertEquals(0, ptr(h, 72), "nr_options: these names send no option");

            long bodyAddress = ptr(h, 80);
            byte[] body = bytes(MemorySegment.ofAddress(bodyAddress), 56);
            assertBytes(expectedBody(x, 0), body, "body");
            assertEquals(bodyAddress, RegisterRequest.body(header).address());
            assertEquals(x.nrName(), RegisterRequest.requestName(header));
        }
    }

    /** Allocators need not hand out zeroed memory; encode must not leak stale bytes into the request. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("requests")
    void clearsDirtyMemory(Expected x) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment dirty = arena.allocate(4096, 8).fill((byte) 0xa5);
            MemorySegment header = RegisterRequest.encode(PortSpec.parse(x.name()), SegmentAllocator.slicingAllocator(dirty));
            byte[] h = bytes(header, 88);
            assertBytes(expectedHeader(x.nrName()), withoutPointers(h), "header");
            assertBytes(expectedBody(x, 0), bytes(MemorySegment.ofAddress(ptr(h, 80)), 56), "body");
        }
    }

    @Test
    void extraBuffersAndApiFlagsGoIntoTheBody() {
        try (Arena arena = Arena.ofConfined()) {
            PortSpec spec = PortSpec.parse("netmap:eth0-1/x").withExtraBuffers(300).withFlags(0x20000L);
            byte[] body = bytes(RegisterRequest.body(RegisterRequest.encode(spec, arena)), 56);
            assertBytes(expectedBody(e("", "", ONE_NIC, 1, EXCL | 0x20000L, 0), 300), body, "body");
        }
    }

    static byte[] expectedOffsets(long next, long initial, int bits) {
        ByteBuffer b = ByteBuffer.allocate(56).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0, next);                 // nro_next
        b.putInt(8, 5);                     // nro_reqtype OFFSETS
        b.putInt(12, 0);                    // nro_status
        b.putLong(16, 0);                   // nro_size (libnetmap leaves it 0)
        b.putLong(24, initial);             // nro_max_offset = initial, as libnetmap
        b.putLong(32, initial);             // nro_initial_offset
        b.putInt(40, bits);                 // nro_offset_bits
        b.putInt(44, 0);                    // nro_tx_align
        b.putLong(48, 0);                   // nro_min_gap
        return b.array();
    }

    static byte[] expectedExtmem(long next, long usrptr, long memsize, int[] pools) {
        ByteBuffer b = ByteBuffer.allocate(96).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0, next);
        b.putInt(8, 1);                     // nro_reqtype EXTMEM
        b.putLong(24, usrptr);              // nro_usrptr
        b.putLong(32, memsize);             // nro_info.nr_memsize
        b.putShort(40, (short) 0);          // nro_info.nr_mem_id
        b.putInt(56, pools[0]);             // if pool objtotal, objsize (offset @48 stays 0)
        b.putInt(60, pools[1]);
        b.putInt(72, pools[2]);             // ring pool (offset @64)
        b.putInt(76, pools[3]);
        b.putInt(88, pools[4]);             // buffer pool (offset @80)
        b.putInt(92, pools[5]);
        return b.array();
    }

    @Test
    void encodesExtmemAndOffsetOptionsAsAChain() {
        try (Arena arena = Arena.ofConfined()) {
            PortSpec spec = PortSpec.parse("netmap:eth0-1/x@7@extmem:file=/dev/shm/r,if-num=1,if-size=1024,"
                    + "ring-num=3,ring-size=36864,buf-num=4096,buf-size=2048@offset:initial=16,bits=8");
            MemorySegment region = arena.allocate(8192, 4096);
            MemorySegment dirty = arena.allocate(4096, 8).fill((byte) 0x5a);
            MemorySegment header = RegisterRequest.encode(spec, SegmentAllocator.slicingAllocator(dirty), region);
            byte[] h = bytes(header, 88);
            assertBytes(expectedHeader("eth0"), withoutPointers(h), "header");
            assertBytes(expectedBody(e("", "", ONE_NIC, 1, EXCL, 7), 0),
                    bytes(MemorySegment.ofAddress(ptr(h, 80)), 56), "body");

            // libnetmap pushes options at the head as it reads them: offsets (read last) comes first
            long first = ptr(h, 72);
            byte[] offsets = bytes(MemorySegment.ofAddress(first), 56);
            long second = ptr(offsets, 0);
            assertBytes(expectedOffsets(second, 16, 8), offsets, "offsets option");
            byte[] extmem = bytes(MemorySegment.ofAddress(second), 96);
            assertBytes(expectedExtmem(0, region.address(), 8192, new int[] {1, 1024, 3, 36864, 4096, 2048}),
                    extmem, "extmem option");

            List<MemorySegment> options = RegisterRequest.options(header);
            assertEquals(2, options.size());
            assertEquals(first, options.get(0).address());
            assertEquals(56, options.get(0).byteSize());
            assertEquals(second, options.get(1).address());
            assertEquals(96, options.get(1).byteSize());
            assertEquals(second, RegisterRequest.option(header, 1).address());
            assertEquals(region.address(), RegisterRequest.extmemUserPointer(RegisterRequest.option(header, 1)));
            assertNull(RegisterRequest.option(header, 3));
        }
    }

    @Test
    void extmemWithoutRegionSendsNullPointerAndOnlyOption() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment header = RegisterRequest.encode(PortSpec.parse("vale0:a@extmem=/f"), arena);
            long first = ptr(bytes(header, 88), 72);
            assertBytes(expectedExtmem(0, 0, 0, new int[6]), bytes(MemorySegment.ofAddress(first), 96), "extmem");
        }
    }

    @Test
    void offsetAloneIsTheOnlyOption() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment header = RegisterRequest.encode(PortSpec.parse("netmap:p{1@offset=64"), arena);
            byte[] h = bytes(header, 88);
            assertBytes(expectedHeader("p{1"), withoutPointers(h), "header");
            assertBytes(expectedOffsets(0, 64, 0), bytes(MemorySegment.ofAddress(ptr(h, 72)), 56), "offsets");
        }
    }

    @Test
    void regionWithoutExtmemOptionIsRefused() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment region = arena.allocate(4096);
            IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                    () -> RegisterRequest.encode(PortSpec.parse("netmap:eth0"), arena, region));
            assertEquals("an extmem region was given but \"netmap:eth0\" has no @extmem option", ex.getMessage());
        }
    }

    @Test
    void bodyOfAHeaderWithoutBodyIsRefused() {
        try (Arena arena = Arena.ofConfined()) {
            assertThrows(IllegalArgumentException.class, () -> RegisterRequest.body(arena.allocate(88)));
        }
    }
}

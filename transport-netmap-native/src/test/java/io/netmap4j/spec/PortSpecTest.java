package io.netmap4j.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The port-name grammar, table-driven. The numbers in the tables are written out literally
 * (NR_REG_* and NR_* values from NETMAP-ABI.md), not taken from NetmapConstants, so a wrong
 * constant fails here too.
 */
class PortSpecTest {
    // nr_mode
    static final int ALL_NIC = 1, SW = 2, NIC_SW = 3, ONE_NIC = 4, ONE_SW = 8;
    // nr_flags
    static final long MON_TX = 0x100, MON_RX = 0x200, ZCOPY = 0x400, EXCL = 0x800, RX_ONLY = 0x2000, TX_ONLY = 0x4000;

    static Arguments v(String name, String requestName, int mode, int ringId, long flags, int memId) {
        return Arguments.of(name, requestName, mode, ringId, flags, memId);
    }

    /** Every example of NETMAP-ABI.md "Port names" and NETMAP-NOTES.md §1.5, and more. */
    static Stream<Arguments> validNames() {
        return Stream.of(
                v("netmap:eth0", "eth0", ALL_NIC, 0, 0, 0),
                v("netmap:eth0^", "eth0", SW, 0, 0, 0),
                v("netmap:eth0^1", "eth0", ONE_SW, 1, 0, 0),
                v("netmap:eth0^0", "eth0", ONE_SW, 0, 0, 0),
                v("netmap:eth0*", "eth0", NIC_SW, 0, 0, 0),
                v("netmap:eth0-3", "eth0", ONE_NIC, 3, 0, 0),
                v("netmap:eth0-0", "eth0", ONE_NIC, 0, 0, 0),
                v("netmap:eth0-007", "eth0", ONE_NIC, 7, 0, 0),
                v("netmap:eth0-4094", "eth0", ONE_NIC, 4094, 0, 0),
                v("netmap:eth0^4094", "eth0", ONE_SW, 4094, 0, 0),
                v("netmap:eth0-3/R", "eth0", ONE_NIC, 3, RX_ONLY, 0),
                v("netmap:eth0/rt", "eth0", ALL_NIC, 0, MON_RX | MON_TX, 0),
                v("netmap:eth0/z", "eth0", ALL_NIC, 0, ZCOPY, 0),
                v("netmap:eth0/x", "eth0", ALL_NIC, 0, EXCL, 0),
                v("netmap:eth0/T", "eth0", ALL_NIC, 0, TX_ONLY, 0),
                v("netmap:eth0/xztr", "eth0", ALL_NIC, 0, EXCL | ZCOPY | MON_TX | MON_RX, 0),
                v("netmap:eth0/xx", "eth0", ALL_NIC, 0, EXCL, 0),
                v("netmap:p{0", "p{0", ALL_NIC, 0, 0, 0),
                v("netmap:p}0", "p}0", ALL_NIC, 0, 0, 0),
                v("netmap:pipe{long_ID_9", "pipe{long_ID_9", ALL_NIC, 0, 0, 0),
                v("netmap:x{1-2", "x{1", ONE_NIC, 2, 0, 0),
                v("vale0:a", "vale0:a", ALL_NIC, 0, 0, 0),
                v("vale1:x{3", "vale1:x{3", ALL_NIC, 0, 0, 0),
                v("vale:x", "vale:x", ALL_NIC, 0, 0, 0),
                v("vale_sw9:p}b", "vale_sw9:p}b", ALL_NIC, 0, 0, 0),
                v("netmap:eth0@2", "eth0", ALL_NIC, 0, 0, 2),
                v("netmap:eth0@65535", "eth0", ALL_NIC, 0, 0, 65535),
                v("netmap:eth0@2/x", "eth0", ALL_NIC, 0, EXCL, 2),
                v("netmap:eth0/x@2", "eth0", ALL_NIC, 0, EXCL, 2),
                v("netmap:eth0-1@3/xT", "eth0", ONE_NIC, 1, EXCL | TX_ONLY, 3),
                v("netmap:eth0*@1", "eth0", NIC_SW, 0, 0, 1),
                v("netmap:eth0^@1", "eth0", SW, 0, 0, 1),
                v("netmap:eth0^2/R", "eth0", ONE_SW, 2, RX_ONLY, 0),
                // libnetmap accepts an empty flag group before '@', a second group after @N, and @N twice if equal
                v("netmap:eth0/@2", "eth0", ALL_NIC, 0, 0, 2),
                v("netmap:eth0/x@2/r", "eth0", ALL_NIC, 0, EXCL | MON_RX, 2),
                v("netmap:eth0@2@2", "eth0", ALL_NIC, 0, 0, 2),
                v("netmap:eth0:1", "eth0:1", ALL_NIC, 0, 0, 0),
                v("netmap:enp0s31f6", "enp0s31f6", ALL_NIC, 0, 0, 0),
                v("vale0:v@conf:rings=4,slots=1024", "vale0:v", ALL_NIC, 0, 0, 0),
                v("netmap:eth0-2/T@conf:slots=1024", "eth0", ONE_NIC, 2, TX_ONLY, 0),
                v("netmap:eth0^@conf:host-rings=2", "eth0", SW, 0, 0, 0),
                v("netmap:eth0/@conf:rings=2", "eth0", ALL_NIC, 0, 0, 0),
                v("netmap:eth0@share=netmap:eth1", "eth0", ALL_NIC, 0, 0, 0),
                v("netmap:eth0-1/x@7@extmem=/dev/shm/r@offset=64", "eth0", ONE_NIC, 1, EXCL, 7),
                v("netmap:" + "a".repeat(63), "a".repeat(63), ALL_NIC, 0, 0, 0),
                v("vale0:" + "b".repeat(57), "vale0:" + "b".repeat(57), ALL_NIC, 0, 0, 0),
                v("netmap:" + "é".repeat(31) + "x", "é".repeat(31) + "x", ALL_NIC, 0, 0, 0));
    }

    @ParameterizedTest(name = "[{index}] \"{0}\"")
    @MethodSource("validNames")
    void parsesValidNames(String name, String requestName, int mode, int ringId, long flags, int memId) {
        PortSpec spec = PortSpec.parse(name);
        assertEquals(requestName, spec.requestName(), "requestName");
        assertEquals(mode, spec.mode(), "mode");
        assertEquals(ringId, spec.ringId(), "ringId");
        assertEquals(flags, spec.flags(), "flags");
        assertEquals(memId, spec.memId(), "memId");
        assertEquals(name, spec.toString());
        assertEquals(name, spec.text());
        assertEquals(0, spec.extraBuffers());
    }

    static Stream<Arguments> nameParts() {
        return Stream.of(
                Arguments.of("netmap:eth0-1", false, null, "eth0", PortSpec.PipeEnd.NONE, null),
                Arguments.of("netmap:p{0", false, null, "p", PortSpec.PipeEnd.MASTER, "0"),
                Arguments.of("netmap:p}abc/x", false, null, "p", PortSpec.PipeEnd.SLAVE, "abc"),
                Arguments.of("vale0:a", true, "vale0", "a", PortSpec.PipeEnd.NONE, null),
                Arguments.of("vale:a", true, "vale", "a", PortSpec.PipeEnd.NONE, null),
                Arguments.of("vale1:x{3^", true, "vale1", "x", PortSpec.PipeEnd.MASTER, "3"));
    }

    @ParameterizedTest(name = "[{index}] \"{0}\"")
    @MethodSource("nameParts")
    void splitsTheName(String name, boolean vale, String sw, String port, PortSpec.PipeEnd end, String pipeId) {
        PortSpec spec = PortSpec.parse(name);
        assertEquals(vale, spec.isVale());
        assertEquals(sw, spec.valeSwitch());
        assertEquals(port, spec.portName());
        assertEquals(end, spec.pipeEnd());
        assertEquals(end != PortSpec.PipeEnd.NONE, spec.isPipe());
        assertEquals(pipeId, spec.pipeId());
    }

    static Stream<Arguments> confNames() {
        // name, txSlots, rxSlots, txRings, rxRings, hostTxRings, hostRxRings
        return Stream.of(
                Arguments.of("vale0:v@conf:rings=4,slots=1024", 1024, 1024, 4, 4, 0, 0),
                Arguments.of("netmap:eth0-2/T@conf:slots=1024", 1024, 1024, 0, 0, 0, 0),
                Arguments.of("netmap:eth0", 0, 0, 0, 0, 0, 0),
                // the specific keys win over rings/slots/host-rings whatever their order, as in libnetmap
                Arguments.of("vale0:v@conf:tx-rings=2,rings=4", 0, 0, 2, 4, 0, 0),
                Arguments.of("vale0:v@conf:rx-slots=256,slots=512", 512, 256, 0, 0, 0, 0),
                Arguments.of("netmap:eth0*@conf:host-rings=2,host-tx-rings=1", 0, 0, 0, 0, 1, 2),
                Arguments.of("netmap:eth0@conf:host-rx-rings=3", 0, 0, 0, 0, 0, 3),
                Arguments.of("vale0:v@conf:tx_rings=3,rx_slots=64", 0, 64, 3, 0, 0, 0),
                Arguments.of("vale0:v@conf:rings=1,tx-rings=2,rx-rings=3,host-rings=4,host-tx-rings=5,"
                        + "host-rx-rings=6,slots=7,tx-slots=8,rx-slots=9", 8, 9, 2, 3, 5, 6),
                Arguments.of("vale0:v@conf:rings=0", 0, 0, 0, 0, 0, 0),
                Arguments.of("vale0:v@conf:rings=65535,slots=2147483647", Integer.MAX_VALUE, Integer.MAX_VALUE,
                        65535, 65535, 0, 0),
                Arguments.of("netmap:x{1@conf:slots=64@offset=0", 64, 64, 0, 0, 0, 0));
    }

    @ParameterizedTest(name = "[{index}] \"{0}\"")
    @MethodSource("confNames")
    void parsesConf(String name, int txSlots, int rxSlots, int txRings, int rxRings, int hostTx, int hostRx) {
        PortSpec spec = PortSpec.parse(name);
        assertEquals(txSlots, spec.txSlots(), "txSlots");
        assertEquals(rxSlots, spec.rxSlots(), "rxSlots");
        assertEquals(txRings, spec.txRings(), "txRings");
        assertEquals(rxRings, spec.rxRings(), "rxRings");
        assertEquals(hostTx, spec.hostTxRings(), "hostTxRings");
        assertEquals(hostRx, spec.hostRxRings(), "hostRxRings");
    }

    static Stream<Arguments> otherOptions() {
        // name, share, extmem, offset
        return Stream.of(
                Arguments.of("netmap:eth0", null, null, null),
                Arguments.of("netmap:eth0@share=netmap:eth1", "netmap:eth1", null, null),
                Arguments.of("netmap:eth0@share:port=vale0:b", "vale0:b", null, null),
                Arguments.of("netmap:p{1@share=netmap:eth1-2/x", "netmap:eth1-2/x", null, null),
                Arguments.of("netmap:eth0@extmem=/dev/shm/region", null, ExtmemOption.of("/dev/shm/region"), null),
                Arguments.of("netmap:eth0@extmem:file=/tmp/a=b,if-num=1,if-size=2,ring-num=3,ring-size=4,"
                        + "buf-num=5,buf-size=4294967295", null,
                        new ExtmemOption("/tmp/a=b", 1, 2, 3, 4, 5, 4294967295L), null),
                Arguments.of("netmap:eth0@extmem:buf_num=9,file=f", null,
                        new ExtmemOption("f", 0, 0, 0, 0, 9, 0), null),
                Arguments.of("netmap:eth0@offset=64", null, null, new OffsetOption(0, 64)),
                Arguments.of("netmap:eth0@offset:initial=16,bits=8", null, null, new OffsetOption(8, 16)),
                Arguments.of("netmap:eth0@offset:bits=64,initial=0", null, null, new OffsetOption(64, 0)),
                Arguments.of("vale0:a@conf:rings=2@extmem=/f@offset=0@share=vale0:b", "vale0:b",
                        ExtmemOption.of("/f"), new OffsetOption(0, 0)));
    }

    @ParameterizedTest(name = "[{index}] \"{0}\"")
    @MethodSource("otherOptions")
    void parsesShareExtmemOffset(String name, String share, ExtmemOption extmem, OffsetOption offset) {
        PortSpec spec = PortSpec.parse(name);
        assertEquals(share, spec.share(), "share");
        assertEquals(extmem, spec.extmem(), "extmem");
        assertEquals(offset, spec.offset(), "offset");
        if (share != null) {
            assertEquals(PortSpec.parse(share).requestName(), spec.shareSpec().requestName());
        } else {
            assertNull(spec.shareSpec());
        }
    }

    static Arguments bad(String name, int position, String reason) {
        return Arguments.of(name, position, reason);
    }

    static Stream<Arguments> invalidNames() {
        return Stream.of(
                bad("", 0, "empty name"),
                bad("eth0", 0, "prefix unknown or missing: use netmap:IF or valeS:PORT"),
                bad("pcap:eth0", 0, "prefix unknown or missing"),
                bad(":eth0", 0, "prefix unknown or missing"),
                bad("NETMAP:eth0", 0, "prefixes are lowercase"),
                bad("Vale0:a", 0, "prefixes are lowercase"),
                bad("netmap", 6, "':' expected after \"netmap\""),
                bad("netmap/eth0", 6, "':' expected after \"netmap\""),
                bad("netmap0:eth0", 6, "nothing may come between"),
                bad("netmap:", 7, "port name expected"),
                bad("netmap:-1", 7, "port name expected"),
                bad("netmap:@2", 7, "port name expected"),
                bad("vale0:", 6, "port name expected"),
                bad("vale0", 5, "':' expected after the VALE switch name"),
                bad("vale", 4, "':' expected after the VALE switch name"),
                bad("vale-0:a", 4, "VALE switch name holds only"),
                bad("vale0.1:a", 5, "VALE switch name holds only"),
                bad(" netmap:eth0", 0, "whitespace"),
                bad("netmap:eth0 ", 11, "whitespace"),
                bad("netmap:et h0", 9, "whitespace"),
                bad("netmap:eth0\t-1", 11, "whitespace"),
                bad("netmap:eth0\u0000", 11, "control"),
                bad("netmap:eth0@conf:rings=1, slots=2", 25, "whitespace"),
                bad("netmap:{1", 7, "port name expected before the pipe id"),
                bad("netmap:p{", 9, "pipe id expected after '{'"),
                bad("netmap:p}", 9, "pipe id expected after '}'"),
                bad("netmap:p{-1", 9, "pipe id expected"),
                bad("netmap:p{a.b", 10, "pipe id holds only letters, digits and '_'"),
                bad("netmap:p{a{b", 10, "pipe id holds only"),
                bad("netmap:p}a}b", 10, "pipe id holds only"),
                bad("netmap:" + "a".repeat(64), 70, "too long"),
                bad("vale0:" + "b".repeat(58), 63, "too long"),
                bad("netmap:" + "é".repeat(32), 38, "too long"),
                bad("netmap:eth0-x", 12, "ring number expected"),
                bad("netmap:eth0-", 12, "ring number expected"),
                bad("netmap:eth0-/x", 12, "ring number expected"),
                bad("netmap:eth0-4095", 12, "ring number 4095 out of range"),
                bad("netmap:eth0^4095", 12, "out of range"),
                bad("netmap:eth0-99999999999999999999999", 12, "out of range"),
                bad("netmap:eth0^*", 12, "ring mode already given by '^'"),
                bad("netmap:eth0*^", 12, "ring mode already given by '*'"),
                bad("netmap:eth0-1-2", 13, "ring mode already given"),
                bad("netmap:eth0^1^", 13, "ring mode already given"),
                bad("netmap:eth0-1x", 13, "unexpected 'x'"),
                bad("netmap:eth0^x", 12, "unexpected 'x'"),
                bad("netmap:eth0*1", 12, "unexpected '1'"),
                bad("netmap:eth0@2-1", 13, "must come right after the port name"),
                bad("netmap:eth0/x-1", 13, "must come before /flags"),
                bad("netmap:eth0/", 12, "flag expected"),
                bad("netmap:eth0-1/", 14, "flag expected"),
                bad("netmap:eth0/q", 12, "unknown flag 'q'"),
                bad("netmap:eth0/X", 12, "unknown flag 'X'"),
                bad("netmap:eth0/xq", 13, "unknown flag 'q'"),
                bad("netmap:eth0/x/r", 13, "flags already started"),
                bad("netmap:eth0/RT", 13, "bind no ring"),
                bad("netmap:eth0/TxR", 14, "bind no ring"),
                bad("netmap:eth0@", 12, "memory id or option expected"),
                bad("netmap:eth0@0", 12, "memory id 0 out of range"),
                bad("netmap:eth0@65536", 12, "out of range 1..65535"),
                bad("netmap:eth0@2@3", 14, "memory id already set to 2"),
                bad("netmap:eth0@2/x@3", 16, "memory id already set to 2"),
                bad("netmap:eth0@conf", 16, "@conf needs"),
                bad("netmap:eth0@conf:", 17, "key expected"),
                bad("netmap:eth0@conf=4", 16, "@conf takes ':key=value,...'"),
                bad("netmap:eth0@conf:rings", 22, "'=value' expected after key 'rings'"),
                bad("netmap:eth0@conf:rings,slots=4", 22, "'=value' expected"),
                bad("netmap:eth0@conf:rings=", 23, "value expected for key 'rings'"),
                bad("netmap:eth0@conf:rings=,slots=4", 23, "value expected"),
                bad("netmap:eth0@conf:rings=x", 23, "decimal number expected"),
                bad("netmap:eth0@conf:rings=4x", 24, "decimal number expected"),
                bad("netmap:eth0@conf:rings=-1", 23, "decimal number expected"),
                bad("netmap:eth0@conf:rings=65536", 23, "out of range 0..65535"),
                bad("netmap:eth0@conf:slots=2147483648", 23, "out of range"),
                bad("netmap:eth0@conf:ring=4", 17, "unknown key 'ring'"),
                bad("netmap:eth0@conf:RINGS=4", 17, "unknown key"),
                bad("netmap:eth0@conf:=4", 17, "key expected"),
                bad("netmap:eth0@conf:,rings=4", 17, "key expected"),
                bad("netmap:eth0@conf:rings=4,", 25, "key expected after ','"),
                bad("netmap:eth0@conf:rings=4,rings=5", 25, "key 'rings' given twice"),
                bad("netmap:eth0@conf:tx-rings=4,tx_rings=5", 28, "given twice"),
                bad("netmap:eth0@conf:rings=4@conf:slots=8", 24, "option @conf given twice"),
                bad("netmap:eth0@foo", 12, "unknown option 'foo'"),
                bad("netmap:eth0@Conf:rings=1", 12, "unknown option 'Conf'"),
                bad("netmap:eth0@@conf:rings=1", 12, "option name expected"),
                bad("netmap:eth0@conf:rings=1@", 25, "option name expected"),
                bad("netmap:eth0@conf:rings=1@2", 25, "memory id @N must come before the options"),
                bad("netmap:eth0@conf:rings=1/x", 24, "decimal number expected"),
                bad("netmap:eth0@share", 17, "@share needs '=PORT'"),
                bad("netmap:eth0@share=", 18, "value expected after '='"),
                bad("netmap:eth0@share=eth1", 18, "in the @share port: prefix unknown"),
                bad("netmap:eth0@share=netmap:", 25, "in the @share port: port name expected"),
                bad("netmap:eth0@share:port=netmap:eth1-x", 35, "in the @share port: ring number expected"),
                bad("netmap:eth0@share:prt=netmap:eth1", 18, "unknown key 'prt'"),
                bad("netmap:eth0@share=netmap:a@share=netmap:b", 26, "option @share given twice"),
                bad("netmap:eth0@extmem", 18, "@extmem needs '=FILE'"),
                bad("netmap:eth0@extmem:if-num=4", 18, "@extmem needs the key 'file'"),
                bad("netmap:eth0@extmem:file=/f,buf-num=4294967296", 35, "out of range 0..4294967295"),
                bad("netmap:eth0@extmem:file=/f,buf-count=1", 27, "unknown key 'buf-count'"),
                bad("netmap:eth0@offset:bits=8", 18, "@offset needs the key 'initial'"),
                bad("netmap:eth0@offset:initial=8,bits=65", 34, "out of range 0..64"),
                bad("netmap:eth0@offset=abc", 19, "decimal number expected"));
    }

    @ParameterizedTest(name = "[{index}] \"{0}\"")
    @MethodSource("invalidNames")
    void rejectsInvalidNames(String name, int position, String reason) {
        PortSpecException e = assertThrows(PortSpecException.class, () -> PortSpec.parse(name));
        assertEquals(name, e.portName());
        assertTrue(e.reason().contains(reason), () -> "reason \"" + e.reason() + "\" should contain \"" + reason + "\"");
        assertEquals(position, e.position(), () -> "position, message was:\n" + e.getMessage());
        String[] lines = e.getMessage().split("\n", -1);
        assertEquals(3, lines.length, e.getMessage());
        assertEquals(name, lines[1]);
        assertEquals(" ".repeat(position) + "^", lines[2]);
    }

    @Test
    void errorMessageQuotesTheNameAndPointsAtTheCharacter() {
        PortSpecException e = assertThrows(PortSpecException.class, () -> PortSpec.parse("netmap:eth0-x"));
        assertEquals("bad port name \"netmap:eth0-x\": ring number expected at position 12\n"
                + "netmap:eth0-x\n"
                + "            ^", e.getMessage());
        assertInstanceOf(IllegalArgumentException.class, e);
    }

    @Test
    void nullNameIsRejected() {
        assertThrows(NullPointerException.class, () -> PortSpec.parse(null));
    }

    @Test
    void withFlagsAndWithExtraBuffersReturnModifiedCopies() {
        PortSpec spec = PortSpec.parse("netmap:eth0-1/x");
        PortSpec more = spec.withFlags(0x20000L).withExtraBuffers(64);
        assertEquals(EXCL, spec.flags());
        assertEquals(0, spec.extraBuffers());
        assertEquals(EXCL | 0x20000L, more.flags());
        assertEquals(64, more.extraBuffers());
        assertEquals("netmap:eth0-1/x", more.toString());
        assertEquals(spec.requestName(), more.requestName());
        assertEquals(spec.mode(), more.mode());
        assertEquals(spec.ringId(), more.ringId());
        assertNotEquals(spec, more);
        assertSame(spec, spec.withFlags(EXCL));
        assertSame(spec, spec.withExtraBuffers(0));
        assertThrows(IllegalArgumentException.class, () -> spec.withExtraBuffers(-1));
    }

    @Test
    void equalityFollowsTheRequestNotTheSpelling() {
        PortSpec a = PortSpec.parse("netmap:eth0/rt@conf:rings=2,slots=8");
        PortSpec b = PortSpec.parse("netmap:eth0/tr@conf:slots=8,rings=2");
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertNotEquals(a.toString(), b.toString());
        assertNotEquals(a, PortSpec.parse("netmap:eth0/rt@conf:rings=2,slots=16"));
        assertNotEquals(PortSpec.parse("netmap:eth0-1"), PortSpec.parse("netmap:eth0-2"));
        assertNotEquals(PortSpec.parse("netmap:eth0^1"), PortSpec.parse("netmap:eth0-1"));
        assertNotEquals(PortSpec.parse("netmap:p{1"), PortSpec.parse("netmap:p}1"));
        assertNotEquals(PortSpec.parse("netmap:eth0"), PortSpec.parse("netmap:eth0@extmem=/f"));
        assertEquals(PortSpec.parse("netmap:eth0@share=netmap:eth1"), PortSpec.parse("netmap:eth0@share:port=netmap:eth1"));
    }

    @Test
    void aWholeInterfaceSplitsIntoRingPairs() {
        PortSpec ring2 = PortSpec.parse("netmap:eth0/x@conf:slots=512").withExtraBuffers(8).ringPair(2);
        assertEquals("netmap:eth0-2/x@conf:slots=512", ring2.toString());
        assertEquals(PortSpec.parse("netmap:eth0-2/x@conf:slots=512").withExtraBuffers(8), ring2);
        assertEquals("vale0:p-1", PortSpec.parse("vale0:p").ringPair(1).toString());
        for (String name : new String[] {"netmap:eth0-1", "netmap:eth0^", "netmap:eth0*", "netmap:x{1"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> PortSpec.parse(name).ringPair(0), name);
            assertTrue(e.getMessage().contains(name), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> PortSpec.parse("netmap:eth0").ringPair(-1));
    }

    @Test
    void hostRingModesAreRecognised() {
        assertTrue(PortSpec.parse("netmap:eth0^").bindsHostRings());
        assertTrue(PortSpec.parse("netmap:eth0^3").bindsHostRings());
        assertTrue(PortSpec.parse("netmap:eth0*").bindsHostRings());
        assertEquals(false, PortSpec.parse("netmap:eth0-3").bindsHostRings());
        assertEquals(false, PortSpec.parse("netmap:eth0").bindsHostRings());
    }
}

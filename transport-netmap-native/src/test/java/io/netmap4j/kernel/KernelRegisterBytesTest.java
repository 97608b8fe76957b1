package io.netmap4j.kernel;

import io.netmap4j.abi.Errno;
import io.netmap4j.abi.ErrnoException;
import io.netmap4j.core.NoSuchPortException;
import io.netmap4j.spec.PortSpec;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * What the kernel backend hands to NIOCCTRL when it opens the port names of NETMAP-ABI.md, byte
 * for byte, against bytes built here from the documented offsets. The fake kernel records each
 * request and answers ENXIO, so nothing is mapped.
 */
class KernelRegisterBytesTest {
    private static final int HEADER = 88;
    private static final int REGISTER = 56;

    /** Header and body bytes of each request, as the kernel would have read them. */
    private static List<byte[][]> capture(String name, FakeKernel.Answer after) {
        List<byte[][]> seen = new ArrayList<>();
        FakeKernel k = new FakeKernel();
        k.openInstead = "/dev/null";
        k.answer = (fd, r) -> {
            MemorySegment h = r.reinterpret(HEADER);
            int type = h.get(JAVA_SHORT, 2);
            long bodySize = type == 1 ? REGISTER : 32;
            long body = h.get(JAVA_LONG, 80);
            seen.add(new byte[][] {h.toArray(JAVA_BYTE),
                    MemorySegment.ofAddress(body).reinterpret(bodySize).toArray(JAVA_BYTE)});
            after.control(fd, r);
        };
        KernelBackend backend = new KernelBackend("/dev/netmap", k);
        assertThrows(NoSuchPortException.class, () -> backend.open(PortSpec.parse(name)));
        return seen;
    }

    private static final FakeKernel.Answer NO_SUCH_PORT = (fd, r) -> {
        throw new ErrnoException("ioctl", Errno.ENXIO);
    };

    private static byte[] header(int reqtype, String name, long body) {
        ByteBuffer b = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort(0, (short) 14).putShort(2, (short) reqtype);
        b.put(8, name.getBytes(StandardCharsets.US_ASCII));
        b.putLong(72, 0).putLong(80, body);
        return b.array();
    }

    record Reg(String name, String nrName, int mode, int ringId, long flags, int memId,
               int txSlots, int rxSlots, int txRings, int rxRings, int hostTxRings, int hostRxRings) {
        byte[] body() {
            // nmreq_register: slots @16/@20, rings @24/@26, host rings @28/@30, mem_id @32,
            // ringid @34, mode @36, extra_bufs @40, flags @48
            ByteBuffer b = ByteBuffer.allocate(REGISTER).order(ByteOrder.LITTLE_ENDIAN);
            b.putInt(16, txSlots).putInt(20, rxSlots).putShort(24, (short) txRings).putShort(26, (short) rxRings)
                    .putShort(28, (short) hostTxRings).putShort(30, (short) hostRxRings).putShort(32, (short) memId)
                    .putShort(34, (short) ringId).putInt(36, mode).putInt(40, 0).putLong(48, flags);
            return b.array();
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private static Reg reg(String name, String nrName, int mode, int ringId, long flags) {
        return new Reg(name, nrName, mode, ringId, flags, 0, 0, 0, 0, 0, 0, 0);
    }

    static Stream<Arguments> examples() {
        return Stream.of(
                reg("netmap:eth0", "eth0", 1, 0, 0),
                reg("netmap:eth0^", "eth0", 2, 0, 0),
                reg("netmap:eth0^1", "eth0", 8, 1, 0),
                reg("netmap:eth0*", "eth0", 3, 0, 0),
                reg("netmap:eth0-2", "eth0", 4, 2, 0),
                reg("netmap:x{3", "x{3", 1, 0, 0),
                reg("netmap:x}3", "x}3", 1, 0, 0),
                reg("vale0:a", "vale0:a", 1, 0, 0),
                reg("netmap:eth0/x", "eth0", 1, 0, 0x800),
                reg("netmap:eth0/z", "eth0", 1, 0, 0x400),
                reg("netmap:eth0/t", "eth0", 1, 0, 0x100),
                reg("netmap:eth0/r", "eth0", 1, 0, 0x200),
                reg("netmap:eth0-1/R", "eth0", 4, 1, 0x2000),
                reg("netmap:eth0-1/T", "eth0", 4, 1, 0x4000),
                new Reg("netmap:eth0@2", "eth0", 1, 0, 0, 2, 0, 0, 0, 0, 0, 0),
                new Reg("netmap:x{1@conf:rings=2,host-rings=1,slots=1024", "x{1", 1, 0, 0, 0,
                        1024, 1024, 2, 2, 1, 1),
                new Reg("netmap:x{1@conf:tx-rings=3,rx-rings=4,tx-slots=256,rx-slots=512", "x{1", 1, 0, 0, 0,
                        256, 512, 3, 4, 0, 0)
        ).map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void registerIsWhatLibnetmapSends(Reg x) {
        List<byte[][]> seen = capture(x.name(), NO_SUCH_PORT);
        assertEquals(1, seen.size(), "one REGISTER, nothing else");
        byte[] h = seen.get(0)[0];
        long bodyPointer = ByteBuffer.wrap(h).order(ByteOrder.LITTLE_ENDIAN).getLong(80);
        assertArrayEquals(header(1, x.nrName(), bodyPointer), h, "nmreq_header");
        assertArrayEquals(x.body(), seen.get(0)[1], "nmreq_register");
    }

    @Test
    void shareAsksForTheOtherPortsRegionThenRegistersInIt() {
        List<byte[][]> seen = capture("netmap:eth0@share=netmap:eth1-1/x", (fd, r) -> {
            MemorySegment h = r.reinterpret(HEADER);
            if (h.get(JAVA_SHORT, 2) == 2) {
                MemorySegment.ofAddress(h.get(JAVA_LONG, 80)).reinterpret(32).set(JAVA_SHORT, 24, (short) 6);
                return;
            }
            throw new ErrnoException("ioctl", Errno.ENXIO);
        });
        assertEquals(2, seen.size());
        byte[] info = seen.get(0)[0];
        long infoBody = ByteBuffer.wrap(info).order(ByteOrder.LITTLE_ENDIAN).getLong(80);
        assertArrayEquals(header(2, "eth1", infoBody), info, "PORT_INFO_GET of the shared port, bare name");
        assertArrayEquals(new byte[32], seen.get(0)[1], "PORT_INFO_GET body is all zero");

        byte[] h = seen.get(1)[0];
        long regBody = ByteBuffer.wrap(h).order(ByteOrder.LITTLE_ENDIAN).getLong(80);
        assertArrayEquals(header(1, "eth0", regBody), h);
        assertArrayEquals(new Reg("", "eth0", 1, 0, 0, 6, 0, 0, 0, 0, 0, 0).body(), seen.get(1)[1],
                "REGISTER in the shared port's memory region");
    }
}

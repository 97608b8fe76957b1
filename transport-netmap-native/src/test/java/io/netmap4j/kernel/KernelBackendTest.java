package io.netmap4j.kernel;

import io.netmap4j.abi.Errno;
import io.netmap4j.abi.ErrnoException;
import io.netmap4j.core.NetmapException;
import io.netmap4j.core.NetmapRing;
import io.netmap4j.core.NoSuchPortException;
import io.netmap4j.core.PortBusyException;
import io.netmap4j.spec.PortSpec;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;

import static io.netmap4j.abi.NetmapConstants.POLLIN;
import static io.netmap4j.abi.NetmapConstants.POLLOUT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Opening ports step by step, over a fake kernel whose descriptors and mappings are real (a
 * file laid out like a netmap region, /dev/null as the device), so that every undo path can be
 * checked in /proc/self/fd and /proc/self/maps.
 */
class KernelBackendTest {
    private static final int HEADER = 88;

    @TempDir
    Path dir;
    private Path regionFile;
    private long fdsBefore;

    @BeforeEach
    void setUp() throws Exception {
        regionFile = SyntheticRegion.write(dir.resolve("region"), 1);
        // load what a failing open loads, so the counts below see only this test's descriptors
        assertThrows(NetmapException.class, () -> new KernelBackend("/dev/null", KernelCalls.LIBC)
                .open(PortSpec.parse("netmap:x{1")));
        fdsBefore = ProcessResources.fdCount();
    }

    private void assertNothingLeaked() {
        assertEquals(fdsBefore, ProcessResources.fdCount(), "file descriptors");
        assertEquals(0, ProcessResources.mappingsOf(regionFile.toString()), "mappings of the region");
    }

    private FakeKernel fake() {
        FakeKernel k = new FakeKernel();
        k.openInstead = "/dev/null";
        k.mapInstead = regionFile.toString();
        k.answer = register(SyntheticRegion.NIFP, SyntheticRegion.SIZE, 3, 0);
        return k;
    }

    private static MemorySegment body(MemorySegment request) {
        return MemorySegment.ofAddress(request.reinterpret(HEADER).get(JAVA_LONG, 80)).reinterpret(56);
    }

    /** A kernel that accepts REGISTER and answers what the synthetic region holds. */
    private static FakeKernel.Answer register(long offset, long memsize, int memId, int extraBuffers) {
        return (fd, r) -> {
            assertEquals(1, r.reinterpret(HEADER).get(JAVA_SHORT, 2), "REGISTER");
            MemorySegment b = body(r);
            b.set(JAVA_LONG, 0, offset);
            b.set(JAVA_LONG, 8, memsize);
            b.set(JAVA_INT, 16, SyntheticRegion.SLOTS);
            b.set(JAVA_INT, 20, SyntheticRegion.SLOTS);
            b.set(JAVA_SHORT, 24, (short) 1);
            b.set(JAVA_SHORT, 26, (short) 1);
            b.set(JAVA_SHORT, 32, (short) memId);
            b.set(JAVA_INT, 40, extraBuffers);
        };
    }

    private static FakeKernel.Answer fails(int errno) {
        return (fd, r) -> {
            throw new ErrnoException("ioctl", errno);
        };
    }

    @Test
    void opensAPortFromWhatTheKernelAnswersAndClosesIt() throws Exception {
        FakeKernel k = fake();
        KernelBackend backend = new KernelBackend("/dev/netmap", k);
        KernelPort port = backend.open(PortSpec.parse("netmap:x{1"));
        assertEquals(fdsBefore + 1, ProcessResources.fdCount());
        assertEquals(1, ProcessResources.mappingsOf(regionFile.toString()));
        assertSame(backend, port.backend());
        assertEquals("netmap:x{1", port.name());
        assertEquals(3, port.memId());
        assertEquals(SyntheticRegion.SIZE, port.region().byteSize());
        assertEquals(SyntheticRegion.SLOTS, port.txSlots());
        assertEquals(1, port.txRingCount());
        assertEquals(1, port.rxRingCount(), "the placeholder host rings (ring_ofs 0) are not bound");
        NetmapRing tx = port.txRing(0);
        assertEquals(0, tx.head());
        assertEquals(SyntheticRegion.SLOTS - 1, tx.tail());
        assertEquals(SyntheticRegion.BUF_SIZE, port.bufferSize());
        assertTrue(port.fd() >= 0);
        assertEquals(List.of("open " + port.fd(), "control " + port.fd(), "map " + SyntheticRegion.SIZE), k.log);

        // the kernel's poll does the syncs: nothing is ready before it, and its answer is final
        assertEquals(0, port.readyOps(POLLIN | POLLOUT));
        assertEquals(0, port.prepareToSleep(POLLIN | POLLOUT));
        assertTrue(port.needsPollToSync());
        assertEquals(POLLIN, port.pollEvents(POLLIN));
        assertEquals(POLLOUT, port.completePoll(POLLIN | POLLOUT, POLLOUT));

        // /dev/null does not know NIOCTXSYNC: the failure names the port
        NetmapException sync = assertThrows(NetmapException.class, port::txSync);
        assertEquals(KernelErrors.ENOTTY, sync.errno());
        assertTrue(sync.getMessage().contains("netmap:x{1"), sync.getMessage());

        int fd = port.fd();
        port.close();
        port.close();
        assertEquals(List.of("unmap " + SyntheticRegion.SIZE, "close " + fd), k.log.subList(3, k.log.size()));
        assertFalse(port.isOpen());
        assertEquals(-1, port.fd());
        NetmapException closed = assertThrows(NetmapException.class, port::rxSync);
        assertEquals(Errno.EBADF, closed.errno());
        assertTrue(closed.getMessage().contains("closed"), closed.getMessage());
        // a view kept past close must fail cleanly, not read unmapped memory
        assertThrows(IllegalStateException.class, tx::head);
        assertThrows(IllegalStateException.class, () -> port.region().get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0));
        assertNothingLeaked();
    }

    @Test
    void aDeviceThatIsNotNetmapFailsRegisterAndTheDescriptorIsClosed() {
        KernelBackend backend = new KernelBackend("/dev/null", KernelCalls.LIBC);
        NetmapException e = assertThrows(NetmapException.class, () -> backend.open(PortSpec.parse("netmap:eth0")));
        assertEquals(KernelErrors.ENOTTY, e.errno());
        assertTrue(e.getMessage().contains("netmap:eth0") && e.getMessage().contains("/dev/null"), e.getMessage());
        assertNothingLeaked();
    }

    @Test
    void aRegularFileAsDeviceFailsRegisterAndTheDescriptorIsClosed() {
        KernelBackend backend = new KernelBackend(regionFile.toString(), KernelCalls.LIBC);
        NetmapException e = assertThrows(NetmapException.class, () -> backend.open(PortSpec.parse("vale0:a")));
        assertTrue(e.errno() == KernelErrors.ENOTTY || e.errno() == Errno.EINVAL, e.getMessage());
        assertNothingLeaked();
    }

    @Test
    void aMissingDeviceOpensNothing() {
        KernelBackend backend = new KernelBackend("/nonexistent/netmap", KernelCalls.LIBC);
        NetmapException e = assertThrows(NetmapException.class, () -> backend.open(PortSpec.parse("netmap:eth0")));
        assertTrue(e.getMessage().contains("module"), e.getMessage());
        assertNothingLeaked();
    }

    @Test
    void aFailedMapClosesTheDescriptor() {
        FakeKernel k = fake();
        k.mapFailsWith = Errno.ENOMEM;
        NetmapException e = assertThrows(NetmapException.class,
                () -> new KernelBackend("/dev/netmap", k).open(PortSpec.parse("netmap:x{1")));
        assertEquals(Errno.ENOMEM, e.errno());
        assertTrue(e.getMessage().contains(String.valueOf(SyntheticRegion.SIZE)), e.getMessage());
        assertEquals("close", k.log.get(k.log.size() - 1).split(" ")[0]);
        assertFalse(k.log.stream().anyMatch(s -> s.startsWith("unmap")), "nothing was mapped: " + k.log);
        assertNothingLeaked();
    }

    @Test
    void aRegionWithoutAValidInterfaceIsUnmappedAndClosed() throws Exception {
        SyntheticRegion.write(regionFile, 100_000); // a netmap_if claiming more rings than the region holds
        FakeKernel k = fake();
        NetmapException e = assertThrows(NetmapException.class,
                () -> new KernelBackend("/dev/netmap", k).open(PortSpec.parse("netmap:x{1")));
        assertInstanceOf(IllegalArgumentException.class, e.getCause());
        List<String> tail = k.log.subList(k.log.size() - 2, k.log.size());
        assertEquals("unmap " + SyntheticRegion.SIZE, tail.get(0));
        assertTrue(tail.get(1).startsWith("close "), k.log.toString());
        assertNothingLeaked();
    }

    @Test
    void anAnswerThatCannotBeMappedIsRefusedBeforeMapping() {
        FakeKernel k = fake();
        k.answer = register(SyntheticRegion.SIZE + 8, SyntheticRegion.SIZE, 3, 0);
        NetmapException e = assertThrows(NetmapException.class,
                () -> new KernelBackend("/dev/netmap", k).open(PortSpec.parse("netmap:x{1")));
        assertTrue(e.getMessage().contains("cannot be mapped"), e.getMessage());
        assertFalse(k.log.stream().anyMatch(s -> s.startsWith("map")), k.log.toString());
        assertNothingLeaked();
    }

    @Test
    void errnoOfRegisterBecomesTheRightExceptionNamingThePort() {
        FakeKernel k = fake();
        KernelBackend backend = new KernelBackend("/dev/netmap", k);

        k.answer = fails(Errno.ENXIO);
        NoSuchPortException missing = assertThrows(NoSuchPortException.class,
                () -> backend.open(PortSpec.parse("netmap:eth9")));
        assertTrue(missing.getMessage().contains("netmap:eth9") && missing.getMessage().contains("ip link"),
                missing.getMessage());

        k.answer = fails(Errno.EBUSY);
        PortBusyException busy = assertThrows(PortBusyException.class,
                () -> backend.open(PortSpec.parse("netmap:x{1/x")));
        assertTrue(busy.getMessage().contains("netmap:x{1/x") && busy.getMessage().contains("exclusive"),
                busy.getMessage());

        k.answer = fails(Errno.ENOMEM);
        NetmapException nomem = assertThrows(NetmapException.class,
                () -> backend.open(PortSpec.parse("netmap:eth0@conf:slots=4096")));
        assertTrue(nomem.getMessage().contains("256 + 16 x 4096 = 65792 bytes")
                && nomem.getMessage().contains("ring_size"), nomem.getMessage());
        NetmapException nomemDefault = assertThrows(NetmapException.class,
                () -> backend.open(PortSpec.parse("netmap:eth0")));
        assertTrue(nomemDefault.getMessage().contains("ethtool -g"), nomemDefault.getMessage());

        k.answer = fails(Errno.EIO);
        NetmapException vnet = assertThrows(NetmapException.class, () -> backend.open(PortSpec.parse("vale0:a")));
        assertTrue(vnet.getMessage().contains("virtio-net header") && vnet.getMessage().contains("vale0:a"),
                vnet.getMessage());

        k.answer = fails(Errno.EINVAL);
        NetmapException region = assertThrows(NetmapException.class,
                () -> backend.open(PortSpec.parse("netmap:eth0@9")));
        assertTrue(region.getMessage().contains("memory region 9"), region.getMessage());

        k.answer = fails(Errno.EPERM);
        NetmapException perm = assertThrows(NetmapException.class, () -> backend.open(PortSpec.parse("netmap:eth0")));
        assertTrue(perm.getMessage().contains("CAP_NET_ADMIN"), perm.getMessage());
        assertNothingLeaked();
    }

    @Test
    void aRejectedOptionIsNamed() {
        FakeKernel k = fake();
        k.answer = (fd, r) -> {
            long option = r.reinterpret(HEADER).get(JAVA_LONG, 72);
            MemorySegment o = MemorySegment.ofAddress(option).reinterpret(24);
            assertEquals(5, o.get(JAVA_INT, 8), "the OFFSETS option");
            o.set(JAVA_INT, 12, Errno.EOPNOTSUPP);
            throw new ErrnoException("ioctl", Errno.EOPNOTSUPP);
        };
        NetmapException e = assertThrows(NetmapException.class,
                () -> new KernelBackend("/dev/netmap", k).open(PortSpec.parse("netmap:x{1@offset=64")));
        assertTrue(e.getMessage().contains("option @offset") && e.getMessage().contains("EOPNOTSUPP"),
                e.getMessage());
        assertNothingLeaked();
    }

    @Test
    void anOptionStatusSetOnSuccessStillFailsTheOpenAndUndoesIt() {
        FakeKernel k = fake();
        FakeKernel.Answer ok = register(SyntheticRegion.NIFP, SyntheticRegion.SIZE, 3, 0);
        k.answer = (fd, r) -> {
            ok.control(fd, r);
            MemorySegment o = MemorySegment.ofAddress(r.reinterpret(HEADER).get(JAVA_LONG, 72)).reinterpret(24);
            o.set(JAVA_INT, 12, Errno.EINVAL);
        };
        NetmapException e = assertThrows(NetmapException.class,
                () -> new KernelBackend("/dev/netmap", k).open(PortSpec.parse("netmap:x{1@offset=64")));
        assertTrue(e.getMessage().contains("option @offset") && e.getMessage().contains("EINVAL"), e.getMessage());
        assertNothingLeaked();
    }

    @Test
    void shareOfAMissingPortIsNoSuchPortAndNothingLeaks() {
        FakeKernel k = fake();
        k.answer = fails(Errno.ENXIO);
        NoSuchPortException e = assertThrows(NoSuchPortException.class,
                () -> new KernelBackend("/dev/netmap", k).open(PortSpec.parse("netmap:eth0@share=netmap:eth7")));
        assertTrue(e.getMessage().contains("netmap:eth7") && e.getMessage().contains("@share"), e.getMessage());
        assertEquals(3, k.log.size(), "open and PORT_INFO_GET, then close: " + k.log);
        assertTrue(k.log.get(2).startsWith("close "), k.log.toString());
        assertNothingLeaked();
    }

    @Test
    void shareAndADifferentMemoryIdAreRefused() {
        FakeKernel k = fake();
        k.answer = (fd, r) -> body(r).reinterpret(32).set(JAVA_SHORT, 24, (short) 5);
        NetmapException e = assertThrows(NetmapException.class,
                () -> new KernelBackend("/dev/netmap", k).open(PortSpec.parse("netmap:eth0@2@share=netmap:eth1")));
        assertEquals(Errno.EINVAL, e.errno());
        assertTrue(e.getMessage().contains("region 5") && e.getMessage().contains("@2"), e.getMessage());
        assertNothingLeaked();
    }

    @Test
    void extmemUsesTheUsersFileAsTheRegion() throws Exception {
        FakeKernel k = fake();
        k.mapInstead = null;
        FakeKernel.Answer ok = register(SyntheticRegion.NIFP, SyntheticRegion.SIZE, 4, 0);
        long[] userPointer = new long[1];
        k.answer = (fd, r) -> {
            MemorySegment o = MemorySegment.ofAddress(r.reinterpret(HEADER).get(JAVA_LONG, 72)).reinterpret(96);
            assertEquals(1, o.get(JAVA_INT, 8), "the EXTMEM option");
            userPointer[0] = o.get(JAVA_LONG, 24); // nro_usrptr follows the 24-byte option header
            ok.control(fd, r);
        };
        KernelPort port = new KernelBackend("/dev/netmap", k)
                .open(PortSpec.parse("netmap:x{1@extmem=" + regionFile));
        assertEquals(port.region().address(), userPointer[0], "the kernel gets the address of the mapped file");
        assertEquals(SyntheticRegion.SIZE, port.region().byteSize());
        assertFalse(k.log.stream().anyMatch(s -> s.startsWith("map ")), "no mmap of the device: " + k.log);
        assertEquals(1, port.txRingCount());
        port.close();
        assertNothingLeaked();
    }

    @Test
    void aFailedRegisterWithExtmemUnmapsTheFile() {
        FakeKernel k = fake();
        k.answer = fails(Errno.EINVAL);
        assertThrows(NetmapException.class,
                () -> new KernelBackend("/dev/netmap", k).open(PortSpec.parse("netmap:x{1@extmem=" + regionFile)));
        assertTrue(k.log.contains("unmap " + SyntheticRegion.SIZE), k.log.toString());
        assertNothingLeaked();
    }

    @Test
    void aMissingExtmemFileIsNamed() {
        FakeKernel k = fake();
        NetmapException e = assertThrows(NetmapException.class,
                () -> new KernelBackend("/dev/netmap", k).open(PortSpec.parse("netmap:x{1@extmem=/nonexistent/f")));
        assertTrue(e.getMessage().contains("/nonexistent/f"), e.getMessage());
        assertNothingLeaked();
    }
}

package io.netmap4j.kernel;

import io.netmap4j.core.ValePortId;
import io.netmap4j.abi.Errno;
import io.netmap4j.abi.ErrnoException;
import io.netmap4j.core.NetmapException;
import io.netmap4j.core.NoSuchPortException;
import io.netmap4j.core.PortBusyException;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** NetmapControl over recorded system calls and over files that are not /dev/netmap. */
class NetmapControlTest {
    private static final int HEADER = 88;

    private static String nameOf(MemorySegment request) {
        MemorySegment header = request.reinterpret(HEADER);
        byte[] b = header.asSlice(8, 64).toArray(JAVA_BYTE);
        int n = 0;
        while (n < b.length && b[n] != 0) {
            n++;
        }
        return new String(b, 0, n, StandardCharsets.UTF_8);
    }

    private static MemorySegment bodyOf(MemorySegment request, long size) {
        return MemorySegment.ofAddress(request.reinterpret(HEADER).get(JAVA_LONG, 80)).reinterpret(size);
    }

    private static FakeKernel fakeOnDevNull() {
        FakeKernel k = new FakeKernel();
        k.openInstead = "/dev/null";
        return k;
    }

    @Test
    void aFileThatIsNotNetmapGivesAClearErrorAndNothingLeaks() throws Exception {
        long before = ProcessResources.fdCount();
        NetmapControl control = NetmapControl.open(KernelCalls.LIBC, "/dev/null");
        assertEquals(before + 1, ProcessResources.fdCount());
        NetmapException e = assertThrows(NetmapException.class, () -> control.portInfo("eth0"));
        assertEquals(KernelErrors.ENOTTY, e.errno());
        assertTrue(e.getMessage().contains("eth0") && e.getMessage().contains("/dev/null")
                && e.getMessage().contains("not the netmap control device"), e.getMessage());
        control.close();
        control.close();
        assertEquals(before, ProcessResources.fdCount());
        NetmapException closed = assertThrows(NetmapException.class, () -> control.portHdrGet("vale0:a"));
        assertTrue(closed.getMessage().contains("closed"), closed.getMessage());
    }

    @Test
    void aMissingDeviceSaysTheModuleIsNotLoaded() {
        NetmapException e = assertThrows(NetmapException.class,
                () -> NetmapControl.open(KernelCalls.LIBC, "/nonexistent/netmap"));
        assertFalse(e instanceof NoSuchPortException, "a missing device is not a missing port");
        assertEquals(Errno.ENOENT, e.errno());
        assertTrue(e.getMessage().contains("module") && e.getMessage().contains("modprobe netmap"), e.getMessage());
    }

    @Test
    void badArgumentsFailBeforeAnySystemCall() throws Exception {
        FakeKernel k = fakeOnDevNull();
        try (NetmapControl control = NetmapControl.open(k, "/dev/netmap")) {
            int calls = k.log.size();
            assertThrows(IllegalArgumentException.class, () -> control.portHdrSet("vale0:a", 11));
            assertThrows(IllegalArgumentException.class, () -> control.portHdrSet("vale0:a", -10));
            assertThrows(IllegalArgumentException.class, () -> control.valeAttach("eth0", "eth1"));
            assertThrows(IllegalArgumentException.class, () -> control.valeDetach("eth1"));
            assertThrows(IllegalArgumentException.class, () -> control.valeNewIf("valeX", 0, 0, 0, 0, 0));
            assertThrows(IllegalArgumentException.class, () -> control.valeDelIf(""));
            assertThrows(IllegalArgumentException.class, () -> control.portInfo("x".repeat(64)));
            assertThrows(IllegalArgumentException.class, () -> control.poolsInfo(null));
            assertEquals(calls, k.log.size(), "no system call for a bad argument: " + k.log);
        }
    }

    @Test
    void repliesAreDecoded() throws Exception {
        FakeKernel k = fakeOnDevNull();
        List<String> names = new ArrayList<>();
        k.answer = (fd, r) -> {
            names.add(nameOf(r));
            int type = Short.toUnsignedInt(r.reinterpret(HEADER).get(JAVA_SHORT, 2));
            switch (type) {
                case 2 -> {
                    MemorySegment b = bodyOf(r, 32);
                    b.set(JAVA_LONG, 0, 4_096_000L);
                    b.set(JAVA_INT, 8, 256);
                    b.set(JAVA_INT, 12, 512);
                    b.set(JAVA_SHORT, 16, (short) 1);
                    b.set(JAVA_SHORT, 18, (short) 1);
                    b.set(JAVA_SHORT, 24, (short) 4);
                }
                case 3 -> {
                    MemorySegment b = bodyOf(r, 64);
                    assertEquals(3, b.get(JAVA_INT, 36), "vale-ctl -h attaches with NR_REG_NIC_SW");
                    b.set(JAVA_INT, 56, 2);
                }
                case 4 -> bodyOf(r, 8).set(JAVA_INT, 0, 2);
                case 7 -> bodyOf(r, 8).set(JAVA_INT, 0, 10);
                case 9 -> assertEquals(0L, r.reinterpret(HEADER).get(JAVA_LONG, 80));
                default -> throw new ErrnoException("ioctl", Errno.EINVAL);
            }
        };
        try (NetmapControl control = NetmapControl.open(k, "/dev/netmap")) {
            assertEquals(new PortInfo(4_096_000L, 256, 512, 1, 1, 0, 0, 4), control.portInfo("netmap:x{1"));
            assertEquals(2, control.valeAttach("vale0", "eth0", true, 0));
            assertEquals(2, control.valeDetach("vale0:eth0"));
            assertEquals(10, control.portHdrGet("vale0:a"));
            control.valeDelIf("v0");
        }
        assertEquals(List.of("x{1", "vale0:eth0", "vale0:eth0", "vale0:a", "v0"), names);
    }

    @Test
    void kernelErrorsBecomeTheRightExceptions() throws Exception {
        FakeKernel k = fakeOnDevNull();
        try (NetmapControl control = NetmapControl.open(k, "/dev/netmap")) {
            k.answer = (fd, r) -> {
                throw new ErrnoException("ioctl", Errno.ENXIO);
            };
            NoSuchPortException missing = assertThrows(NoSuchPortException.class, () -> control.portInfo("eth9"));
            assertTrue(missing.getMessage().contains("eth9"), missing.getMessage());

            k.answer = (fd, r) -> {
                throw new ErrnoException("ioctl", Errno.EBUSY);
            };
            PortBusyException busy = assertThrows(PortBusyException.class, () -> control.valeAttach("vale0", "eth0"));
            assertTrue(busy.getMessage().contains("vale0:eth0"), busy.getMessage());

            k.answer = (fd, r) -> {
                throw new ErrnoException("ioctl", Errno.EEXIST);
            };
            NetmapException exists = assertThrows(NetmapException.class,
                    () -> control.valeNewIf("v0", 0, 0, 0, 0, 0));
            assertEquals(Errno.EEXIST, exists.errno());
            assertTrue(exists.getMessage().contains("v0") && exists.getMessage().contains("exists already"),
                    exists.getMessage());

            k.answer = (fd, r) -> {
                throw new ErrnoException("ioctl", Errno.EPERM);
            };
            NetmapException perm = assertThrows(NetmapException.class, () -> control.valeDelIf("v0"));
            assertTrue(perm.getMessage().contains("CAP_NET_ADMIN"), perm.getMessage());
        }
    }

    /** A kernel with VALE ports at (bridge, port); answers VALE_LIST as netmap_vale_list does. */
    private static FakeKernel.Answer valeSwitches(List<ValePortId> ports, List<String> namesSeen) {
        return (fd, r) -> {
            namesSeen.add(nameOf(r));
            if (!nameOf(r).isEmpty()) {
                throw new ErrnoException("ioctl", Errno.EINVAL); // a name would be a lookup, not a listing
            }
            MemorySegment body = bodyOf(r, 8);
            int bridge = Short.toUnsignedInt(body.get(JAVA_SHORT, 0));
            int port = body.get(JAVA_INT, 4);
            for (ValePortId p : ports) {
                if (p.bridge() > bridge || (p.bridge() == bridge && p.port() >= port)) {
                    body.set(JAVA_SHORT, 0, (short) p.bridge());
                    body.set(JAVA_INT, 4, p.port());
                    byte[] n = p.name().getBytes(StandardCharsets.UTF_8);
                    MemorySegment.copy(n, 0, r.reinterpret(HEADER), JAVA_BYTE, 8, n.length);
                    return;
                }
            }
            throw new ErrnoException("ioctl", Errno.ENOENT);
        };
    }

    @Test
    void valeListWalksEverySwitchWithTheCursor() throws Exception {
        // a long name first, so that a name left in the header would show in the next request
        List<ValePortId> ports = List.of(new ValePortId(0, 0, "vale0:a-long-port-name"), new ValePortId(0, 3, "vale0:b"),
                new ValePortId(2, 1, "vale7:eth0"), new ValePortId(2, 2, "vale7:c"));
        List<String> seen = new ArrayList<>();
        FakeKernel k = fakeOnDevNull();
        k.answer = valeSwitches(ports, seen);
        try (NetmapControl control = NetmapControl.open(k, "/dev/netmap")) {
            assertEquals(ports, control.valeList());
        }
        assertEquals(List.of("", "", "", "", ""), seen, "every request of the listing has an empty name");
    }

    @Test
    void valeListWithoutSwitchesIsEmpty() throws Exception {
        List<String> seen = new ArrayList<>();
        FakeKernel k = fakeOnDevNull();
        k.answer = valeSwitches(List.of(), seen);
        try (NetmapControl control = NetmapControl.open(k, "/dev/netmap")) {
            assertEquals(List.of(), control.valeList());
        }
        assertEquals(1, seen.size());
    }

    @Test
    void valeListReportsOtherErrors() throws Exception {
        FakeKernel k = fakeOnDevNull();
        k.answer = (fd, r) -> {
            throw new ErrnoException("ioctl", Errno.EINVAL);
        };
        try (NetmapControl control = NetmapControl.open(k, "/dev/netmap")) {
            NetmapException e = assertThrows(NetmapException.class, control::valeList);
            assertInstanceOf(ErrnoException.class, e.getCause());
            assertEquals(Errno.EINVAL, e.errno());
        }
    }
}

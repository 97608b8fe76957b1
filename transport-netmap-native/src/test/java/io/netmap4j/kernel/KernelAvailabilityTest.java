package io.netmap4j.kernel;

import io.netmap4j.abi.Errno;
import io.netmap4j.abi.ErrnoException;
import io.netmap4j.core.NetmapException;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

class KernelAvailabilityTest {
    @Test
    void nameIsKernel() {
        assertEquals("kernel", KernelBackend.INSTANCE.name());
    }

    @Test
    void thisMachineWithoutDevNetmapSaysTheModuleIsNotLoaded() {
        assumeFalse(Files.exists(Path.of("/dev/netmap")), "/dev/netmap exists here");
        assertFalse(KernelBackend.INSTANCE.isAvailable());
        Throwable cause = KernelBackend.INSTANCE.unavailabilityCause();
        assertTrue(cause.getMessage().contains("/dev/netmap") && cause.getMessage().contains("module")
                && cause.getMessage().contains("modprobe netmap"), cause.getMessage());
    }

    @Test
    void aMissingDeviceMeansTheModuleIsNotLoaded() {
        KernelBackend b = new KernelBackend("/nonexistent/dev/netmap", KernelCalls.LIBC);
        assertFalse(b.isAvailable());
        NetmapException cause = assertInstanceOf(NetmapException.class, b.unavailabilityCause());
        assertEquals(Errno.ENOENT, cause.errno());
        assertTrue(cause.getMessage().contains("module is not loaded"), cause.getMessage());
    }

    @Test
    void permissionDeniedAsksForRootOrCapNetAdmin() {
        for (int errno : new int[] {Errno.EACCES, Errno.EPERM}) {
            FakeKernel k = new FakeKernel() {
                @Override
                public int open(String path) throws ErrnoException {
                    throw new ErrnoException("open(" + path + ")", errno);
                }
            };
            KernelBackend b = new KernelBackend("/dev/netmap", k);
            assertFalse(b.isAvailable());
            String m = b.unavailabilityCause().getMessage();
            assertTrue(m.contains("root") && m.contains("CAP_NET_ADMIN"), m);
        }
    }

    @Test
    void aDeviceThatOpensIsAvailableAndTheAnswerIsComputedOnce() {
        FakeKernel k = new FakeKernel();
        KernelBackend b = new KernelBackend("/dev/null", k);
        long before = ProcessResources.fdCount();
        assertTrue(b.isAvailable());
        assertNull(b.unavailabilityCause());
        assertTrue(b.isAvailable());
        assertEquals(before, ProcessResources.fdCount(), "the probe closes what it opened");
        assertEquals(2, k.log.size(), "one open and one close: " + k.log);
        assertTrue(k.log.get(0).startsWith("open ") && k.log.get(1).startsWith("close "), k.log.toString());
    }

    @Test
    void theCauseIsTheSameObjectEachTime() {
        KernelBackend b = new KernelBackend("/nonexistent/netmap", KernelCalls.LIBC);
        assertSame(b.unavailabilityCause(), b.unavailabilityCause());
    }
}

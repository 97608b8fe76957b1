package io.netmap4j;

import io.netmap4j.core.NetmapBackend;
import io.netmap4j.core.NetmapPort;
import io.netmap4j.kernel.KernelBackend;
import io.netmap4j.spec.PortSpec;
import io.netmap4j.user.UserBackend;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NetmapPortsTest {
    /** A backend whose availability the test decides. */
    private record Fake(String name, boolean isAvailable) implements NetmapBackend {
        @Override
        public Throwable unavailabilityCause() {
            return isAvailable ? null : new IllegalStateException("absent");
        }

        @Override
        public NetmapPort open(PortSpec spec) {
            throw new UnsupportedOperationException();
        }
    }

    private static final NetmapBackend KERNEL_PRESENT = new Fake("kernel", true);
    private static final NetmapBackend KERNEL_ABSENT = new Fake("kernel", false);
    private static final NetmapBackend USER = new Fake("user", true);

    @Test
    void autoPrefersTheKernelWhenItIsAvailable() {
        assertSame(KERNEL_PRESENT, NetmapPorts.choose(null, KERNEL_PRESENT, USER));
        assertSame(KERNEL_PRESENT, NetmapPorts.choose("auto", KERNEL_PRESENT, USER));
        assertSame(USER, NetmapPorts.choose(null, KERNEL_ABSENT, USER));
        assertSame(USER, NetmapPorts.choose(" AUTO ", KERNEL_ABSENT, USER));
    }

    @Test
    void thePropertyForcesEitherBackend() {
        assertSame(USER, NetmapPorts.choose("user", KERNEL_PRESENT, USER));
        assertSame(KERNEL_ABSENT, NetmapPorts.choose("Kernel", KERNEL_ABSENT, USER));
    }

    @Test
    void anUnknownBackendNameIsRefusedWithTheChoices() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NetmapPorts.choose("dpdk", KERNEL_PRESENT, USER));
        assertTrue(e.getMessage().contains("dpdk") && e.getMessage().contains("kernel, user or auto"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> NetmapPorts.backend("vale"));
    }

    @Test
    void backendsByName() {
        assertSame(KernelBackend.INSTANCE, NetmapPorts.backend("kernel"));
        assertSame(UserBackend.INSTANCE, NetmapPorts.backend("user"));
        assertSame(NetmapPorts.defaultBackend(), NetmapPorts.backend("auto"));
    }

    @Test
    void thisMachineGetsTheBackendItCanUse() throws Exception {
        NetmapBackend expected = KernelBackend.INSTANCE.isAvailable() ? KernelBackend.INSTANCE : UserBackend.INSTANCE;
        if (System.getProperty(NetmapPorts.BACKEND_PROPERTY) == null) {
            assertSame(expected, NetmapPorts.defaultBackend());
        }
        try (NetmapPort port = NetmapPorts.open("netmap:nm4jports{0")) {
            assertSame(NetmapPorts.defaultBackend(), port.backend());
            assertEquals(1, port.txRingCount());
            assertEquals(1, port.rxRingCount());
        }
    }
}

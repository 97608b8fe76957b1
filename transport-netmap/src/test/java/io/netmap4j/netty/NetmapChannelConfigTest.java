package io.netmap4j.netty;

import io.netmap4j.NetmapPorts;
import io.netmap4j.kernel.KernelBackend;
import io.netmap4j.user.UserBackend;
import io.netmap4j.user.nic.NicMechanism;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NetmapChannelConfigTest {
    @Test
    void backendOptionChoosesTheBackendByName() {
        NetmapChannelConfig config = new NetmapChannel().config();
        assertSame(NetmapPorts.defaultBackend(), config.getBackend());
        assertTrue(config.setOption(NetmapChannelOption.BACKEND, "user"));
        assertSame(UserBackend.INSTANCE, config.getBackend());
        assertEquals("user", config.getOption(NetmapChannelOption.BACKEND));
        assertTrue(config.setOption(NetmapChannelOption.BACKEND, "kernel"));
        assertSame(KernelBackend.INSTANCE, config.getBackend());
    }

    @Test
    void unknownBackendNameIsRefused() {
        NetmapChannelConfig config = new NetmapChannel().config();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> config.setOption(NetmapChannelOption.BACKEND, "dpdk"));
        assertTrue(e.getMessage().contains("kernel, user or auto"), e.getMessage());
        assertSame(NetmapPorts.defaultBackend(), config.getBackend());
    }

    @Test
    void nicMechanismOptionChoosesByName() {
        NetmapChannelConfig config = new NetmapChannel().config();
        assertEquals(NicMechanism.AUTO, config.getNicMechanism());
        assertTrue(config.setOption(NetmapChannelOption.NIC_MECHANISM, "xdp"));
        assertEquals(NicMechanism.XDP, config.getNicMechanism());
        assertEquals("xdp", config.getOption(NetmapChannelOption.NIC_MECHANISM));
        assertTrue(config.setOption(NetmapChannelOption.NIC_MECHANISM, "AF_PACKET"));
        assertEquals(NicMechanism.PACKET, config.getNicMechanism());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> config.setOption(NetmapChannelOption.NIC_MECHANISM, "dpdk"));
        assertTrue(e.getMessage().contains("auto, xdp or packet"), e.getMessage());
        assertEquals(NicMechanism.PACKET, config.getNicMechanism());
    }

    @Test
    void optionsAreListed() {
        NetmapChannelConfig config = new NetmapChannel().config();
        assertTrue(config.getOptions().containsKey(NetmapChannelOption.BACKEND));
        assertTrue(config.getOptions().containsKey(NetmapChannelOption.RX_ZERO_COPY));
        assertTrue(config.getOptions().containsKey(NetmapChannelOption.NIC_MECHANISM));
        assertEquals(Boolean.TRUE, config.getOptions().get(NetmapChannelOption.RX_READ_AHEAD), "read-ahead is on by default");
        assertTrue(config.setOption(NetmapChannelOption.RX_READ_AHEAD, false));
        assertFalse(config.getOption(NetmapChannelOption.RX_READ_AHEAD));
    }
}

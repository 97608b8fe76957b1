package io.netmap4j.netty;

import io.netmap4j.NetmapPorts;
import io.netmap4j.kernel.KernelBackend;
import io.netmap4j.user.UserBackend;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
    void optionsAreListed() {
        NetmapChannelConfig config = new NetmapChannel().config();
        assertTrue(config.getOptions().containsKey(NetmapChannelOption.BACKEND));
        assertTrue(config.getOptions().containsKey(NetmapChannelOption.RX_ZERO_COPY));
    }
}

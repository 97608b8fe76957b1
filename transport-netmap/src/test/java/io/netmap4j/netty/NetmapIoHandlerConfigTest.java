package io.netmap4j.netty;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NetmapIoHandlerConfigTest {
    @Test
    void defaultsSleepAfterAShortSpin() {
        NetmapIoHandlerConfig config = new NetmapIoHandlerConfig();
        assertFalse(config.isBusyPoll());
        assertEquals(NetmapIoHandlerConfig.DEFAULT_SPIN_NANOS, config.getSpinNanos());
        assertTrue(config.getSpinNanos() > 0);
    }

    @Test
    void aCopyKeepsEverySetting() {
        NetmapIoHandlerConfig config = new NetmapIoHandlerConfig().setBusyPoll(true).setSpinNanos(0);
        NetmapIoHandlerConfig copy = config.copy();
        assertTrue(copy.isBusyPoll());
        assertEquals(0, copy.getSpinNanos());
        config.setSpinNanos(7);
        assertEquals(0, copy.getSpinNanos(), "the copy is independent");
    }

    @Test
    void aNegativeSpinIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new NetmapIoHandlerConfig().setSpinNanos(-1));
        assertTrue(e.getMessage().contains("-1"), e.getMessage());
    }
}

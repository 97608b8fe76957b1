package io.netmap4j.netty.testsuite;

import org.junit.jupiter.api.BeforeEach;

/**
 * {@link NetmapKernelMonitorTest} on the user backend: monitors of its pipes and VALE switches as
 * channels, with netmap's semantics (copies before consumption, zero-copy after).
 */
class NetmapUserMonitorTest extends NetmapKernelMonitorTest {
    @Override
    String backend() {
        return "user";
    }

    @BeforeEach
    @Override
    void needsTheBackend() {
        // the user backend is always there
    }
}

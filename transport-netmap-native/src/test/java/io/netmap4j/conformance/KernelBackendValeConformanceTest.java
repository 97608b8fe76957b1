package io.netmap4j.conformance;

import io.netmap4j.core.NetmapBackend;
import io.netmap4j.kernel.KernelBackend;
import org.junit.jupiter.api.BeforeAll;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The VALE conformance suite on the netmap kernel module; skipped where /dev/netmap is absent or
 * unusable (the reason is in the skip message). Each test's ports are closed after it, so its
 * switch goes away: the module has room for 8 switches by default.
 */
class KernelBackendValeConformanceTest extends AbstractValeConformanceTest {
    private static final AtomicInteger NEXT = new AtomicInteger();

    @BeforeAll
    static void needsTheModule() {
        assumeTrue(KernelBackend.INSTANCE.isAvailable(),
                () -> "netmap kernel module not usable: " + KernelBackend.INSTANCE.unavailabilityCause());
    }

    @Override
    protected NetmapBackend backend() {
        return KernelBackend.INSTANCE;
    }

    @Override
    protected String switchName() {
        return "valekt" + ProcessHandle.current().pid() + "x" + NEXT.incrementAndGet();
    }
}

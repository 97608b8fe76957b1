package io.netmap4j.conformance;

import io.netmap4j.core.NetmapBackend;
import io.netmap4j.kernel.KernelBackend;
import org.junit.jupiter.api.BeforeAll;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The vale-ctl requests on the netmap kernel module; skipped where /dev/netmap is absent or
 * unusable (the reason is in the skip message). The interfaces it creates are deleted after each
 * test.
 */
class KernelBackendValeControlConformanceTest extends AbstractValeControlConformanceTest {
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
        return "valekc" + ProcessHandle.current().pid() + "x" + NEXT.incrementAndGet();
    }

    @Override
    protected String interfaceName() {
        return "nmk" + ProcessHandle.current().pid() % 100_000 + "i" + NEXT.incrementAndGet();
    }
}

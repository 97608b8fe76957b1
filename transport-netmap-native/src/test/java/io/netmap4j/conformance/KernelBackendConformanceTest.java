package io.netmap4j.conformance;

import io.netmap4j.core.NetmapBackend;
import io.netmap4j.kernel.KernelBackend;
import org.junit.jupiter.api.BeforeAll;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The ring-protocol conformance suite on the netmap kernel module; skipped where /dev/netmap
 * is absent or unusable (the reason is in the skip message).
 */
class KernelBackendConformanceTest extends AbstractRingConformanceTest {
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
    protected String pipeName() {
        return "netmap:kt" + ProcessHandle.current().pid() + "x" + NEXT.incrementAndGet();
    }
}

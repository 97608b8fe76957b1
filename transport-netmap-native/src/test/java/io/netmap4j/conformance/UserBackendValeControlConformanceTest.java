package io.netmap4j.conformance;

import io.netmap4j.core.NetmapBackend;
import io.netmap4j.user.UserBackend;

import java.util.concurrent.atomic.AtomicInteger;

/** The vale-ctl requests on the user-space backend (runs everywhere). */
class UserBackendValeControlConformanceTest extends AbstractValeControlConformanceTest {
    private static final AtomicInteger NEXT = new AtomicInteger();

    @Override
    protected NetmapBackend backend() {
        return UserBackend.INSTANCE;
    }

    @Override
    protected String switchName() {
        return "valecc" + ProcessHandle.current().pid() + "x" + NEXT.incrementAndGet();
    }

    @Override
    protected String interfaceName() {
        return "nmu" + ProcessHandle.current().pid() % 100_000 + "i" + NEXT.incrementAndGet();
    }
}

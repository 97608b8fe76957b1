package io.netmap4j.conformance;

import io.netmap4j.core.NetmapBackend;
import io.netmap4j.user.UserBackend;

import java.util.concurrent.atomic.AtomicInteger;

/** The VALE conformance suite on the user-space backend (runs everywhere). */
class UserBackendValeConformanceTest extends AbstractValeConformanceTest {
    private static final AtomicInteger NEXT = new AtomicInteger();

    @Override
    protected NetmapBackend backend() {
        return UserBackend.INSTANCE;
    }

    @Override
    protected String switchName() {
        return "valect" + ProcessHandle.current().pid() + "x" + NEXT.incrementAndGet();
    }
}

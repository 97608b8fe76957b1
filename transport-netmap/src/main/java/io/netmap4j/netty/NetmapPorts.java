package io.netmap4j.netty;

import io.netmap4j.core.NetmapBackend;
import io.netmap4j.core.NetmapException;
import io.netmap4j.core.NetmapPort;
import io.netmap4j.spec.PortSpec;
import io.netmap4j.user.UserBackend;

/**
 * The one place where the transport chooses a backend and opens ports, so that switching to the
 * project-wide backend selection touches nothing else.
 */
final class NetmapPorts {
    private NetmapPorts() {
    }

    /** The backend ports are opened with. */
    static NetmapBackend backend() {
        // The user-space backend until the project-wide selection (kernel when /dev/netmap exists) lands.
        return UserBackend.INSTANCE;
    }

    static NetmapPort open(PortSpec spec) throws NetmapException {
        NetmapBackend backend = backend();
        if (backend == null) {
            throw new UnsupportedOperationException("no netmap backend is available to open " + spec);
        }
        return backend.open(spec);
    }
}

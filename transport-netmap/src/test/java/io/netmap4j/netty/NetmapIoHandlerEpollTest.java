package io.netmap4j.netty;

import io.netmap4j.abi.LibC;
import io.netmap4j.abi.gen.NetmapAbi;
import io.netmap4j.abi.gen.netmap_if;
import io.netmap4j.core.NetmapBackend;
import io.netmap4j.core.NetmapPort;
import io.netmap4j.spec.PortSpec;
import io.netty.channel.IoRegistration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static io.netmap4j.abi.NetmapConstants.POLLIN;
import static io.netmap4j.netty.ManualLoop.MUST_NOT_BLOCK;
import static io.netmap4j.netty.ManualLoop.THIS_THREAD;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Ports that sync in poll(2), as kernel ports do, go into an epoll set from
 * {@link NetmapIoHandler#EPOLL_THRESHOLD} on and back to poll(2) when few are left; the right
 * handle gets each event in both modes, also after registrations in the middle went away and
 * interest changed. Stand-ins for kernel ports here: ports whose descriptor is an eventfd, which
 * the test makes readable.
 */
class NetmapIoHandlerEpollTest {
    private static final MemorySegment ONE = Arena.global().allocateFrom(JAVA_LONG, 1L);
    private static final NetmapBackend FAKE = new NetmapBackend() {
        @Override
        public String name() {
            return "fake";
        }

        @Override
        public boolean isAvailable() {
            return true;
        }

        @Override
        public Throwable unavailabilityCause() {
            return null;
        }

        @Override
        public NetmapPort open(PortSpec spec) {
            throw new UnsupportedOperationException();
        }
    };

    /** A port whose readiness is that of an eventfd, learnt from poll(2) only, as a kernel port's. */
    private static final class EventFdPort extends NetmapPort {
        final int fd;

        EventFdPort(int k) throws Exception {
            super(PortSpec.parse("netmap:fake" + k), FAKE, Arena.ofAuto().allocate(netmap_if.layout().byteSize() + 64),
                    0, 0, 0);
            fd = LibC.eventfd(0, NetmapAbi.EFD_NONBLOCK() | NetmapAbi.EFD_CLOEXEC());
        }

        void makeReadable() {
            LibC.write(fd, ONE, 8);
        }

        void clear() {
            LibC.read(fd, Arena.ofAuto().allocate(8), 8);
        }

        @Override
        public int fd() {
            return fd;
        }

        @Override
        public void txSync() {
        }

        @Override
        public void rxSync() {
        }

        @Override
        public int readyOps(int ops) {
            return 0;
        }

        @Override
        public int prepareToSleep(int ops) {
            return 0;
        }

        @Override
        public int pollEvents(int ops) {
            return ops;
        }

        @Override
        public int completePoll(int ops, int revents) {
            return revents;
        }

        @Override
        protected void doClose() {
            LibC.closeQuietly(fd);
        }
    }

    private final NetmapIoHandler handler = new NetmapIoHandler(THIS_THREAD, new NetmapIoHandlerConfig(), LibC::poll);
    private final List<EventFdPort> ports = new ArrayList<>();
    private final List<ManualLoop.CountingHandle> handles = new ArrayList<>();
    private final List<IoRegistration> registrations = new ArrayList<>();

    @AfterEach
    void close() {
        handler.destroy();
    }

    private void register(int count) throws Exception {
        for (int k = 0; k < count; k++) {
            EventFdPort fdPort = new EventFdPort(ports.size());
            ManualLoop.CountingHandle handle = new ManualLoop.CountingHandle(fdPort) {
                @Override
                void onEvent(int readyOps) {
                    fdPort.clear();
                }
            };
            ports.add(fdPort);
            handles.add(handle);
            IoRegistration reg = handler.register(handle);
            reg.submit(NetmapIoOps.READ);
            registrations.add(reg);
        }
    }

    /** Makes port {@code k} readable, runs the loop once, and checks that only its handle got POLLIN. */
    private void checkOnly(int k) {
        int[] before = handles.stream().mapToInt(h -> h.events.get()).toArray();
        ports.get(k).makeReadable();
        assertEquals(1, handler.run(MUST_NOT_BLOCK), "one port was ready");
        for (int i = 0; i < handles.size(); i++) {
            assertEquals(before[i] + (i == k ? 1 : 0), handles.get(i).events.get(), "events of port " + i);
        }
        assertEquals(POLLIN, handles.get(k).lastEvent & POLLIN);
    }

    @Test
    void manyKernelPortsAreWaitedOnThroughEpollAndFewThroughPoll() throws Exception {
        register(NetmapIoHandler.EPOLL_THRESHOLD - 1);
        assertFalse(handler.usesEpoll(), "few ports: poll(2)");
        checkOnly(0);
        checkOnly(ports.size() - 1);

        register(12);
        assertTrue(handler.usesEpoll(), ports.size() + " ports: epoll");
        assertEquals(0, handler.run(MUST_NOT_BLOCK), "nothing ready");
        checkOnly(0);
        checkOnly(ports.size() - 1);

        // a registration in the middle goes: the last one takes its place in the set
        registrations.get(4).cancel();
        assertEquals(0, handler.run(MUST_NOT_BLOCK));
        checkOnly(ports.size() - 1);
        ports.get(4).makeReadable();
        assertEquals(0, handler.run(MUST_NOT_BLOCK), "a cancelled registration gets nothing");
        ports.get(4).clear();

        // interest withdrawn, then given again
        registrations.get(7).submit(NetmapIoOps.NONE);
        ports.get(7).makeReadable();
        assertEquals(0, handler.run(MUST_NOT_BLOCK), "no interest, no event");
        registrations.get(7).submit(NetmapIoOps.READ);
        assertEquals(1, handler.run(MUST_NOT_BLOCK), "interest again: the pending readiness is seen");
        checkOnly(7);

        // back below half the threshold: poll(2) again
        for (int i = 1; i < ports.size(); i++) {
            if (i != 4) {
                registrations.get(i).cancel();
            }
        }
        assertFalse(handler.usesEpoll(), "one port left: poll(2) again");
        checkOnly(0);
    }
}

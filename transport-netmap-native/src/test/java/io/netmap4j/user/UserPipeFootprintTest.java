package io.netmap4j.user;

import io.netmap4j.abi.LibC;
import io.netmap4j.abi.gen.stat;
import io.netmap4j.core.NetmapException;
import io.netmap4j.core.NetmapPort;
import io.netmap4j.spec.PortSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static io.netmap4j.abi.gen.NetmapAbi.O_CLOEXEC;
import static io.netmap4j.abi.gen.NetmapAbi.O_RDONLY;
import static io.netmap4j.user.PipeLayout.BUF_SIZE;
import static io.netmap4j.user.PipeLayout.HEADER_SIZE;
import static io.netmap4j.user.PipeLayout.pipeBytes;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What a pipe costs, exactly, as the README states it: the shared memory a pipe region holds
 * (the region header once, then per pipe its control and netmap_if pages, its four rings sized
 * by their slots, and one buffer per slot of each direction, plus extra buffers asked for), and
 * the descriptors a pipe end holds (its region file; a doorbell FIFO only once it waits outside a
 * ready board).
 */
class UserPipeFootprintTest {
    private static final String PARENT = "netmap:fp" + ProcessHandle.current().pid();
    private final List<NetmapPort> opened = new ArrayList<>();

    @AfterEach
    void closeAll() {
        for (int i = opened.size() - 1; i >= 0; i--) {
            opened.get(i).close();
        }
    }

    private UserPipePort open(PortSpec spec) throws NetmapException {
        UserPipePort p = (UserPipePort) UserBackend.INSTANCE.open(spec);
        opened.add(p);
        return p;
    }

    /** Bytes of shared memory the file holds (allocated blocks, not its sparse size). */
    private static long allocatedBytes(String path) throws Exception {
        int fd = LibC.open(path, O_RDONLY() | O_CLOEXEC(), 0);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(stat.layout());
            LibC.fstat(fd, st);
            return stat.st_blocks(st) * 512;
        } finally {
            LibC.closeQuietly(fd);
        }
    }

    private static int openDescriptors() {
        String[] fds = new File("/proc/self/fd").list();
        return fds == null ? -1 : fds.length;
    }

    @Test
    void aPipeHoldsWhatItsRingsAndBuffersNeedAndNoMore() throws Exception {
        UserPipePort a = open(PortSpec.parse(PARENT + "{1@conf:slots=64"));
        open(PortSpec.parse(PARENT + "}1@conf:slots=64"));
        String region = a.regionPath();
        long small = pipeBytes(64, 64) + 2L * 64 * BUF_SIZE;
        assertEquals(HEADER_SIZE + small, allocatedBytes(region), "one pipe of 64 slots");
        assertEquals(16384 + 262144, small, "16 KiB of control, netmap_ifs and rings, 256 KiB of buffers");

        open(PortSpec.parse(PARENT + "{2"));
        long big = pipeBytes(1024, 1024) + 2L * 1024 * BUF_SIZE;
        assertEquals(HEADER_SIZE + small + big, allocatedBytes(region), "and one of the default 1024 slots");
        assertEquals(8192 + 69632 + 4194304, big);

        open(PortSpec.parse(PARENT + "}2").withExtraBuffers(10));
        assertEquals(HEADER_SIZE + small + big + 10L * BUF_SIZE, allocatedBytes(region), "and 10 extra buffers");
    }

    @Test
    void aPipeEndHoldsOneDescriptorUntilItWaitsOnItsOwnDoorbell() throws Exception {
        int before = openDescriptors();
        UserPipePort end = open(PortSpec.parse(PARENT + "{3@conf:slots=64"));
        assertEquals(before + 1, openDescriptors(), "the region file (its byte locks say this end lives)");
        end.fd();
        assertEquals(before + 2, openDescriptors(), "and its doorbell FIFO, once made");
        end.close();
        assertEquals(before, openDescriptors(), "all given back");
    }
}

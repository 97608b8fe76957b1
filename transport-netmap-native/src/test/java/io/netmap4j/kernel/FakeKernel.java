package io.netmap4j.kernel;

import io.netmap4j.abi.ErrnoException;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * System calls for tests: descriptors and mappings are real (LibC, on whatever file the test
 * names), the NIOCCTRL answers come from {@link #answer}, and every call is recorded so that a
 * test can check what was undone.
 */
class FakeKernel implements KernelCalls {
    /** What the "kernel" does with a control request: fill in the reply, or throw. */
    interface Answer {
        void control(int fd, MemorySegment request) throws ErrnoException;
    }

    final List<String> log = new ArrayList<>();
    Answer answer = (fd, request) -> {
        throw new ErrnoException("ioctl", 25);
    };
    /** When set, {@link #open} opens this file instead of the path it is given. */
    String openInstead;
    /** When set, {@link #map} maps this file (a stand-in for the kernel's region) instead of the fd. */
    String mapInstead;
    int mapFailsWith;

    @Override
    public int open(String path) throws ErrnoException {
        int fd = LIBC.open(openInstead != null ? openInstead : path);
        log.add("open " + fd);
        return fd;
    }

    @Override
    public void control(int fd, MemorySegment request) throws ErrnoException {
        log.add("control " + fd);
        answer.control(fd, request);
    }

    @Override
    public MemorySegment map(int fd, long length) throws ErrnoException {
        if (mapFailsWith != 0) {
            log.add("map failed");
            throw new ErrnoException("mmap", mapFailsWith);
        }
        MemorySegment m;
        if (mapInstead != null) {
            try {
                m = LIBC.mapFile(mapInstead).asSlice(0, length);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        } else {
            m = LIBC.map(fd, length);
        }
        log.add("map " + length);
        return m;
    }

    @Override
    public MemorySegment mapFile(String path) throws IOException {
        MemorySegment m = LIBC.mapFile(path);
        log.add("mapFile " + path);
        return m;
    }

    @Override
    public void unmapQuietly(MemorySegment region) {
        log.add("unmap " + region.byteSize());
        LIBC.unmapQuietly(region);
    }

    @Override
    public void closeQuietly(int fd) {
        log.add("close " + fd);
        LIBC.closeQuietly(fd);
    }
}

package io.netmap4j.kernel;

import io.netmap4j.abi.ErrnoException;
import io.netmap4j.abi.LibC;
import io.netmap4j.abi.NetmapConstants;
import io.netmap4j.abi.gen.NetmapAbi;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The system calls that opening a port and the control requests make, behind an interface so
 * that tests can replay a kernel's answers and still check, with real descriptors and mappings,
 * that every failed step is undone. The data path (the sync ioctls) does not go through here:
 * it calls {@link LibC} directly.
 */
interface KernelCalls {
    /** The netmap control device. */
    String DEVICE = "/dev/netmap";

    /** {@code open(path, O_RDWR | O_CLOEXEC)}. */
    int open(String path) throws ErrnoException;

    /** {@code ioctl(fd, NIOCCTRL, request)}. */
    void control(int fd, MemorySegment request) throws ErrnoException;

    /** {@code mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)}. */
    MemorySegment map(int fd, long length) throws ErrnoException;

    /**
     * Maps the whole of file {@code path}, shared and writable, and closes the file again: the
     * memory of an {@code @extmem} port, as libnetmap maps it.
     */
    MemorySegment mapFile(String path) throws IOException;

    /** Unmaps, ignoring failure: only used on undo and close paths. */
    void unmapQuietly(MemorySegment region);

    /** Closes, ignoring failure: the descriptor is gone either way on Linux. */
    void closeQuietly(int fd);

    /** The real calls. */
    KernelCalls LIBC = new KernelCalls() {
        @Override
        public int open(String path) throws ErrnoException {
            return LibC.open(path, NetmapAbi.O_RDWR() | NetmapAbi.O_CLOEXEC(), 0);
        }

        @Override
        public void control(int fd, MemorySegment request) throws ErrnoException {
            LibC.ioctl(fd, NetmapConstants.NIOCCTRL, request);
        }

        @Override
        public MemorySegment map(int fd, long length) throws ErrnoException {
            return LibC.mmap(length, NetmapAbi.PROT_READ() | NetmapAbi.PROT_WRITE(), NetmapAbi.MAP_SHARED(), fd, 0);
        }

        @Override
        public MemorySegment mapFile(String path) throws IOException {
            int fd = LibC.open(path, NetmapAbi.O_RDWR() | NetmapAbi.O_CLOEXEC(), 0);
            try {
                long size = Files.size(Path.of(path));
                if (size <= 0) {
                    throw new IOException(path + " is empty; an @extmem file must hold the whole memory region");
                }
                return LibC.mmap(size, NetmapAbi.PROT_READ() | NetmapAbi.PROT_WRITE(), NetmapAbi.MAP_SHARED(), fd, 0);
            } finally {
                // the mapping keeps the file; the descriptor is no longer needed
                LibC.closeQuietly(fd);
            }
        }

        @Override
        public void unmapQuietly(MemorySegment region) {
            LibC.munmapQuietly(region);
        }

        @Override
        public void closeQuietly(int fd) {
            LibC.closeQuietly(fd);
        }
    };
}

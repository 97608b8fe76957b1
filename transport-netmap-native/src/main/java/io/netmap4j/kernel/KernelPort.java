package io.netmap4j.kernel;

import io.netmap4j.abi.LibC;
import io.netmap4j.core.NetmapBackend;
import io.netmap4j.core.NetmapException;
import io.netmap4j.core.NetmapPort;
import io.netmap4j.spec.PortSpec;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static io.netmap4j.abi.NetmapConstants.NIOCRXSYNC;
import static io.netmap4j.abi.NetmapConstants.NIOCTXSYNC;

/**
 * A port registered with the netmap kernel module: a {@code /dev/netmap} descriptor bound by
 * REGISTER, and the memory region mapped from it.
 *
 * <p>The syncs are one ioctl each, through a non-variadic handle, and allocate nothing unless
 * they fail. Waiting is the kernel's business: poll(2) on {@link #fd()} runs the syncs itself
 * (RX on POLLIN; TX on every poll unless the port was opened with NR_NO_TX_POLL), so
 * {@link #readyOps(int)} and {@link #prepareToSleep(int)} have nothing to do, and a loop that does
 * not sleep still polls with a zero timeout ({@link #needsPollToSync()} is true). As with any netmap descriptor, ask for POLLOUT
 * only while a TX ring is full, or poll returns at once.
 */
public final class KernelPort extends NetmapPort {
    private final KernelCalls calls;
    /** Owns the view of the mapping; closing it unmaps the region. */
    private final Arena mapping;
    /** -1 once closed, so a sync after close fails with EBADF instead of reaching a reused descriptor. */
    private int fd;
    private final int txSlots;
    private final int rxSlots;

    KernelPort(PortSpec spec, NetmapBackend backend, KernelCalls calls, int fd, MemorySegment region, Arena mapping,
               long nifpOffset, int memId, int extraBuffers, int txSlots, int rxSlots) {
        super(spec, backend, region, nifpOffset, memId, extraBuffers);
        this.calls = calls;
        this.mapping = mapping;
        this.fd = fd;
        this.txSlots = txSlots;
        this.rxSlots = rxSlots;
    }

    /** The {@code /dev/netmap} descriptor this port is bound to; -1 after close. */
    @Override
    public int fd() {
        return fd;
    }

    /** Slots per TX ring as REGISTER reported them. */
    public int txSlots() {
        return txSlots;
    }

    /** Slots per RX ring as REGISTER reported them. */
    public int rxSlots() {
        return rxSlots;
    }

    @Override
    public void txSync() throws NetmapException {
        int r = LibC.ioctlNoArg(fd, NIOCTXSYNC);
        if (r < 0) {
            throw KernelErrors.sync("txsync", name(), -r);
        }
    }

    @Override
    public void rxSync() throws NetmapException {
        int r = LibC.ioctlNoArg(fd, NIOCRXSYNC);
        if (r < 0) {
            throw KernelErrors.sync("rxsync", name(), -r);
        }
    }

    /** Nothing is known before poll(2): the kernel's poll does the syncs and reports readiness. */
    @Override
    public int readyOps(int ops) {
        return 0;
    }

    /** Nothing to arrange: the kernel wakes a sleeping poll itself. */
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

    /** Unmaps the region, then closes the descriptor, which unregisters the port (libnetmap's order). */
    @Override
    protected void doClose() {
        int f = fd;
        fd = -1;
        mapping.close();
        calls.closeQuietly(f);
    }
}

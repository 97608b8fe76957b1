package io.netmap4j.kernel;

import io.netmap4j.abi.Errno;
import io.netmap4j.abi.ErrnoException;
import io.netmap4j.abi.NetmapConstants;
import io.netmap4j.abi.gen.nmreq_option;
import io.netmap4j.abi.gen.nmreq_register;
import io.netmap4j.core.NetmapBackend;
import io.netmap4j.core.NetmapException;
import io.netmap4j.spec.PortSpec;
import io.netmap4j.spec.RegisterRequest;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The netmap kernel module, through {@code /dev/netmap}: the production backend.
 *
 * <p>Opening a port follows libnetmap, in steps that are each undone exactly when a later one
 * fails, so that a failed open leaks neither a descriptor nor a mapping:
 * <ol>
 *   <li>open {@code /dev/netmap};</li>
 *   <li>with {@code @share=PORT}, ask the kernel which memory region PORT uses (PORT_INFO_GET)
 *       and register in that region;</li>
 *   <li>NIOCCTRL REGISTER with the request {@link RegisterRequest} encodes from the name, and
 *       check the status the kernel gave each option;</li>
 *   <li>map {@code nr_memsize} bytes of the descriptor, shared and writable, and find the
 *       descriptor's {@code netmap_if} at {@code nr_offset}; with {@code @extmem} the region is
 *       instead the user's file, mapped before REGISTER and passed in the option.</li>
 * </ol>
 */
public final class KernelBackend implements NetmapBackend {
    /** The backend of this machine's {@code /dev/netmap}. */
    public static final KernelBackend INSTANCE = new KernelBackend(KernelCalls.DEVICE, KernelCalls.LIBC);

    private static final long REG_OFFSET = nmreq_register.nr_offset$offset();
    private static final long REG_MEMSIZE = nmreq_register.nr_memsize$offset();
    private static final long REG_TX_SLOTS = nmreq_register.nr_tx_slots$offset();
    private static final long REG_RX_SLOTS = nmreq_register.nr_rx_slots$offset();
    private static final long REG_MEM_ID = nmreq_register.nr_mem_id$offset();
    private static final long REG_EXTRA_BUFS = nmreq_register.nr_extra_bufs$offset();
    private static final long OPT_SIZE = nmreq_option.layout().byteSize();
    private static final long OPT_NEXT = nmreq_option.nro_next$offset();
    private static final long OPT_TYPE = nmreq_option.nro_reqtype$offset();
    private static final long OPT_STATUS = nmreq_option.nro_status$offset();
    /** More options than netmap has types means a broken list; stop walking it. */
    private static final int MAX_OPTIONS = 16;

    private final String devicePath;
    private final KernelCalls calls;
    /** Null until the first availability question, then the answer (a holder of a possibly null cause). */
    private volatile Availability availability;

    private record Availability(Throwable cause) { }

    /** For tests: another device path (a missing file, /dev/null) or recorded system calls. */
    KernelBackend(String devicePath, KernelCalls calls) {
        this.devicePath = devicePath;
        this.calls = calls;
    }

    @Override
    public String name() {
        return "kernel";
    }

    @Override
    public boolean isAvailable() {
        return availability().cause() == null;
    }

    /**
     * Why the kernel backend cannot be used, or null: the netmap module is not loaded, or this
     * process may not open {@code /dev/netmap}. Computed once.
     */
    @Override
    public Throwable unavailabilityCause() {
        return availability().cause();
    }

    private Availability availability() {
        Availability a = availability;
        if (a == null) {
            synchronized (this) {
                a = availability;
                if (a == null) {
                    a = new Availability(probe());
                    availability = a;
                }
            }
        }
        return a;
    }

    private Throwable probe() {
        try {
            calls.closeQuietly(calls.open(devicePath));
            return null;
        } catch (ErrnoException e) {
            return KernelErrors.deviceOpen(devicePath, e);
        }
    }

    @Override
    public KernelPort open(PortSpec spec) throws NetmapException {
        Objects.requireNonNull(spec, "spec");
        int fd;
        try {
            fd = calls.open(devicePath);
        } catch (ErrnoException e) {
            throw KernelErrors.deviceOpen(devicePath, e);
        }
        MemorySegment region = null;
        try (Arena arena = Arena.ofConfined()) {
            int sharedMemId = spec.share() == null ? 0 : sharedMemId(fd, spec, arena);

            // With @extmem the region is the user's file, mapped before REGISTER and handed to
            // the kernel; the kernel then builds rings and buffers inside it (no mmap of the fd).
            MemorySegment extmem = MemorySegment.NULL;
            if (spec.extmem() != null) {
                try {
                    region = calls.mapFile(spec.extmem().file());
                } catch (IOException e) {
                    throw new NetmapException("open " + spec + " failed: cannot map the @extmem file "
                            + spec.extmem().file() + ": " + e.getMessage(), e);
                }
                extmem = region;
            }

            MemorySegment header = RegisterRequest.encode(spec, arena, extmem);
            MemorySegment body = RegisterRequest.body(header);
            if (sharedMemId != 0) {
                body.set(JAVA_SHORT, REG_MEM_ID, (short) sharedMemId);
            }
            try {
                calls.control(fd, header);
            } catch (ErrnoException e) {
                // The kernel copies the options back on failure too: their status says which one it refused.
                throw KernelErrors.register("register", spec, devicePath, e, rejectedOptions(header));
            }
            String rejected = rejectedOptions(header);
            if (rejected != null) {
                throw new NetmapException("register " + spec + " failed: the kernel rejected " + rejected);
            }

            long memsize = body.get(JAVA_LONG, REG_MEMSIZE);
            long nifpOffset = body.get(JAVA_LONG, REG_OFFSET);
            int memId = Short.toUnsignedInt(body.get(JAVA_SHORT, REG_MEM_ID));
            int extraBuffers = body.get(JAVA_INT, REG_EXTRA_BUFS);
            long mappable = region == null ? memsize : region.byteSize();
            if (memsize <= 0 || nifpOffset < 0 || nifpOffset >= mappable) {
                throw new NetmapException("register " + spec + ": the kernel answered a region of " + memsize
                        + " bytes with the interface at offset " + nifpOffset + ", which cannot be mapped");
            }
            if (region == null) {
                try {
                    region = calls.map(fd, memsize);
                } catch (ErrnoException e) {
                    throw NetmapException.of("map the memory region of", spec.toString(), e,
                            "The region is " + memsize + " bytes (memory region " + memId + ")");
                }
            }
            // The port sees the mapping through a shared arena whose close unmaps it: a view kept
            // past close() then fails with IllegalStateException instead of touching unmapped
            // memory (or a later mapping at the same address).
            MemorySegment raw = region;
            Arena mapping = Arena.ofShared();
            MemorySegment guarded = raw.reinterpret(mapping, ignored -> calls.unmapQuietly(raw));
            region = null; // from here on, closing the arena is what unmaps
            try {
                return new KernelPort(spec, this, calls, fd, guarded, mapping, nifpOffset, memId, extraBuffers,
                        body.get(JAVA_INT, REG_TX_SLOTS), body.get(JAVA_INT, REG_RX_SLOTS));
            } catch (IllegalArgumentException e) {
                mapping.close();
                throw new NetmapException("register " + spec + ": the memory region the kernel mapped does not hold "
                        + "a valid interface: " + e.getMessage(), e);
            } catch (RuntimeException | Error e) {
                mapping.close();
                throw e;
            }
        } catch (NetmapException | RuntimeException | Error e) {
            if (region != null) {
                calls.unmapQuietly(region);
            }
            calls.closeQuietly(fd);
            throw e;
        }
    }

    /**
     * PORT_INFO_GET of the interface: the larger of its NIC TX and RX ring counts. Not for VALE
     * names: an ephemeral VALE port exists only once registered, and asking about an attached
     * persistent one renames it (see {@link NetmapControl}).
     */
    @Override
    public int nicRingPairs(PortSpec spec) throws NetmapException {
        if (spec.isVale() || spec.isPipe()) {
            throw new NetmapException(spec + " is not a network interface, whose rings the kernel can count "
                    + "before it is opened; a VALE port gets N ring pairs, -0 to -(N-1), from @conf:rings=N");
        }
        try (NetmapControl control = NetmapControl.open(calls, devicePath)) {
            PortInfo info = control.portInfo(spec.requestName());
            return Math.max(info.txRings(), info.rxRings());
        }
    }

    /**
     * {@code @share=PORT}: the memory region PORT uses, asked on the same descriptor before it
     * is bound, as libnetmap does with PORT_INFO_GET.
     */
    private int sharedMemId(int fd, PortSpec spec, Arena arena) throws NetmapException {
        String share = spec.share();
        String shareName = spec.shareSpec().requestName();
        MemorySegment request = ControlRequests.portInfoGet(arena, shareName);
        try {
            calls.control(fd, request);
        } catch (ErrnoException e) {
            throw KernelErrors.control("find the memory region of " + share + " (@share) for", spec.toString(),
                    devicePath, e);
        }
        int memId = ControlRequests.portInfo(request).memId();
        if (spec.memId() != 0 && spec.memId() != memId) {
            throw new NetmapException("open " + spec + " failed: @share=" + share + " is in memory region " + memId
                    + ", but @" + spec.memId() + " asks for region " + spec.memId() + "; give only one of them",
                    Errno.EINVAL, null);
        }
        return memId;
    }

    /**
     * Walks the option list of a REGISTER request and describes the options whose
     * {@code nro_status} is not 0, or returns null when there are none.
     */
    static String rejectedOptions(MemorySegment header) {
        long next = header.get(JAVA_LONG, ControlRequests.H_OPTIONS);
        StringBuilder b = null;
        for (int i = 0; next != 0 && i < MAX_OPTIONS; i++) {
            MemorySegment option = MemorySegment.ofAddress(next).reinterpret(OPT_SIZE);
            int status = option.get(JAVA_INT, OPT_STATUS);
            if (status != 0) {
                b = b == null ? new StringBuilder() : b.append("; ");
                b.append("option ").append(optionName(option.get(JAVA_INT, OPT_TYPE))).append(" (")
                        .append(Errno.describe(status)).append(')');
            }
            next = option.get(JAVA_LONG, OPT_NEXT);
        }
        return b == null ? null : b.toString();
    }

    /** The name of an option type as a user writes it in a port name (or the kernel's name). */
    static String optionName(int type) {
        return switch (type) {
            case NetmapConstants.NETMAP_REQ_OPT_EXTMEM -> "@extmem";
            case NetmapConstants.NETMAP_REQ_OPT_SYNC_KLOOP_EVENTFDS -> "sync-kloop-eventfds";
            case NetmapConstants.NETMAP_REQ_OPT_CSB -> "csb";
            case NetmapConstants.NETMAP_REQ_OPT_SYNC_KLOOP_MODE -> "sync-kloop-mode";
            case NetmapConstants.NETMAP_REQ_OPT_OFFSETS -> "@offset";
            default -> "type " + Integer.toUnsignedString(type);
        };
    }

    @Override
    public String toString() {
        return "kernel backend (" + devicePath + ")";
    }

    /** The module's VALE requests, through a control descriptor of /dev/netmap. */
    @Override
    public io.netmap4j.core.ValeControl valeControl() throws NetmapException {
        return new KernelValeControl(NetmapControl.open());
    }
}

package io.netmap4j.spec;

import static io.netmap4j.abi.NetmapConstants.NETMAP_API;
import static io.netmap4j.abi.NetmapConstants.NETMAP_REQ_IFNAMSIZ;
import static io.netmap4j.abi.NetmapConstants.NETMAP_REQ_OPT_EXTMEM;
import static io.netmap4j.abi.NetmapConstants.NETMAP_REQ_OPT_OFFSETS;
import static io.netmap4j.abi.NetmapConstants.NETMAP_REQ_REGISTER;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.netmap4j.abi.gen.nmreq_header;
import io.netmap4j.abi.gen.nmreq_opt_extmem;
import io.netmap4j.abi.gen.nmreq_opt_offsets;
import io.netmap4j.abi.gen.nmreq_option;
import io.netmap4j.abi.gen.nmreq_pools_info;
import io.netmap4j.abi.gen.nmreq_register;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Builds the NIOCCTRL REGISTER request for a {@link PortSpec} the way libnetmap's
 * {@code nmport_parse} fills it: an {@code nmreq_header} (API 14, NETMAP_REQ_REGISTER, the request
 * name) pointing at an {@code nmreq_register} and, when the name asks for them, at a chain of
 * options ({@code @extmem}, {@code @offset}).
 *
 * <p>What libnetmap leaves 0 stays 0 here: {@code nr_mem_id} without {@code @N}, the ring and slot
 * hints without {@code @conf}, {@code nro_size} and {@code nro_status} of the options. A pipe end
 * is sent with {@code NR_REG_ALL_NIC} and the pipe in the name, never with the deprecated
 * PIPE_MASTER/PIPE_SLAVE modes. {@code @share} is not encoded: it needs the other port's memory id,
 * which only the kernel can tell, so the kernel backend sets {@code nr_mem_id} from it.
 *
 * <p>The segments come from the caller's allocator and must stay alive until the ioctl returns;
 * the kernel writes its answers (offset, memsize, actual rings and slots, mem id, extra buffers,
 * option status) back into them.
 */
public final class RegisterRequest {
    public static final long HEADER_SIZE = 88;
    public static final long BODY_SIZE = 56;
    public static final long OPTION_SIZE = 24;
    public static final long EXTMEM_OPTION_SIZE = 96;
    public static final long OFFSETS_OPTION_SIZE = 56;

    static final long EXTMEM_USRPTR = nmreq_opt_extmem.nro_usrptr$offset();
    static final long EXTMEM_INFO = nmreq_opt_extmem.nro_info$offset();
    public static final long OFFSETS_MAX_OFFSET = nmreq_opt_offsets.nro_max_offset$offset();
    public static final long OFFSETS_INITIAL_OFFSET = nmreq_opt_offsets.nro_initial_offset$offset();
    public static final long OFFSETS_OFFSET_BITS = nmreq_opt_offsets.nro_offset_bits$offset();
    public static final long OFFSETS_TX_ALIGN = nmreq_opt_offsets.nro_tx_align$offset();
    public static final long OFFSETS_MIN_GAP = nmreq_opt_offsets.nro_min_gap$offset();

    static {
        // A wrong hand-written layout would corrupt a kernel request; fail on class load instead.
        if (nmreq_opt_extmem.sizeof() != EXTMEM_OPTION_SIZE || nmreq_opt_offsets.sizeof() != OFFSETS_OPTION_SIZE
                || nmreq_header.sizeof() != HEADER_SIZE || nmreq_register.sizeof() != BODY_SIZE
                || nmreq_option.sizeof() != OPTION_SIZE) {
            throw new ExceptionInInitializerError("netmap request layouts do not match the ABI sizes");
        }
    }

    private RegisterRequest() { }

    /**
     * Encodes the REGISTER request of {@code spec}. An {@code @extmem} option is sent with a null
     * user pointer and size 0; use {@link #encode(PortSpec, SegmentAllocator, MemorySegment)} to
     * pass the mapped region.
     *
     * @return the 88-byte nmreq_header; its nr_body points at the nmreq_register
     */
    public static MemorySegment encode(PortSpec spec, SegmentAllocator alloc) {
        return encode(spec, alloc, MemorySegment.NULL);
    }

    /**
     * Encodes the REGISTER request of {@code spec}, with {@code extmemRegion} (the mapping of the
     * {@code @extmem} file) as the external memory: its address and size go into the option.
     *
     * @param extmemRegion the mapped extmem file, or {@link MemorySegment#NULL} if none
     * @throws IllegalArgumentException if a region is given but the spec has no {@code @extmem}
     */
    public static MemorySegment encode(PortSpec spec, SegmentAllocator alloc, MemorySegment extmemRegion) {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(alloc, "alloc");
        Objects.requireNonNull(extmemRegion, "extmemRegion");
        if (spec.extmem() == null && !extmemRegion.equals(MemorySegment.NULL)) {
            throw new IllegalArgumentException("an extmem region was given but \"" + spec
                    + "\" has no @extmem option");
        }
        MemorySegment body = nmreq_register.allocate(alloc).fill((byte) 0);
        nmreq_register.nr_tx_slots(body, spec.txSlots());
        nmreq_register.nr_rx_slots(body, spec.rxSlots());
        nmreq_register.nr_tx_rings(body, (short) spec.txRings());
        nmreq_register.nr_rx_rings(body, (short) spec.rxRings());
        nmreq_register.nr_host_tx_rings(body, (short) spec.hostTxRings());
        nmreq_register.nr_host_rx_rings(body, (short) spec.hostRxRings());
        nmreq_register.nr_mem_id(body, (short) spec.memId());
        nmreq_register.nr_ringid(body, (short) spec.ringId());
        nmreq_register.nr_mode(body, spec.mode());
        nmreq_register.nr_extra_bufs(body, spec.extraBuffers());
        nmreq_register.nr_flags(body, spec.flags());

        MemorySegment header = nmreq_header.allocate(alloc).fill((byte) 0);
        nmreq_header.nr_version(header, (short) NETMAP_API);
        nmreq_header.nr_reqtype(header, (short) NETMAP_REQ_REGISTER);
        writeName(header, spec.requestName());
        nmreq_header.nr_body(header, body.address());

        // libnetmap pushes each option at the head of the list as it parses them; this is the
        // list it builds for "...@extmem:...@offset:...". The kernel does not care about order.
        ExtmemOption extmem = spec.extmem();
        if (extmem != null) {
            MemorySegment opt = alloc.allocate(nmreq_opt_extmem.layout()).fill((byte) 0);
            nmreq_option.nro_reqtype(opt, NETMAP_REQ_OPT_EXTMEM);
            opt.set(JAVA_LONG, EXTMEM_USRPTR, extmemRegion.address());
            MemorySegment info = opt.asSlice(EXTMEM_INFO, nmreq_pools_info.layout());
            nmreq_pools_info.nr_memsize(info, extmemRegion.byteSize());
            nmreq_pools_info.nr_if_pool_objtotal(info, (int) extmem.ifNum());
            nmreq_pools_info.nr_if_pool_objsize(info, (int) extmem.ifSize());
            nmreq_pools_info.nr_ring_pool_objtotal(info, (int) extmem.ringNum());
            nmreq_pools_info.nr_ring_pool_objsize(info, (int) extmem.ringSize());
            nmreq_pools_info.nr_buf_pool_objtotal(info, (int) extmem.bufNum());
            nmreq_pools_info.nr_buf_pool_objsize(info, (int) extmem.bufSize());
            push(header, opt);
        }
        OffsetOption offset = spec.offset();
        if (offset != null) {
            MemorySegment opt = alloc.allocate(nmreq_opt_offsets.layout()).fill((byte) 0);
            nmreq_option.nro_reqtype(opt, NETMAP_REQ_OPT_OFFSETS);
            opt.set(JAVA_LONG, OFFSETS_MAX_OFFSET, offset.maxOffset());
            opt.set(JAVA_LONG, OFFSETS_INITIAL_OFFSET, offset.initial());
            opt.set(JAVA_INT, OFFSETS_OFFSET_BITS, (int) offset.bits());
            push(header, opt);
        }
        return header;
    }

    private static void writeName(MemorySegment header, String name) {
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        if (bytes.length >= NETMAP_REQ_IFNAMSIZ) { // PortSpec already refuses these; a guard, not a path
            throw new IllegalArgumentException("request name \"" + name + "\" longer than "
                    + (NETMAP_REQ_IFNAMSIZ - 1) + " bytes");
        }
        MemorySegment.copy(bytes, 0, nmreq_header.nr_name(header), JAVA_BYTE, 0, bytes.length);
    }

    private static void push(MemorySegment header, MemorySegment option) {
        nmreq_option.nro_next(option, nmreq_header.nr_options(header));
        nmreq_header.nr_options(header, option.address());
    }

    /** The nmreq_register that {@code header}'s nr_body points at (56 bytes). */
    public static MemorySegment body(MemorySegment header) {
        long address = nmreq_header.nr_body(header);
        if (address == 0) {
            throw new IllegalArgumentException("request has no body (nr_body is 0)");
        }
        return MemorySegment.ofAddress(address).reinterpret(BODY_SIZE);
    }

    /** The nr_name of {@code header}, up to its NUL. */
    public static String requestName(MemorySegment header) {
        return nmreq_header.nr_name(header).getString(0, StandardCharsets.UTF_8);
    }

    /**
     * The options chained from {@code header}, head first; each segment is sized for its type
     * (96 bytes for EXTMEM, 56 for OFFSETS, the 24-byte common header for any other).
     */
    public static List<MemorySegment> options(MemorySegment header) {
        List<MemorySegment> list = new ArrayList<>(2);
        long next = nmreq_header.nr_options(header);
        while (next != 0) {
            if (list.size() > 64) {
                throw new IllegalStateException("option chain longer than 64 entries; is it a loop?");
            }
            MemorySegment opt = MemorySegment.ofAddress(next).reinterpret(OPTION_SIZE);
            long size = switch (nmreq_option.nro_reqtype(opt)) {
                case NETMAP_REQ_OPT_EXTMEM -> EXTMEM_OPTION_SIZE;
                case NETMAP_REQ_OPT_OFFSETS -> OFFSETS_OPTION_SIZE;
                default -> OPTION_SIZE;
            };
            opt = opt.reinterpret(size);
            list.add(opt);
            next = nmreq_option.nro_next(opt);
        }
        return list;
    }

    /** The first option of type {@code reqtype} (NETMAP_REQ_OPT_*) chained from {@code header}, or null. */
    public static MemorySegment option(MemorySegment header, int reqtype) {
        for (MemorySegment o : options(header)) {
            if (nmreq_option.nro_reqtype(o) == reqtype) {
                return o;
            }
        }
        return null;
    }

    /** The nmreq_pools_info inside an EXTMEM option segment. */
    public static MemorySegment extmemInfo(MemorySegment extmemOption) {
        return extmemOption.asSlice(EXTMEM_INFO, nmreq_pools_info.layout());
    }

    /** The user pointer of an EXTMEM option segment. */
    public static long extmemUserPointer(MemorySegment extmemOption) {
        return extmemOption.get(JAVA_LONG, EXTMEM_USRPTR);
    }
}

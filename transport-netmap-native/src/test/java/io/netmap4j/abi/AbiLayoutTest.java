package io.netmap4j.abi;

import io.netmap4j.abi.gen.NetmapAbi;
import io.netmap4j.abi.gen.netmap_if;
import io.netmap4j.abi.gen.netmap_ring;
import io.netmap4j.abi.gen.netmap_slot;
import io.netmap4j.abi.gen.nm_timeval;
import io.netmap4j.abi.gen.nmreq;
import io.netmap4j.abi.gen.nmreq_header;
import io.netmap4j.abi.gen.nmreq_opt_extmem;
import io.netmap4j.abi.gen.nmreq_opt_offsets;
import io.netmap4j.abi.gen.nmreq_option;
import io.netmap4j.abi.gen.nmreq_pools_info;
import io.netmap4j.abi.gen.nmreq_port_hdr;
import io.netmap4j.abi.gen.nmreq_port_info_get;
import io.netmap4j.abi.gen.nmreq_register;
import io.netmap4j.abi.gen.nmreq_vale_attach;
import io.netmap4j.abi.gen.nmreq_vale_detach;
import io.netmap4j.abi.gen.nmreq_vale_list;
import io.netmap4j.abi.gen.nmreq_vale_newif;
import io.netmap4j.abi.gen.nmreq_vale_polling;
import io.netmap4j.abi.gen.pollfd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.SequenceLayout;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Checks the generated bindings ({@code io.netmap4j.abi.gen}) and {@link NetmapConstants} against
 * the kernel facts of shared/NETMAP-ABI.md (Linux x86_64, API 14).
 *
 * <p>The expected numbers are typed in from that sheet, never computed from the layouts under
 * test: a wrong header, a stale regeneration or a typo in NetmapConstants must disagree with
 * them. Reserved fields are the padding the header spells out; their rows follow from the gaps
 * between the documented fields. {@code abi_layout_check.c} asserts the same facts against the
 * C header with gcc (see {@code HeaderCompilesWithGccTest}).
 */
class AbiLayoutTest {

    /** One member of a struct; {@code size} is the element size for a flexible array member. */
    record Member(Class<?> struct, String field, long offset, long size, boolean flexible) {
        @Override
        public String toString() {
            return struct.getSimpleName() + "." + field + (flexible ? "[]" : "") + " @" + offset
                    + (flexible ? " (elements of " + size + " B)" : " (" + size + " B)");
        }
    }

    record Struct(Class<?> type, long size) {
        @Override
        public String toString() {
            return type.getSimpleName() + " (" + size + " B)";
        }
    }

    record Constant(String name, long value) {
        @Override
        public String toString() {
            return name + " = 0x" + Long.toHexString(value);
        }
    }

    private static Member m(Class<?> struct, String field, long offset, long size) {
        return new Member(struct, field, offset, size, false);
    }

    private static Member flex(Class<?> struct, String field, long offset, long elementSize) {
        return new Member(struct, field, offset, elementSize, true);
    }

    private static Constant c(String name, long value) {
        return new Constant(name, value);
    }

    // ---- struct sizes ------------------------------------------------------------------------
    static final List<Struct> STRUCTS = List.of(
            new Struct(nmreq_header.class, 88),
            new Struct(nmreq_option.class, 24),
            new Struct(nmreq_register.class, 56),
            new Struct(nmreq_port_info_get.class, 32),
            new Struct(nmreq_vale_attach.class, 64),
            new Struct(nmreq_vale_detach.class, 8),
            new Struct(nmreq_vale_list.class, 8),
            new Struct(nmreq_vale_newif.class, 16),
            new Struct(nmreq_port_hdr.class, 8),
            new Struct(nmreq_vale_polling.class, 16),
            new Struct(nmreq_pools_info.class, 64),
            new Struct(nmreq_opt_extmem.class, 96),
            new Struct(nmreq_opt_offsets.class, 56),
            new Struct(nmreq.class, 60),
            new Struct(netmap_if.class, 56),
            new Struct(netmap_ring.class, 256),
            new Struct(netmap_slot.class, 16),
            new Struct(nm_timeval.class, 16),
            new Struct(pollfd.class, 8));

    // ---- every member, in declaration order ---------------------------------------------------
    static final List<Member> MEMBERS = List.of(
            //  struct                      field                     offset size
            m(nmreq_header.class,        "nr_version",                 0,    2),
            m(nmreq_header.class,        "nr_reqtype",                 2,    2),
            m(nmreq_header.class,        "nr_reserved",                4,    4),
            m(nmreq_header.class,        "nr_name",                    8,   64),
            m(nmreq_header.class,        "nr_options",                72,    8),
            m(nmreq_header.class,        "nr_body",                   80,    8),

            m(nmreq_option.class,        "nro_next",                   0,    8),
            m(nmreq_option.class,        "nro_reqtype",                8,    4),
            m(nmreq_option.class,        "nro_status",                12,    4),
            m(nmreq_option.class,        "nro_size",                  16,    8),

            m(nmreq_register.class,      "nr_offset",                  0,    8),
            m(nmreq_register.class,      "nr_memsize",                 8,    8),
            m(nmreq_register.class,      "nr_tx_slots",               16,    4),
            m(nmreq_register.class,      "nr_rx_slots",               20,    4),
            m(nmreq_register.class,      "nr_tx_rings",               24,    2),
            m(nmreq_register.class,      "nr_rx_rings",               26,    2),
            m(nmreq_register.class,      "nr_host_tx_rings",          28,    2),
            m(nmreq_register.class,      "nr_host_rx_rings",          30,    2),
            m(nmreq_register.class,      "nr_mem_id",                 32,    2),
            m(nmreq_register.class,      "nr_ringid",                 34,    2),
            m(nmreq_register.class,      "nr_mode",                   36,    4),
            m(nmreq_register.class,      "nr_extra_bufs",             40,    4),
            m(nmreq_register.class,      "nr_reserved0",              44,    4),
            m(nmreq_register.class,      "nr_flags",                  48,    8),

            m(nmreq_port_info_get.class, "nr_memsize",                 0,    8),
            m(nmreq_port_info_get.class, "nr_tx_slots",                8,    4),
            m(nmreq_port_info_get.class, "nr_rx_slots",               12,    4),
            m(nmreq_port_info_get.class, "nr_tx_rings",               16,    2),
            m(nmreq_port_info_get.class, "nr_rx_rings",               18,    2),
            m(nmreq_port_info_get.class, "nr_host_tx_rings",          20,    2),
            m(nmreq_port_info_get.class, "nr_host_rx_rings",          22,    2),
            m(nmreq_port_info_get.class, "nr_mem_id",                 24,    2),
            m(nmreq_port_info_get.class, "nr_reserved0",              26,    6),

            m(nmreq_vale_attach.class,   "reg",                        0,   56),
            m(nmreq_vale_attach.class,   "port_index",                56,    4),
            m(nmreq_vale_attach.class,   "nr_reserved0",              60,    4),

            m(nmreq_vale_detach.class,   "port_index",                 0,    4),
            m(nmreq_vale_detach.class,   "nr_reserved0",               4,    4),

            m(nmreq_vale_list.class,     "nr_bridge_idx",              0,    2),
            m(nmreq_vale_list.class,     "nr_reserved0",               2,    2),
            m(nmreq_vale_list.class,     "nr_port_idx",                4,    4),

            m(nmreq_vale_newif.class,    "nr_tx_slots",                0,    4),
            m(nmreq_vale_newif.class,    "nr_rx_slots",                4,    4),
            m(nmreq_vale_newif.class,    "nr_tx_rings",                8,    2),
            m(nmreq_vale_newif.class,    "nr_rx_rings",               10,    2),
            m(nmreq_vale_newif.class,    "nr_mem_id",                 12,    2),
            m(nmreq_vale_newif.class,    "nr_reserved0",              14,    2),

            m(nmreq_port_hdr.class,      "nr_hdr_len",                 0,    4),
            m(nmreq_port_hdr.class,      "nr_reserved0",               4,    4),

            m(nmreq_vale_polling.class,  "nr_mode",                    0,    4),
            m(nmreq_vale_polling.class,  "nr_first_cpu_id",            4,    4),
            m(nmreq_vale_polling.class,  "nr_num_polling_cpus",        8,    4),
            m(nmreq_vale_polling.class,  "nr_reserved0",              12,    4),

            m(nmreq_pools_info.class,    "nr_memsize",                 0,    8),
            m(nmreq_pools_info.class,    "nr_mem_id",                  8,    2),
            m(nmreq_pools_info.class,    "nr_reserved0",              10,    6),
            m(nmreq_pools_info.class,    "nr_if_pool_offset",         16,    8),
            m(nmreq_pools_info.class,    "nr_if_pool_objtotal",       24,    4),
            m(nmreq_pools_info.class,    "nr_if_pool_objsize",        28,    4),
            m(nmreq_pools_info.class,    "nr_ring_pool_offset",       32,    8),
            m(nmreq_pools_info.class,    "nr_ring_pool_objtotal",     40,    4),
            m(nmreq_pools_info.class,    "nr_ring_pool_objsize",      44,    4),
            m(nmreq_pools_info.class,    "nr_buf_pool_offset",        48,    8),
            m(nmreq_pools_info.class,    "nr_buf_pool_objtotal",      56,    4),
            m(nmreq_pools_info.class,    "nr_buf_pool_objsize",       60,    4),

            // options of a REGISTER request
            m(nmreq_opt_extmem.class,    "nro_opt",                    0,   24),
            m(nmreq_opt_extmem.class,    "nro_usrptr",                24,    8),
            m(nmreq_opt_extmem.class,    "nro_info",                  32,   64),
            m(nmreq_opt_offsets.class,   "nro_opt",                    0,   24),
            m(nmreq_opt_offsets.class,   "nro_max_offset",            24,    8),
            m(nmreq_opt_offsets.class,   "nro_initial_offset",        32,    8),
            m(nmreq_opt_offsets.class,   "nro_offset_bits",           40,    4),
            m(nmreq_opt_offsets.class,   "nro_tx_align",              44,    4),
            m(nmreq_opt_offsets.class,   "nro_min_gap",               48,    8),

            // legacy request of NIOCREGIF / NIOCGINFO
            m(nmreq.class,               "nr_name",                    0,   16),
            m(nmreq.class,               "nr_version",                16,    4),
            m(nmreq.class,               "nr_offset",                 20,    4),
            m(nmreq.class,               "nr_memsize",                24,    4),
            m(nmreq.class,               "nr_tx_slots",               28,    4),
            m(nmreq.class,               "nr_rx_slots",               32,    4),
            m(nmreq.class,               "nr_tx_rings",               36,    2),
            m(nmreq.class,               "nr_rx_rings",               38,    2),
            m(nmreq.class,               "nr_ringid",                 40,    2),
            m(nmreq.class,               "nr_cmd",                    42,    2),
            m(nmreq.class,               "nr_arg1",                   44,    2),
            m(nmreq.class,               "nr_arg2",                   46,    2),
            m(nmreq.class,               "nr_arg3",                   48,    4),
            m(nmreq.class,               "nr_flags",                  52,    4),
            m(nmreq.class,               "spare2",                    56,    4),

            m(netmap_if.class,           "ni_name",                    0,   16),
            m(netmap_if.class,           "ni_version",                16,    4),
            m(netmap_if.class,           "ni_flags",                  20,    4),
            m(netmap_if.class,           "ni_tx_rings",               24,    4),
            m(netmap_if.class,           "ni_rx_rings",               28,    4),
            m(netmap_if.class,           "ni_bufs_head",              32,    4),
            m(netmap_if.class,           "ni_host_tx_rings",          36,    4),
            m(netmap_if.class,           "ni_host_rx_rings",          40,    4),
            m(netmap_if.class,           "ni_spare1",                 44,   12),
            flex(netmap_if.class,        "ring_ofs",                  56,    8),

            m(netmap_ring.class,         "buf_ofs",                    0,    8),
            m(netmap_ring.class,         "num_slots",                  8,    4),
            m(netmap_ring.class,         "nr_buf_size",               12,    4),
            m(netmap_ring.class,         "ringid",                    16,    2),
            m(netmap_ring.class,         "dir",                       18,    2),
            m(netmap_ring.class,         "head",                      20,    4),
            m(netmap_ring.class,         "cur",                       24,    4),
            m(netmap_ring.class,         "tail",                      28,    4),
            m(netmap_ring.class,         "flags",                     32,    4),
            m(netmap_ring.class,         "nr_reserved0",              36,    4),
            m(netmap_ring.class,         "ts",                        40,   16),
            m(netmap_ring.class,         "offset_mask",               56,    8),
            m(netmap_ring.class,         "buf_align",                 64,    8),
            m(netmap_ring.class,         "nr_reserved1",              72,   56),
            m(netmap_ring.class,         "sem",                      128,  128),
            flex(netmap_ring.class,      "slot",                     256,   16),

            m(netmap_slot.class,         "buf_idx",                    0,    4),
            m(netmap_slot.class,         "len",                        4,    2),
            m(netmap_slot.class,         "flags",                      6,    2),
            m(netmap_slot.class,         "ptr",                        8,    8),

            // struct timeval as the kernel writes it into netmap_ring.ts
            m(nm_timeval.class,          "tv_sec",                     0,    8),
            m(nm_timeval.class,          "tv_usec",                    8,    8),

            m(pollfd.class,              "fd",                         0,    4),
            m(pollfd.class,              "events",                     4,    2),
            m(pollfd.class,              "revents",                    6,    2));

    // ---- constants --------------------------------------------------------------------------
    static final List<Constant> CONSTANTS = List.of(
            // versions and limits
            c("NETMAP_API", 14),
            c("NETMAP_MIN_API", 14),
            c("NETMAP_MAX_API", 15),
            c("NETMAP_REQ_IFNAMSIZ", 64),
            c("NETMAP_REQ_MAXSIZE", 4096),
            c("NETMAP_RING_MASK", 0x0fff),
            c("NM_IFNAMSIZ", 16),
            c("NM_CACHE_ALIGN", 128),
            c("NETMAP_MAX_FRAGS", 64),
            // ioctls
            c("NIOCCTRL", 0xc0586997L),
            c("NIOCTXSYNC", 0x6994),
            c("NIOCRXSYNC", 0x6995),
            c("NIOCREGIF", 0xc03c6992L),
            c("NIOCGINFO", 0xc03c6991L),
            // nmreq_header.nr_reqtype
            c("NETMAP_REQ_REGISTER", 1),
            c("NETMAP_REQ_PORT_INFO_GET", 2),
            c("NETMAP_REQ_VALE_ATTACH", 3),
            c("NETMAP_REQ_VALE_DETACH", 4),
            c("NETMAP_REQ_VALE_LIST", 5),
            c("NETMAP_REQ_PORT_HDR_SET", 6),
            c("NETMAP_REQ_PORT_HDR_GET", 7),
            c("NETMAP_REQ_VALE_NEWIF", 8),
            c("NETMAP_REQ_VALE_DELIF", 9),
            c("NETMAP_REQ_VALE_POLLING_ENABLE", 10),
            c("NETMAP_REQ_VALE_POLLING_DISABLE", 11),
            c("NETMAP_REQ_POOLS_INFO_GET", 12),
            c("NETMAP_REQ_SYNC_KLOOP_START", 13),
            c("NETMAP_REQ_SYNC_KLOOP_STOP", 14),
            c("NETMAP_REQ_CSB_ENABLE", 15),
            // nmreq_option.nro_reqtype
            c("NETMAP_REQ_OPT_EXTMEM", 1),
            c("NETMAP_REQ_OPT_SYNC_KLOOP_EVENTFDS", 2),
            c("NETMAP_REQ_OPT_CSB", 3),
            c("NETMAP_REQ_OPT_SYNC_KLOOP_MODE", 4),
            c("NETMAP_REQ_OPT_OFFSETS", 5),
            // nmreq_register.nr_mode
            c("NR_REG_DEFAULT", 0),
            c("NR_REG_ALL_NIC", 1),
            c("NR_REG_SW", 2),
            c("NR_REG_NIC_SW", 3),
            c("NR_REG_ONE_NIC", 4),
            c("NR_REG_PIPE_MASTER", 5),
            c("NR_REG_PIPE_SLAVE", 6),
            c("NR_REG_NULL", 7),
            c("NR_REG_ONE_SW", 8),
            // nmreq_register.nr_flags
            c("NR_MONITOR_TX", 0x100),
            c("NR_MONITOR_RX", 0x200),
            c("NR_ZCOPY_MON", 0x400),
            c("NR_EXCLUSIVE", 0x800),
            c("NR_RX_RINGS_ONLY", 0x2000),
            c("NR_TX_RINGS_ONLY", 0x4000),
            c("NR_ACCEPT_VNET_HDR", 0x8000),
            c("NR_DO_RX_POLL", 0x10000),
            c("NR_NO_TX_POLL", 0x20000),
            // netmap_slot.flags
            c("NS_BUF_CHANGED", 0x1),
            c("NS_REPORT", 0x2),
            c("NS_FORWARD", 0x4),
            c("NS_NO_LEARN", 0x8),
            c("NS_INDIRECT", 0x10),
            c("NS_MOREFRAG", 0x20),
            c("NS_TXMON", 0x40),
            c("NS_PORT_SHIFT", 8),
            c("NS_PORT_MASK", 0xff00),
            // netmap_ring.flags and dir (the kernel's values: TX 1, RX 0), netmap_if.ni_flags
            c("NR_TIMESTAMP", 0x2),
            c("NR_FORWARD", 0x4),
            c("NR_RING_DIR_RX", 0),
            c("NR_RING_DIR_TX", 1),
            c("NI_PRIV_MEM", 0x1),
            // Linux x86_64 libc values the header also declares (abi_layout_check.c compares
            // them with glibc's own headers)
            c("POLLIN", 0x1),
            c("POLLPRI", 0x2),
            c("POLLOUT", 0x4),
            c("POLLERR", 0x8),
            c("POLLHUP", 0x10),
            c("POLLNVAL", 0x20),
            c("O_RDONLY", 0),
            c("O_RDWR", 2),
            c("O_CREAT", 0100),
            c("O_EXCL", 0200),
            c("O_NONBLOCK", 04000),
            c("O_CLOEXEC", 02000000),
            c("PROT_READ", 0x1),
            c("PROT_WRITE", 0x2),
            c("MAP_SHARED", 0x1),
            c("EFD_NONBLOCK", 04000),
            c("EFD_CLOEXEC", 02000000),
            c("LOCK_SH", 1),
            c("LOCK_EX", 2),
            c("LOCK_NB", 4),
            c("LOCK_UN", 8));

    static Stream<Struct> structs() {
        return STRUCTS.stream();
    }

    static Stream<Member> members() {
        return MEMBERS.stream();
    }

    static Stream<Constant> constants() {
        return CONSTANTS.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("structs")
    void structSize(Struct struct) {
        assertEquals(struct.size(), layoutOf(struct.type()).byteSize(), "size of struct " + struct.type().getSimpleName());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("members")
    void memberOffsetAndSize(Member member) {
        String what = member.struct().getSimpleName() + "." + member.field();
        // The $offset() accessor is what the project's code reads, so that is what is checked.
        long offset = (Long) invokeStatic(member.struct(), member.field() + "$offset");
        assertEquals(member.offset(), offset, "offset of " + what);

        MemoryLayout layout = (MemoryLayout) invokeStatic(member.struct(), member.field() + "$layout");
        if (member.flexible()) {
            SequenceLayout array = assertInstanceOf(SequenceLayout.class, layout, what + " should be a flexible array");
            assertEquals(0, array.elementCount(), what + " should be a flexible array (no elements of its own)");
            assertEquals(member.size(), array.elementLayout().byteSize(), "element size of " + what + "[]");
        } else {
            assertEquals(member.size(), layout.byteSize(), "size of " + what);
        }
    }

    /**
     * The table must name every member of every generated struct, in order and without gaps, so
     * that a field added to the header cannot escape the check (and implicit padding, which the
     * header must spell out as reserved fields, shows up as an unnamed member).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("structs")
    void tableCoversEveryMember(Struct struct) {
        List<Member> rows = MEMBERS.stream().filter(r -> r.struct() == struct.type()).toList();
        List<String> expected = rows.stream().map(Member::field).toList();
        List<String> generated = layoutOf(struct.type()).memberLayouts().stream()
                .map(l -> l.name().orElse("<unnamed padding of " + l.byteSize() + " B>"))
                .toList();
        assertEquals(expected, generated, "members of " + struct.type().getSimpleName()
                + " (a new field in netmap_abi.h needs a row in AbiLayoutTest and in abi_layout_check.c)");

        // The rows themselves must tile the struct: a typo in an offset breaks the chain.
        long next = 0;
        for (Member row : rows) {
            assertEquals(next, row.offset(), "table row " + row + " should start where the previous member ends");
            next = row.offset() + (row.flexible() ? 0 : row.size());
        }
        assertEquals(struct.size(), next, "table rows of " + struct.type().getSimpleName() + " should end at its size");
    }

    @Test
    void nestedStructsAreTheDocumentedOnes() {
        assertEquals(nmreq_register.layout().withoutName(), nmreq_vale_attach.reg$layout().withoutName(),
                "nmreq_vale_attach.reg should be an nmreq_register");
        assertEquals(nm_timeval.layout().withoutName(), netmap_ring.ts$layout().withoutName(),
                "netmap_ring.ts should be an nm_timeval");
        assertEquals(netmap_slot.layout().withoutName(), netmap_ring.slot$layout().elementLayout().withoutName(),
                "netmap_ring.slot[] should hold netmap_slot");
    }

    /** Every struct class jextract wrote must be in the table, so a new struct cannot be forgotten. */
    @Test
    void everyGeneratedStructIsInTheTable() throws IOException {
        Path gen = moduleDir().resolve("src/main/java/io/netmap4j/abi/gen");
        Set<String> generated;
        try (Stream<Path> files = Files.list(gen)) {
            generated = files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".java") && !n.startsWith("NetmapAbi"))
                    .map(n -> n.substring(0, n.length() - ".java".length()))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
        Set<String> listed = STRUCTS.stream().map(s -> s.type().getSimpleName())
                .collect(Collectors.toCollection(TreeSet::new));
        assertFalse(generated.isEmpty(), "no generated classes found in " + gen);
        assertEquals(listed, generated, "structs in " + gen + " versus the table of AbiLayoutTest");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("constants")
    void generatedConstant(Constant constant) {
        Object value = invokeStatic(NetmapAbi.class, constant.name());
        assertEquals(constant.value(), ((Number) value).longValue(), "NetmapAbi." + constant.name() + "()");
    }

    /**
     * Every field of NetmapConstants must equal the generated constant of the same name, and must
     * be one of the documented facts above; found by reflection so that no constant is skipped.
     */
    @Test
    void netmapConstantsAgreeWithGeneratedAndFacts() throws IllegalAccessException {
        Map<String, Long> facts = new LinkedHashMap<>();
        CONSTANTS.forEach(k -> facts.put(k.name(), k.value()));

        List<String> problems = new ArrayList<>();
        int checked = 0;
        for (Field field : NetmapConstants.class.getDeclaredFields()) {
            int mod = field.getModifiers();
            if (!Modifier.isStatic(mod) || field.isSynthetic()) {
                continue;
            }
            String name = field.getName();
            if (!Modifier.isPublic(mod) || !Modifier.isFinal(mod)) {
                problems.add(name + " should be public static final");
                continue;
            }
            Object ours = field.get(null);
            if (!(ours instanceof Integer || ours instanceof Long)) {
                problems.add(name + " should be an int or a long, is " + field.getType());
                continue;
            }
            long value = ((Number) ours).longValue();
            Method generated = generatedConstant(name);
            if (generated == null) {
                problems.add(name + " has no generated counterpart NetmapAbi." + name
                        + "() (declare it in netmap_abi.h and regenerate, see REGENERATE.md)");
            } else {
                long theirs = ((Number) invoke(generated)).longValue();
                if (theirs != value) {
                    problems.add(name + " is 0x" + Long.toHexString(value) + " but NetmapAbi." + name
                            + "() is 0x" + Long.toHexString(theirs));
                }
            }
            Long fact = facts.get(name);
            if (fact == null) {
                problems.add(name + " has no row in AbiLayoutTest.CONSTANTS (add it, typed in from NETMAP-ABI.md)");
            } else if (fact != value) {
                problems.add(name + " is 0x" + Long.toHexString(value) + " but NETMAP-ABI.md says 0x"
                        + Long.toHexString(fact));
            }
            checked++;
        }
        assertTrue(checked >= 60, "expected the ~80 constants of NetmapConstants, found " + checked);
        if (!problems.isEmpty()) {
            fail("NetmapConstants disagrees:\n  " + String.join("\n  ", problems));
        }
    }

    // ---- helpers ------------------------------------------------------------------------------

    private static GroupLayout layoutOf(Class<?> struct) {
        return (GroupLayout) invokeStatic(struct, "layout");
    }

    private static Method generatedConstant(String name) {
        try {
            Method m = NetmapAbi.class.getMethod(name);
            boolean number = m.getReturnType() == int.class || m.getReturnType() == long.class;
            return Modifier.isStatic(m.getModifiers()) && number ? m : null;
        } catch (NoSuchMethodException e) {
            return null;
        }
    }

    private static Object invokeStatic(Class<?> type, String method) {
        Method m;
        try {
            m = type.getMethod(method);
        } catch (NoSuchMethodException e) {
            throw new AssertionError(type.getSimpleName() + "." + method + "() is missing from the generated bindings", e);
        }
        return invoke(m);
    }

    private static Object invoke(Method m) {
        try {
            return m.invoke(null);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new AssertionError("calling " + m + " failed", e);
        }
    }

    /** The module directory: surefire sets {@code basedir}; otherwise the working directory. */
    static Path moduleDir() {
        return Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
    }
}

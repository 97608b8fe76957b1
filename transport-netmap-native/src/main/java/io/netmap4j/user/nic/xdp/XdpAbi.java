package io.netmap4j.user.nic.xdp;

/**
 * Numbers and struct offsets of AF_XDP (linux/if_xdp.h), of the bpf(2) system call
 * (linux/bpf.h) and of the netlink XDP attachment (linux/if_link.h, linux/rtnetlink.h), x86_64.
 * Written by hand from the kernel's UAPI headers and checked against them by gcc in
 * {@code NicAbiCompilesWithGccTest} (the few facts newer than Debian's headers, marked below,
 * are checked by the live tests instead).
 */
public final class XdpAbi {
    private XdpAbi() { }

    // ---- AF_XDP sockets (SOL_XDP options, bind flags)
    public static final int SOL_XDP = 283;
    public static final int XDP_MMAP_OFFSETS = 1;
    public static final int XDP_RX_RING = 2;
    public static final int XDP_TX_RING = 3;
    public static final int XDP_UMEM_REG = 4;
    public static final int XDP_UMEM_FILL_RING = 5;
    public static final int XDP_UMEM_COMPLETION_RING = 6;
    public static final int XDP_STATISTICS = 7;
    public static final int XDP_OPTIONS = 8;
    public static final int XDP_SHARED_UMEM = 1;
    public static final int XDP_COPY = 1 << 1;
    public static final int XDP_ZEROCOPY = 1 << 2;
    public static final int XDP_USE_NEED_WAKEUP = 1 << 3;
    /** Multi-buffer frames (Linux 6.6; not in Debian 12's headers). */
    public static final int XDP_USE_SG = 1 << 4;
    public static final int XDP_RING_NEED_WAKEUP = 1;
    public static final int XDP_OPTIONS_ZEROCOPY = 1;
    /** In xdp_desc.options: more fragments of this frame follow (Linux 6.6; not in Debian 12's headers). */
    public static final int XDP_PKT_CONTD = 1;

    public static final long XDP_PGOFF_RX_RING = 0;
    public static final long XDP_PGOFF_TX_RING = 0x80000000L;
    public static final long XDP_UMEM_PGOFF_FILL_RING = 0x100000000L;
    public static final long XDP_UMEM_PGOFF_COMPLETION_RING = 0x180000000L;

    // struct sockaddr_xdp (16 bytes)
    public static final long SOCKADDR_XDP_SIZE = 16;
    public static final long SXDP_FAMILY = 0;
    public static final long SXDP_FLAGS = 2;
    public static final long SXDP_IFINDEX = 4;
    public static final long SXDP_QUEUE_ID = 8;
    public static final long SXDP_SHARED_UMEM_FD = 12;

    // struct xdp_umem_reg (32 bytes with its padding)
    public static final long UMEM_REG_SIZE = 32;
    public static final long UMEM_REG_ADDR = 0;
    public static final long UMEM_REG_LEN = 8;
    public static final long UMEM_REG_CHUNK_SIZE = 16;
    public static final long UMEM_REG_HEADROOM = 20;
    public static final long UMEM_REG_FLAGS = 24;

    // struct xdp_mmap_offsets: four struct xdp_ring_offset {producer, consumer, desc, flags} (u64 each)
    public static final long MMAP_OFFSETS_SIZE = 128;
    public static final long RING_OFFSET_SIZE = 32;
    public static final long OFF_RX = 0;
    public static final long OFF_TX = 32;
    public static final long OFF_FR = 64;
    public static final long OFF_CR = 96;
    public static final long RO_PRODUCER = 0;
    public static final long RO_CONSUMER = 8;
    public static final long RO_DESC = 16;
    public static final long RO_FLAGS = 24;

    // struct xdp_desc (16 bytes): addr u64, len u32, options u32
    public static final long DESC_SIZE = 16;
    public static final long DESC_ADDR = 0;
    public static final long DESC_LEN = 8;
    public static final long DESC_OPTIONS = 12;

    // struct xdp_statistics (48 bytes, u64 each)
    public static final long STATISTICS_SIZE = 48;
    public static final long STAT_RX_DROPPED = 0;
    public static final long STAT_RX_RING_FULL = 24;
    public static final long STAT_RX_FILL_RING_EMPTY = 32;

    // ---- bpf(2)
    public static final int BPF_MAP_CREATE = 0;
    public static final int BPF_MAP_UPDATE_ELEM = 2;
    public static final int BPF_MAP_DELETE_ELEM = 3;
    public static final int BPF_PROG_LOAD = 5;
    public static final int BPF_PROG_GET_FD_BY_ID = 13;
    public static final int BPF_OBJ_GET_INFO_BY_FD = 15;
    public static final int BPF_LINK_CREATE = 28;
    public static final int BPF_MAP_TYPE_XSKMAP = 17;
    public static final int BPF_PROG_TYPE_XDP = 6;
    public static final int BPF_XDP = 37;
    public static final int BPF_F_XDP_HAS_FRAGS = 1 << 5;
    public static final int BPF_OBJ_NAME_LEN = 16;
    /** union bpf_attr is 144 bytes in Debian 12's headers; the kernel accepts a shorter attr that ends where we stop. */
    public static final long BPF_ATTR_SIZE = 144;
    // BPF_MAP_CREATE
    public static final long MAP_TYPE = 0;
    public static final long MAP_KEY_SIZE = 4;
    public static final long MAP_VALUE_SIZE = 8;
    public static final long MAP_MAX_ENTRIES = 12;
    public static final long MAP_NAME = 28;
    // BPF_MAP_*_ELEM
    public static final long ELEM_MAP_FD = 0;
    public static final long ELEM_KEY = 8;
    public static final long ELEM_VALUE = 16;
    public static final long ELEM_FLAGS = 24;
    // BPF_PROG_LOAD
    public static final long PROG_TYPE = 0;
    public static final long PROG_INSN_CNT = 4;
    public static final long PROG_INSNS = 8;
    public static final long PROG_LICENSE = 16;
    public static final long PROG_LOG_LEVEL = 24;
    public static final long PROG_LOG_SIZE = 28;
    public static final long PROG_LOG_BUF = 32;
    public static final long PROG_FLAGS = 44;
    public static final long PROG_NAME = 48;
    public static final long PROG_EXPECTED_ATTACH_TYPE = 68;
    // BPF_LINK_CREATE
    public static final long LINK_PROG_FD = 0;
    public static final long LINK_TARGET_IFINDEX = 4;
    public static final long LINK_ATTACH_TYPE = 8;
    public static final long LINK_FLAGS = 12;
    // BPF_PROG_GET_FD_BY_ID, BPF_OBJ_GET_INFO_BY_FD
    public static final long ATTR_PROG_ID = 0;
    public static final long INFO_BPF_FD = 0;
    public static final long INFO_LEN = 4;
    public static final long INFO_INFO = 8;
    // struct bpf_prog_info (what we read of it)
    public static final long PROG_INFO_SIZE = 232;
    public static final long PROG_INFO_ID = 4;
    public static final long PROG_INFO_NAME = 64;

    // eBPF instructions: opcodes, helper, return codes, struct xdp_md
    public static final int BPF_LDX_MEM_W = 0x61;
    public static final int BPF_LD_IMM64 = 0x18;
    public static final int BPF_ALU64_MOV_K = 0xb7;
    public static final int BPF_JMP_CALL = 0x85;
    public static final int BPF_JMP_EXIT = 0x95;
    public static final int BPF_PSEUDO_MAP_FD = 1;
    public static final int BPF_FUNC_REDIRECT_MAP = 51;
    public static final int XDP_PASS = 2;
    public static final int XDP_MD_RX_QUEUE_INDEX = 16;

    // ---- netlink: RTM_SETLINK / RTM_GETLINK with IFLA_XDP
    public static final int NETLINK_ROUTE = 0;
    public static final int RTM_GETLINK = 18;
    public static final int RTM_SETLINK = 19;
    public static final int NLM_F_REQUEST = 1;
    public static final int NLM_F_ACK = 4;
    public static final int NLMSG_ERROR = 2;
    public static final int NLMSG_HDRLEN = 16;
    public static final int IFINFOMSG_SIZE = 16;
    public static final int IFI_INDEX = 4;
    public static final int IFLA_XDP = 43;
    public static final int IFLA_XDP_FD = 1;
    public static final int IFLA_XDP_ATTACHED = 2;
    public static final int IFLA_XDP_FLAGS = 3;
    public static final int IFLA_XDP_PROG_ID = 4;
    public static final int IFLA_XDP_EXPECTED_FD = 8;
    public static final int NLA_F_NESTED = 1 << 15;
    public static final int XDP_FLAGS_UPDATE_IF_NOEXIST = 1;
    public static final int XDP_FLAGS_REPLACE = 1 << 4;
}

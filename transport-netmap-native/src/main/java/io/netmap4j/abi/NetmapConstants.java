package io.netmap4j.abi;

/**
 * The constants of the netmap ABI as compile-time Java constants, so that they can be used in
 * {@code switch} labels and folded by javac. The generated bindings ({@code io.netmap4j.abi.gen})
 * expose the same values as methods; {@code AbiLayoutTest} asserts that both agree with each
 * other and with the facts in NETMAP-ABI.md.
 */
public final class NetmapConstants {
    private NetmapConstants() { }

    // versions and limits
    public static final int NETMAP_API = 14;
    public static final int NETMAP_MIN_API = 14;
    public static final int NETMAP_MAX_API = 15;
    public static final int NETMAP_REQ_IFNAMSIZ = 64;
    public static final int NETMAP_REQ_MAXSIZE = 4096;
    public static final int NETMAP_RING_MASK = 0x0fff;
    public static final int NM_IFNAMSIZ = 16;
    public static final int NM_CACHE_ALIGN = 128;
    public static final int NETMAP_MAX_FRAGS = 64;

    // ioctl request numbers (x86_64 Linux)
    public static final long NIOCCTRL = 0xc0586997L;
    public static final long NIOCTXSYNC = 0x6994L;
    public static final long NIOCRXSYNC = 0x6995L;
    public static final long NIOCREGIF = 0xc03c6992L;
    public static final long NIOCGINFO = 0xc03c6991L;

    // nmreq_header.nr_reqtype
    public static final int NETMAP_REQ_REGISTER = 1;
    public static final int NETMAP_REQ_PORT_INFO_GET = 2;
    public static final int NETMAP_REQ_VALE_ATTACH = 3;
    public static final int NETMAP_REQ_VALE_DETACH = 4;
    public static final int NETMAP_REQ_VALE_LIST = 5;
    public static final int NETMAP_REQ_PORT_HDR_SET = 6;
    public static final int NETMAP_REQ_PORT_HDR_GET = 7;
    public static final int NETMAP_REQ_VALE_NEWIF = 8;
    public static final int NETMAP_REQ_VALE_DELIF = 9;
    public static final int NETMAP_REQ_VALE_POLLING_ENABLE = 10;
    public static final int NETMAP_REQ_VALE_POLLING_DISABLE = 11;
    public static final int NETMAP_REQ_POOLS_INFO_GET = 12;
    public static final int NETMAP_REQ_SYNC_KLOOP_START = 13;
    public static final int NETMAP_REQ_SYNC_KLOOP_STOP = 14;
    public static final int NETMAP_REQ_CSB_ENABLE = 15;

    // nmreq_option.nro_reqtype
    public static final int NETMAP_REQ_OPT_EXTMEM = 1;
    public static final int NETMAP_REQ_OPT_SYNC_KLOOP_EVENTFDS = 2;
    public static final int NETMAP_REQ_OPT_CSB = 3;
    public static final int NETMAP_REQ_OPT_SYNC_KLOOP_MODE = 4;
    public static final int NETMAP_REQ_OPT_OFFSETS = 5;

    // nmreq_register.nr_mode
    public static final int NR_REG_DEFAULT = 0;
    public static final int NR_REG_ALL_NIC = 1;
    public static final int NR_REG_SW = 2;
    public static final int NR_REG_NIC_SW = 3;
    public static final int NR_REG_ONE_NIC = 4;
    public static final int NR_REG_PIPE_MASTER = 5;
    public static final int NR_REG_PIPE_SLAVE = 6;
    public static final int NR_REG_NULL = 7;
    public static final int NR_REG_ONE_SW = 8;

    // nmreq_register.nr_flags
    public static final long NR_MONITOR_TX = 0x100L;
    public static final long NR_MONITOR_RX = 0x200L;
    public static final long NR_ZCOPY_MON = 0x400L;
    public static final long NR_EXCLUSIVE = 0x800L;
    public static final long NR_RX_RINGS_ONLY = 0x2000L;
    public static final long NR_TX_RINGS_ONLY = 0x4000L;
    public static final long NR_ACCEPT_VNET_HDR = 0x8000L;
    public static final long NR_DO_RX_POLL = 0x10000L;
    public static final long NR_NO_TX_POLL = 0x20000L;

    // netmap_slot.flags
    public static final int NS_BUF_CHANGED = 0x0001;
    public static final int NS_REPORT = 0x0002;
    public static final int NS_FORWARD = 0x0004;
    public static final int NS_NO_LEARN = 0x0008;
    public static final int NS_INDIRECT = 0x0010;
    public static final int NS_MOREFRAG = 0x0020;
    public static final int NS_TXMON = 0x0040;
    public static final int NS_PORT_SHIFT = 8;
    public static final int NS_PORT_MASK = 0xff00;

    // netmap_ring.flags and dir; netmap_if.ni_flags
    public static final int NR_TIMESTAMP = 0x0002;
    public static final int NR_FORWARD = 0x0004;
    public static final int NR_RING_DIR_RX = 0;
    public static final int NR_RING_DIR_TX = 1;
    public static final int NI_PRIV_MEM = 0x1;

    // poll(2) events
    public static final int POLLIN = 0x001;
    public static final int POLLPRI = 0x002;
    public static final int POLLOUT = 0x004;
    public static final int POLLERR = 0x008;
    public static final int POLLHUP = 0x010;
    public static final int POLLNVAL = 0x020;
}

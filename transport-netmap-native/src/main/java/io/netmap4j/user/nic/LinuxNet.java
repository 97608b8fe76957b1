package io.netmap4j.user.nic;

/**
 * Numbers and struct offsets of the Linux socket, ioctl and mmap interfaces that both NIC
 * mechanisms use (x86_64). Written by hand from the kernel's UAPI headers, and checked against
 * them by gcc in {@code NicAbiCompilesWithGccTest}, so a wrong number fails the build.
 */
public final class LinuxNet {
    private LinuxNet() { }

    // socket(2)
    public static final int AF_INET = 2;
    public static final int AF_PACKET = 17;
    public static final int AF_XDP = 44;
    public static final int AF_NETLINK = 16;
    public static final int SOCK_RAW = 3;
    public static final int SOCK_DGRAM = 2;
    public static final int SOCK_CLOEXEC = 0x80000;
    public static final int MSG_DONTWAIT = 0x40;
    public static final int SOL_SOCKET = 1;
    public static final int SO_ERROR = 4;
    public static final int SO_RCVBUF = 8;
    public static final int SO_ATTACH_FILTER = 26;
    /** ETH_P_ALL, in network byte order as socket(2) and sockaddr_ll want it. */
    public static final int ETH_P_ALL_BE = 0x0300;

    // mmap(2)
    public static final int MAP_PRIVATE = 0x02;
    public static final int MAP_ANONYMOUS = 0x20;
    public static final int MAP_POPULATE = 0x8000;

    // epoll(7)
    public static final int EPOLL_CLOEXEC = 0x80000;
    public static final int EPOLL_CTL_ADD = 1;
    public static final int EPOLLIN = 0x1;
    /** struct epoll_event is packed on x86_64: u32 events, then the u64 data at offset 4. */
    public static final long EPOLL_EVENT_SIZE = 12;

    // struct ifreq (40 bytes): the name, then a union at 16 (ifr_mtu, ifr_data, ifr_flags, ifr_hwaddr)
    public static final long IFREQ_SIZE = 40;
    public static final long IFR_NAME = 0;
    public static final int IFNAMSIZ = 16;
    public static final long IFR_UNION = 16;
    /** In ifr_hwaddr (a struct sockaddr at 16): sa_data starts 2 bytes in. */
    public static final long IFR_HWADDR_DATA = 18;
    public static final long SIOCGIFFLAGS = 0x8913;
    public static final long SIOCGIFMTU = 0x8921;
    public static final long SIOCGIFHWADDR = 0x8927;
    public static final long SIOCETHTOOL = 0x8946;
    public static final int IFF_UP = 0x1;

    // struct ethtool_value {u32 cmd; u32 data;} through SIOCETHTOOL
    public static final int ETHTOOL_GTSO = 0x1e;
    public static final int ETHTOOL_GFLAGS = 0x25;
    public static final int ETHTOOL_GGRO = 0x2b;
    public static final int ETH_FLAG_LRO = 1 << 15;
    /** struct ethtool_drvinfo: u32 cmd, then char driver[32] at 4; 196 bytes in all. */
    public static final int ETHTOOL_GDRVINFO = 0x3;
    public static final long ETHTOOL_DRVINFO_SIZE = 196;
    public static final long ETHTOOL_DRVINFO_DRIVER = 4;
}

package io.netmap4j.user.nic.packet;

/**
 * Numbers and struct offsets of AF_PACKET (linux/if_packet.h, linux/filter.h) and of the
 * sendmmsg(2) structures, x86_64. Written by hand from the kernel's UAPI headers and checked
 * against them by gcc in {@code NicAbiCompilesWithGccTest}.
 */
public final class PacketAbi {
    private PacketAbi() { }

    public static final int SOL_PACKET = 263;
    public static final int PACKET_RX_RING = 5;
    public static final int PACKET_STATISTICS = 6;
    public static final int PACKET_VERSION = 10;
    public static final int PACKET_QDISC_BYPASS = 20;
    public static final int PACKET_IGNORE_OUTGOING = 23;
    public static final int TPACKET_V3 = 2;
    public static final int TP_STATUS_KERNEL = 0;
    public static final int TP_STATUS_USER = 1;

    // struct tpacket_req3 (28 bytes)
    public static final long REQ3_SIZE = 28;
    public static final long REQ3_BLOCK_SIZE = 0;
    public static final long REQ3_BLOCK_NR = 4;
    public static final long REQ3_FRAME_SIZE = 8;
    public static final long REQ3_FRAME_NR = 12;
    public static final long REQ3_RETIRE_BLK_TOV = 16;
    public static final long REQ3_SIZEOF_PRIV = 20;
    public static final long REQ3_FEATURE_REQ_WORD = 24;

    // struct tpacket_block_desc: version, offset_to_priv, then struct tpacket_hdr_v1 at 8
    public static final long BLOCK_STATUS = 8;
    public static final long BLOCK_NUM_PKTS = 12;
    public static final long BLOCK_OFFSET_TO_FIRST_PKT = 16;

    // struct tpacket3_hdr (48 bytes)
    public static final long FRAME_NEXT_OFFSET = 0;
    public static final long FRAME_SNAPLEN = 12;
    public static final long FRAME_LEN = 16;
    public static final long FRAME_MAC = 24;

    // struct tpacket_stats_v3 (12 bytes): tp_packets, tp_drops, tp_freeze_q_cnt
    public static final long STATS_V3_SIZE = 12;
    public static final long STATS_DROPS = 4;

    // struct sockaddr_ll (20 bytes)
    public static final long SOCKADDR_LL_SIZE = 20;
    public static final long SLL_FAMILY = 0;
    public static final long SLL_PROTOCOL = 2;
    public static final long SLL_IFINDEX = 4;

    // struct iovec (16), struct msghdr (56), struct mmsghdr (64)
    public static final long IOVEC_SIZE = 16;
    public static final long IOV_BASE = 0;
    public static final long IOV_LEN = 8;
    public static final long MMSGHDR_SIZE = 64;
    public static final long MSG_IOV = 16;
    public static final long MSG_IOVLEN = 24;
    /** sendmmsg takes at most this many messages per call (UIO_MAXIOV). */
    public static final int UIO_MAXIOV = 1024;

    // classic BPF (struct sock_filter: u16 code, u8 jt, u8 jf, u32 k; struct sock_fprog: u16 len, then the pointer at 8)
    public static final long SOCK_FILTER_SIZE = 8;
    public static final long SOCK_FPROG_SIZE = 16;
    public static final long FPROG_FILTER = 8;
    public static final int BPF_LD_W_ABS = 0x20;
    public static final int BPF_JMP_JEQ_K = 0x15;
    public static final int BPF_RET_K = 0x06;
    /** SKF_AD_OFF + SKF_AD_QUEUE: the load that reads skb->queue_mapping. */
    public static final int SKF_AD_QUEUE_LOAD = -4096 + 24;
}

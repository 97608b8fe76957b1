package io.netmap4j.user.nic;

import io.netmap4j.user.nic.packet.PacketAbi;
import io.netmap4j.user.nic.xdp.XdpAbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.abort;

/**
 * The hand-written kernel facts of the NIC mechanisms ({@link LinuxNet}, {@link XdpAbi},
 * {@link PacketAbi}) against the kernel's own UAPI headers: this test writes a C file of
 * {@code _Static_assert}s, one per Java constant, and compiles it with gcc, so a wrong number
 * fails the build. (Facts newer than the build machine's headers, XDP_USE_SG and XDP_PKT_CONTD
 * of Linux 6.6, are exercised by the live veth tests instead.) Without gcc: skipped, or failed
 * when CI is set, as the netmap header's check.
 */
class NicAbiCompilesWithGccTest {

    @Test
    void javaFactsMatchTheKernelHeaders(@TempDir Path dir) throws IOException, InterruptedException {
        Map<String, Long> facts = new LinkedHashMap<>();
        // socket, mmap, epoll, ioctl
        facts.put("AF_INET", (long) LinuxNet.AF_INET);
        facts.put("AF_PACKET", (long) LinuxNet.AF_PACKET);
        facts.put("AF_XDP", (long) LinuxNet.AF_XDP);
        facts.put("AF_NETLINK", (long) LinuxNet.AF_NETLINK);
        facts.put("SOCK_RAW", (long) LinuxNet.SOCK_RAW);
        facts.put("SOCK_DGRAM", (long) LinuxNet.SOCK_DGRAM);
        facts.put("SOCK_CLOEXEC", (long) LinuxNet.SOCK_CLOEXEC);
        facts.put("MSG_DONTWAIT", (long) LinuxNet.MSG_DONTWAIT);
        facts.put("SOL_SOCKET", (long) LinuxNet.SOL_SOCKET);
        facts.put("SO_ERROR", (long) LinuxNet.SO_ERROR);
        facts.put("SO_ATTACH_FILTER", (long) LinuxNet.SO_ATTACH_FILTER);
        facts.put("((ETH_P_ALL & 0xff) << 8 | ETH_P_ALL >> 8)", (long) LinuxNet.ETH_P_ALL_BE); // htons, little-endian
        facts.put("MAP_PRIVATE", (long) LinuxNet.MAP_PRIVATE);
        facts.put("MAP_ANONYMOUS", (long) LinuxNet.MAP_ANONYMOUS);
        facts.put("MAP_POPULATE", (long) LinuxNet.MAP_POPULATE);
        facts.put("EPOLL_CLOEXEC", (long) LinuxNet.EPOLL_CLOEXEC);
        facts.put("EPOLL_CTL_ADD", (long) LinuxNet.EPOLL_CTL_ADD);
        facts.put("EPOLLIN", (long) LinuxNet.EPOLLIN);
        facts.put("sizeof(struct epoll_event)", LinuxNet.EPOLL_EVENT_SIZE);
        facts.put("sizeof(struct ifreq)", LinuxNet.IFREQ_SIZE);
        facts.put("IFNAMSIZ", (long) LinuxNet.IFNAMSIZ);
        facts.put("offsetof(struct ifreq, ifr_mtu)", LinuxNet.IFR_UNION);
        facts.put("offsetof(struct ifreq, ifr_data)", LinuxNet.IFR_UNION);
        facts.put("offsetof(struct ifreq, ifr_hwaddr.sa_data)", LinuxNet.IFR_HWADDR_DATA);
        facts.put("SIOCGIFFLAGS", LinuxNet.SIOCGIFFLAGS);
        facts.put("SIOCGIFMTU", LinuxNet.SIOCGIFMTU);
        facts.put("SIOCGIFHWADDR", LinuxNet.SIOCGIFHWADDR);
        facts.put("SIOCETHTOOL", LinuxNet.SIOCETHTOOL);
        facts.put("IFF_UP", (long) LinuxNet.IFF_UP);
        facts.put("ETHTOOL_GTSO", (long) LinuxNet.ETHTOOL_GTSO);
        facts.put("ETHTOOL_GFLAGS", (long) LinuxNet.ETHTOOL_GFLAGS);
        facts.put("ETHTOOL_GGRO", (long) LinuxNet.ETHTOOL_GGRO);
        facts.put("ETH_FLAG_LRO", (long) LinuxNet.ETH_FLAG_LRO);
        facts.put("ETHTOOL_GDRVINFO", (long) LinuxNet.ETHTOOL_GDRVINFO);
        facts.put("sizeof(struct ethtool_drvinfo)", LinuxNet.ETHTOOL_DRVINFO_SIZE);
        facts.put("offsetof(struct ethtool_drvinfo, driver)", LinuxNet.ETHTOOL_DRVINFO_DRIVER);
        // AF_PACKET, classic BPF, sendmmsg
        facts.put("SOL_PACKET", (long) PacketAbi.SOL_PACKET);
        facts.put("PACKET_RX_RING", (long) PacketAbi.PACKET_RX_RING);
        facts.put("PACKET_STATISTICS", (long) PacketAbi.PACKET_STATISTICS);
        facts.put("PACKET_VERSION", (long) PacketAbi.PACKET_VERSION);
        facts.put("PACKET_QDISC_BYPASS", (long) PacketAbi.PACKET_QDISC_BYPASS);
        facts.put("PACKET_IGNORE_OUTGOING", (long) PacketAbi.PACKET_IGNORE_OUTGOING);
        facts.put("TPACKET_V3", (long) PacketAbi.TPACKET_V3);
        facts.put("TP_STATUS_KERNEL", (long) PacketAbi.TP_STATUS_KERNEL);
        facts.put("TP_STATUS_USER", (long) PacketAbi.TP_STATUS_USER);
        facts.put("sizeof(struct tpacket_req3)", PacketAbi.REQ3_SIZE);
        facts.put("offsetof(struct tpacket_req3, tp_block_size)", PacketAbi.REQ3_BLOCK_SIZE);
        facts.put("offsetof(struct tpacket_req3, tp_block_nr)", PacketAbi.REQ3_BLOCK_NR);
        facts.put("offsetof(struct tpacket_req3, tp_frame_size)", PacketAbi.REQ3_FRAME_SIZE);
        facts.put("offsetof(struct tpacket_req3, tp_frame_nr)", PacketAbi.REQ3_FRAME_NR);
        facts.put("offsetof(struct tpacket_req3, tp_retire_blk_tov)", PacketAbi.REQ3_RETIRE_BLK_TOV);
        facts.put("offsetof(struct tpacket_req3, tp_sizeof_priv)", PacketAbi.REQ3_SIZEOF_PRIV);
        facts.put("offsetof(struct tpacket_req3, tp_feature_req_word)", PacketAbi.REQ3_FEATURE_REQ_WORD);
        facts.put("offsetof(struct tpacket_block_desc, hdr.bh1.block_status)", PacketAbi.BLOCK_STATUS);
        facts.put("offsetof(struct tpacket_block_desc, hdr.bh1.num_pkts)", PacketAbi.BLOCK_NUM_PKTS);
        facts.put("offsetof(struct tpacket_block_desc, hdr.bh1.offset_to_first_pkt)", PacketAbi.BLOCK_OFFSET_TO_FIRST_PKT);
        facts.put("offsetof(struct tpacket3_hdr, tp_next_offset)", PacketAbi.FRAME_NEXT_OFFSET);
        facts.put("offsetof(struct tpacket3_hdr, tp_snaplen)", PacketAbi.FRAME_SNAPLEN);
        facts.put("offsetof(struct tpacket3_hdr, tp_len)", PacketAbi.FRAME_LEN);
        facts.put("offsetof(struct tpacket3_hdr, tp_mac)", PacketAbi.FRAME_MAC);
        facts.put("sizeof(struct tpacket_stats_v3)", PacketAbi.STATS_V3_SIZE);
        facts.put("offsetof(struct tpacket_stats_v3, tp_drops)", PacketAbi.STATS_DROPS);
        facts.put("sizeof(struct sockaddr_ll)", PacketAbi.SOCKADDR_LL_SIZE);
        facts.put("offsetof(struct sockaddr_ll, sll_family)", PacketAbi.SLL_FAMILY);
        facts.put("offsetof(struct sockaddr_ll, sll_protocol)", PacketAbi.SLL_PROTOCOL);
        facts.put("offsetof(struct sockaddr_ll, sll_ifindex)", PacketAbi.SLL_IFINDEX);
        facts.put("sizeof(struct iovec)", PacketAbi.IOVEC_SIZE);
        facts.put("offsetof(struct iovec, iov_base)", PacketAbi.IOV_BASE);
        facts.put("offsetof(struct iovec, iov_len)", PacketAbi.IOV_LEN);
        facts.put("sizeof(struct mmsghdr)", PacketAbi.MMSGHDR_SIZE);
        facts.put("offsetof(struct msghdr, msg_iov)", PacketAbi.MSG_IOV);
        facts.put("offsetof(struct msghdr, msg_iovlen)", PacketAbi.MSG_IOVLEN);
        facts.put("UIO_MAXIOV", (long) PacketAbi.UIO_MAXIOV);
        facts.put("sizeof(struct sock_filter)", PacketAbi.SOCK_FILTER_SIZE);
        facts.put("sizeof(struct sock_fprog)", PacketAbi.SOCK_FPROG_SIZE);
        facts.put("offsetof(struct sock_fprog, filter)", PacketAbi.FPROG_FILTER);
        facts.put("BPF_LD | BPF_W | BPF_ABS", (long) PacketAbi.BPF_LD_W_ABS);
        facts.put("BPF_JMP | BPF_JEQ | BPF_K", (long) PacketAbi.BPF_JMP_JEQ_K);
        facts.put("BPF_RET | BPF_K", (long) PacketAbi.BPF_RET_K);
        facts.put("SKF_AD_OFF + SKF_AD_QUEUE", (long) PacketAbi.SKF_AD_QUEUE_LOAD);
        // AF_XDP
        facts.put("SOL_XDP", (long) XdpAbi.SOL_XDP);
        facts.put("XDP_MMAP_OFFSETS", (long) XdpAbi.XDP_MMAP_OFFSETS);
        facts.put("XDP_RX_RING", (long) XdpAbi.XDP_RX_RING);
        facts.put("XDP_TX_RING", (long) XdpAbi.XDP_TX_RING);
        facts.put("XDP_UMEM_REG", (long) XdpAbi.XDP_UMEM_REG);
        facts.put("XDP_UMEM_FILL_RING", (long) XdpAbi.XDP_UMEM_FILL_RING);
        facts.put("XDP_UMEM_COMPLETION_RING", (long) XdpAbi.XDP_UMEM_COMPLETION_RING);
        facts.put("XDP_STATISTICS", (long) XdpAbi.XDP_STATISTICS);
        facts.put("XDP_OPTIONS", (long) XdpAbi.XDP_OPTIONS);
        facts.put("XDP_SHARED_UMEM", (long) XdpAbi.XDP_SHARED_UMEM);
        facts.put("XDP_COPY", (long) XdpAbi.XDP_COPY);
        facts.put("XDP_ZEROCOPY", (long) XdpAbi.XDP_ZEROCOPY);
        facts.put("XDP_USE_NEED_WAKEUP", (long) XdpAbi.XDP_USE_NEED_WAKEUP);
        facts.put("XDP_RING_NEED_WAKEUP", (long) XdpAbi.XDP_RING_NEED_WAKEUP);
        facts.put("XDP_OPTIONS_ZEROCOPY", (long) XdpAbi.XDP_OPTIONS_ZEROCOPY);
        facts.put("XDP_PGOFF_RX_RING", XdpAbi.XDP_PGOFF_RX_RING);
        facts.put("XDP_PGOFF_TX_RING", XdpAbi.XDP_PGOFF_TX_RING);
        facts.put("XDP_UMEM_PGOFF_FILL_RING", XdpAbi.XDP_UMEM_PGOFF_FILL_RING);
        facts.put("XDP_UMEM_PGOFF_COMPLETION_RING", XdpAbi.XDP_UMEM_PGOFF_COMPLETION_RING);
        facts.put("sizeof(struct sockaddr_xdp)", XdpAbi.SOCKADDR_XDP_SIZE);
        facts.put("offsetof(struct sockaddr_xdp, sxdp_family)", XdpAbi.SXDP_FAMILY);
        facts.put("offsetof(struct sockaddr_xdp, sxdp_flags)", XdpAbi.SXDP_FLAGS);
        facts.put("offsetof(struct sockaddr_xdp, sxdp_ifindex)", XdpAbi.SXDP_IFINDEX);
        facts.put("offsetof(struct sockaddr_xdp, sxdp_queue_id)", XdpAbi.SXDP_QUEUE_ID);
        facts.put("offsetof(struct sockaddr_xdp, sxdp_shared_umem_fd)", XdpAbi.SXDP_SHARED_UMEM_FD);
        facts.put("sizeof(struct xdp_umem_reg)", XdpAbi.UMEM_REG_SIZE);
        facts.put("offsetof(struct xdp_umem_reg, addr)", XdpAbi.UMEM_REG_ADDR);
        facts.put("offsetof(struct xdp_umem_reg, len)", XdpAbi.UMEM_REG_LEN);
        facts.put("offsetof(struct xdp_umem_reg, chunk_size)", XdpAbi.UMEM_REG_CHUNK_SIZE);
        facts.put("offsetof(struct xdp_umem_reg, headroom)", XdpAbi.UMEM_REG_HEADROOM);
        facts.put("offsetof(struct xdp_umem_reg, flags)", XdpAbi.UMEM_REG_FLAGS);
        facts.put("sizeof(struct xdp_mmap_offsets)", XdpAbi.MMAP_OFFSETS_SIZE);
        facts.put("sizeof(struct xdp_ring_offset)", XdpAbi.RING_OFFSET_SIZE);
        facts.put("offsetof(struct xdp_mmap_offsets, rx)", XdpAbi.OFF_RX);
        facts.put("offsetof(struct xdp_mmap_offsets, tx)", XdpAbi.OFF_TX);
        facts.put("offsetof(struct xdp_mmap_offsets, fr)", XdpAbi.OFF_FR);
        facts.put("offsetof(struct xdp_mmap_offsets, cr)", XdpAbi.OFF_CR);
        facts.put("offsetof(struct xdp_ring_offset, producer)", XdpAbi.RO_PRODUCER);
        facts.put("offsetof(struct xdp_ring_offset, consumer)", XdpAbi.RO_CONSUMER);
        facts.put("offsetof(struct xdp_ring_offset, desc)", XdpAbi.RO_DESC);
        facts.put("offsetof(struct xdp_ring_offset, flags)", XdpAbi.RO_FLAGS);
        facts.put("sizeof(struct xdp_desc)", XdpAbi.DESC_SIZE);
        facts.put("offsetof(struct xdp_desc, addr)", XdpAbi.DESC_ADDR);
        facts.put("offsetof(struct xdp_desc, len)", XdpAbi.DESC_LEN);
        facts.put("offsetof(struct xdp_desc, options)", XdpAbi.DESC_OPTIONS);
        facts.put("sizeof(struct xdp_statistics)", XdpAbi.STATISTICS_SIZE);
        facts.put("offsetof(struct xdp_statistics, rx_dropped)", XdpAbi.STAT_RX_DROPPED);
        facts.put("offsetof(struct xdp_statistics, rx_ring_full)", XdpAbi.STAT_RX_RING_FULL);
        facts.put("offsetof(struct xdp_statistics, rx_fill_ring_empty_descs)", XdpAbi.STAT_RX_FILL_RING_EMPTY);
        // bpf(2)
        facts.put("BPF_MAP_CREATE", (long) XdpAbi.BPF_MAP_CREATE);
        facts.put("BPF_MAP_UPDATE_ELEM", (long) XdpAbi.BPF_MAP_UPDATE_ELEM);
        facts.put("BPF_MAP_DELETE_ELEM", (long) XdpAbi.BPF_MAP_DELETE_ELEM);
        facts.put("BPF_PROG_LOAD", (long) XdpAbi.BPF_PROG_LOAD);
        facts.put("BPF_PROG_GET_FD_BY_ID", (long) XdpAbi.BPF_PROG_GET_FD_BY_ID);
        facts.put("BPF_OBJ_GET_INFO_BY_FD", (long) XdpAbi.BPF_OBJ_GET_INFO_BY_FD);
        facts.put("BPF_LINK_CREATE", (long) XdpAbi.BPF_LINK_CREATE);
        facts.put("BPF_MAP_TYPE_XSKMAP", (long) XdpAbi.BPF_MAP_TYPE_XSKMAP);
        facts.put("BPF_PROG_TYPE_XDP", (long) XdpAbi.BPF_PROG_TYPE_XDP);
        facts.put("BPF_XDP", (long) XdpAbi.BPF_XDP);
        facts.put("BPF_F_XDP_HAS_FRAGS", (long) XdpAbi.BPF_F_XDP_HAS_FRAGS);
        facts.put("BPF_OBJ_NAME_LEN", (long) XdpAbi.BPF_OBJ_NAME_LEN);
        facts.put("sizeof(union bpf_attr)", XdpAbi.BPF_ATTR_SIZE);
        facts.put("offsetof(union bpf_attr, map_type)", XdpAbi.MAP_TYPE);
        facts.put("offsetof(union bpf_attr, key_size)", XdpAbi.MAP_KEY_SIZE);
        facts.put("offsetof(union bpf_attr, value_size)", XdpAbi.MAP_VALUE_SIZE);
        facts.put("offsetof(union bpf_attr, max_entries)", XdpAbi.MAP_MAX_ENTRIES);
        facts.put("offsetof(union bpf_attr, map_name)", XdpAbi.MAP_NAME);
        facts.put("offsetof(union bpf_attr, map_fd)", XdpAbi.ELEM_MAP_FD);
        facts.put("offsetof(union bpf_attr, key)", XdpAbi.ELEM_KEY);
        facts.put("offsetof(union bpf_attr, value)", XdpAbi.ELEM_VALUE);
        facts.put("offsetof(union bpf_attr, flags)", XdpAbi.ELEM_FLAGS);
        facts.put("offsetof(union bpf_attr, prog_type)", XdpAbi.PROG_TYPE);
        facts.put("offsetof(union bpf_attr, insn_cnt)", XdpAbi.PROG_INSN_CNT);
        facts.put("offsetof(union bpf_attr, insns)", XdpAbi.PROG_INSNS);
        facts.put("offsetof(union bpf_attr, license)", XdpAbi.PROG_LICENSE);
        facts.put("offsetof(union bpf_attr, log_level)", XdpAbi.PROG_LOG_LEVEL);
        facts.put("offsetof(union bpf_attr, log_size)", XdpAbi.PROG_LOG_SIZE);
        facts.put("offsetof(union bpf_attr, log_buf)", XdpAbi.PROG_LOG_BUF);
        facts.put("offsetof(union bpf_attr, prog_flags)", XdpAbi.PROG_FLAGS);
        facts.put("offsetof(union bpf_attr, prog_name)", XdpAbi.PROG_NAME);
        facts.put("offsetof(union bpf_attr, expected_attach_type)", XdpAbi.PROG_EXPECTED_ATTACH_TYPE);
        facts.put("offsetof(union bpf_attr, link_create.prog_fd)", XdpAbi.LINK_PROG_FD);
        facts.put("offsetof(union bpf_attr, link_create.target_ifindex)", XdpAbi.LINK_TARGET_IFINDEX);
        facts.put("offsetof(union bpf_attr, link_create.attach_type)", XdpAbi.LINK_ATTACH_TYPE);
        facts.put("offsetof(union bpf_attr, link_create.flags)", XdpAbi.LINK_FLAGS);
        facts.put("offsetof(union bpf_attr, prog_id)", XdpAbi.ATTR_PROG_ID);
        facts.put("offsetof(union bpf_attr, info.bpf_fd)", XdpAbi.INFO_BPF_FD);
        facts.put("offsetof(union bpf_attr, info.info_len)", XdpAbi.INFO_LEN);
        facts.put("offsetof(union bpf_attr, info.info)", XdpAbi.INFO_INFO);
        facts.put("sizeof(struct bpf_prog_info)", XdpAbi.PROG_INFO_SIZE);
        facts.put("offsetof(struct bpf_prog_info, id)", XdpAbi.PROG_INFO_ID);
        facts.put("offsetof(struct bpf_prog_info, name)", XdpAbi.PROG_INFO_NAME);
        facts.put("BPF_LDX | BPF_MEM | BPF_W", (long) XdpAbi.BPF_LDX_MEM_W);
        facts.put("BPF_LD | BPF_IMM | BPF_DW", (long) XdpAbi.BPF_LD_IMM64);
        facts.put("BPF_ALU64 | BPF_MOV | BPF_K", (long) XdpAbi.BPF_ALU64_MOV_K);
        facts.put("BPF_JMP | BPF_CALL", (long) XdpAbi.BPF_JMP_CALL);
        facts.put("BPF_JMP | BPF_EXIT", (long) XdpAbi.BPF_JMP_EXIT);
        facts.put("BPF_PSEUDO_MAP_FD", (long) XdpAbi.BPF_PSEUDO_MAP_FD);
        facts.put("BPF_FUNC_redirect_map", (long) XdpAbi.BPF_FUNC_REDIRECT_MAP);
        facts.put("XDP_PASS", (long) XdpAbi.XDP_PASS);
        facts.put("offsetof(struct xdp_md, rx_queue_index)", (long) XdpAbi.XDP_MD_RX_QUEUE_INDEX);
        // rtnetlink
        facts.put("NETLINK_ROUTE", (long) XdpAbi.NETLINK_ROUTE);
        facts.put("RTM_GETLINK", (long) XdpAbi.RTM_GETLINK);
        facts.put("RTM_SETLINK", (long) XdpAbi.RTM_SETLINK);
        facts.put("NLM_F_REQUEST", (long) XdpAbi.NLM_F_REQUEST);
        facts.put("NLM_F_ACK", (long) XdpAbi.NLM_F_ACK);
        facts.put("NLMSG_ERROR", (long) XdpAbi.NLMSG_ERROR);
        facts.put("NLMSG_HDRLEN", (long) XdpAbi.NLMSG_HDRLEN);
        facts.put("sizeof(struct ifinfomsg)", (long) XdpAbi.IFINFOMSG_SIZE);
        facts.put("offsetof(struct ifinfomsg, ifi_index)", (long) XdpAbi.IFI_INDEX);
        facts.put("IFLA_XDP", (long) XdpAbi.IFLA_XDP);
        facts.put("IFLA_XDP_FD", (long) XdpAbi.IFLA_XDP_FD);
        facts.put("IFLA_XDP_ATTACHED", (long) XdpAbi.IFLA_XDP_ATTACHED);
        facts.put("IFLA_XDP_FLAGS", (long) XdpAbi.IFLA_XDP_FLAGS);
        facts.put("IFLA_XDP_PROG_ID", (long) XdpAbi.IFLA_XDP_PROG_ID);
        facts.put("IFLA_XDP_EXPECTED_FD", (long) XdpAbi.IFLA_XDP_EXPECTED_FD);
        facts.put("NLA_F_NESTED", (long) XdpAbi.NLA_F_NESTED);
        facts.put("XDP_FLAGS_UPDATE_IF_NOEXIST", (long) XdpAbi.XDP_FLAGS_UPDATE_IF_NOEXIST);
        facts.put("XDP_FLAGS_REPLACE", (long) XdpAbi.XDP_FLAGS_REPLACE);

        List<String> c = new ArrayList<>(List.of("#define _GNU_SOURCE 1", "#include <stddef.h>",
                "#include <sys/socket.h>", "#include <sys/mman.h>", "#include <sys/epoll.h>", "#include <sys/uio.h>",
                "#include <arpa/inet.h>", "#include <net/if.h>", "#include <linux/if_ether.h>",
                "#include <linux/if_packet.h>", "#include <linux/filter.h>", "#include <linux/if_xdp.h>",
                "#include <linux/bpf.h>", "#include <linux/if_link.h>", "#include <linux/rtnetlink.h>",
                "#include <linux/netlink.h>", "#include <linux/ethtool.h>", "#include <linux/sockios.h>", "#include <limits.h>",
                ""));
        int n = 0;
        for (Map.Entry<String, Long> f : facts.entrySet()) {
            c.add("_Static_assert((long long) (" + f.getKey() + ") == " + f.getValue() + "LL, \"" + f.getKey().replace("\"", "")
                    + " must be " + f.getValue() + " as in the Java constants\");");
            n++;
        }
        Path source = dir.resolve("nic_abi_check.c");
        Files.write(source, c);
        List<String> command = List.of("gcc", "-std=c11", "-Wall", "-Werror", "-fsyntax-only", source.toString());
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            if (System.getenv("CI") != null) {
                fail("gcc cannot run (" + e.getMessage() + "); CI is set, so the NIC ABI check must run");
            }
            abort("gcc cannot run (" + e.getMessage() + "); skipping the NIC ABI check");
            return;
        }
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            fail("the NIC mechanisms' kernel facts disagree with the kernel headers (" + n + " checked):\n" + out);
        }
    }
}

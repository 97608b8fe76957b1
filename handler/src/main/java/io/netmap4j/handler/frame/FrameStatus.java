package io.netmap4j.handler.frame;

/**
 * What {@link FrameView#wrap} found: {@link #OK}, or the first thing wrong with the frame. The
 * layers before the bad one stay readable (a frame with a truncated TCP header still has its
 * IPv4 header); see {@link FrameView#layers()}.
 */
public enum FrameStatus {
    /** Every header the view knows was complete and consistent. */
    OK("ok"),
    /** Shorter than an Ethernet header (14 bytes). */
    TRUNCATED_ETHERNET("shorter than an Ethernet header"),
    /** A VLAN tag (802.1Q / 802.1ad) cut off by the end of the frame. */
    TRUNCATED_VLAN("VLAN tag cut off"),
    /** More stacked VLAN tags than {@link FrameView#MAX_VLAN_TAGS}. */
    TOO_MANY_VLAN_TAGS("too many VLAN tags"),
    /** An ARP packet for Ethernet and IPv4 shorter than 28 bytes. */
    TRUNCATED_ARP("ARP packet cut off"),
    /** Fewer bytes left than the fixed IP header, or than the IPv4 header length (IHL) says. */
    TRUNCATED_IP("IP header cut off"),
    /** The version field does not match the EtherType (4 for 0x0800, 6 for 0x86DD). */
    BAD_IP_VERSION("IP version does not match the EtherType"),
    /** IPv4 IHL below 5 (a header shorter than 20 bytes). */
    BAD_IPV4_IHL("IPv4 header length (IHL) below 5"),
    /** IPv4 total length smaller than its own header. */
    BAD_IP_LENGTH("IPv4 total length smaller than its header"),
    /** The IP total (or payload) length goes past the end of the frame. */
    IP_LENGTH_PAST_END("IP length past the end of the frame"),
    /** An IPv6 extension header cut off, or a chain longer than the view follows. */
    BAD_IPV6_EXTENSION("IPv6 extension header cut off or chain too long"),
    /** A TCP header cut off by the end of the IP packet. */
    TRUNCATED_TCP("TCP header cut off"),
    /** TCP data offset below 5 words. */
    BAD_TCP_DATA_OFFSET("TCP data offset below 5"),
    /** A UDP header cut off by the end of the IP packet. */
    TRUNCATED_UDP("UDP header cut off"),
    /** UDP length below 8 or past the end of the IP packet. */
    BAD_UDP_LENGTH("UDP length below 8 or past the end of the IP packet"),
    /** An ICMP or ICMPv6 header (4 bytes) cut off. */
    TRUNCATED_ICMP("ICMP header cut off");

    private final String description;

    FrameStatus(String description) {
        this.description = description;
    }

    /** A short phrase for logs and counters. */
    public String description() {
        return description;
    }
}

package io.netmap4j.handler.pcap;

/**
 * Facts of the classic pcap file format (the one tcpdump and Wireshark write by default): a
 * 24-byte file header, then per frame a 16-byte record header and the captured bytes. The byte
 * order of the numbers is the writer's, told by how the magic number reads.
 */
final class PcapFormat {
    /** Magic with microsecond timestamps. */
    static final int MAGIC_MICROS = 0xa1b2c3d4;
    /** Magic with nanosecond timestamps. */
    static final int MAGIC_NANOS = 0xa1b23c4d;
    /** The pcapng section header block type, to say why such a file is refused. */
    static final int PCAPNG_MAGIC = 0x0a0d0d0a;
    static final int FILE_HEADER = 24;
    static final int RECORD_HEADER = 16;
    static final int VERSION_MAJOR = 2;
    static final int VERSION_MINOR = 4;
    /** LINKTYPE_ETHERNET. */
    static final int LINKTYPE_ETHERNET = 1;
    /** tcpdump's default snapshot length. */
    static final int DEFAULT_SNAPLEN = 262144;

    private PcapFormat() {
    }
}

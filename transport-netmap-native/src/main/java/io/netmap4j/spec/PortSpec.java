package io.netmap4j.spec;

/**
 * A parsed netmap port name, following libnetmap's grammar, holding exactly what libnetmap
 * would put into {@code nmreq_header} and {@code nmreq_register} for it.
 *
 * <p>SKELETON: the accessors are the contract; the parser is being written.
 */
public final class PortSpec {
    /** Which end of a netmap pipe a name denotes. */
    public enum PipeEnd { NONE, MASTER, SLAVE }

    private final String text;          // the name as given, e.g. "netmap:eth0-2/T@conf:slots=1024"
    private final String requestName;   // nr_name, e.g. "eth0", "vale0:a", "x{3"
    private final boolean vale;         // valeXXX: prefix
    private final String valeSwitch;    // "vale0" for "vale0:a", null otherwise
    private final String portName;      // the port without switch and pipe suffix: "eth0", "a", "x"
    private final PipeEnd pipeEnd;
    private final String pipeId;        // "3" for "x{3", null otherwise
    private final int mode;             // NR_REG_*
    private final int ringId;           // nr_ringid
    private final long flags;           // NR_* flags (nr_flags)
    private final int memId;            // nr_mem_id, 0 = let the kernel choose
    private final int txSlots, rxSlots, txRings, rxRings, hostTxRings, hostRxRings; // @conf, 0 = default
    private final int extraBuffers;     // nr_extra_bufs asked for (API only, not in the grammar)
    private final String share;         // @share=PORT, null if absent
    private final ExtmemOption extmem;  // @extmem:..., null if absent
    private final OffsetOption offset;  // @offset:..., null if absent

    private PortSpec() {
        throw new UnsupportedOperationException("skeleton");
    }

    /**
     * Parses a port name.
     *
     * @throws PortSpecException with the name quoted and the bad character pointed at
     */
    public static PortSpec parse(String name) throws PortSpecException {
        throw new UnsupportedOperationException("not yet");
    }

    public String text() { return text; }
    public String requestName() { return requestName; }
    public boolean isVale() { return vale; }
    public String valeSwitch() { return valeSwitch; }
    public String portName() { return portName; }
    public PipeEnd pipeEnd() { return pipeEnd; }
    public boolean isPipe() { return pipeEnd != PipeEnd.NONE; }
    public String pipeId() { return pipeId; }
    public int mode() { return mode; }
    public int ringId() { return ringId; }
    public long flags() { return flags; }
    public int memId() { return memId; }
    public int txSlots() { return txSlots; }
    public int rxSlots() { return rxSlots; }
    public int txRings() { return txRings; }
    public int rxRings() { return rxRings; }
    public int hostTxRings() { return hostTxRings; }
    public int hostRxRings() { return hostRxRings; }
    public int extraBuffers() { return extraBuffers; }
    public String share() { return share; }
    public ExtmemOption extmem() { return extmem; }
    public OffsetOption offset() { return offset; }

    /** A copy asking for {@code n} extra buffers. */
    public PortSpec withExtraBuffers(int n) { throw new UnsupportedOperationException("skeleton"); }

    /** A copy with {@code flags} (NR_*) added. */
    public PortSpec withFlags(long flags) { throw new UnsupportedOperationException("skeleton"); }

    @Override
    public String toString() {
        return text;
    }
}

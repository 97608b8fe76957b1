package io.netmap4j.spec;

import static io.netmap4j.abi.NetmapConstants.NETMAP_REQ_IFNAMSIZ;
import static io.netmap4j.abi.NetmapConstants.NETMAP_RING_MASK;
import static io.netmap4j.abi.NetmapConstants.NR_EXCLUSIVE;
import static io.netmap4j.abi.NetmapConstants.NR_MONITOR_RX;
import static io.netmap4j.abi.NetmapConstants.NR_MONITOR_TX;
import static io.netmap4j.abi.NetmapConstants.NR_REG_ALL_NIC;
import static io.netmap4j.abi.NetmapConstants.NR_REG_NIC_SW;
import static io.netmap4j.abi.NetmapConstants.NR_REG_ONE_NIC;
import static io.netmap4j.abi.NetmapConstants.NR_REG_ONE_SW;
import static io.netmap4j.abi.NetmapConstants.NR_REG_SW;
import static io.netmap4j.abi.NetmapConstants.NR_RX_RINGS_ONLY;
import static io.netmap4j.abi.NetmapConstants.NR_TX_RINGS_ONLY;
import static io.netmap4j.abi.NetmapConstants.NR_ZCOPY_MON;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A parsed netmap port name, following libnetmap's grammar, holding exactly what libnetmap
 * would put into {@code nmreq_header} and {@code nmreq_register} for it.
 *
 * <pre>
 *   name    = prefix port [pipe] [mode] { "@" memid | "/" flags } { option }
 *   prefix  = "netmap:"                 (not sent to the kernel)
 *           | "vale" [switch-id] ":"    (sent: it is part of the kernel's port name)
 *   pipe    = ("{" | "}") pipe-id       (master / slave end; sent as part of the name)
 *   mode    = "^" | "^" N | "*" | "-" N (host rings, one host ring, NIC+host rings, one NIC ring pair)
 *   flags   = any of x z t r R T
 *   option  = "@conf:" key=value,...  | "@share=" PORT
 *           | "@extmem=" FILE | "@extmem:" key=value,...  | "@offset=" N | "@offset:" key=value,...
 * </pre>
 *
 * The options begin at the first {@code @} that is not followed by a digit. Without a mode the
 * port binds all its NIC rings ({@code NR_REG_ALL_NIC}); a pipe end gets that mode too, the pipe
 * being told to the kernel through the name.
 *
 * <p>The parser follows libnetmap (nmreq.c and nmport.c) and is stricter where libnetmap would
 * quietly send something the kernel cannot use: whitespace, an empty pipe id, a memory id that
 * does not fit 16 bits, numbers that are not numbers (libnetmap uses atoi), empty option values,
 * a repeated option (the kernel refuses duplicate options), and {@code R} with {@code T}
 * (which binds no ring at all).
 *
 * <p>Instances are immutable. Two specs are equal when they ask the kernel for the same thing;
 * {@link #toString()} gives the name as it was written.
 */
public final class PortSpec {
    /** Which end of a netmap pipe a name denotes. */
    public enum PipeEnd { NONE, MASTER, SLAVE }

    /** The flags a name can set after {@code /}, in the order of {@link #FLAG_BITS}. */
    private static final String FLAG_LETTERS = "xztrRT";
    private static final long[] FLAG_BITS = {
        NR_EXCLUSIVE, NR_ZCOPY_MON, NR_MONITOR_TX, NR_MONITOR_RX, NR_RX_RINGS_ONLY, NR_TX_RINGS_ONLY
    };
    private static final String FLAG_HELP = "flags are x (exclusive), z (zero-copy monitor), t (monitor TX), "
            + "r (monitor RX), R (RX rings only), T (TX rings only)";
    private static final String PREFIX_HELP = "use netmap:IF or valeS:PORT";
    /** Characters that end the port name (and start the mode, memory id, flags or options). */
    private static final String NAME_END = "-*^/@";
    /** Ring counts are u16 in nmreq_register. */
    private static final long MAX_RINGS = 0xffff;
    private static final int MAX_MEM_ID = 0xffff;

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

    private PortSpec(Parser p) {
        text = p.s;
        requestName = p.requestName;
        vale = p.vale;
        valeSwitch = p.valeSwitch;
        portName = p.portName;
        pipeEnd = p.pipeEnd;
        pipeId = p.pipeId;
        mode = p.mode;
        ringId = p.ringId;
        flags = p.flags;
        memId = p.memId;
        txSlots = p.txSlots;
        rxSlots = p.rxSlots;
        txRings = p.txRings;
        rxRings = p.rxRings;
        hostTxRings = p.hostTxRings;
        hostRxRings = p.hostRxRings;
        extraBuffers = 0;
        share = p.share;
        extmem = p.extmem;
        offset = p.offset;
    }

    private PortSpec(PortSpec o, long flags, int extraBuffers) {
        text = o.text;
        requestName = o.requestName;
        vale = o.vale;
        valeSwitch = o.valeSwitch;
        portName = o.portName;
        pipeEnd = o.pipeEnd;
        pipeId = o.pipeId;
        mode = o.mode;
        ringId = o.ringId;
        this.flags = flags;
        memId = o.memId;
        txSlots = o.txSlots;
        rxSlots = o.rxSlots;
        txRings = o.txRings;
        rxRings = o.rxRings;
        hostTxRings = o.hostTxRings;
        hostRxRings = o.hostRxRings;
        this.extraBuffers = extraBuffers;
        share = o.share;
        extmem = o.extmem;
        offset = o.offset;
    }

    /**
     * Parses a port name.
     *
     * @throws PortSpecException with the name quoted and the bad character pointed at
     * @throws NullPointerException if {@code name} is null
     */
    public static PortSpec parse(String name) throws PortSpecException {
        Objects.requireNonNull(name, "name");
        Parser p = new Parser(name);
        p.parse(true);
        return new PortSpec(p);
    }

    public String text() { return text; }
    /** The name sent in {@code nmreq_header.nr_name}: no {@code netmap:}, but a {@code valeS:} prefix and a pipe suffix. */
    public String requestName() { return requestName; }
    public boolean isVale() { return vale; }
    public String valeSwitch() { return valeSwitch; }
    public String portName() { return portName; }
    public PipeEnd pipeEnd() { return pipeEnd; }
    public boolean isPipe() { return pipeEnd != PipeEnd.NONE; }
    public String pipeId() { return pipeId; }
    /** The {@code NR_REG_*} mode. */
    public int mode() { return mode; }
    /** The ring of {@code -N} or {@code ^N}, 0 otherwise. */
    public int ringId() { return ringId; }
    /** The {@code NR_*} flags for {@code nr_flags}. */
    public long flags() { return flags; }
    /** The memory region id of {@code @N}, 0 when the kernel should choose. */
    public int memId() { return memId; }
    public int txSlots() { return txSlots; }
    public int rxSlots() { return rxSlots; }
    public int txRings() { return txRings; }
    public int rxRings() { return rxRings; }
    public int hostTxRings() { return hostTxRings; }
    public int hostRxRings() { return hostRxRings; }
    public int extraBuffers() { return extraBuffers; }
    /** The port of {@code @share=PORT} whose memory region this port should use, null if absent. */
    public String share() { return share; }
    /** {@link #share()} parsed, so a backend can look the other port up by its request name; null if absent. */
    public PortSpec shareSpec() { return share == null ? null : parse(share); }
    public ExtmemOption extmem() { return extmem; }
    public OffsetOption offset() { return offset; }

    /** True for a monitor of another port ({@code /t}, {@code /r}, {@code /z}): it only receives. */
    public boolean isMonitor() {
        return (flags & (NR_MONITOR_TX | NR_MONITOR_RX | NR_ZCOPY_MON)) != 0;
    }

    /** True when the name binds host (software) rings: {@code ^}, {@code ^N} or {@code *}. */
    public boolean bindsHostRings() {
        return mode == NR_REG_SW || mode == NR_REG_ONE_SW || mode == NR_REG_NIC_SW;
    }

    /** A copy asking for {@code n} extra buffers ({@code nr_extra_bufs}). */
    public PortSpec withExtraBuffers(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("extra buffers must not be negative: " + n + " (for " + text + ")");
        }
        return n == extraBuffers ? this : new PortSpec(this, flags, n);
    }

    /**
     * The name of NIC ring pair {@code k} of the port this name binds whole: {@code netmap:eth0}
     * becomes {@code netmap:eth0-k}, with the same flags and options.
     *
     * @throws IllegalArgumentException if this name does not bind all NIC rings of an interface
     *         (a pipe end, a ring mode already given, host rings), or {@code k} is not a ring number
     */
    public PortSpec ringPair(int k) {
        if (mode != NR_REG_ALL_NIC || isPipe()) {
            throw new IllegalArgumentException(text + " does not name all NIC rings of an interface, so it has no "
                    + "ring pairs to split (write it as netmap:IF or valeS:PORT, without -N, ^, * or a pipe)");
        }
        if (k < 0 || k > NETMAP_RING_MASK) {
            throw new IllegalArgumentException("ring " + k + " is not a ring number (0 to " + NETMAP_RING_MASK + ")");
        }
        String prefix = vale ? "" : "netmap:";
        String head = prefix + requestName;
        if (!text.startsWith(head)) {
            throw new IllegalStateException("cannot find the port name " + head + " in " + text);
        }
        return parse(head + "-" + k + text.substring(head.length())).withExtraBuffers(extraBuffers);
    }

    /** A copy with {@code flags} (NR_*) added to those of the name. */
    public PortSpec withFlags(long flags) {
        long all = this.flags | flags;
        return all == this.flags ? this : new PortSpec(this, all, extraBuffers);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PortSpec p
                && requestName.equals(p.requestName) && mode == p.mode && ringId == p.ringId
                && flags == p.flags && memId == p.memId
                && txSlots == p.txSlots && rxSlots == p.rxSlots && txRings == p.txRings && rxRings == p.rxRings
                && hostTxRings == p.hostTxRings && hostRxRings == p.hostRxRings && extraBuffers == p.extraBuffers
                && Objects.equals(share, p.share) && Objects.equals(extmem, p.extmem)
                && Objects.equals(offset, p.offset);
    }

    @Override
    public int hashCode() {
        return Objects.hash(requestName, mode, ringId, flags, memId, txSlots, rxSlots, txRings, rxRings,
                hostTxRings, hostRxRings, extraBuffers, share, extmem, offset);
    }

    @Override
    public String toString() {
        return text;
    }

    /**
     * One pass over a name, left to right, in the order libnetmap reads it: prefix, port name
     * (with pipe), then ring mode, memory id and flags, then options. It fills its fields and
     * throws at the first character that does not fit.
     */
    private static final class Parser {
        final String s;
        final int len;
        int pos;

        String requestName;
        boolean vale;
        String valeSwitch;
        String portName;
        PipeEnd pipeEnd = PipeEnd.NONE;
        String pipeId;
        int mode = NR_REG_ALL_NIC;
        int ringId;
        long flags;
        int memId;
        int txSlots, rxSlots, txRings, rxRings, hostTxRings, hostRxRings;
        String share;
        ExtmemOption extmem;
        OffsetOption offset;

        Parser(String s) {
            this.s = s;
            this.len = s.length();
        }

        PortSpecException error(int at, String reason) {
            return new PortSpecException(s, at, reason);
        }

        void parse(boolean optionsAllowed) {
            if (len == 0) {
                throw error(0, "empty name; " + PREFIX_HELP);
            }
            rejectBlanks();
            int nameStart = prefix();
            port(nameStart);
            modeMemIdFlags();
            if (pos < len) {
                if (!optionsAllowed) {
                    throw error(pos, "options are not allowed here");
                }
                options();
            }
        }

        /** Neither libnetmap nor the kernel trims, so a stray blank would only turn into ENXIO later. */
        private void rejectBlanks() {
            for (int i = 0; i < len; i++) {
                char c = s.charAt(i);
                if (Character.isWhitespace(c) || Character.isISOControl(c) || Character.isSpaceChar(c)) {
                    throw error(i, "whitespace and control characters are not allowed");
                }
            }
        }

        /** Reads {@code netmap:} or {@code valeS:}; returns where the port name starts. */
        private int prefix() {
            if (s.startsWith("netmap")) {
                if (len == 6 || s.charAt(6) != ':') {
                    throw error(6, s.indexOf(':') < 0 ? "':' expected after \"netmap\""
                            : "nothing may come between \"netmap\" and ':'");
                }
                return 7;
            }
            if (s.startsWith("vale")) {
                int i = 4;
                while (i < len && isIdentChar(s.charAt(i))) {
                    i++;
                }
                if (i == len) {
                    throw error(i, "':' expected after the VALE switch name");
                }
                if (s.charAt(i) != ':') {
                    throw error(i, "a VALE switch name holds only letters, digits and '_'; write valeS:PORT");
                }
                vale = true;
                valeSwitch = s.substring(0, i);
                return i + 1;
            }
            if (s.regionMatches(true, 0, "netmap:", 0, 7) || s.regionMatches(true, 0, "vale", 0, 4)) {
                throw error(0, "prefixes are lowercase; " + PREFIX_HELP);
            }
            throw error(0, "prefix unknown or missing: " + PREFIX_HELP);
        }

        /** Reads the port name and an optional pipe suffix, up to the first of {@link #NAME_END}. */
        private void port(int start) {
            int end = start;
            int pipeAt = -1;
            while (end < len && NAME_END.indexOf(s.charAt(end)) < 0) {
                char c = s.charAt(end);
                if ((c == '{' || c == '}') && pipeAt < 0) {
                    pipeAt = end;
                }
                end++;
            }
            int baseEnd = pipeAt < 0 ? end : pipeAt;
            if (baseEnd == start) {
                throw error(start, pipeAt < 0 ? "port name expected" : "port name expected before the pipe id");
            }
            portName = s.substring(start, baseEnd);
            if (pipeAt >= 0) {
                char kind = s.charAt(pipeAt);
                if (pipeAt + 1 == end) {
                    throw error(end, "pipe id expected after '" + kind + "'");
                }
                for (int i = pipeAt + 1; i < end; i++) {
                    if (!isIdentChar(s.charAt(i))) {
                        throw error(i, "a pipe id holds only letters, digits and '_'");
                    }
                }
                pipeEnd = kind == '{' ? PipeEnd.MASTER : PipeEnd.SLAVE;
                pipeId = s.substring(pipeAt + 1, end);
            }
            int reqStart = vale ? 0 : start;
            requestName = s.substring(reqStart, end);
            checkRequestNameLength(reqStart, end);
            pos = end;
        }

        /** nr_name is a NUL-terminated char[64]: at most 63 bytes of UTF-8 fit. */
        private void checkRequestNameLength(int from, int to) {
            int bytes = 0;
            for (int i = from; i < to; ) {
                int cp = s.codePointAt(i);
                bytes += new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8).length;
                if (bytes > NETMAP_REQ_IFNAMSIZ - 1) {
                    throw error(i, "name \"" + requestName + "\" too long: the kernel takes at most "
                            + (NETMAP_REQ_IFNAMSIZ - 1) + " bytes");
                }
                i += Character.charCount(cp);
            }
        }

        /**
         * The state machine of libnetmap's register decoder: an optional ring mode right after the
         * name, then any sequence of {@code @N} and {@code /flags}. Returns at the first {@code @}
         * that is not followed by a digit (the options) or at the end.
         */
        private void modeMemIdFlags() {
            int modeAt = -1;
            boolean memIdOrFlagsSeen = false;
            while (pos < len) {
                char c = s.charAt(pos);
                switch (c) {
                    case '^', '*', '-' -> {
                        if (modeAt >= 0) {
                            throw error(pos, "ring mode already given by '" + s.charAt(modeAt) + "' at position "
                                    + modeAt + "; give only one of ^ ^N * -N");
                        }
                        if (memIdOrFlagsSeen) {
                            throw error(pos, "the ring mode ('" + c + "') must come right after the port name, "
                                    + "before @N and /flags");
                        }
                        modeAt = pos++;
                        if (c == '^') {
                            mode = NR_REG_SW;
                            if (pos < len && isDigit(s.charAt(pos))) {
                                mode = NR_REG_ONE_SW;
                                ringId = ringNumber();
                            }
                        } else if (c == '*') {
                            mode = NR_REG_NIC_SW;
                        } else {
                            if (pos == len || !isDigit(s.charAt(pos))) {
                                throw error(pos, "ring number expected");
                            }
                            mode = NR_REG_ONE_NIC;
                            ringId = ringNumber();
                        }
                    }
                    case '@' -> {
                        if (pos + 1 == len) {
                            throw error(pos + 1, "memory id or option expected after '@'");
                        }
                        if (!isDigit(s.charAt(pos + 1))) {
                            return; // the options begin here
                        }
                        pos++;
                        memId();
                        memIdOrFlagsSeen = true;
                    }
                    case '/' -> {
                        pos++;
                        flags();
                        memIdOrFlagsSeen = true;
                    }
                    default -> throw error(pos, "unexpected '" + c + "': after the ring mode come @N (memory id), "
                            + "/flags and @options");
                }
            }
        }

        private int ringNumber() {
            int start = pos;
            long n = digits();
            if (n >= NETMAP_RING_MASK) {
                throw error(start, "ring number " + s.substring(start, pos) + " out of range: it must be below "
                        + NETMAP_RING_MASK);
            }
            return (int) n;
        }

        private void memId() {
            int start = pos;
            long n = digits();
            if (n < 1 || n > MAX_MEM_ID) {
                throw error(start, "memory id " + s.substring(start, pos) + " out of range 1.." + MAX_MEM_ID);
            }
            if (memId != 0 && memId != n) {
                throw error(start, "memory id already set to " + memId);
            }
            memId = (int) n;
        }

        /** Reads decimal digits at pos (at least one is there); saturates instead of overflowing. */
        private long digits() {
            long n = 0;
            while (pos < len && isDigit(s.charAt(pos))) {
                n = Math.min(n * 10 + (s.charAt(pos) - '0'), Long.MAX_VALUE / 10);
                pos++;
            }
            return n;
        }

        /** Flag letters after '/', up to '@' or the end (libnetmap accepts "/@N", so an empty group before '@' is fine). */
        private void flags() {
            if (pos == len) {
                throw error(pos, "flag expected after '/'; " + FLAG_HELP);
            }
            while (pos < len && s.charAt(pos) != '@') {
                char c = s.charAt(pos);
                int k = FLAG_LETTERS.indexOf(c);
                if (k < 0) {
                    String why = switch (c) {
                        case '/' -> "flags already started: write all flags after a single '/'";
                        case '^', '*', '-' -> "the ring mode ('" + c + "') must come before /flags";
                        default -> "unknown flag '" + c + "'; " + FLAG_HELP;
                    };
                    throw error(pos, why);
                }
                flags |= FLAG_BITS[k];
                if ((flags & (NR_RX_RINGS_ONLY | NR_TX_RINGS_ONLY)) == (NR_RX_RINGS_ONLY | NR_TX_RINGS_ONLY)) {
                    throw error(pos, "flags R (RX rings only) and T (TX rings only) together bind no ring");
                }
                pos++;
            }
        }

        /** Options, each "@name" then "=value" or ":key=value,...", up to the next '@'. */
        private void options() {
            boolean[] seen = new boolean[Opt.values().length];
            while (pos < len) {
                int at = pos++;                       // s[at] == '@'
                int end = s.indexOf('@', pos);
                if (end < 0) {
                    end = len;
                }
                if (end == pos) {
                    throw error(pos, "option name expected after '@'");
                }
                int nameEnd = pos;
                while (nameEnd < end && s.charAt(nameEnd) != ':' && s.charAt(nameEnd) != '=') {
                    nameEnd++;
                }
                String name = s.substring(pos, nameEnd);
                Opt opt = Opt.named(name);
                if (opt == null && !name.isEmpty() && isDigit(name.charAt(0))) {
                    throw error(pos, "the memory id @N must come before the options");
                }
                if (opt == null) {
                    throw error(pos, "unknown option '" + name + "'; options are @conf:, @share=, @extmem:, @offset:");
                }
                if (seen[opt.ordinal()]) {
                    throw error(at, "option @" + name + " given twice; the kernel takes each option once");
                }
                seen[opt.ordinal()] = true;
                String[] values = new String[opt.keys.length];
                int[] at2 = new int[opt.keys.length];
                keyValues(opt, nameEnd, end, values, at2);
                switch (opt) {
                    case CONF -> conf(values, at2);
                    case SHARE -> share(values[0], at2[0]);
                    case EXTMEM -> extmem(values, at2);
                    case OFFSET -> offset(values, at2);
                }
                pos = end;
            }
        }

        /** Splits an option body into the values of its keys, checking keys, duplicates and mandatory keys. */
        private void keyValues(Opt opt, int bodyAt, int end, String[] values, int[] valueAt) {
            if (bodyAt == end) {
                throw error(bodyAt, "@" + opt.name + " needs " + opt.usage());
            }
            if (s.charAt(bodyAt) == '=') {
                if (opt.defaultKey < 0) {
                    throw error(bodyAt, "@" + opt.name + " takes " + opt.usage());
                }
                if (bodyAt + 1 == end) {
                    throw error(bodyAt + 1, "value expected after '='");
                }
                values[opt.defaultKey] = s.substring(bodyAt + 1, end);
                valueAt[opt.defaultKey] = bodyAt + 1;
            } else {
                int i = bodyAt + 1;                 // past ':'
                while (true) {
                    int keyAt = i;
                    while (i < end && s.charAt(i) != '=' && s.charAt(i) != ',') {
                        i++;
                    }
                    if (i == keyAt) {
                        throw error(keyAt, "key expected; @" + opt.name + " takes " + opt.keyList());
                    }
                    String key = s.substring(keyAt, i);
                    int k = opt.key(key);
                    if (k < 0) {
                        throw error(keyAt, "unknown key '" + key + "'; @" + opt.name + " takes " + opt.keyList());
                    }
                    if (values[k] != null) {
                        throw error(keyAt, "key '" + key + "' given twice");
                    }
                    if (i == end || s.charAt(i) != '=') {
                        throw error(i, "'=value' expected after key '" + key + "'");
                    }
                    int v = ++i;
                    while (i < end && s.charAt(i) != ',') {
                        i++;
                    }
                    if (i == v) {
                        throw error(v, "value expected for key '" + key + "'");
                    }
                    values[k] = s.substring(v, i);
                    valueAt[k] = v;
                    if (i == end) {
                        break;
                    }
                    i++;                            // past ','
                    if (i == end) {
                        throw error(i, "key expected after ','");
                    }
                }
            }
            if (opt.mandatoryKey >= 0 && values[opt.mandatoryKey] == null) {
                throw error(bodyAt, "@" + opt.name + " needs the key '" + opt.keys[opt.mandatoryKey] + "'");
            }
        }

        /** Like libnetmap: the combined keys (rings, host-rings, slots) first, the specific ones override them. */
        private void conf(String[] v, int[] at) {
            // key order: rings, host-rings, slots, tx-rings, rx-rings, host-tx-rings, host-rx-rings, tx-slots, rx-slots
            if (v[0] != null) {
                txRings = rxRings = (int) number(v[0], at[0], MAX_RINGS);
            }
            if (v[1] != null) {
                hostTxRings = hostRxRings = (int) number(v[1], at[1], MAX_RINGS);
            }
            if (v[2] != null) {
                txSlots = rxSlots = (int) number(v[2], at[2], Integer.MAX_VALUE);
            }
            if (v[3] != null) {
                txRings = (int) number(v[3], at[3], MAX_RINGS);
            }
            if (v[4] != null) {
                rxRings = (int) number(v[4], at[4], MAX_RINGS);
            }
            if (v[5] != null) {
                hostTxRings = (int) number(v[5], at[5], MAX_RINGS);
            }
            if (v[6] != null) {
                hostRxRings = (int) number(v[6], at[6], MAX_RINGS);
            }
            if (v[7] != null) {
                txSlots = (int) number(v[7], at[7], Integer.MAX_VALUE);
            }
            if (v[8] != null) {
                rxSlots = (int) number(v[8], at[8], Integer.MAX_VALUE);
            }
        }

        /** The other port must itself be a valid name; errors point into this name. */
        private void share(String port, int at) {
            try {
                new Parser(port).parse(false);
            } catch (PortSpecException e) {
                throw error(at + e.position(), "in the @share port: " + e.reason());
            }
            share = port;
        }

        private void extmem(String[] v, int[] at) {
            long[] n = new long[6];
            for (int i = 0; i < n.length; i++) {
                n[i] = v[i + 1] == null ? 0 : number(v[i + 1], at[i + 1], ExtmemOption.MAX_VALUE);
            }
            extmem = new ExtmemOption(v[0], n[0], n[1], n[2], n[3], n[4], n[5]);
        }

        private void offset(String[] v, int[] at) {
            long initial = number(v[0], at[0], Long.MAX_VALUE / 10);
            long bits = v[1] == null ? 0 : number(v[1], at[1], 64);
            offset = new OffsetOption(bits, initial);
        }

        /** An unsigned decimal number in 0..max; libnetmap's atoi would turn garbage into 0. */
        private long number(String v, int at, long max) {
            long n = 0;
            for (int i = 0; i < v.length(); i++) {
                char c = v.charAt(i);
                if (!isDigit(c)) {
                    throw error(at + i, "decimal number expected");
                }
                n = Math.min(n * 10 + (c - '0'), Long.MAX_VALUE / 10);
            }
            if (n > max) {
                throw error(at, v + " out of range 0.." + max);
            }
            return n;
        }

        private static boolean isDigit(char c) {
            return c >= '0' && c <= '9';
        }

        /** libnetmap's identifier: ASCII letters, digits and '_'. */
        private static boolean isIdentChar(char c) {
            return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || isDigit(c) || c == '_';
        }
    }

    /** The options libnetmap knows, with their keys (spelled with '-'; '_' is accepted too, as libnetmap does). */
    private enum Opt {
        CONF("conf", -1, -1, "rings", "host-rings", "slots", "tx-rings", "rx-rings", "host-tx-rings",
                "host-rx-rings", "tx-slots", "rx-slots"),
        SHARE("share", 0, 0, "port"),
        EXTMEM("extmem", 0, 0, "file", "if-num", "if-size", "ring-num", "ring-size", "buf-num", "buf-size"),
        OFFSET("offset", 0, 0, "initial", "bits");

        final String name;
        final int defaultKey;    // the key that "=value" sets, -1 if "=" is not allowed
        final int mandatoryKey;  // -1 if every key is optional
        final String[] keys;

        Opt(String name, int defaultKey, int mandatoryKey, String... keys) {
            this.name = name;
            this.defaultKey = defaultKey;
            this.mandatoryKey = mandatoryKey;
            this.keys = keys;
        }

        static Opt named(String name) {
            for (Opt o : values()) {
                if (o.name.equals(name)) {
                    return o;
                }
            }
            return null;
        }

        int key(String key) {
            String k = key.replace('_', '-');
            for (int i = 0; i < keys.length; i++) {
                if (keys[i].equals(k)) {
                    return i;
                }
            }
            return -1;
        }

        String keyList() {
            return String.join(", ", keys);
        }

        String usage() {
            String kv = "':key=value,...' with keys " + keyList();
            return defaultKey < 0 ? kv : "'=" + keys[defaultKey].toUpperCase(java.util.Locale.ROOT) + "' or " + kv;
        }
    }
}

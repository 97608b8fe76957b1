package io.netmap4j.user.vale;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

import static io.netmap4j.user.vale.SwitchLayout.*;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The learning table of a switch, in its file: {@value SwitchLayout#MAC_ENTRIES} entries of one
 * 64-bit word each, {@code MAC << 16 | (port + 1) << 8 | port generation}, indexed by a hash of
 * the MAC, as netmap's: no aging, and a colliding MAC overwrites. Senders of every process learn
 * into it and look up in it without a lock: a word is read and written whole (opaque accesses),
 * and a lost or stale entry only makes a frame flood or go to a port that a flood would have
 * reached too. The port generation makes an entry of a port that went away match no port that
 * later takes its slot (a frame for that MAC floods instead).
 */
final class MacTable {
    private static final VarHandle LONG = JAVA_LONG.varHandle();
    private static final long MAC_MASK = 0xFFFF_FFFF_FFFFL;

    private MacTable() { }

    /** The entry index of a 48-bit MAC (its bytes in wire order, first byte lowest). */
    static int index(long mac) {
        return (int) ((mac * 0x9E37_79B9_7F4A_7C15L) >>> (64 - 10)) & (MAC_ENTRIES - 1);
    }

    /** The entry that says {@code mac} is behind port {@code port} of generation {@code gen}. */
    static long entry(long mac, int port, int gen) {
        return mac << 16 | (long) (port + 1) << 8 | (gen & 0xff);
    }

    static long read(MemorySegment mem, int index) {
        return (long) LONG.getOpaque(mem, mac(index));
    }

    static void write(MemorySegment mem, int index, long entry) {
        LONG.setOpaque(mem, mac(index), entry);
    }

    /** The port an entry names, or -1 if it names none or not {@code mac}. */
    static int port(long entry, long mac) {
        if ((entry >>> 16) != (mac & MAC_MASK)) {
            return -1;
        }
        int p = (int) (entry >>> 8) & 0xff;
        return p == 0 || p > MAX_PORTS ? -1 : p - 1;
    }

    /** The low 8 bits of the generation of the port an entry names. */
    static int gen(long entry) {
        return (int) entry & 0xff;
    }

    /** Forgets everything (for tests and a fresh switch). */
    static void clear(MemorySegment mem) {
        mem.asSlice(H_MACS, 8L * MAC_ENTRIES).fill((byte) 0);
    }
}

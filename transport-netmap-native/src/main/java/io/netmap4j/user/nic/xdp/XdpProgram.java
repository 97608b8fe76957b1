package io.netmap4j.user.nic.xdp;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static io.netmap4j.user.nic.xdp.XdpAbi.*;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The XDP program of NIC ports, assembled here: it sends each frame to the AF_XDP socket that
 * the XSKMAP holds for the frame's RX queue, and lets it pass to the host stack when the map
 * holds none.
 *
 * <pre>
 *   r2 = ctx-&gt;rx_queue_index           ldxw  r2, [r1 + 16]
 *   r1 = the XSKMAP                     lddw  r1, map_fd (pseudo map fd)
 *   r3 = XDP_PASS                       mov   r3, 2     (what bpf_redirect_map returns when the key is empty)
 *   return bpf_redirect_map(r1, r2, r3) call  51
 *                                       exit
 * </pre>
 */
final class XdpProgram {
    private XdpProgram() { }

    static final int INSTRUCTIONS = 6;
    private static final int INSN_SIZE = 8;

    /** The program's instructions, with {@code mapFd} in its map load. */
    static MemorySegment assemble(Arena arena, int mapFd) {
        MemorySegment p = arena.allocate(INSN_SIZE * INSTRUCTIONS, 8);
        insn(p, 0, BPF_LDX_MEM_W, 2, 1, XDP_MD_RX_QUEUE_INDEX, 0);
        insn(p, 1, BPF_LD_IMM64, 1, BPF_PSEUDO_MAP_FD, 0, mapFd);
        insn(p, 2, 0, 0, 0, 0, 0); // the upper 32 bits of the 64-bit immediate
        insn(p, 3, BPF_ALU64_MOV_K, 3, 0, 0, XDP_PASS);
        insn(p, 4, BPF_JMP_CALL, 0, 0, 0, BPF_FUNC_REDIRECT_MAP);
        insn(p, 5, BPF_JMP_EXIT, 0, 0, 0, 0);
        return p;
    }

    /** struct bpf_insn: u8 code, u8 dst_reg:4 | src_reg:4 (little-endian bit fields), s16 off, s32 imm. */
    private static void insn(MemorySegment p, int i, int code, int dst, int src, int off, int imm) {
        long at = (long) i * INSN_SIZE;
        p.set(JAVA_BYTE, at, (byte) code);
        p.set(JAVA_BYTE, at + 1, (byte) (src << 4 | dst));
        p.set(JAVA_SHORT, at + 2, (short) off);
        p.set(JAVA_INT, at + 4, imm);
    }
}

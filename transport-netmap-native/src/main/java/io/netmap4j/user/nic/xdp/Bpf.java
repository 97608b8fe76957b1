package io.netmap4j.user.nic.xdp;

import io.netmap4j.abi.ErrnoException;
import io.netmap4j.abi.LinuxCalls;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

import static io.netmap4j.user.nic.xdp.XdpAbi.*;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** The bpf(2) commands NIC ports use, each on a zeroed {@code union bpf_attr}. */
final class Bpf {
    private Bpf() { }

    /** An XSKMAP of {@code entries} queues; returns its fd. */
    static int createXskMap(int entries, String name) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = attr(arena);
            a.set(JAVA_INT, MAP_TYPE, BPF_MAP_TYPE_XSKMAP);
            a.set(JAVA_INT, MAP_KEY_SIZE, 4);
            a.set(JAVA_INT, MAP_VALUE_SIZE, 4);
            a.set(JAVA_INT, MAP_MAX_ENTRIES, entries);
            putName(a, MAP_NAME, name);
            return (int) check("bpf(BPF_MAP_CREATE XSKMAP)", LinuxCalls.bpf(BPF_MAP_CREATE, a));
        }
    }

    /**
     * Loads the XDP program with {@code flags} (BPF_F_XDP_HAS_FRAGS or 0); returns its fd. On
     * failure the verifier's log, when it says something, is in the exception's message.
     */
    static int loadXdp(int mapFd, String name, int flags) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment insns = XdpProgram.assemble(arena, mapFd);
            MemorySegment license = arena.allocateFrom("Dual BSD/GPL");
            MemorySegment a = attr(arena);
            a.set(JAVA_INT, PROG_TYPE, BPF_PROG_TYPE_XDP);
            a.set(JAVA_INT, PROG_INSN_CNT, XdpProgram.INSTRUCTIONS);
            a.set(JAVA_LONG, PROG_INSNS, insns.address());
            a.set(JAVA_LONG, PROG_LICENSE, license.address());
            a.set(JAVA_INT, PROG_FLAGS, flags);
            a.set(JAVA_INT, PROG_EXPECTED_ATTACH_TYPE, BPF_XDP);
            putName(a, PROG_NAME, name);
            long fd = LinuxCalls.bpf(BPF_PROG_LOAD, a);
            if (fd >= 0) {
                return (int) fd;
            }
            // again with the verifier's log, only to say why
            MemorySegment log = arena.allocate(4096);
            a.set(JAVA_INT, PROG_LOG_LEVEL, 1);
            a.set(JAVA_INT, PROG_LOG_SIZE, (int) log.byteSize());
            a.set(JAVA_LONG, PROG_LOG_BUF, log.address());
            long again = LinuxCalls.bpf(BPF_PROG_LOAD, a);
            if (again >= 0) {
                return (int) again;
            }
            String text = log.getString(0).trim();
            throw new ErrnoException("bpf(BPF_PROG_LOAD XDP" + (text.isEmpty() ? "" : ", verifier: " + text) + ")",
                    (int) -fd);
        }
    }

    /** Sets {@code map[key] = value} (for an XSKMAP: the socket fd of queue {@code key}). */
    static void updateElem(int mapFd, int key, int value) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment k = arena.allocateFrom(JAVA_INT, key);
            MemorySegment v = arena.allocateFrom(JAVA_INT, value);
            MemorySegment a = attr(arena);
            a.set(JAVA_INT, ELEM_MAP_FD, mapFd);
            a.set(JAVA_LONG, ELEM_KEY, k.address());
            a.set(JAVA_LONG, ELEM_VALUE, v.address());
            check("bpf(BPF_MAP_UPDATE_ELEM)", LinuxCalls.bpf(BPF_MAP_UPDATE_ELEM, a));
        }
    }

    /** Attaches {@code progFd} to {@code ifindex} with a BPF link; returns the link's fd. */
    static int linkXdp(int progFd, int ifindex) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = attr(arena);
            a.set(JAVA_INT, LINK_PROG_FD, progFd);
            a.set(JAVA_INT, LINK_TARGET_IFINDEX, ifindex);
            a.set(JAVA_INT, LINK_ATTACH_TYPE, BPF_XDP);
            a.set(JAVA_INT, LINK_FLAGS, 0); // the driver's mode when it has one, generic XDP otherwise
            return (int) check("bpf(BPF_LINK_CREATE XDP)", LinuxCalls.bpf(BPF_LINK_CREATE, a));
        }
    }

    /** An fd of the program with id {@code id}. */
    static int progFdById(int id) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = attr(arena);
            a.set(JAVA_INT, ATTR_PROG_ID, id);
            return (int) check("bpf(BPF_PROG_GET_FD_BY_ID)", LinuxCalls.bpf(BPF_PROG_GET_FD_BY_ID, a));
        }
    }

    /** The name of the program behind {@code progFd}. */
    static String progName(int progFd) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = arena.allocate(PROG_INFO_SIZE, 8);
            MemorySegment a = attr(arena);
            a.set(JAVA_INT, INFO_BPF_FD, progFd);
            a.set(JAVA_INT, INFO_LEN, (int) info.byteSize());
            a.set(JAVA_LONG, INFO_INFO, info.address());
            check("bpf(BPF_OBJ_GET_INFO_BY_FD)", LinuxCalls.bpf(BPF_OBJ_GET_INFO_BY_FD, a));
            return info.asSlice(PROG_INFO_NAME, BPF_OBJ_NAME_LEN).getString(0);
        }
    }

    private static MemorySegment attr(Arena arena) {
        return arena.allocate(BPF_ATTR_SIZE, 8); // zeroed: unused fields must be 0
    }

    private static void putName(MemorySegment a, long offset, String name) {
        byte[] b = name.getBytes(StandardCharsets.US_ASCII);
        MemorySegment.copy(b, 0, a, JAVA_BYTE, offset, Math.min(b.length, BPF_OBJ_NAME_LEN - 1));
    }

    private static long check(String call, long r) throws ErrnoException {
        if (r < 0) {
            throw new ErrnoException(call, (int) -r);
        }
        return r;
    }
}

package io.netmap4j.netty.reliability;

import io.netmap4j.abi.LibC;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * A peer that breaks every rule, in a process of its own, written against the raw shared memory
 * of a pipe region and not through the project's API: {@code REGION SEED ITERATIONS PAIRS...}
 * maps the region file, poses as a live slave end of the given pipe pairs (it holds their lock
 * byte and says "open"), and then, ITERATIONS times, does one thing drawn from SEED: mostly
 * writes an adversarial value (0, -1, the ring size and its neighbours, huge, random) into
 * something it can reach (ring indices, slot descriptors with NS_MOREFRAG chains that never end,
 * the pipe's kernel indices of both ends, sleep words, the free list and buffer links, sizes in
 * the rings and netmap_ifs, open states), sometimes sends or releases frames as a real peer
 * would, rings the other end's doorbell, or pretends to sleep so that the other end rings its
 * own, which it never drains. It prints what it did, by kind, and {@code DONE}.
 *
 * <p>The layout here is its own copy of the one the user backend documents (PipeLayout); a
 * consistency check at start makes sure the copy still finds the rings.
 */
public final class HostilePeer {
    // the region layout (PipeLayout), copied: an attacker does not link against the victim
    static final long HEADER_SIZE = 8192;
    static final int MAX_PAIRS = 64;
    static final int MAX_SLOTS = 8192;
    static final int BUF_SIZE = 2048;
    static final int MAX_BUFFERS = 256 * 1024;
    static final int NIFS_PER_END = 8;
    static final int MONITORS_PER_PAIR = 4;
    static final int MONITOR_MAX_SLOTS = 4096;
    /**
     * Layout version 4: a pair's four rings packed and sized by its slot counts (master to slave,
     * then back) in room for four rings of MAX_SLOTS, then a TX and an RX ring for each of its monitors.
     */
    static final long MONITOR_RING_AREA = roundUp(8192 + 4 * ringBytes(MAX_SLOTS), 4096);
    static final long PAIR_STRIDE = MONITOR_RING_AREA + 2L * MONITORS_PER_PAIR * roundUp(ringBytes(MONITOR_MAX_SLOTS), 4096);
    static final long BUF_BASE = HEADER_SIZE + MAX_PAIRS * PAIR_STRIDE;
    static final long H_BUF_NEXT = 64;
    static final long H_FREE_HEAD = 68;
    static final int MASTER = 0;
    static final int SLAVE = 1;
    static final int[] RINGS_TX = {0, 2};
    static final int[] RINGS_RX = {1, 3};
    // netmap_ring and netmap_slot (NETMAP-ABI.md)
    static final long R_BUF_OFS = 0;
    static final long R_NUM_SLOTS = 8;
    static final long R_BUF_SIZE = 12;
    static final long R_HEAD = 20;
    static final long R_CUR = 24;
    static final long R_TAIL = 28;
    static final long R_FLAGS = 32;
    static final long R_SLOTS = 256;
    static final int NS_MOREFRAG = 0x20;

    private final MemorySegment mem;
    private final SplittableRandom random;
    private final int[] pairs;
    private final String fifoPrefix;
    private final long[] counts = new long[Kind.values().length];
    private final List<Integer> fifos = new ArrayList<>();

    enum Kind { LEGIT_SEND, LEGIT_RELEASE, INDEX, DESCRIPTOR, ENDLESS_CHAIN, OWN_STATE, RING_HEADER, NETMAP_IF,
        FREE_LIST, OPEN_STATE, SLEEP_WORD, DOORBELL, GARBAGE }

    private HostilePeer(MemorySegment mem, long seed, int[] pairs, String fifoPrefix) {
        this.mem = mem;
        this.random = new SplittableRandom(seed);
        this.pairs = pairs;
        this.fifoPrefix = fifoPrefix;
    }

    static long pair(int k) {
        return HEADER_SIZE + k * PAIR_STRIDE;
    }

    static long line(int k, int end) {
        return pair(k) + 256 + 256L * end;
    }

    static long roundUp(long v, long to) {
        return (v + to - 1) / to * to;
    }

    /** A ring of {@code slots} slots: its 256-byte header and its slots, to a cache line. */
    static long ringBytes(int slots) {
        return roundUp(256 + 16L * slots, 64);
    }

    /** The slot counts of each pair (master to slave, back), read once: we damage the live ones ourselves. */
    private static final java.util.Map<Integer, int[]> SLOTS = new java.util.HashMap<>();

    /** Ring r (0 master TX, 1 master RX, 2 slave TX, 3 slave RX) of pair k. */
    static long ring(int k, int r) {
        int[] slots = SLOTS.get(k);
        long a = ringBytes(slots[0]);
        long within = switch (r) {
            case 0 -> 0;
            case 3 -> a;
            case 2 -> 2 * a;
            default -> 2 * a + ringBytes(slots[1]);
        };
        return pair(k) + 8192 + within;
    }

    static long endState(int k, int end) {
        return pair(k) + 64 + 16L * end;
    }

    static long nif(int k, int end, int registration) {
        return pair(k) + 4096 + 256L * (end * NIFS_PER_END + registration);
    }

    static long lockByte(int k, int end, int registration) {
        return ((long) k * 2 + end) * NIFS_PER_END + registration;
    }

    public static void main(String[] args) throws Exception {
        Path region = Path.of(args[0]);
        long seed = Long.parseLong(args[1]);
        long iterations = Long.parseLong(args[2]);
        int[] pairs = new int[args.length - 3];
        for (int i = 0; i < pairs.length; i++) {
            pairs[i] = Integer.parseInt(args[3 + i]);
        }
        String file = region.getFileName().toString();
        String fifoPrefix = region.getParent() + "/" + file.substring(0, file.length() - ".shm".length());
        try (FileChannel ch = FileChannel.open(region, StandardOpenOption.READ, StandardOpenOption.WRITE);
             Arena arena = Arena.ofConfined()) {
            MemorySegment mem = ch.map(FileChannel.MapMode.READ_WRITE, 0, ch.size(), arena);
            List<FileLock> locks = new ArrayList<>();
            for (int k : pairs) {
                // a live slave registration, as far as the other end can tell
                locks.add(ch.lock(lockByte(k, SLAVE, 0), 1, false));
                SLOTS.put(k, new int[] {mem.get(JAVA_INT, pair(k)), mem.get(JAVA_INT, pair(k) + 4)});
                mem.set(JAVA_INT, endState(k, SLAVE), 1);
                int[] slots = SLOTS.get(k);
                if (slots[0] < 2 || slots[0] > MAX_SLOTS || slots[1] < 2 || slots[1] > MAX_SLOTS
                        || mem.get(JAVA_INT, ring(k, 0) + R_NUM_SLOTS) != slots[0]
                        || mem.get(JAVA_INT, ring(k, 1) + R_NUM_SLOTS) != slots[1]
                        || mem.get(JAVA_INT, ring(k, 3) + R_BUF_SIZE) != BUF_SIZE) {
                    throw new IllegalStateException("the copy of the layout does not find pair " + k + "'s rings");
                }
            }
            HostilePeer peer = new HostilePeer(mem, seed, pairs, fifoPrefix);
            System.out.println("READY");
            System.out.flush();
            peer.attack(iterations);
            StringBuilder b = new StringBuilder("DONE " + iterations);
            for (Kind k : Kind.values()) {
                b.append(' ').append(k).append('=').append(peer.counts[k.ordinal()]);
            }
            System.out.println(b);
            for (int fd : peer.fifos) {
                LibC.closeQuietly(fd);
            }
            for (FileLock l : locks) {
                l.release();
            }
        }
    }

    private void attack(long iterations) throws IOException {
        for (long i = 0; i < iterations; i++) {
            int k = pairs[random.nextInt(pairs.length)];
            int n = mem.get(JAVA_INT, ring(k, 0) + R_NUM_SLOTS);
            if (n < 2 || n > MAX_SLOTS) {
                n = 2 + random.nextInt(MAX_SLOTS - 1); // we damaged it ourselves: any size will do
            }
            // one calm stretch in 16: only what a real peer does, so the other end can make progress
            boolean calm = (i >>> 12 & 15) == 0;
            int what = calm ? random.nextInt(2) : random.nextInt(100);
            Kind kind;
            if (what < 15) {
                kind = send(k, n, false);
            } else if (what < 30) {
                kind = release(k, n);
            } else if (what < 45) {
                kind = Kind.INDEX;
                int end = random.nextBoolean() ? SLAVE : MASTER;
                long field = end == SLAVE ? line(k, SLAVE) + 4L * random.nextInt(4)
                        : ring(k, end == MASTER ? RINGS_RX[0] : RINGS_TX[0]) + R_HEAD + 4L * random.nextInt(3);
                mem.set(JAVA_INT, field, value(n));
            } else if (what < 60) {
                kind = Kind.DESCRIPTOR;
                long slot = ring(k, random.nextInt(4)) + R_SLOTS + 16L * random.nextInt(n);
                switch (random.nextInt(4)) {
                    case 0 -> mem.set(JAVA_INT, slot, value(MAX_BUFFERS));
                    case 1 -> mem.set(JAVA_SHORT, slot + 4, (short) value(BUF_SIZE));
                    case 2 -> mem.set(JAVA_SHORT, slot + 6, (short) (random.nextInt(0x10000) | NS_MOREFRAG));
                    default -> mem.set(JAVA_LONG, slot + 8, random.nextLong());
                }
            } else if (what < 65) {
                kind = send(k, n, true);
            } else if (what < 70) {
                kind = Kind.OWN_STATE; // the other end's own kernel indices
                mem.set(JAVA_INT, line(k, MASTER) + 4L * random.nextInt(4), value(n));
            } else if (what < 75) {
                kind = Kind.RING_HEADER;
                long r = ring(k, random.nextInt(4));
                long[] fields = {R_BUF_OFS, R_NUM_SLOTS, R_BUF_SIZE, R_FLAGS};
                long f = fields[random.nextInt(fields.length)];
                if (f == R_BUF_OFS) {
                    mem.set(JAVA_LONG, r + f, random.nextLong());
                } else {
                    mem.set(JAVA_INT, r + f, value(n));
                }
            } else if (what < 80) {
                kind = Kind.NETMAP_IF;
                long nif = nif(k, random.nextInt(2), random.nextInt(NIFS_PER_END));
                mem.set(JAVA_INT, nif + 16 + 4L * random.nextInt(8), value(n)); // version .. host rx rings
                if (random.nextBoolean()) {
                    mem.set(JAVA_LONG, nif + 56 + 8L * random.nextInt(4), random.nextLong());
                }
            } else if (what < 85) {
                kind = Kind.FREE_LIST;
                switch (random.nextInt(3)) {
                    case 0 -> mem.set(JAVA_INT, H_FREE_HEAD, value(MAX_BUFFERS));
                    case 1 -> mem.set(JAVA_INT, H_BUF_NEXT, value(MAX_BUFFERS));
                    default -> mem.set(JAVA_INT, BUF_BASE + (long) BUF_SIZE * (2 + random.nextInt(4096)), value(MAX_BUFFERS));
                }
            } else if (what < 88) {
                kind = Kind.OPEN_STATE;
                mem.set(JAVA_INT, endState(k, random.nextInt(2)) + 4L * random.nextInt(2), value(4));
            } else if (what < 92) {
                kind = Kind.SLEEP_WORD;
                mem.set(JAVA_INT, line(k, random.nextInt(2)) + 16, random.nextInt());
            } else if (what < 96) {
                kind = Kind.DOORBELL;
                ring(k);
            } else {
                kind = Kind.GARBAGE;
                long at = pair(k) + random.nextLong(PAIR_STRIDE - 64);
                mem.asSlice(at, 1 + random.nextInt(64)).fill((byte) random.nextInt(256));
            }
            counts[kind.ordinal()]++;
            for (int spin = random.nextInt(64); spin > 0; spin--) {
                Thread.onSpinWait(); // let the other end see some states before the next change
            }
        }
    }

    /** A value to break a field of something with {@code n} entries. */
    private int value(int n) {
        return switch (random.nextInt(10)) {
            case 0 -> 0;
            case 1 -> -1;
            case 2 -> n - 1;
            case 3 -> n;
            case 4 -> n + 1;
            case 5 -> Integer.MAX_VALUE;
            case 6 -> Integer.MIN_VALUE;
            case 7 -> random.nextInt();
            default -> random.nextInt(Math.max(1, n));
        };
    }

    /** Publishes frames into the master's RX ring as a slave's txsync would (with a chain that never ends if asked). */
    private Kind send(int k, int n, boolean endlessChain) {
        long tx = ring(k, RINGS_TX[1]) + R_SLOTS;
        long rx = ring(k, RINGS_RX[0]) + R_SLOTS;
        int published = mem.get(JAVA_INT, line(k, SLAVE));
        int released = mem.get(JAVA_INT, line(k, MASTER) + 8);
        if (published < 0 || published >= n || released < 0 || released >= n) {
            mem.set(JAVA_INT, line(k, SLAVE), 0);
            return Kind.INDEX;
        }
        int room = Math.floorMod(released - 1 - published, n);
        int count = Math.min(room, 1 + random.nextInt(64));
        int i = published;
        for (int c = 0; c < count; c++) {
            long s = 16L * i;
            mem.set(JAVA_INT, rx + s, mem.get(JAVA_INT, tx + s));
            mem.set(JAVA_SHORT, rx + s + 4, (short) 60);
            mem.set(JAVA_SHORT, rx + s + 6, (short) (endlessChain ? NS_MOREFRAG : 0));
            i = i + 1 == n ? 0 : i + 1;
        }
        mem.set(JAVA_INT, line(k, SLAVE), i);
        return endlessChain ? Kind.ENDLESS_CHAIN : Kind.LEGIT_SEND;
    }

    /** Releases what the master sent, as a slave's rxsync would. */
    private Kind release(int k, int n) {
        int sent = mem.get(JAVA_INT, line(k, MASTER));
        if (sent < 0 || sent >= n) {
            return Kind.LEGIT_RELEASE;
        }
        long tx = ring(k, RINGS_TX[0]) + R_SLOTS;
        long rx = ring(k, RINGS_RX[1]) + R_SLOTS;
        int from = mem.get(JAVA_INT, line(k, SLAVE) + 8);
        for (int i = from; i >= 0 && i < n && i != sent; i = i + 1 == n ? 0 : i + 1) {
            mem.set(JAVA_INT, tx + 16L * i, mem.get(JAVA_INT, rx + 16L * i));
        }
        mem.set(JAVA_INT, line(k, SLAVE) + 8, sent);
        return Kind.LEGIT_RELEASE;
    }

    /** Writes into the master's doorbell of one registration (up to a FIFO's worth over the run). */
    private void ring(int k) throws IOException {
        String path = fifoPrefix + "." + k + ".m" + random.nextInt(2) + ".fifo";
        int fd;
        try {
            fd = LibC.open(path, io.netmap4j.abi.gen.NetmapAbi.O_RDWR() | io.netmap4j.abi.gen.NetmapAbi.O_NONBLOCK(), 0);
        } catch (IOException e) {
            return; // no such registration
        }
        fifos.add(fd);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment bytes = a.allocate(1 + random.nextInt(100));
            bytes.fill((byte) random.nextInt(256));
            LibC.write(fd, bytes, bytes.byteSize());
        }
        if (fifos.size() > 16) {
            LibC.closeQuietly(fifos.remove(0));
        }
    }
}

/*
 * The C baseline of nic-rx-bench for AF_XDP: what a careful C program does to receive on one
 * queue, to compare netmap4j's AF_XDP NIC port with. Same kernel interfaces, same choices as the
 * Java port (copy mode where the driver has no zero-copy, need_wakeup, 2048-byte chunks, a
 * fill ring refilled in batches of 64); frames are counted, their first byte read.
 *
 *   xsk_rx IFNAME SECONDS
 *
 * Loads its own XDP program (redirect by RX queue into an XSKMAP, else pass) and attaches it
 * with a BPF link, which goes with the process. Needs root.
 */
#define _GNU_SOURCE
#include <linux/bpf.h>
#include <linux/if_xdp.h>
#include <net/if.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define CHUNK 2048
#define NUM_CHUNKS 4096
#define RING 2048
#define BATCH 64

static long bpf(int cmd, union bpf_attr *attr) {
    return syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

struct ring {
    uint32_t *producer, *consumer, *flags;
    void *descs;
};

static struct ring map_ring(int fd, struct xdp_ring_offset *o, off_t pgoff, size_t entry) {
    size_t len = o->desc + RING * entry;
    char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, pgoff);
    if (m == MAP_FAILED) {
        perror("mmap ring");
        exit(1);
    }
    return (struct ring) {(uint32_t *) (m + o->producer), (uint32_t *) (m + o->consumer), (uint32_t *) (m + o->flags),
                          m + o->desc};
}

#define FAIL(what) do { perror(what); return 1; } while (0)

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s IFNAME SECONDS\n", argv[0]);
        return 2;
    }
    int ifindex = if_nametoindex(argv[1]);
    double seconds = atof(argv[2]);
    union bpf_attr a;
    memset(&a, 0, sizeof(a));
    a.map_type = BPF_MAP_TYPE_XSKMAP;
    a.key_size = 4;
    a.value_size = 4;
    a.max_entries = 1;
    int map = bpf(BPF_MAP_CREATE, &a);
    if (map < 0) FAIL("BPF_MAP_CREATE");
    struct bpf_insn prog[] = {
        {.code = BPF_LDX | BPF_MEM | BPF_W, .dst_reg = 2, .src_reg = 1, .off = 16},
        {.code = BPF_LD | BPF_IMM | BPF_DW, .dst_reg = 1, .src_reg = BPF_PSEUDO_MAP_FD, .imm = map},
        {0},
        {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 3, .imm = XDP_PASS},
        {.code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_redirect_map},
        {.code = BPF_JMP | BPF_EXIT},
    };
    memset(&a, 0, sizeof(a));
    a.prog_type = BPF_PROG_TYPE_XDP;
    a.insns = (uintptr_t) prog;
    a.insn_cnt = 6;
    a.license = (uintptr_t) "Dual BSD/GPL";
    a.expected_attach_type = BPF_XDP;
    int pfd = bpf(BPF_PROG_LOAD, &a);
    if (pfd < 0) FAIL("BPF_PROG_LOAD");
    memset(&a, 0, sizeof(a));
    a.link_create.prog_fd = pfd;
    a.link_create.target_ifindex = ifindex;
    a.link_create.attach_type = BPF_XDP;
    if (bpf(BPF_LINK_CREATE, &a) < 0) FAIL("BPF_LINK_CREATE");

    int fd = socket(AF_XDP, SOCK_RAW, 0);
    if (fd < 0) FAIL("socket(AF_XDP)");
    char *umem = mmap(NULL, (size_t) CHUNK * NUM_CHUNKS, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    struct xdp_umem_reg reg = {.addr = (uintptr_t) umem, .len = (uint64_t) CHUNK * NUM_CHUNKS, .chunk_size = CHUNK};
    if (setsockopt(fd, SOL_XDP, XDP_UMEM_REG, &reg, sizeof(reg))) FAIL("XDP_UMEM_REG");
    int size = RING;
    setsockopt(fd, SOL_XDP, XDP_UMEM_FILL_RING, &size, sizeof(size));
    setsockopt(fd, SOL_XDP, XDP_UMEM_COMPLETION_RING, &size, sizeof(size));
    setsockopt(fd, SOL_XDP, XDP_RX_RING, &size, sizeof(size));
    struct xdp_mmap_offsets off;
    socklen_t olen = sizeof(off);
    if (getsockopt(fd, SOL_XDP, XDP_MMAP_OFFSETS, &off, &olen)) FAIL("XDP_MMAP_OFFSETS");
    struct ring fill = map_ring(fd, &off.fr, XDP_UMEM_PGOFF_FILL_RING, sizeof(uint64_t));
    struct ring rx = map_ring(fd, &off.rx, XDP_PGOFF_RX_RING, sizeof(struct xdp_desc));
    map_ring(fd, &off.cr, XDP_UMEM_PGOFF_COMPLETION_RING, sizeof(uint64_t));
    struct sockaddr_xdp sxdp = {.sxdp_family = AF_XDP, .sxdp_ifindex = ifindex, .sxdp_queue_id = 0,
                                .sxdp_flags = XDP_USE_NEED_WAKEUP};
    if (bind(fd, (struct sockaddr *) &sxdp, sizeof(sxdp))) FAIL("bind(AF_XDP)");
    int key = 0;
    memset(&a, 0, sizeof(a));
    a.map_fd = map;
    a.key = (uintptr_t) &key;
    a.value = (uintptr_t) &fd;
    if (bpf(BPF_MAP_UPDATE_ELEM, &a)) FAIL("BPF_MAP_UPDATE_ELEM");

    uint64_t *fdesc = fill.descs;
    struct xdp_desc *rdesc = rx.descs;
    uint32_t fprod = 0;
    for (; fprod < RING; fprod++) {
        fdesc[fprod & (RING - 1)] = (uint64_t) fprod * CHUNK;
    }
    __atomic_store_n(fill.producer, fprod, __ATOMIC_RELEASE);
    uint32_t rcons = 0;
    long long frames = 0, first = 0;
    unsigned sink = 0;
    double t0 = now(), tick = t0 + 1;
    long long tickFrames = 0;
    double start = 0, last = 0;
    struct pollfd pfd_ = {.fd = fd, .events = POLLIN};
    double end = now() + seconds;
    while (now() < end) {
        if (now() >= tick) {
            printf("%6.1f s  rx %8.3f Mpps\n", tick - t0, (frames - tickFrames) / 1e6);
            fflush(stdout);
            tickFrames = frames;
            tick += 1;
        }
        uint32_t avail = __atomic_load_n(rx.producer, __ATOMIC_ACQUIRE) - rcons;
        if (avail == 0) {
            if (__atomic_load_n(fill.flags, __ATOMIC_ACQUIRE) & XDP_RING_NEED_WAKEUP) {
                recvfrom(fd, NULL, 0, MSG_DONTWAIT, NULL, NULL);
            }
            poll(&pfd_, 1, 10);
            continue;
        }
        if (avail > BATCH) {
            avail = BATCH;
        }
        for (uint32_t i = 0; i < avail; i++) {
            struct xdp_desc *d = &rdesc[(rcons + i) & (RING - 1)];
            sink += (unsigned char) umem[d->addr];
            fdesc[(fprod + i) & (RING - 1)] = d->addr & ~(uint64_t) (CHUNK - 1);
        }
        rcons += avail;
        __atomic_store_n(rx.consumer, rcons, __ATOMIC_RELEASE);
        fprod += avail;
        __atomic_store_n(fill.producer, fprod, __ATOMIC_RELEASE);
        if (frames == 0) {
            start = now();
            first = avail;
        }
        frames += avail;
        last = now();
    }
    double t = last - start;
    printf("xsk_rx: %lld frames in %.3f s: %.3f Mpps (%u)\n", frames, t, t > 0 ? (frames - first) / t / 1e6 : 0.0,
           sink & 1);
    return 0;
}

/*
 * The sender of nic-rx-bench: the kernel transmits one frame over and over on an interface, as
 * fast as it can, from an XDP program run in "live frames" mode (BPF_PROG_RUN with
 * BPF_F_TEST_XDP_LIVE_FRAMES) that redirects every frame to the interface. No user-space copy,
 * no socket: the receivers measured behind the veth peer all get the same sender.
 *
 *   xdp_live_sender IFNAME FRAME_LEN SECONDS
 *
 * Prints the frames sent and the rate. Needs root (CAP_BPF, CAP_NET_ADMIN) and Linux 5.18+.
 */
#define _GNU_SOURCE
#include <linux/bpf.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <errno.h>

static long bpf(int cmd, union bpf_attr *attr) {
    return syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s IFNAME FRAME_LEN SECONDS\n", argv[0]);
        return 2;
    }
    int ifindex = if_nametoindex(argv[1]);
    int len = atoi(argv[2]);
    double seconds = atof(argv[3]);
    if (ifindex == 0 || len < 60 || len > 1514) {
        fprintf(stderr, "no interface %s, or a frame length outside 60..1514\n", argv[1]);
        return 2;
    }
    /* r0 = bpf_redirect(ifindex, 0); return r0 */
    struct bpf_insn prog[] = {
        {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 1, .imm = ifindex},
        {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 2, .imm = 0},
        {.code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_redirect},
        {.code = BPF_JMP | BPF_EXIT},
    };
    union bpf_attr a;
    memset(&a, 0, sizeof(a));
    a.prog_type = BPF_PROG_TYPE_XDP;
    a.insns = (uintptr_t) prog;
    a.insn_cnt = sizeof(prog) / sizeof(prog[0]);
    a.license = (uintptr_t) "Dual BSD/GPL";
    int fd = bpf(BPF_PROG_LOAD, &a);
    if (fd < 0) {
        perror("BPF_PROG_LOAD");
        return 1;
    }
    /* a UDP/IPv4 frame between two locally administered addresses */
    unsigned char frame[1514];
    memset(frame, 0, sizeof(frame));
    unsigned char head[] = {0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00,
                            0x45, 0, (len - 14) >> 8, (len - 14) & 0xff, 0, 0, 0x40, 0, 64, 17, 0, 0,
                            198, 18, 0, 1, 198, 18, 0, 2, 0x04, 0x00, 0x04, 0x00, (len - 34) >> 8, (len - 34) & 0xff, 0, 0};
    memcpy(frame, head, sizeof(head));
    uint32_t sum = 0;
    for (int i = 14; i < 34; i += 2) {
        sum += frame[i] << 8 | frame[i + 1];
    }
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    frame[24] = ~sum >> 8;
    frame[25] = ~sum & 0xff;

    long long sent = 0;
    double start = now();
    while (now() - start < seconds) {
        memset(&a, 0, sizeof(a));
        a.test.prog_fd = fd;
        a.test.data_in = (uintptr_t) frame;
        a.test.data_size_in = len;
        a.test.repeat = 1 << 16;
        a.test.flags = BPF_F_TEST_XDP_LIVE_FRAMES;
        if (bpf(BPF_PROG_TEST_RUN, &a) < 0) {
            perror("BPF_PROG_RUN (live frames)");
            return 1;
        }
        sent += 1 << 16;
    }
    double t = now() - start;
    printf("sent %lld frames of %d B in %.3f s: %.3f Mpps\n", sent, len, t, sent / t / 1e6);
    return 0;
}

/*
 * The C baseline of nic-rx-bench for AF_PACKET: a TPACKET_V3 receiver with the same ring
 * geometry as netmap4j's AF_PACKET NIC port (256 KiB blocks, 1 ms block timeout, outgoing frames
 * ignored); frames are counted, their first byte read (no copy: the copy into netmap buffers is
 * the one netmap4j adds, and what this comparison shows).
 *
 *   tpacket_rx IFNAME SECONDS
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BLOCK (1 << 18)
#define BLOCKS 16

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s IFNAME SECONDS\n", argv[0]);
        return 2;
    }
    int fd = socket(AF_PACKET, SOCK_RAW, 0);
    if (fd < 0) {
        perror("socket(AF_PACKET)");
        return 1;
    }
    int v = TPACKET_V3;
    setsockopt(fd, SOL_PACKET, PACKET_VERSION, &v, sizeof(v));
    v = 1;
    setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &v, sizeof(v));
    struct tpacket_req3 req = {.tp_block_size = BLOCK, .tp_block_nr = BLOCKS, .tp_frame_size = 2048,
                               .tp_frame_nr = BLOCK / 2048 * BLOCKS, .tp_retire_blk_tov = 1};
    if (setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req))) {
        perror("PACKET_RX_RING");
        return 1;
    }
    char *ring = mmap(NULL, (size_t) BLOCK * BLOCKS, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
                              .sll_ifindex = if_nametoindex(argv[1])};
    if (bind(fd, (struct sockaddr *) &sll, sizeof(sll))) {
        perror("bind");
        return 1;
    }
    double seconds = atof(argv[2]);
    long long frames = 0, first = 0;
    unsigned sink = 0;
    double t0 = now(), tick = t0 + 1;
    long long tickFrames = 0;
    double start = 0, last = 0, end = now() + seconds;
    unsigned b = 0;
    struct pollfd p = {.fd = fd, .events = POLLIN};
    while (now() < end) {
        if (now() >= tick) {
            printf("%6.1f s  rx %8.3f Mpps\n", tick - t0, (frames - tickFrames) / 1e6);
            fflush(stdout);
            tickFrames = frames;
            tick += 1;
        }
        struct tpacket_block_desc *bd = (void *) (ring + (size_t) b * BLOCK);
        if (!(__atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER)) {
            poll(&p, 1, 10);
            continue;
        }
        uint32_t n = bd->hdr.bh1.num_pkts;
        struct tpacket3_hdr *h = (void *) ((char *) bd + bd->hdr.bh1.offset_to_first_pkt);
        for (uint32_t i = 0; i < n; i++) {
            sink += ((unsigned char *) h)[h->tp_mac];
            h = (void *) ((char *) h + h->tp_next_offset);
        }
        __atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
        b = (b + 1) % BLOCKS;
        if (frames == 0) {
            start = now();
            first = n;
        }
        frames += n;
        last = now();
    }
    double t = last - start;
    printf("tpacket_rx: %lld frames in %.3f s: %.3f Mpps (%u)\n", frames, t, t > 0 ? (frames - first) / t / 1e6 : 0.0,
           sink & 1);
    return 0;
}

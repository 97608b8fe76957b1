/*
 * The netmap kernel ABI (API 14, Linux x86_64) and the few libc calls the project uses,
 * declared from the facts in shared/NETMAP-ABI.md. This header is the single input of the
 * generated Java bindings (see ../java/io/netmap4j/abi/gen/REGENERATE.md) and of the layout
 * check compiled by gcc during the tests (../../test/c/abi_layout_check.c).
 *
 * Every struct spells out its padding as reserved fields, so that the layout does not depend
 * on alignment attributes and the generated Java layouts carry no hidden holes.
 */
#ifndef NETMAP4J_ABI_H
#define NETMAP4J_ABI_H

#include <stdint.h>
#include <stddef.h>

/* ---- versions and limits ---------------------------------------------------------------- */
#define NETMAP_API            14   /* the version we send in nr_version */
#define NETMAP_MIN_API        14   /* oldest version a current kernel accepts */
#define NETMAP_MAX_API        15   /* newest version a current kernel accepts */
#define NETMAP_REQ_IFNAMSIZ   64   /* size of nmreq_header.nr_name */
#define NETMAP_REQ_MAXSIZE    4096 /* a whole request, options included */
#define NETMAP_RING_MASK      0x0fff /* ring numbers must stay below this */
#define NM_IFNAMSIZ           16   /* netmap_if.ni_name and legacy nmreq.nr_name */
#define NM_CACHE_ALIGN        128
#define NETMAP_MAX_FRAGS      64

/* ---- ioctl request numbers (_IOWR('i',151,nmreq_header) and friends, x86_64) ----------- */
#define NIOCCTRL    0xc0586997UL
#define NIOCTXSYNC  0x6994UL
#define NIOCRXSYNC  0x6995UL
#define NIOCREGIF   0xc03c6992UL   /* legacy struct nmreq */
#define NIOCGINFO   0xc03c6991UL   /* legacy struct nmreq */

/* ---- nmreq_header.nr_reqtype ------------------------------------------------------------ */
#define NETMAP_REQ_REGISTER             1
#define NETMAP_REQ_PORT_INFO_GET        2
#define NETMAP_REQ_VALE_ATTACH          3
#define NETMAP_REQ_VALE_DETACH          4
#define NETMAP_REQ_VALE_LIST            5
#define NETMAP_REQ_PORT_HDR_SET         6
#define NETMAP_REQ_PORT_HDR_GET         7
#define NETMAP_REQ_VALE_NEWIF           8
#define NETMAP_REQ_VALE_DELIF           9
#define NETMAP_REQ_VALE_POLLING_ENABLE  10
#define NETMAP_REQ_VALE_POLLING_DISABLE 11
#define NETMAP_REQ_POOLS_INFO_GET       12
#define NETMAP_REQ_SYNC_KLOOP_START     13
#define NETMAP_REQ_SYNC_KLOOP_STOP      14
#define NETMAP_REQ_CSB_ENABLE           15

/* ---- nmreq_option.nro_reqtype ----------------------------------------------------------- */
#define NETMAP_REQ_OPT_EXTMEM              1
#define NETMAP_REQ_OPT_SYNC_KLOOP_EVENTFDS 2
#define NETMAP_REQ_OPT_CSB                 3
#define NETMAP_REQ_OPT_SYNC_KLOOP_MODE     4
#define NETMAP_REQ_OPT_OFFSETS             5

/* ---- nmreq_register.nr_mode ------------------------------------------------------------- */
#define NR_REG_DEFAULT     0
#define NR_REG_ALL_NIC     1
#define NR_REG_SW          2
#define NR_REG_NIC_SW      3
#define NR_REG_ONE_NIC     4
#define NR_REG_PIPE_MASTER 5
#define NR_REG_PIPE_SLAVE  6
#define NR_REG_NULL        7
#define NR_REG_ONE_SW      8

/* ---- nmreq_register.nr_flags ------------------------------------------------------------ */
#define NR_MONITOR_TX      0x100UL
#define NR_MONITOR_RX      0x200UL
#define NR_ZCOPY_MON       0x400UL
#define NR_EXCLUSIVE       0x800UL
#define NR_RX_RINGS_ONLY   0x2000UL
#define NR_TX_RINGS_ONLY   0x4000UL
#define NR_ACCEPT_VNET_HDR 0x8000UL
#define NR_DO_RX_POLL      0x10000UL
#define NR_NO_TX_POLL      0x20000UL

/* ---- netmap_slot.flags ------------------------------------------------------------------ */
#define NS_BUF_CHANGED 0x0001
#define NS_REPORT      0x0002
#define NS_FORWARD     0x0004
#define NS_NO_LEARN    0x0008
#define NS_INDIRECT    0x0010
#define NS_MOREFRAG    0x0020
#define NS_TXMON       0x0040
#define NS_PORT_SHIFT  8
#define NS_PORT_MASK   0xff00

/* ---- netmap_ring.flags and dir, netmap_if.ni_flags --------------------------------------- */
#define NR_TIMESTAMP   0x0002
#define NR_FORWARD     0x0004
#define NR_RING_DIR_RX 0     /* what the kernel stores in netmap_ring.dir */
#define NR_RING_DIR_TX 1
#define NI_PRIV_MEM    0x1   /* the port has a private memory region */

/* ---- control requests ------------------------------------------------------------------- */
struct nmreq_header {
    uint16_t nr_version;
    uint16_t nr_reqtype;
    uint32_t nr_reserved;
    char     nr_name[NETMAP_REQ_IFNAMSIZ];
    uint64_t nr_options;   /* user address of the first nmreq_option, or 0 */
    uint64_t nr_body;      /* user address of the request body */
};

struct nmreq_option {
    uint64_t nro_next;     /* user address of the next option, or 0 */
    uint32_t nro_reqtype;
    uint32_t nro_status;   /* out: 0 or an errno */
    uint64_t nro_size;     /* size of the whole option, this header included */
};

struct nmreq_register {
    uint64_t nr_offset;    /* out: offset of the netmap_if in the region */
    uint64_t nr_memsize;   /* out: size of the region to mmap */
    uint32_t nr_tx_slots;
    uint32_t nr_rx_slots;
    uint16_t nr_tx_rings;
    uint16_t nr_rx_rings;
    uint16_t nr_host_tx_rings;
    uint16_t nr_host_rx_rings;
    uint16_t nr_mem_id;    /* in/out: 1 is the global region */
    uint16_t nr_ringid;
    uint32_t nr_mode;      /* NR_REG_* */
    uint32_t nr_extra_bufs; /* in: wanted, out: granted */
    uint32_t nr_reserved0;
    uint64_t nr_flags;     /* NR_* flags */
};

struct nmreq_port_info_get {
    uint64_t nr_memsize;
    uint32_t nr_tx_slots;
    uint32_t nr_rx_slots;
    uint16_t nr_tx_rings;
    uint16_t nr_rx_rings;
    uint16_t nr_host_tx_rings;
    uint16_t nr_host_rx_rings;
    uint16_t nr_mem_id;
    uint16_t nr_reserved0[3];
};

struct nmreq_vale_attach {
    struct nmreq_register reg;
    uint32_t port_index;   /* out */
    uint32_t nr_reserved0;
};

struct nmreq_vale_detach {
    uint32_t port_index;   /* out */
    uint32_t nr_reserved0;
};

struct nmreq_vale_list {
    uint16_t nr_bridge_idx; /* in/out cursor */
    uint16_t nr_reserved0;
    uint32_t nr_port_idx;   /* in/out cursor */
};

struct nmreq_vale_newif {
    uint32_t nr_tx_slots;
    uint32_t nr_rx_slots;
    uint16_t nr_tx_rings;
    uint16_t nr_rx_rings;
    uint16_t nr_mem_id;
    uint16_t nr_reserved0;
};

struct nmreq_port_hdr {
    uint32_t nr_hdr_len;   /* virtio-net header length: 0, 10 or 12 */
    uint32_t nr_reserved0;
};

struct nmreq_vale_polling {
    uint32_t nr_mode;
    uint32_t nr_first_cpu_id;
    uint32_t nr_num_polling_cpus;
    uint32_t nr_reserved0;
};

struct nmreq_pools_info {
    uint64_t nr_memsize;
    uint16_t nr_mem_id;
    uint16_t nr_reserved0[3];
    uint64_t nr_if_pool_offset;
    uint32_t nr_if_pool_objtotal;
    uint32_t nr_if_pool_objsize;
    uint64_t nr_ring_pool_offset;
    uint32_t nr_ring_pool_objtotal;
    uint32_t nr_ring_pool_objsize;
    uint64_t nr_buf_pool_offset;
    uint32_t nr_buf_pool_objtotal;
    uint32_t nr_buf_pool_objsize;
};

/* Option NETMAP_REQ_OPT_EXTMEM: the user's memory becomes the port's region. */
struct nmreq_opt_extmem {
    struct nmreq_option nro_opt;
    uint64_t nro_usrptr;             /* address of the user's memory */
    struct nmreq_pools_info nro_info; /* how to carve it into interfaces, rings and buffers */
};

/* Option NETMAP_REQ_OPT_OFFSETS: a per-slot data offset in the low bits of slot->ptr. */
struct nmreq_opt_offsets {
    struct nmreq_option nro_opt;
    uint64_t nro_max_offset;
    uint64_t nro_initial_offset;
    uint32_t nro_offset_bits;
    uint32_t nro_tx_align;
    uint64_t nro_min_gap;
};

/* The request format older tools use through NIOCREGIF/NIOCGINFO (60 bytes, packed by nature). */
struct nmreq {
    char     nr_name[NM_IFNAMSIZ];
    uint32_t nr_version;
    uint32_t nr_offset;
    uint32_t nr_memsize;
    uint32_t nr_tx_slots;
    uint32_t nr_rx_slots;
    uint16_t nr_tx_rings;
    uint16_t nr_rx_rings;
    uint16_t nr_ringid;
    uint16_t nr_cmd;
    uint16_t nr_arg1;
    uint16_t nr_arg2;      /* out: memory region id */
    uint32_t nr_arg3;      /* in/out: extra buffers */
    uint32_t nr_flags;
    uint32_t spare2[1];
};

/* ---- shared memory objects -------------------------------------------------------------- */
struct netmap_slot {
    uint32_t buf_idx;
    uint16_t len;
    uint16_t flags;        /* NS_* */
    uint64_t ptr;          /* NS_INDIRECT address, or per-slot offset bits */
};

struct nm_timeval {        /* struct timeval on x86_64 Linux */
    int64_t tv_sec;
    int64_t tv_usec;
};

struct netmap_ring {
    int64_t  buf_ofs;      /* buffers start at (char *)ring + buf_ofs */
    uint32_t num_slots;
    uint32_t nr_buf_size;
    uint16_t ringid;
    uint16_t dir;          /* NR_RING_DIR_TX or NR_RING_DIR_RX */
    uint32_t head;         /* written by the user */
    uint32_t cur;          /* written by the user */
    uint32_t tail;         /* written by the kernel */
    uint32_t flags;        /* NR_TIMESTAMP, NR_FORWARD */
    uint32_t nr_reserved0;
    struct nm_timeval ts;  /* time of the last rxsync */
    uint64_t offset_mask;
    uint64_t buf_align;
    uint8_t  nr_reserved1[56];           /* up to the cache-aligned sem */
    uint8_t  sem[NM_CACHE_ALIGN];        /* kernel-private */
    struct netmap_slot slot[];           /* num_slots of them */
};

struct netmap_if {
    char     ni_name[NM_IFNAMSIZ];
    uint32_t ni_version;
    uint32_t ni_flags;     /* NI_PRIV_MEM */
    uint32_t ni_tx_rings;
    uint32_t ni_rx_rings;
    uint32_t ni_bufs_head; /* first extra buffer; the list is linked through each buffer's first u32 */
    uint32_t ni_host_tx_rings;
    uint32_t ni_host_rx_rings;
    uint32_t ni_spare1[3];
    int64_t  ring_ofs[];   /* NIC TX, host TX, NIC RX, host RX; relative to this netmap_if */
};

/* ---- libc ------------------------------------------------------------------------------- */
struct pollfd {
    int   fd;
    short events;
    short revents;
};

#define POLLIN   0x001
#define POLLPRI  0x002
#define POLLOUT  0x004
#define POLLERR  0x008
#define POLLHUP  0x010
#define POLLNVAL 0x020

#define O_RDONLY    00
#define O_RDWR      02
#define O_CREAT     0100
#define O_EXCL      0200
#define O_NONBLOCK  04000
#define O_CLOEXEC   02000000
#define PROT_READ   0x1
#define PROT_WRITE  0x2
#define MAP_SHARED  0x01
#define EFD_NONBLOCK 04000
#define EFD_CLOEXEC  02000000
#define LOCK_SH     1
#define LOCK_EX     2
#define LOCK_NB     4
#define LOCK_UN     8

int      open(const char *path, int flags, ...);
int      close(int fd);
int      ioctl(int fd, unsigned long request, ...);
void    *mmap(void *addr, size_t length, int prot, int flags, int fd, int64_t offset);
int      munmap(void *addr, size_t length);
int      poll(struct pollfd *fds, uint64_t nfds, int timeout);
int      eventfd(unsigned int initval, int flags);
int64_t  read(int fd, void *buf, size_t count);
int64_t  write(int fd, const void *buf, size_t count);
int      ftruncate(int fd, int64_t length);
int      flock(int fd, int operation);
int      mkfifo(const char *path, unsigned int mode);
int      unlink(const char *path);
int      socket(int domain, int type, int protocol);
int      bind(int fd, const void *addr, unsigned int addrlen);
int      setsockopt(int fd, int level, int optname, const void *optval, unsigned int optlen);
int64_t  sendto(int fd, const void *buf, size_t len, int flags, const void *dest, unsigned int addrlen);
unsigned int if_nametoindex(const char *ifname);
char    *strerror(int errnum);

#endif

/*
 * Compile-time check of the project's netmap header against the kernel facts of
 * shared/NETMAP-ABI.md (Linux x86_64, API 14). HeaderCompilesWithGccTest compiles this file with
 * `gcc -std=c11 -Wall -Wextra -Werror -pedantic -fsyntax-only` on every test run; nothing is
 * linked or executed. A wrong offset, size or number stops the compile with a message naming
 * the struct and field.
 *
 * The numbers below are typed in from NETMAP-ABI.md on purpose: they are the facts, and the
 * header must agree with them (AbiLayoutTest checks the generated Java layouts the same way).
 *
 * The second half includes the system headers after ours, for two reasons: the kernel's own
 * _IOWR/_IO macros recompute the ioctl numbers from our struct sizes, and glibc's prototypes
 * must be compatible with the libc declarations in our header (an incompatible redeclaration
 * is an error in C).
 */
/* -std=c11 hides the POSIX, BSD and Linux declarations of the system headers used at the end
 * (F_OFD_* and fallocate are GNU extensions); ask for them before anything includes <features.h>. */
#define _GNU_SOURCE 1

#include "../../main/c/netmap_abi.h"

/* A field of a complete type: its offset and its size in bytes. */
#define FIELD(s, f, off, size)                                                        \
    _Static_assert(offsetof(struct s, f) == (off), #s "." #f " must be at offset " #off); \
    _Static_assert(sizeof(((struct s *) 0)->f) == (size), #s "." #f " must be " #size " bytes")

/* A flexible array member: its offset and the size of one element. */
#define FLEXIBLE(s, f, off, element_size)                                             \
    _Static_assert(offsetof(struct s, f) == (off), #s "." #f "[] must be at offset " #off); \
    _Static_assert(sizeof(((struct s *) 0)->f[0]) == (element_size),                  \
                   #s "." #f "[] elements must be " #element_size " bytes")

#define SIZE(s, size) _Static_assert(sizeof(struct s) == (size), "struct " #s " must be " #size " bytes")

/* Compared as long long: glibc declares some flags as enum constants, and gcc warns when two
 * different enum types meet in ==. Every value here is non-negative and below 2^63. */
#define CONSTANT(name, value) \
    _Static_assert((long long) (name) == (long long) (value), #name " must be " #value)

/* ---- control requests ------------------------------------------------------------------- */
SIZE(nmreq_header, 88);
FIELD(nmreq_header, nr_version,  0,  2);
FIELD(nmreq_header, nr_reqtype,  2,  2);
FIELD(nmreq_header, nr_reserved, 4,  4);
FIELD(nmreq_header, nr_name,     8,  64);
FIELD(nmreq_header, nr_options,  72, 8);
FIELD(nmreq_header, nr_body,     80, 8);

SIZE(nmreq_option, 24);
FIELD(nmreq_option, nro_next,    0,  8);
FIELD(nmreq_option, nro_reqtype, 8,  4);
FIELD(nmreq_option, nro_status,  12, 4);
FIELD(nmreq_option, nro_size,    16, 8);

SIZE(nmreq_register, 56);
FIELD(nmreq_register, nr_offset,        0,  8);
FIELD(nmreq_register, nr_memsize,       8,  8);
FIELD(nmreq_register, nr_tx_slots,      16, 4);
FIELD(nmreq_register, nr_rx_slots,      20, 4);
FIELD(nmreq_register, nr_tx_rings,      24, 2);
FIELD(nmreq_register, nr_rx_rings,      26, 2);
FIELD(nmreq_register, nr_host_tx_rings, 28, 2);
FIELD(nmreq_register, nr_host_rx_rings, 30, 2);
FIELD(nmreq_register, nr_mem_id,        32, 2);
FIELD(nmreq_register, nr_ringid,        34, 2);
FIELD(nmreq_register, nr_mode,          36, 4);
FIELD(nmreq_register, nr_extra_bufs,    40, 4);
FIELD(nmreq_register, nr_reserved0,     44, 4);
FIELD(nmreq_register, nr_flags,         48, 8);

SIZE(nmreq_port_info_get, 32);
FIELD(nmreq_port_info_get, nr_memsize,       0,  8);
FIELD(nmreq_port_info_get, nr_tx_slots,      8,  4);
FIELD(nmreq_port_info_get, nr_rx_slots,      12, 4);
FIELD(nmreq_port_info_get, nr_tx_rings,      16, 2);
FIELD(nmreq_port_info_get, nr_rx_rings,      18, 2);
FIELD(nmreq_port_info_get, nr_host_tx_rings, 20, 2);
FIELD(nmreq_port_info_get, nr_host_rx_rings, 22, 2);
FIELD(nmreq_port_info_get, nr_mem_id,        24, 2);
FIELD(nmreq_port_info_get, nr_reserved0,     26, 6);

SIZE(nmreq_vale_attach, 64);
FIELD(nmreq_vale_attach, reg,          0,  56);
FIELD(nmreq_vale_attach, port_index,   56, 4);
FIELD(nmreq_vale_attach, nr_reserved0, 60, 4);

SIZE(nmreq_vale_detach, 8);
FIELD(nmreq_vale_detach, port_index,   0, 4);
FIELD(nmreq_vale_detach, nr_reserved0, 4, 4);

SIZE(nmreq_vale_list, 8);
FIELD(nmreq_vale_list, nr_bridge_idx, 0, 2);
FIELD(nmreq_vale_list, nr_reserved0,  2, 2);
FIELD(nmreq_vale_list, nr_port_idx,   4, 4);

SIZE(nmreq_vale_newif, 16);
FIELD(nmreq_vale_newif, nr_tx_slots,  0,  4);
FIELD(nmreq_vale_newif, nr_rx_slots,  4,  4);
FIELD(nmreq_vale_newif, nr_tx_rings,  8,  2);
FIELD(nmreq_vale_newif, nr_rx_rings,  10, 2);
FIELD(nmreq_vale_newif, nr_mem_id,    12, 2);
FIELD(nmreq_vale_newif, nr_reserved0, 14, 2);

SIZE(nmreq_port_hdr, 8);
FIELD(nmreq_port_hdr, nr_hdr_len,   0, 4);
FIELD(nmreq_port_hdr, nr_reserved0, 4, 4);

SIZE(nmreq_vale_polling, 16);
FIELD(nmreq_vale_polling, nr_mode,             0,  4);
FIELD(nmreq_vale_polling, nr_first_cpu_id,     4,  4);
FIELD(nmreq_vale_polling, nr_num_polling_cpus, 8,  4);
FIELD(nmreq_vale_polling, nr_reserved0,        12, 4);

SIZE(nmreq_pools_info, 64);
FIELD(nmreq_pools_info, nr_memsize,            0,  8);
FIELD(nmreq_pools_info, nr_mem_id,             8,  2);
FIELD(nmreq_pools_info, nr_reserved0,          10, 6);
FIELD(nmreq_pools_info, nr_if_pool_offset,     16, 8);
FIELD(nmreq_pools_info, nr_if_pool_objtotal,   24, 4);
FIELD(nmreq_pools_info, nr_if_pool_objsize,    28, 4);
FIELD(nmreq_pools_info, nr_ring_pool_offset,   32, 8);
FIELD(nmreq_pools_info, nr_ring_pool_objtotal, 40, 4);
FIELD(nmreq_pools_info, nr_ring_pool_objsize,  44, 4);
FIELD(nmreq_pools_info, nr_buf_pool_offset,    48, 8);
FIELD(nmreq_pools_info, nr_buf_pool_objtotal,  56, 4);
FIELD(nmreq_pools_info, nr_buf_pool_objsize,   60, 4);

SIZE(nmreq_opt_extmem, 96);
FIELD(nmreq_opt_extmem, nro_opt,     0, 24);
FIELD(nmreq_opt_extmem, nro_usrptr, 24, 8);
FIELD(nmreq_opt_extmem, nro_info,   32, 64);

SIZE(nmreq_opt_offsets, 56);
FIELD(nmreq_opt_offsets, nro_opt,             0, 24);
FIELD(nmreq_opt_offsets, nro_max_offset,     24, 8);
FIELD(nmreq_opt_offsets, nro_initial_offset, 32, 8);
FIELD(nmreq_opt_offsets, nro_offset_bits,    40, 4);
FIELD(nmreq_opt_offsets, nro_tx_align,       44, 4);
FIELD(nmreq_opt_offsets, nro_min_gap,        48, 8);

/* Legacy request of NIOCREGIF/NIOCGINFO. */
SIZE(nmreq, 60);
FIELD(nmreq, nr_name,     0,  16);
FIELD(nmreq, nr_version,  16, 4);
FIELD(nmreq, nr_offset,   20, 4);
FIELD(nmreq, nr_memsize,  24, 4);
FIELD(nmreq, nr_tx_slots, 28, 4);
FIELD(nmreq, nr_rx_slots, 32, 4);
FIELD(nmreq, nr_tx_rings, 36, 2);
FIELD(nmreq, nr_rx_rings, 38, 2);
FIELD(nmreq, nr_ringid,   40, 2);
FIELD(nmreq, nr_cmd,      42, 2);
FIELD(nmreq, nr_arg1,     44, 2);
FIELD(nmreq, nr_arg2,     46, 2);
FIELD(nmreq, nr_arg3,     48, 4);
FIELD(nmreq, nr_flags,    52, 4);
FIELD(nmreq, spare2,      56, 4);

/* ---- shared memory objects -------------------------------------------------------------- */
SIZE(netmap_if, 56);
FIELD(netmap_if, ni_name,          0,  16);
FIELD(netmap_if, ni_version,       16, 4);
FIELD(netmap_if, ni_flags,         20, 4);
FIELD(netmap_if, ni_tx_rings,      24, 4);
FIELD(netmap_if, ni_rx_rings,      28, 4);
FIELD(netmap_if, ni_bufs_head,     32, 4);
FIELD(netmap_if, ni_host_tx_rings, 36, 4);
FIELD(netmap_if, ni_host_rx_rings, 40, 4);
FIELD(netmap_if, ni_spare1,        44, 12);
FLEXIBLE(netmap_if, ring_ofs,      56, 8);

SIZE(netmap_ring, 256);
FIELD(netmap_ring, buf_ofs,      0,   8);
FIELD(netmap_ring, num_slots,    8,   4);
FIELD(netmap_ring, nr_buf_size,  12,  4);
FIELD(netmap_ring, ringid,       16,  2);
FIELD(netmap_ring, dir,          18,  2);
FIELD(netmap_ring, head,         20,  4);
FIELD(netmap_ring, cur,          24,  4);
FIELD(netmap_ring, tail,         28,  4);
FIELD(netmap_ring, flags,        32,  4);
FIELD(netmap_ring, nr_reserved0, 36,  4);
FIELD(netmap_ring, ts,           40,  16);
FIELD(netmap_ring, offset_mask,  56,  8);
FIELD(netmap_ring, buf_align,    64,  8);
FIELD(netmap_ring, nr_reserved1, 72,  56);
FIELD(netmap_ring, sem,          128, 128);
FLEXIBLE(netmap_ring, slot,      256, 16);

SIZE(netmap_slot, 16);
FIELD(netmap_slot, buf_idx, 0, 4);
FIELD(netmap_slot, len,     4, 2);
FIELD(netmap_slot, flags,   6, 2);
FIELD(netmap_slot, ptr,     8, 8);

/* struct timeval as the kernel writes it into netmap_ring.ts. */
SIZE(nm_timeval, 16);
FIELD(nm_timeval, tv_sec,  0, 8);
FIELD(nm_timeval, tv_usec, 8, 8);

SIZE(pollfd, 8);
FIELD(pollfd, fd,      0, 4);
FIELD(pollfd, events,  4, 2);
FIELD(pollfd, revents, 6, 2);

/* Linux x86_64 libc structs; compared with glibc's own below. */
SIZE(flock, 32);
FIELD(flock, l_type,      0,  2);
FIELD(flock, l_whence,    2,  2);
FIELD(flock, l_reserved0, 4,  4);
FIELD(flock, l_start,     8,  8);
FIELD(flock, l_len,       16, 8);
FIELD(flock, l_pid,       24, 4);
FIELD(flock, l_reserved1, 28, 4);

SIZE(nm_timespec, 16);
FIELD(nm_timespec, tv_sec,  0, 8);
FIELD(nm_timespec, tv_nsec, 8, 8);

SIZE(stat, 144);
FIELD(stat, st_dev,       0,   8);
FIELD(stat, st_ino,       8,   8);
FIELD(stat, st_nlink,     16,  8);
FIELD(stat, st_mode,      24,  4);
FIELD(stat, st_uid,       28,  4);
FIELD(stat, st_gid,       32,  4);
FIELD(stat, st_reserved0, 36,  4);
FIELD(stat, st_rdev,      40,  8);
FIELD(stat, st_size,      48,  8);
FIELD(stat, st_blksize,   56,  8);
FIELD(stat, st_blocks,    64,  8);
FIELD(stat, st_atim,      72,  16);
FIELD(stat, st_mtim,      88,  16);
FIELD(stat, st_ctim,      104, 16);
FIELD(stat, st_reserved1, 120, 24);

/* ---- constants -------------------------------------------------------------------------- */
CONSTANT(NETMAP_API, 14);
CONSTANT(NETMAP_MIN_API, 14);
CONSTANT(NETMAP_MAX_API, 15);
CONSTANT(NETMAP_REQ_IFNAMSIZ, 64);
CONSTANT(NETMAP_REQ_MAXSIZE, 4096);
CONSTANT(NETMAP_RING_MASK, 0x0fff);
CONSTANT(NM_IFNAMSIZ, 16);
CONSTANT(NM_CACHE_ALIGN, 128);

CONSTANT(NIOCCTRL, 0xc0586997);
CONSTANT(NIOCTXSYNC, 0x6994);
CONSTANT(NIOCRXSYNC, 0x6995);
CONSTANT(NIOCREGIF, 0xc03c6992);
CONSTANT(NIOCGINFO, 0xc03c6991);

CONSTANT(NETMAP_REQ_REGISTER, 1);
CONSTANT(NETMAP_REQ_PORT_INFO_GET, 2);
CONSTANT(NETMAP_REQ_VALE_ATTACH, 3);
CONSTANT(NETMAP_REQ_VALE_DETACH, 4);
CONSTANT(NETMAP_REQ_VALE_LIST, 5);
CONSTANT(NETMAP_REQ_PORT_HDR_SET, 6);
CONSTANT(NETMAP_REQ_PORT_HDR_GET, 7);
CONSTANT(NETMAP_REQ_VALE_NEWIF, 8);
CONSTANT(NETMAP_REQ_VALE_DELIF, 9);
CONSTANT(NETMAP_REQ_VALE_POLLING_ENABLE, 10);
CONSTANT(NETMAP_REQ_VALE_POLLING_DISABLE, 11);
CONSTANT(NETMAP_REQ_POOLS_INFO_GET, 12);
CONSTANT(NETMAP_REQ_SYNC_KLOOP_START, 13);
CONSTANT(NETMAP_REQ_SYNC_KLOOP_STOP, 14);
CONSTANT(NETMAP_REQ_CSB_ENABLE, 15);

CONSTANT(NETMAP_REQ_OPT_EXTMEM, 1);
CONSTANT(NETMAP_REQ_OPT_SYNC_KLOOP_EVENTFDS, 2);
CONSTANT(NETMAP_REQ_OPT_CSB, 3);
CONSTANT(NETMAP_REQ_OPT_SYNC_KLOOP_MODE, 4);
CONSTANT(NETMAP_REQ_OPT_OFFSETS, 5);

CONSTANT(NR_REG_DEFAULT, 0);
CONSTANT(NR_REG_ALL_NIC, 1);
CONSTANT(NR_REG_SW, 2);
CONSTANT(NR_REG_NIC_SW, 3);
CONSTANT(NR_REG_ONE_NIC, 4);
CONSTANT(NR_REG_PIPE_MASTER, 5);
CONSTANT(NR_REG_PIPE_SLAVE, 6);
CONSTANT(NR_REG_NULL, 7);
CONSTANT(NR_REG_ONE_SW, 8);

CONSTANT(NR_MONITOR_TX, 0x100);
CONSTANT(NR_MONITOR_RX, 0x200);
CONSTANT(NR_ZCOPY_MON, 0x400);
CONSTANT(NR_EXCLUSIVE, 0x800);
CONSTANT(NR_RX_RINGS_ONLY, 0x2000);
CONSTANT(NR_TX_RINGS_ONLY, 0x4000);
CONSTANT(NR_ACCEPT_VNET_HDR, 0x8000);
CONSTANT(NR_DO_RX_POLL, 0x10000);
CONSTANT(NR_NO_TX_POLL, 0x20000);

CONSTANT(NS_BUF_CHANGED, 0x1);
CONSTANT(NS_REPORT, 0x2);
CONSTANT(NS_FORWARD, 0x4);
CONSTANT(NS_NO_LEARN, 0x8);
CONSTANT(NS_INDIRECT, 0x10);
CONSTANT(NS_MOREFRAG, 0x20);
CONSTANT(NS_TXMON, 0x40);
CONSTANT(NS_PORT_SHIFT, 8);
CONSTANT(NS_PORT_MASK, 0xff00);

CONSTANT(NR_TIMESTAMP, 0x2);
CONSTANT(NR_FORWARD, 0x4);
CONSTANT(NR_RING_DIR_RX, 0);
CONSTANT(NR_RING_DIR_TX, 1);

CONSTANT(F_OFD_GETLK, 36);
CONSTANT(F_OFD_SETLK, 37);
CONSTANT(F_RDLCK, 0);
CONSTANT(F_WRLCK, 1);
CONSTANT(F_UNLCK, 2);
CONSTANT(SEEK_SET, 0);

/*
 * ---- against the system headers ---------------------------------------------------------
 * Our header defines the libc flags itself (so that jextract sees them); glibc spells some of
 * them differently, which would be a macro redefinition. Keep our values in an enum, drop our
 * macros, include the system headers, then compare.
 */
enum our_libc_values {
    OUR_O_RDONLY = O_RDONLY, OUR_O_RDWR = O_RDWR, OUR_O_CREAT = O_CREAT, OUR_O_EXCL = O_EXCL,
    OUR_O_NONBLOCK = O_NONBLOCK, OUR_O_CLOEXEC = O_CLOEXEC,
    OUR_PROT_READ = PROT_READ, OUR_PROT_WRITE = PROT_WRITE, OUR_MAP_SHARED = MAP_SHARED,
    OUR_EFD_NONBLOCK = EFD_NONBLOCK, OUR_EFD_CLOEXEC = EFD_CLOEXEC,
    OUR_LOCK_SH = LOCK_SH, OUR_LOCK_EX = LOCK_EX, OUR_LOCK_NB = LOCK_NB, OUR_LOCK_UN = LOCK_UN,
    OUR_POLLIN = POLLIN, OUR_POLLPRI = POLLPRI, OUR_POLLOUT = POLLOUT, OUR_POLLERR = POLLERR,
    OUR_POLLHUP = POLLHUP, OUR_POLLNVAL = POLLNVAL,
    OUR_F_OFD_GETLK = F_OFD_GETLK, OUR_F_OFD_SETLK = F_OFD_SETLK,
    OUR_F_RDLCK = F_RDLCK, OUR_F_WRLCK = F_WRLCK, OUR_F_UNLCK = F_UNLCK, OUR_SEEK_SET = SEEK_SET
};
#undef O_RDONLY
#undef O_RDWR
#undef O_CREAT
#undef O_EXCL
#undef O_NONBLOCK
#undef O_CLOEXEC
#undef PROT_READ
#undef PROT_WRITE
#undef MAP_SHARED
#undef EFD_NONBLOCK
#undef EFD_CLOEXEC
#undef LOCK_SH
#undef LOCK_EX
#undef LOCK_NB
#undef LOCK_UN
#undef POLLIN
#undef POLLPRI
#undef POLLOUT
#undef POLLERR
#undef POLLHUP
#undef POLLNVAL
#undef F_OFD_GETLK
#undef F_OFD_SETLK
#undef F_RDLCK
#undef F_WRLCK
#undef F_UNLCK
#undef SEEK_SET

/*
 * glibc declares struct flock and struct stat too, which would be a second definition of ours.
 * Rename its tags (and the functions whose names the renaming catches) while its headers are
 * read, and compare the structs member by member and the functions by type below.
 */
#define flock libc_flock
#define stat libc_stat
#define fstat libc_fstat
#include <linux/ioctl.h>
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <string.h>
#undef flock
#undef stat
#undef fstat
/*
 * <poll.h> declares its own struct pollfd and poll(); rename them while it is included so that
 * they do not clash with ours, and compare the two structs field by field below.
 */
#define pollfd libc_pollfd
#define poll libc_poll
#include <poll.h>
#undef pollfd
#undef poll

/* The ioctl numbers, recomputed by the kernel's macros from our struct sizes. */
CONSTANT(NIOCCTRL, _IOWR('i', 151, struct nmreq_header));
CONSTANT(NIOCTXSYNC, _IO('i', 148));
CONSTANT(NIOCRXSYNC, _IO('i', 149));
CONSTANT(NIOCREGIF, _IOWR('i', 146, struct nmreq));
CONSTANT(NIOCGINFO, _IOWR('i', 145, struct nmreq));

CONSTANT(OUR_O_RDONLY, O_RDONLY);
CONSTANT(OUR_O_RDWR, O_RDWR);
CONSTANT(OUR_O_CREAT, O_CREAT);
CONSTANT(OUR_O_EXCL, O_EXCL);
CONSTANT(OUR_O_NONBLOCK, O_NONBLOCK);
CONSTANT(OUR_O_CLOEXEC, O_CLOEXEC);
CONSTANT(OUR_PROT_READ, PROT_READ);
CONSTANT(OUR_PROT_WRITE, PROT_WRITE);
CONSTANT(OUR_MAP_SHARED, MAP_SHARED);
CONSTANT(OUR_EFD_NONBLOCK, EFD_NONBLOCK);
CONSTANT(OUR_EFD_CLOEXEC, EFD_CLOEXEC);
CONSTANT(OUR_LOCK_SH, LOCK_SH);
CONSTANT(OUR_LOCK_EX, LOCK_EX);
CONSTANT(OUR_LOCK_NB, LOCK_NB);
CONSTANT(OUR_LOCK_UN, LOCK_UN);
CONSTANT(OUR_POLLIN, POLLIN);
CONSTANT(OUR_POLLPRI, POLLPRI);
CONSTANT(OUR_POLLOUT, POLLOUT);
CONSTANT(OUR_POLLERR, POLLERR);
CONSTANT(OUR_POLLHUP, POLLHUP);
CONSTANT(OUR_POLLNVAL, POLLNVAL);

CONSTANT(sizeof(struct pollfd), sizeof(struct libc_pollfd));
CONSTANT(offsetof(struct pollfd, fd), offsetof(struct libc_pollfd, fd));
CONSTANT(offsetof(struct pollfd, events), offsetof(struct libc_pollfd, events));
CONSTANT(offsetof(struct pollfd, revents), offsetof(struct libc_pollfd, revents));
CONSTANT(sizeof(uint64_t), sizeof(nfds_t));
CONSTANT(sizeof(int64_t), sizeof(off_t));
CONSTANT(sizeof(int64_t), sizeof(ssize_t));

CONSTANT(OUR_F_OFD_GETLK, F_OFD_GETLK);
CONSTANT(OUR_F_OFD_SETLK, F_OFD_SETLK);
CONSTANT(OUR_F_RDLCK, F_RDLCK);
CONSTANT(OUR_F_WRLCK, F_WRLCK);
CONSTANT(OUR_F_UNLCK, F_UNLCK);
CONSTANT(OUR_SEEK_SET, SEEK_SET);

/* Written by hand in io.netmap4j.abi.LibC (not in netmap_abi.h): the same numbers as glibc's. */
CONSTANT(0400000, O_NOFOLLOW);
CONSTANT(0170000, S_IFMT);
CONSTANT(0100000, S_IFREG);
CONSTANT(0010000, S_IFIFO);
_Static_assert(__builtin_types_compatible_p(__typeof__(geteuid), unsigned int (void)),
               "LibC.geteuid() is a downcall (void) -> int");

/* The same member at the same place with the same size in ours and in glibc's. */
#define SAME_MEMBER(ours, theirs, f)                                                           \
    _Static_assert(offsetof(struct ours, f) == offsetof(struct theirs, f), #ours "." #f " must be where glibc has it"); \
    _Static_assert(sizeof(((struct ours *) 0)->f) == sizeof(((struct theirs *) 0)->f),      \
                   #ours "." #f " must be as large as glibc's")

CONSTANT(sizeof(struct flock), sizeof(struct libc_flock));
SAME_MEMBER(flock, libc_flock, l_type);
SAME_MEMBER(flock, libc_flock, l_whence);
SAME_MEMBER(flock, libc_flock, l_start);
SAME_MEMBER(flock, libc_flock, l_len);
SAME_MEMBER(flock, libc_flock, l_pid);

CONSTANT(sizeof(struct stat), sizeof(struct libc_stat));
SAME_MEMBER(stat, libc_stat, st_dev);
SAME_MEMBER(stat, libc_stat, st_ino);
SAME_MEMBER(stat, libc_stat, st_nlink);
SAME_MEMBER(stat, libc_stat, st_mode);
SAME_MEMBER(stat, libc_stat, st_uid);
SAME_MEMBER(stat, libc_stat, st_gid);
SAME_MEMBER(stat, libc_stat, st_rdev);
SAME_MEMBER(stat, libc_stat, st_size);
SAME_MEMBER(stat, libc_stat, st_blksize);
SAME_MEMBER(stat, libc_stat, st_blocks);
SAME_MEMBER(stat, libc_stat, st_atim);
SAME_MEMBER(stat, libc_stat, st_mtim);
SAME_MEMBER(stat, libc_stat, st_ctim);
CONSTANT(sizeof(struct nm_timespec), sizeof(struct timespec));
CONSTANT(offsetof(struct nm_timespec, tv_sec), offsetof(struct timespec, tv_sec));
CONSTANT(offsetof(struct nm_timespec, tv_nsec), offsetof(struct timespec, tv_nsec));

/* Functions glibc saw under another name: the same type, apart from the renamed struct. */
_Static_assert(__builtin_types_compatible_p(__typeof__(flock), __typeof__(libc_flock)),
               "flock must be declared as glibc declares it");
_Static_assert(__builtin_types_compatible_p(__typeof__(fstat), int (int, struct stat *))
               && __builtin_types_compatible_p(__typeof__(libc_fstat), int (int, struct libc_stat *)),
               "fstat must be declared as glibc declares it, with our struct stat");

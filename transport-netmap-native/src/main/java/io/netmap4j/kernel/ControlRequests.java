package io.netmap4j.kernel;

import io.netmap4j.core.ValePortId;
import io.netmap4j.core.ValeInterface;
import io.netmap4j.abi.gen.nmreq_header;
import io.netmap4j.abi.gen.nmreq_pools_info;
import io.netmap4j.abi.gen.nmreq_port_hdr;
import io.netmap4j.abi.gen.nmreq_port_info_get;
import io.netmap4j.abi.gen.nmreq_register;
import io.netmap4j.abi.gen.nmreq_vale_attach;
import io.netmap4j.abi.gen.nmreq_vale_detach;
import io.netmap4j.abi.gen.nmreq_vale_list;
import io.netmap4j.abi.gen.nmreq_vale_newif;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.nio.charset.StandardCharsets;

import static io.netmap4j.abi.NetmapConstants.NETMAP_API;
import static io.netmap4j.abi.NetmapConstants.NETMAP_REQ_IFNAMSIZ;
import static io.netmap4j.abi.NetmapConstants.NETMAP_REQ_POOLS_INFO_GET;
import static io.netmap4j.abi.NetmapConstants.NETMAP_REQ_PORT_HDR_GET;
import static io.netmap4j.abi.NetmapConstants.NETMAP_REQ_PORT_HDR_SET;
import static io.netmap4j.abi.NetmapConstants.NETMAP_REQ_PORT_INFO_GET;
import static io.netmap4j.abi.NetmapConstants.NETMAP_REQ_VALE_ATTACH;
import static io.netmap4j.abi.NetmapConstants.NETMAP_REQ_VALE_DELIF;
import static io.netmap4j.abi.NetmapConstants.NETMAP_REQ_VALE_DETACH;
import static io.netmap4j.abi.NetmapConstants.NETMAP_REQ_VALE_LIST;
import static io.netmap4j.abi.NetmapConstants.NETMAP_REQ_VALE_NEWIF;
import static io.netmap4j.abi.NetmapConstants.NR_REG_ALL_NIC;
import static io.netmap4j.abi.NetmapConstants.NR_REG_NIC_SW;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Builds the bytes of the NIOCCTRL control requests (everything but REGISTER, which
 * {@link io.netmap4j.spec.RegisterRequest} builds from a port name) and reads their replies.
 *
 * <p>Each request is one segment: the 88-byte {@code nmreq_header} at offset 0 and its body
 * right after it at {@link #BODY}, with {@code nr_body} pointing there (or 0 for requests the
 * kernel wants without a body: it rejects a body it does not expect with EINVAL). Keeping the
 * encoding apart from the ioctl lets tests check every byte without a kernel.
 *
 * <p>Names are validated here, before any system call: the kernel would cut a long name to 63
 * bytes and then act on a different port than the one the caller named.
 */
final class ControlRequests {
    private ControlRequests() { }

    static final long HEADER_SIZE = nmreq_header.layout().byteSize();
    /** The body follows the header; 88 is a multiple of 8, so the body is aligned. */
    static final long BODY = HEADER_SIZE;

    static final long H_VERSION = nmreq_header.nr_version$offset();
    static final long H_REQTYPE = nmreq_header.nr_reqtype$offset();
    static final long H_NAME = nmreq_header.nr_name$offset();
    static final long H_OPTIONS = nmreq_header.nr_options$offset();
    static final long H_BODY = nmreq_header.nr_body$offset();

    /** The prefix libnetmap strips from names; the kernel answers ENXIO to it. */
    static final String NETMAP_PREFIX = "netmap:";
    /** Every VALE switch name starts with this (the kernel's NM_BDG_NAME). */
    static final String VALE_PREFIX = "vale";
    /** Linux interface names (and so persistent VALE ports) are shorter than IFNAMSIZ = 16. */
    static final int IFNAMSIZ = 16;
    /** The mode vale-ctl attaches a NIC with: its NIC rings only ({@code -a}) or with the host rings ({@code -h}). */
    static final int ATTACH_NIC = NR_REG_ALL_NIC;
    static final int ATTACH_NIC_AND_HOST = NR_REG_NIC_SW;

    // ---- requests

    /** PORT_INFO_GET for {@code name}: the body is all zero (no ring hints, no memory id). */
    static MemorySegment portInfoGet(SegmentAllocator allocator, String name) {
        return request(allocator, NETMAP_REQ_PORT_INFO_GET, portName(name), nmreq_port_info_get.layout().byteSize());
    }

    /** POOLS_INFO_GET for the region of {@code name}. */
    static MemorySegment poolsInfoGet(SegmentAllocator allocator, String name) {
        return request(allocator, NETMAP_REQ_POOLS_INFO_GET, portName(name), nmreq_pools_info.layout().byteSize());
    }

    /**
     * VALE_ATTACH of interface {@code port} (a NIC or a persistent VALE port) to switch
     * {@code valeSwitch}: the header names {@code valeSwitch:port}, the body's register part
     * carries the mode and the memory region to use (0: the interface's own).
     */
    static MemorySegment valeAttach(SegmentAllocator allocator, String valeSwitch, String port, int mode, int memId) {
        String name = switchName(valeSwitch) + ":" + interfaceName(port, "interface to attach");
        checkU16(memId, "memory region id");
        MemorySegment r = request(allocator, NETMAP_REQ_VALE_ATTACH, checkLength(name),
                nmreq_vale_attach.layout().byteSize());
        long reg = BODY + nmreq_vale_attach.reg$offset();
        r.set(JAVA_INT, reg + nmreq_register.nr_mode$offset(), mode);
        r.set(JAVA_SHORT, reg + nmreq_register.nr_mem_id$offset(), (short) memId);
        return r;
    }

    /** VALE_DETACH of {@code name}, a full {@code valeX:port} name. */
    static MemorySegment valeDetach(SegmentAllocator allocator, String name) {
        return request(allocator, NETMAP_REQ_VALE_DETACH, valePortName(name), nmreq_vale_detach.layout().byteSize());
    }

    /** VALE_LIST with an empty name and the cursor at the first port of the first switch. */
    static MemorySegment valeList(SegmentAllocator allocator) {
        return request(allocator, NETMAP_REQ_VALE_LIST, "", nmreq_vale_list.layout().byteSize());
    }

    /** VALE_NEWIF: a persistent VALE port called {@code name}, 0 meaning "the default" everywhere. */
    static MemorySegment valeNewIf(SegmentAllocator allocator, String name, int txSlots, int rxSlots,
                                   int txRings, int rxRings, int memId) {
        String n = interfaceName(name, "new VALE interface");
        if (n.startsWith(VALE_PREFIX)) {
            throw new IllegalArgumentException("VALE interface name '" + n + "' must not start with '" + VALE_PREFIX
                    + "': the kernel keeps that prefix for switches. Create it as, e.g., 'v0' and attach it with "
                    + "valeAttach(\"vale0\", \"v0\")");
        }
        checkNonNegative(txSlots, "TX slots");
        checkNonNegative(rxSlots, "RX slots");
        checkU16(txRings, "TX rings");
        checkU16(rxRings, "RX rings");
        checkU16(memId, "memory region id");
        MemorySegment r = request(allocator, NETMAP_REQ_VALE_NEWIF, n, nmreq_vale_newif.layout().byteSize());
        r.set(JAVA_INT, BODY + nmreq_vale_newif.nr_tx_slots$offset(), txSlots);
        r.set(JAVA_INT, BODY + nmreq_vale_newif.nr_rx_slots$offset(), rxSlots);
        r.set(JAVA_SHORT, BODY + nmreq_vale_newif.nr_tx_rings$offset(), (short) txRings);
        r.set(JAVA_SHORT, BODY + nmreq_vale_newif.nr_rx_rings$offset(), (short) rxRings);
        r.set(JAVA_SHORT, BODY + nmreq_vale_newif.nr_mem_id$offset(), (short) memId);
        return r;
    }

    /** VALE_DELIF of the persistent VALE port {@code name}; this request has no body. */
    static MemorySegment valeDelIf(SegmentAllocator allocator, String name) {
        return request(allocator, NETMAP_REQ_VALE_DELIF, interfaceName(name, "VALE interface to delete"), 0);
    }

    /** PORT_HDR_GET: the virtio-net header length of {@code name}. */
    static MemorySegment portHdrGet(SegmentAllocator allocator, String name) {
        return request(allocator, NETMAP_REQ_PORT_HDR_GET, portName(name), nmreq_port_hdr.layout().byteSize());
    }

    /** PORT_HDR_SET: the virtio-net header length of {@code name}, 0, 10 or 12. */
    static MemorySegment portHdrSet(SegmentAllocator allocator, String name, int length) {
        checkHeaderLength(length);
        MemorySegment r = request(allocator, NETMAP_REQ_PORT_HDR_SET, portName(name),
                nmreq_port_hdr.layout().byteSize());
        r.set(JAVA_INT, BODY + nmreq_port_hdr.nr_hdr_len$offset(), length);
        return r;
    }

    /** The only virtio-net header lengths netmap knows: none, the plain header, the mergeable-buffers one. */
    static void checkHeaderLength(int length) {
        if (length != 0 && length != 10 && length != 12) {
            throw new IllegalArgumentException("virtio-net header length " + length
                    + " is not one netmap supports: use 0 (none), 10 (virtio_net_hdr) or 12 (with num_buffers)");
        }
    }

    // ---- cursor and replies

    /** The port name the kernel wrote into the header. */
    static String name(MemorySegment request) {
        MemorySegment field = request.asSlice(H_NAME, NETMAP_REQ_IFNAMSIZ);
        int len = 0;
        while (len < NETMAP_REQ_IFNAMSIZ && field.get(JAVA_BYTE, len) != 0) {
            len++;
        }
        return new String(field.asSlice(0, len).toArray(JAVA_BYTE), StandardCharsets.UTF_8);
    }

    /** Moves a VALE_LIST request past the port it returned: next port index, empty name again. */
    static void valeListAdvance(MemorySegment request) {
        long port = BODY + nmreq_vale_list.nr_port_idx$offset();
        request.set(JAVA_INT, port, request.get(JAVA_INT, port) + 1);
        request.asSlice(H_NAME, NETMAP_REQ_IFNAMSIZ).fill((byte) 0);
    }

    static ValePortId valeListEntry(MemorySegment request) {
        return new ValePortId(Short.toUnsignedInt(request.get(JAVA_SHORT, BODY + nmreq_vale_list.nr_bridge_idx$offset())),
                request.get(JAVA_INT, BODY + nmreq_vale_list.nr_port_idx$offset()), name(request));
    }

    static PortInfo portInfo(MemorySegment request) {
        return new PortInfo(request.get(JAVA_LONG, BODY + nmreq_port_info_get.nr_memsize$offset()),
                request.get(JAVA_INT, BODY + nmreq_port_info_get.nr_tx_slots$offset()),
                request.get(JAVA_INT, BODY + nmreq_port_info_get.nr_rx_slots$offset()),
                u16(request, BODY + nmreq_port_info_get.nr_tx_rings$offset()),
                u16(request, BODY + nmreq_port_info_get.nr_rx_rings$offset()),
                u16(request, BODY + nmreq_port_info_get.nr_host_tx_rings$offset()),
                u16(request, BODY + nmreq_port_info_get.nr_host_rx_rings$offset()),
                u16(request, BODY + nmreq_port_info_get.nr_mem_id$offset()));
    }

    static PoolsInfo poolsInfo(MemorySegment request) {
        return new PoolsInfo(request.get(JAVA_LONG, BODY + nmreq_pools_info.nr_memsize$offset()),
                u16(request, BODY + nmreq_pools_info.nr_mem_id$offset()),
                pool(request, nmreq_pools_info.nr_if_pool_offset$offset(), nmreq_pools_info.nr_if_pool_objtotal$offset(),
                        nmreq_pools_info.nr_if_pool_objsize$offset()),
                pool(request, nmreq_pools_info.nr_ring_pool_offset$offset(),
                        nmreq_pools_info.nr_ring_pool_objtotal$offset(), nmreq_pools_info.nr_ring_pool_objsize$offset()),
                pool(request, nmreq_pools_info.nr_buf_pool_offset$offset(), nmreq_pools_info.nr_buf_pool_objtotal$offset(),
                        nmreq_pools_info.nr_buf_pool_objsize$offset()));
    }

    static ValeInterface valeInterface(MemorySegment request) {
        return new ValeInterface(name(request),
                request.get(JAVA_INT, BODY + nmreq_vale_newif.nr_tx_slots$offset()),
                request.get(JAVA_INT, BODY + nmreq_vale_newif.nr_rx_slots$offset()),
                u16(request, BODY + nmreq_vale_newif.nr_tx_rings$offset()),
                u16(request, BODY + nmreq_vale_newif.nr_rx_rings$offset()),
                u16(request, BODY + nmreq_vale_newif.nr_mem_id$offset()));
    }

    static int valeAttachPortIndex(MemorySegment request) {
        return request.get(JAVA_INT, BODY + nmreq_vale_attach.port_index$offset());
    }

    static int valeDetachPortIndex(MemorySegment request) {
        return request.get(JAVA_INT, BODY + nmreq_vale_detach.port_index$offset());
    }

    static int portHdrLength(MemorySegment request) {
        return request.get(JAVA_INT, BODY + nmreq_port_hdr.nr_hdr_len$offset());
    }

    // ---- helpers

    /** A zeroed header (API 14) and body in one segment, {@code nr_body} pointing at the body or 0. */
    private static MemorySegment request(SegmentAllocator allocator, int reqtype, String name, long bodySize) {
        MemorySegment r = allocator.allocate(HEADER_SIZE + bodySize, 8);
        r.fill((byte) 0);
        r.set(JAVA_SHORT, H_VERSION, (short) NETMAP_API);
        r.set(JAVA_SHORT, H_REQTYPE, (short) reqtype);
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        MemorySegment.copy(bytes, 0, r, JAVA_BYTE, H_NAME, bytes.length);
        r.set(JAVA_LONG, H_OPTIONS, 0L);
        r.set(JAVA_LONG, H_BODY, bodySize == 0 ? 0L : r.address() + BODY);
        return r;
    }

    private static PoolsInfo.Pool pool(MemorySegment request, long offset, long total, long size) {
        return new PoolsInfo.Pool(request.get(JAVA_LONG, BODY + offset),
                Integer.toUnsignedLong(request.get(JAVA_INT, BODY + total)),
                Integer.toUnsignedLong(request.get(JAVA_INT, BODY + size)));
    }

    private static int u16(MemorySegment s, long offset) {
        return Short.toUnsignedInt(s.get(JAVA_SHORT, offset));
    }

    /**
     * The name the kernel wants for a port: libnetmap's {@code netmap:} prefix dropped (the
     * kernel does not know it), {@code valeX:} kept.
     */
    static String portName(String name) {
        if (name == null) {
            throw new IllegalArgumentException("port name is null");
        }
        String n = name.startsWith(NETMAP_PREFIX) ? name.substring(NETMAP_PREFIX.length()) : name;
        if (n.isEmpty()) {
            throw new IllegalArgumentException("port name '" + name + "' is empty");
        }
        return checkLength(n);
    }

    /** A full VALE port name, {@code valeX:port}. */
    static String valePortName(String name) {
        String n = portName(name);
        int colon = n.indexOf(':');
        if (!n.startsWith(VALE_PREFIX) || colon < 0 || colon == n.length() - 1) {
            throw new IllegalArgumentException("'" + name + "' is not a VALE port name: expected valeSWITCH:PORT, "
                    + "for example vale0:eth0");
        }
        return n;
    }

    /** A switch name: {@code vale} and an optional identifier, no colon. */
    static String switchName(String valeSwitch) {
        if (valeSwitch == null || !valeSwitch.startsWith(VALE_PREFIX) || valeSwitch.indexOf(':') >= 0) {
            throw new IllegalArgumentException("'" + valeSwitch + "' is not a VALE switch name: expected 'vale' "
                    + "followed by an optional identifier, without ':', for example vale0");
        }
        return valeSwitch;
    }

    /** A Linux interface name: 1 to 15 bytes, no ':' (that would name a switch port) and no '/'. */
    static String interfaceName(String name, String what) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException(what + ": the name is empty");
        }
        if (name.indexOf(':') >= 0 || name.indexOf('/') >= 0 || name.indexOf('\0') >= 0 || name.isBlank()) {
            throw new IllegalArgumentException(what + " '" + name + "' is not an interface name (no ':', '/' or NUL)");
        }
        if (name.getBytes(StandardCharsets.UTF_8).length >= IFNAMSIZ) {
            throw new IllegalArgumentException(what + " '" + name + "' is longer than " + (IFNAMSIZ - 1)
                    + " bytes, the Linux limit for interface names");
        }
        return name;
    }

    /** The header holds 63 bytes of name and a NUL; a longer name would be cut, silently, by the kernel. */
    static String checkLength(String name) {
        if (name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("port name '" + name.replace("\0", "\\0") + "' contains a NUL character");
        }
        int bytes = name.getBytes(StandardCharsets.UTF_8).length;
        if (bytes >= NETMAP_REQ_IFNAMSIZ) {
            throw new IllegalArgumentException("port name '" + name + "' is " + bytes + " bytes long; netmap allows "
                    + (NETMAP_REQ_IFNAMSIZ - 1));
        }
        return name;
    }

    private static void checkU16(int value, String what) {
        if (value < 0 || value > 0xffff) {
            throw new IllegalArgumentException(what + " " + value + " is outside 0..65535");
        }
    }

    private static void checkNonNegative(int value, String what) {
        if (value < 0) {
            throw new IllegalArgumentException(what + " " + value + " is negative (0 asks for the default)");
        }
    }
}

package io.netmap4j.netty.testsuite;

import io.netmap4j.core.NetmapPort;
import io.netmap4j.core.NetmapRing;
import io.netmap4j.kernel.KernelBackend;
import io.netmap4j.spec.PortSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.MemorySegment;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static io.netmap4j.abi.NetmapConstants.NR_FORWARD;
import static io.netmap4j.abi.NetmapConstants.NS_FORWARD;
import static io.netmap4j.abi.NetmapConstants.POLLIN;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Host rings on a netmap kernel, through the generic adapter of a veth whose peer lives in a
 * network namespace the test makes: what the host stack sends reaches the host RX ring, what is
 * put on the host TX ring reaches the stack, and transparent mode (NR_FORWARD on the RX rings,
 * NS_FORWARD on the released slots) carries a real ping between the namespace and the stack
 * through this process, and only while it forwards. Runs where /dev/netmap, root and ip are
 * available; skipped elsewhere, with the reason.
 */
class NetmapKernelHostRingsTest {
    private static final long ID = ProcessHandle.current().pid() % 100000;
    private static final String HOST = "nm4jh" + ID;
    private static final String PEER = "nm4jh" + ID + "p";
    private static final String NS = "nm4jhr" + ID;
    private static final String HOST_IP = "10.77.0.1";
    private static final String PEER_IP = "10.77.0.2";

    @BeforeAll
    static void needsTheModuleAndRoot() {
        assumeTrue(KernelBackend.INSTANCE.isAvailable(), () -> "netmap kernel module not usable here: "
                + KernelBackend.INSTANCE.unavailabilityCause().getMessage());
        assumeTrue(Shell.isRoot() && Shell.has("ip"), "needs root and ip");
    }

    @BeforeEach
    void makeTheNetwork() {
        Shell.run("ip", "netns", "add", NS);
        Shell.run("ip", "link", "add", HOST, "type", "veth", "peer", "name", PEER);
        Shell.run("ip", "link", "set", PEER, "netns", NS);
        Shell.run("ip", "addr", "add", HOST_IP + "/24", "dev", HOST);
        Shell.run("ip", "link", "set", HOST, "up");
        Shell.run("ip", "netns", "exec", NS, "ip", "addr", "add", PEER_IP + "/24", "dev", PEER);
        Shell.run("ip", "netns", "exec", NS, "ip", "link", "set", PEER, "up");
    }

    @AfterEach
    void removeTheNetwork() {
        Shell.runQuietly("ip", "link", "del", HOST);
        Shell.runQuietly("ip", "netns", "del", NS);
    }

    private static NetmapPort open(String name) throws Exception {
        return KernelBackend.INSTANCE.open(PortSpec.parse(name));
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void whatTheStackSendsReachesTheHostRxRing() throws Exception {
        // The NIC rings must be in netmap mode too (here through the same descriptor): while a NIC
        // TX ring is not, netmap_transmit lets the stack's frames go to the wire as usual.
        try (NetmapPort port = open("netmap:" + HOST + "*"); DatagramSocket socket = new DatagramSocket()) {
            assertEquals(2, port.rxRingCount(), "the NIC and the host RX ring");
            // the stack must resolve the peer first: its ARP request goes to the host RX ring
            socket.send(new DatagramPacket(new byte[8], 8, new InetSocketAddress(PEER_IP, 9)));
            byte[] arp = null;
            StringBuilder seen = new StringBuilder();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (arp == null && System.nanoTime() < deadline) {
                port.poll(POLLIN, 200);
                NetmapRing rx = port.rxRing(1);
                for (int slot = rx.head(); slot != rx.tail(); slot = rx.next(slot)) {
                    byte[] frame = rx.region().asSlice(rx.slotBufferOffset(slot), rx.len(slot)).toArray(JAVA_BYTE);
                    seen.append(HexFormat.of().formatHex(frame, 0, Math.min(frame.length, 42))).append('\n');
                    if (isArpRequest(frame, HOST_IP, PEER_IP)) {
                        arp = frame;
                    }
                }
                rx.advance(rx.tail());
            }
            assertTrue(arp != null, "no ARP request for " + PEER_IP + " on the host RX ring; it had:\n" + seen);
            assertEquals(macOf(HOST), HexFormat.of().formatHex(arp, 6, 12), "sent by the stack of " + HOST);
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void whatIsPutOnTheHostTxRingReachesTheStack() throws Exception {
        try (NetmapPort host = open("netmap:" + HOST + "^");
             DatagramSocket socket = new DatagramSocket(new InetSocketAddress(HOST_IP, 40123))) {
            socket.setSoTimeout(30_000);
            byte[] payload = "through the host TX ring".getBytes(StandardCharsets.US_ASCII);
            byte[] frame = udpFrame(HexFormat.of().parseHex(macOf(HOST)), PEER_IP, HOST_IP, 40123, payload);
            NetmapRing tx = host.txRing(0);
            int slot = tx.head();
            MemorySegment.copy(frame, 0, tx.region(), JAVA_BYTE, tx.slotBufferOffset(slot), frame.length);
            tx.len(slot, frame.length);
            tx.flags(slot, 0);
            tx.advance(tx.next(slot));
            host.txSync();
            DatagramPacket got = new DatagramPacket(new byte[100], 100);
            socket.receive(got);
            assertEquals("through the host TX ring", new String(got.getData(), 0, got.getLength(), StandardCharsets.US_ASCII));
            assertEquals(InetAddress.getByName(PEER_IP), got.getAddress());
        }
    }

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void transparentModeCarriesAPingOnlyWhileThisProcessForwards() throws Exception {
        AtomicBoolean forward = new AtomicBoolean(true);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong fromWire = new AtomicLong();
        AtomicLong fromStack = new AtomicLong();
        try (NetmapPort port = open("netmap:" + HOST + "*")) {
            assertEquals(2, port.rxRingCount(), "NIC and host RX rings");
            for (int r = 0; r < port.rxRingCount(); r++) {
                NetmapRing rx = port.rxRing(r);
                rx.ringFlags(rx.ringFlags() | NR_FORWARD);
            }
            Thread loop = new Thread(() -> {
                try {
                    while (!stop.get()) {
                        port.poll(POLLIN, 50);
                        for (int r = 0; r < port.rxRingCount(); r++) {
                            NetmapRing rx = port.rxRing(r);
                            int n = 0;
                            for (int slot = rx.head(); slot != rx.tail(); slot = rx.next(slot), n++) {
                                rx.flags(slot, forward.get() ? rx.flags(slot) | NS_FORWARD : rx.flags(slot) & ~NS_FORWARD);
                            }
                            (r == 0 ? fromWire : fromStack).addAndGet(n);
                            rx.advance(rx.tail()); // released: the next sync forwards those marked
                        }
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            }, "transparent-forwarder");
            loop.start();
            try {
                Shell.run("ip", "netns", "exec", NS, "ping", "-c", "3", "-W", "5", HOST_IP);
                assertTrue(fromWire.get() >= 3 && fromStack.get() >= 3,
                        "echo requests came from the wire and replies from the stack through this process: "
                                + fromWire + " / " + fromStack);
                forward.set(false);
                Shell.run("ip", "netns", "exec", NS, "ip", "neigh", "flush", "all");
                long before = fromWire.get();
                boolean answered = pingOnce();
                assertTrue(!answered, "a ping was answered although nothing was forwarded");
                assertTrue(fromWire.get() > before, "the unanswered ping reached this process");
                forward.set(true);
                assertTrue(pingOnce(), "forwarding again, the ping is answered again");
            } finally {
                stop.set(true);
                loop.join();
            }
        }
    }

    private static boolean pingOnce() {
        try {
            Shell.run("ip", "netns", "exec", NS, "ping", "-c", "1", "-W", "3", HOST_IP);
            return true;
        } catch (AssertionError e) {
            return false;
        }
    }

    private static String macOf(String dev) throws Exception {
        return Files.readString(Path.of("/sys/class/net", dev, "address")).strip().replace(":", "");
    }

    private static boolean isArpRequest(byte[] f, String senderIp, String targetIp) throws Exception {
        return f.length >= 42 && (f[12] & 0xff) == 0x08 && (f[13] & 0xff) == 0x06 && f[21] == 1
                && java.util.Arrays.equals(f, 28, 32, InetAddress.getByName(senderIp).getAddress(), 0, 4)
                && java.util.Arrays.equals(f, 38, 42, InetAddress.getByName(targetIp).getAddress(), 0, 4);
    }

    /** An Ethernet + IPv4 + UDP frame (IPv4 checksum set, UDP checksum 0: none). */
    private static byte[] udpFrame(byte[] dstMac, String srcIp, String dstIp, int dstPort, byte[] payload)
            throws Exception {
        byte[] f = new byte[Math.max(60, 42 + payload.length)];
        System.arraycopy(dstMac, 0, f, 0, 6);
        f[6] = 0x02;
        f[11] = 0x42;
        f[12] = 0x08;
        int ipLen = 20 + 8 + payload.length;
        f[14] = 0x45;
        f[16] = (byte) (ipLen >>> 8);
        f[17] = (byte) ipLen;
        f[22] = 64;
        f[23] = 17;
        System.arraycopy(InetAddress.getByName(srcIp).getAddress(), 0, f, 26, 4);
        System.arraycopy(InetAddress.getByName(dstIp).getAddress(), 0, f, 30, 4);
        int sum = 0;
        for (int i = 14; i < 34; i += 2) {
            sum += (f[i] & 0xff) << 8 | f[i + 1] & 0xff;
        }
        while (sum >>> 16 != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        f[24] = (byte) (~sum >>> 8);
        f[25] = (byte) ~sum;
        f[34] = (byte) 0x9c;
        f[35] = 0x40;
        f[36] = (byte) (dstPort >>> 8);
        f[37] = (byte) dstPort;
        f[38] = (byte) ((8 + payload.length) >>> 8);
        f[39] = (byte) (8 + payload.length);
        System.arraycopy(payload, 0, f, 42, payload.length);
        return f;
    }
}

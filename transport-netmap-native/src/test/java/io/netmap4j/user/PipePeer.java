package io.netmap4j.user;

import io.netmap4j.core.NetmapPort;
import io.netmap4j.core.NetmapRing;
import io.netmap4j.spec.PortSpec;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static io.netmap4j.abi.NetmapConstants.POLLERR;
import static io.netmap4j.abi.NetmapConstants.POLLHUP;
import static io.netmap4j.abi.NetmapConstants.POLLIN;
import static io.netmap4j.abi.NetmapConstants.POLLOUT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The other process of the cross-process tests, and the frame pattern both sides use.
 * {@code send NAME COUNT} sends sequence-numbered 64-byte frames, {@code recv NAME COUNT}
 * receives and checks them, {@code hold NAME} opens the port and waits to be killed. Each mode
 * prints {@code READY} once the port is open.
 */
public final class PipePeer {
    static final int FRAME = 64;
    private static final long MIX = 0x9E3779B97F4A7C15L;

    private PipePeer() { }

    /** Starts this class in a new JVM with the test's class path. */
    static Process start(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(System.getProperty("java.home") + "/bin/java",
                "-cp", System.getProperty("java.class.path"), "--enable-native-access=ALL-UNNAMED",
                "-D" + UserBackend.SHM_DIR_PROPERTY + "=" + UserBackend.shmDir(), PipePeer.class.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    static void awaitReady(Process p) throws IOException {
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = p.getInputStream().read()) >= 0) {
            if (c == '\n') {
                if (line.toString().equals("READY")) {
                    return;
                }
                line.setLength(0);
            } else {
                line.append((char) c);
            }
        }
        throw new IOException("the peer process ended before it was ready: " + line);
    }

    static void fill(MemorySegment buf, long seq) {
        buf.set(JAVA_LONG, 0, seq);
        for (int i = 1; i < FRAME / 8; i++) {
            buf.set(JAVA_LONG, 8L * i, seq * MIX + i);
        }
    }

    /** Null when the frame is the one expected, else what is wrong with it. */
    static String check(NetmapRing rx, int slot, long expected) {
        if (rx.len(slot) != FRAME) {
            return "frame " + expected + " has length " + rx.len(slot);
        }
        MemorySegment buf = rx.slotBuffer(slot);
        long seq = buf.get(JAVA_LONG, 0);
        if (seq != expected) {
            return "expected frame " + expected + ", got " + seq;
        }
        for (int i = 1; i < FRAME / 8; i++) {
            if (buf.get(JAVA_LONG, 8L * i) != seq * MIX + i) {
                return "frame " + seq + " has a damaged payload at byte " + 8 * i;
            }
        }
        return null;
    }

    /** Sends {@code count} frames through {@code port}, waiting in poll when the ring is full. */
    static void send(NetmapPort port, long count) throws IOException {
        NetmapRing tx = port.txRing(0);
        long seq = 0;
        while (seq < count) {
            int space = tx.space();
            if (space == 0) {
                int r = port.poll(POLLOUT, 10_000);
                if ((r & (POLLERR | POLLHUP)) != 0 || r == 0) {
                    throw new IOException("sender: poll returned " + r + " at frame " + seq);
                }
                continue;
            }
            int h = tx.head();
            int n = (int) Math.min(space, Math.min(512, count - seq));
            for (int i = 0; i < n; i++) {
                fill(tx.slotBuffer(h), seq++);
                tx.len(h, FRAME);
                tx.flags(h, 0);
                h = tx.next(h);
            }
            tx.advance(h);
            port.txSync();
        }
        // wait until the receiver gave every slot back, so nothing is left in flight
        while (tx.space() != tx.numSlots() - 1) {
            int r = port.poll(POLLOUT, 10_000);
            if ((r & (POLLERR | POLLHUP)) != 0) {
                throw new IOException("sender: poll returned " + r + " while draining");
            }
            port.txSync();
        }
    }

    /** Receives and checks {@code count} frames; returns null, or the first problem. */
    static String receive(NetmapPort port, long count) throws IOException {
        NetmapRing rx = port.rxRing(0);
        long seq = 0;
        while (seq < count) {
            if (rx.isEmpty()) {
                int r = port.poll(POLLIN, 10_000);
                if ((r & (POLLERR | POLLHUP)) != 0 || r == 0) {
                    return "receiver: poll returned " + r + " at frame " + seq;
                }
                continue;
            }
            int h = rx.head();
            int n = rx.space();
            for (int i = 0; i < n; i++) {
                String problem = check(rx, h, seq++);
                if (problem != null) {
                    return problem;
                }
                h = rx.next(h);
            }
            rx.advance(h);
            port.rxSync();
        }
        return null;
    }

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        try (NetmapPort port = UserBackend.INSTANCE.open(PortSpec.parse(args[1]))) {
            port.fd(); // its doorbell exists from now on, as for a port that waits in poll
            System.out.println("READY");
            System.out.flush();
            switch (mode) {
                case "send" -> send(port, Long.parseLong(args[2]));
                case "recv" -> {
                    String problem = receive(port, Long.parseLong(args[2]));
                    if (problem != null) {
                        System.out.println(problem);
                        System.exit(2);
                    }
                }
                case "hold" -> Thread.sleep(Long.MAX_VALUE);
                default -> throw new IllegalArgumentException(mode);
            }
        }
        System.out.println("DONE");
    }
}

package io.netmap4j.user.vale;

import io.netmap4j.core.NetmapPort;
import io.netmap4j.core.NetmapRing;
import io.netmap4j.spec.PortSpec;
import io.netmap4j.user.SharedLock;
import io.netmap4j.user.UserBackend;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static io.netmap4j.abi.NetmapConstants.POLLERR;
import static io.netmap4j.abi.NetmapConstants.POLLIN;

/**
 * The other process of the VALE cross-process and crash tests. Each mode opens a port of a
 * switch, announces its MAC with a broadcast (so the switch learns it), prints {@code READY} and:
 * <ul>
 *   <li>{@code recv PORT MAC COUNT}: receives until COUNT frames were received or dropped for
 *       it, checking order and payload, and prints {@code RECEIVED n DROPPED d};</li>
 *   <li>{@code send PORT MAC DSTMAC COUNT}: sends COUNT frames to DSTMAC as stream MAC;</li>
 *   <li>{@code blast PORT MAC DSTMAC}: sends to DSTMAC and to everyone, until killed;</li>
 *   <li>{@code lockhold PORT MAC VICTIM}: takes the lock of RX ring 0 of port VICTIM of the same
 *       switch, as a sender does while it copies, and waits to be killed holding it;</li>
 *   <li>{@code hold PORT MAC}: waits to be killed.</li>
 * </ul>
 */
public final class ValePeer {
    private ValePeer() { }

    public static Process start(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(System.getProperty("java.home") + "/bin/java",
                "-cp", System.getProperty("java.class.path"), "--enable-native-access=ALL-UNNAMED",
                "-D" + UserBackend.SHM_DIR_PROPERTY + "=" + UserBackend.shmDir(), ValePeer.class.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    /** Reads the peer's output up to a line starting with {@code prefix}, and returns that line. */
    public static String awaitLine(Process p, String prefix) throws IOException {
        StringBuilder line = new StringBuilder();
        StringBuilder all = new StringBuilder();
        int c;
        while ((c = p.getInputStream().read()) >= 0) {
            if (c == '\n') {
                if (line.toString().startsWith(prefix)) {
                    return line.toString();
                }
                all.append(line).append('\n');
                line.setLength(0);
            } else {
                line.append((char) c);
            }
        }
        throw new IOException("the peer process ended before printing " + prefix + ": " + all + line);
    }

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        long me = Long.parseLong(args[2]);
        try (NetmapPort port = UserBackend.INSTANCE.open(PortSpec.parse(args[1]))) {
            ValeFrames.send(port, ValeFrames.BROADCAST, me, -1, 0); // hello: the switch learns our MAC
            switch (mode) {
                case "recv" -> {
                    System.out.println("READY");
                    System.out.flush();
                    recv(port, Long.parseLong(args[3]));
                }
                case "send" -> {
                    System.out.println("READY");
                    System.out.flush();
                    send(port, me, Long.parseLong(args[3]), Long.parseLong(args[4]));
                }
                case "blast" -> {
                    System.out.println("READY");
                    System.out.flush();
                    blast(port, me, Long.parseLong(args[3]));
                }
                case "lockhold" -> {
                    UserValePort p = (UserValePort) port;
                    ValeRegistration reg = regOf(p);
                    SwitchPorts ports = new SwitchPorts(reg.file);
                    int victim = ports.findLive(args[3]);
                    if (victim < 0) {
                        throw new IllegalStateException("no port " + args[3]);
                    }
                    long lock = SwitchLayout.port(victim) + SwitchLayout.rxLine(0) + SwitchLayout.D_LOCK;
                    SharedLock.lock(reg.file.mem(), lock, reg.token(), SwitchLayout.tokens(reg.file, reg.token()));
                    System.out.println("READY");
                    System.out.flush();
                    Thread.sleep(Long.MAX_VALUE);
                }
                case "hold" -> {
                    System.out.println("READY");
                    System.out.flush();
                    Thread.sleep(Long.MAX_VALUE);
                }
                default -> throw new IllegalArgumentException(mode);
            }
        }
        System.out.println("DONE");
    }

    static ValeRegistration regOf(UserValePort port) {
        return port.registration();
    }

    private static void recv(NetmapPort port, long count) throws Exception {
        UserValePort p = (UserValePort) port;
        NetmapRing rx = port.rxRing(0);
        long received = 0;
        long last = -1;
        while (received + p.droppedFrames() < count) {
            if (rx.isEmpty()) {
                int r = port.poll(POLLIN, 10_000);
                if ((r & POLLERR) != 0 || r == 0) {
                    System.out.println("PROBLEM poll returned " + r + " after " + received + " frames");
                    System.exit(2);
                }
                continue;
            }
            int h = rx.head();
            while (h != rx.tail()) {
                var buf = rx.slotBuffer(h);
                String damage = ValeFrames.damage(buf, rx.len(h));
                long seq = ValeFrames.seq(buf);
                if (ValeFrames.stream(buf) >= 0) {
                    if (damage != null || seq <= last) {
                        System.out.println("PROBLEM " + (damage != null ? damage : "frame " + seq + " after " + last));
                        System.exit(2);
                    }
                    last = seq;
                    received++;
                }
                h = rx.next(h);
            }
            rx.advance(h);
            port.rxSync();
        }
        System.out.println("RECEIVED " + received + " DROPPED " + p.droppedFrames());
    }

    private static void send(NetmapPort port, long me, long dst, long count) throws Exception {
        NetmapRing tx = port.txRing(0);
        long seq = 0;
        while (seq < count) {
            int n = (int) Math.min(256, count - seq);
            for (int i = 0; i < n; i++) {
                ValeFrames.queue(tx, dst, me, (int) me, seq++, ValeFrames.LEN);
            }
            port.txSync();
            if ((seq & 4095) == 0) {
                Thread.yield();
            }
        }
    }

    private static void blast(NetmapPort port, long me, long dst) throws Exception {
        NetmapRing tx = port.txRing(0);
        long seq = 0;
        for (;;) {
            for (int i = 0; i < 64; i++) {
                ValeFrames.queue(tx, i == 0 ? ValeFrames.BROADCAST : dst, me, (int) me, seq++, ValeFrames.LEN);
            }
            port.txSync();
        }
    }
}

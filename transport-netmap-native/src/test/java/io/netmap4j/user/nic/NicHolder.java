package io.netmap4j.user.nic;

import io.netmap4j.core.NetmapPort;
import io.netmap4j.spec.PortSpec;
import io.netmap4j.user.UserBackend;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The other process of {@link NicOpenErrorsTest}'s crash tests: {@code NicHolder PORT MECHANISM}
 * opens the port, prints {@code READY} and waits to be killed.
 */
public final class NicHolder {
    private NicHolder() { }

    public static void main(String[] args) throws Exception {
        NetmapPort port = UserBackend.INSTANCE.open(PortSpec.parse(args[0]), NicMechanism.of(args[1]));
        System.out.println("READY " + port);
        System.out.flush();
        Thread.sleep(120_000);
        port.close();
    }

    /** Starts this class in a new JVM with the test's class path and {@code extra} JVM options. */
    static Process start(String port, NicMechanism m, String... extra) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(System.getProperty("java.home") + "/bin/java",
                "-cp", System.getProperty("java.class.path"), "--enable-native-access=ALL-UNNAMED"));
        cmd.addAll(List.of(extra));
        cmd.addAll(List.of(NicHolder.class.getName(), port, m.id()));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    static String awaitReady(Process p) throws IOException {
        StringBuilder all = new StringBuilder();
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = p.getInputStream().read()) >= 0) {
            all.append((char) c);
            if (c == '\n') {
                if (line.toString().startsWith("READY")) {
                    return line.toString();
                }
                line.setLength(0);
            } else {
                line.append((char) c);
            }
        }
        throw new IOException("the holder ended before it was ready:\n" + all);
    }
}

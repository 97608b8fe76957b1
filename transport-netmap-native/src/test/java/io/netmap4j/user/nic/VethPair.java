package io.netmap4j.user.nic;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assumptions.abort;

/**
 * A veth pair that a test makes and removes itself, named {@code nm4jx<pid><n>a} and
 * {@code ...b} so that tests running at the same time on one machine never meet. Both ends
 * start in this process's network namespace, with IPv6 off (so that the host stack sends
 * nothing on them by itself) and no addresses; {@link #moveToNamespace} puts end b into a
 * network namespace of its own, where real programs (ping, tcpdump, ...) run with
 * {@link #inNamespace}. Needs root and iproute2; {@link #requireSupport()} skips the test with the
 * reason otherwise.
 */
public final class VethPair implements AutoCloseable {
    private static final AtomicInteger NEXT = new AtomicInteger();
    private static final long PID = ProcessHandle.current().pid();

    public final String a;
    public final String b;
    private String namespace;

    private VethPair(String a, String b) {
        this.a = a;
        this.b = b;
    }

    /** Skips the calling test, saying why, unless this process may make veth pairs. */
    public static void requireSupport() {
        String why = unsupportedReason();
        if (why != null) {
            abort(why);
        }
    }

    /** Skips the calling test, naming the first of {@code programs} that is not installed. */
    public static void requirePrograms(String... programs) {
        for (String program : programs) {
            try {
                if (run(List.of("sh", "-c", "command -v " + program), false).code != 0) {
                    abort(program + " is not installed (.ci/run installs it)");
                }
            } catch (IOException e) {
                abort("cannot look for " + program + ": " + e.getMessage());
            }
        }
    }

    /** Why veth tests cannot run here, or null if they can. */
    public static String unsupportedReason() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return "veth interop tests need root (network namespaces, veth pairs, XDP); running as "
                    + System.getProperty("user.name");
        }
        try {
            if (run(List.of("ip", "-V"), false).code != 0) {
                return "veth interop tests need iproute2 (`ip`), which did not run";
            }
            if (run(List.of("sh", "-c", "command -v ethtool"), false).code != 0) {
                return "veth interop tests need ethtool (.ci/run installs it)";
            }
        } catch (IOException e) {
            return "veth interop tests need iproute2 (`ip`): " + e.getMessage();
        }
        return null;
    }

    /** A new pair with one queue per direction on each end. */
    public static VethPair create() throws IOException {
        return create(1);
    }

    /** A new pair with {@code queues} RX and TX queues on each end, both ends up. */
    public static VethPair create(int queues) throws IOException {
        int n = NEXT.incrementAndGet();
        String base = "nm4jx" + PID + "v" + n;
        if (base.length() > 14) {
            base = "nm4jx" + (PID % 1_000_000) + "v" + (n % 100);
        }
        VethPair p = new VethPair(base + "a", base + "b");
        try {
            String q = Integer.toString(queues);
            check(List.of("ip", "link", "add", p.a, "numtxqueues", q, "numrxqueues", q, "type", "veth", "peer", "name",
                    p.b, "numtxqueues", q, "numrxqueues", q));
            noIpv6(p.a);
            noIpv6(p.b);
            // GRO on gives each end a NAPI ring, which pushes back on a sender that is faster than
            // the receiver (without it, veth drops past the backlog of 1000 frames): the tests check
            // order and completeness, not how a NIC drops under overload
            check(List.of("ethtool", "-K", p.a, "gro", "on"));
            check(List.of("ethtool", "-K", p.b, "gro", "on"));
            check(List.of("ip", "link", "set", p.a, "up"));
            check(List.of("ip", "link", "set", p.b, "up"));
            return p;
        } catch (IOException | RuntimeException e) {
            p.close();
            throw e;
        }
    }

    private static void noIpv6(String ifName) throws IOException {
        Path p = Path.of("/proc/sys/net/ipv6/conf/" + ifName + "/disable_ipv6");
        if (Files.exists(p)) {
            Files.writeString(p, "1");
        }
    }

    /**
     * Moves end b into a new network namespace ({@code nm4jx<pid>n<n>}), up, with IPv6 off and
     * {@code address} (for example {@code 198.18.0.2/24}; null for none).
     */
    public VethPair moveToNamespace(String address) throws IOException {
        namespace = a.substring(0, a.length() - 1) + "n";
        check(List.of("ip", "netns", "add", namespace));
        check(List.of("ip", "link", "set", b, "netns", namespace));
        check(inNamespace("sh", "-c", "echo 1 > /proc/sys/net/ipv6/conf/" + b + "/disable_ipv6"));
        if (address != null) {
            check(inNamespace("ip", "addr", "add", address, "dev", b));
        }
        check(inNamespace("ip", "link", "set", "lo", "up"));
        check(inNamespace("ip", "link", "set", b, "up"));
        return this;
    }

    /** The namespace of end b, or null if it is in ours. */
    public String namespace() {
        return namespace;
    }

    /** A command line that runs {@code command} in end b's namespace. */
    public List<String> inNamespace(String... command) {
        List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
        c.addAll(List.of(command));
        return c;
    }

    /** Runs a command and fails if it exits with anything but 0. */
    public static void check(List<String> command) throws IOException {
        Result r = run(command, true);
        if (r.code != 0) {
            throw new IOException(String.join(" ", command) + " exited with " + r.code + ": " + r.output);
        }
    }

    /** Runs a command, waits up to a minute, returns its exit code and output (stdout and stderr). */
    public static Result run(List<String> command, boolean mustStart) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(1, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", command) + " did not finish within a minute");
            }
            return new Result(p.exitValue(), out);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** What a command did. */
    public record Result(int code, String output) { }

    /** The XDP program ids attached to end a, as `ip link` shows them ("" when none). */
    public String xdpOfA() throws IOException {
        Result r = run(List.of("ip", "-d", "link", "show", a), true);
        int i = r.output.indexOf("prog/xdp");
        return i < 0 ? "" : r.output.substring(i, r.output.indexOf('\n', i) < 0 ? r.output.length() : r.output.indexOf('\n', i));
    }

    /** Removes the pair (both ends go with one) and the namespace. Never throws. */
    @Override
    public void close() {
        try {
            if (namespace != null) {
                run(List.of("ip", "netns", "del", namespace), false); // takes end b, and so the pair, with it
            }
            run(List.of("ip", "link", "del", a), false);
        } catch (IOException e) {
            // best effort: a pair left behind is named after this process and harms nobody
        }
    }
}

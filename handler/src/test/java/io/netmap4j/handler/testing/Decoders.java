package io.netmap4j.handler.testing;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Real decoders nobody here wrote, run on pcap files the tests write: tshark (field by field) and
 * tcpdump. A test that needs one that is missing is skipped, saying which Debian package to
 * install; under CI (CI=true, where .ci/run installs them) it fails instead.
 */
public final class Decoders {
    private Decoders() {
    }

    public static void requireProgram(String program, String debianPackage) {
        boolean present = run(List.of("sh", "-c", "command -v " + program)).exitCode == 0;
        if (!present && "true".equals(System.getenv("CI"))) {
            throw new AssertionError(program + " is missing under CI; .ci/run should install " + debianPackage);
        }
        Assumptions.assumeTrue(present, program + " is not installed (apt-get install " + debianPackage + ")");
    }

    /**
     * tshark's view of each frame of {@code pcap}: for every frame a map from field name to its
     * value (several values joined with ','), checksums verified, no reassembly.
     */
    public static List<Map<String, String>> tsharkFields(Path pcap, String... fields) {
        requireProgram("tshark", "tshark");
        List<String> cmd = new ArrayList<>(List.of("tshark", "-n", "-r", pcap.toString(), "-T", "fields",
                "-E", "separator=|", "-E", "occurrence=a", "-E", "aggregator=,",
                "-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
                "-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE"));
        for (String f : fields) {
            cmd.add("-e");
            cmd.add(f);
        }
        Result r = run(cmd);
        if (r.exitCode != 0) {
            throw new AssertionError("tshark failed (" + r.exitCode + "): " + r.err);
        }
        List<Map<String, String>> frames = new ArrayList<>();
        for (String line : r.out.split("\n", -1)) {
            if (line.isEmpty()) {
                continue;
            }
            String[] values = line.split("\\|", -1);
            Map<String, String> m = new LinkedHashMap<>();
            for (int i = 0; i < fields.length; i++) {
                m.put(fields[i], i < values.length ? values[i] : "");
            }
            frames.add(m);
        }
        return frames;
    }

    /** tcpdump's hex dump of every frame ({@code -xx}), timestamps left out, one string per frame. */
    public static List<String> tcpdumpHex(Path pcap) {
        requireProgram("tcpdump", "tcpdump");
        Result r = run(List.of("tcpdump", "-n", "-t", "-xx", "-r", pcap.toString()));
        if (r.exitCode != 0) {
            throw new AssertionError("tcpdump -r " + pcap + " failed (" + r.exitCode + "): " + r.err);
        }
        List<String> frames = new ArrayList<>();
        StringBuilder cur = null;
        for (String line : r.out.split("\n")) {
            if (line.startsWith("\t0x")) {
                if (cur != null) {
                    cur.append(line.substring(line.indexOf(':') + 1).replace(" ", "").trim());
                }
            } else {
                if (cur != null) {
                    frames.add(cur.toString());
                }
                cur = new StringBuilder();
            }
        }
        if (cur != null) {
            frames.add(cur.toString());
        }
        return frames;
    }

    /** Runs tcpdump with {@code args} and returns its exit code, stdout and stderr. */
    public static Result tcpdump(String... args) {
        requireProgram("tcpdump", "tcpdump");
        List<String> cmd = new ArrayList<>();
        cmd.add("tcpdump");
        cmd.addAll(Arrays.asList(args));
        return run(cmd);
    }

    public record Result(int exitCode, String out, String err) {
    }

    public static Result run(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).start();
            p.getOutputStream().close();
            byte[][] outErr = new byte[2][];
            Thread t = Thread.ofVirtual().start(() -> {
                try {
                    outErr[1] = p.getErrorStream().readAllBytes();
                } catch (IOException e) {
                    outErr[1] = e.toString().getBytes(StandardCharsets.UTF_8);
                }
            });
            outErr[0] = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(cmd + " did not finish in 60 s");
            }
            t.join();
            return new Result(p.exitValue(), new String(outErr[0], StandardCharsets.UTF_8),
                    new String(outErr[1], StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new Result(127, "", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}

package io.netmap4j.user;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A throw-away system user that a test creates (useradd) and deletes afterwards (userdel), and
 * runs commands as (setpriv, with no supplementary groups). Needs root; tests that use it are
 * skipped, saying so, elsewhere.
 */
final class SecondUser implements AutoCloseable {
    private static final AtomicInteger NEXT = new AtomicInteger();

    final String name;
    final int uid;
    final int gid;

    private SecondUser(String name, int uid, int gid) {
        this.name = name;
        this.uid = uid;
        this.gid = gid;
    }

    static SecondUser create() throws IOException, InterruptedException {
        assumeTrue("root".equals(System.getProperty("user.name")),
                "creating a second user needs root (useradd); this test runs on CI, which is root");
        String name = "nm4j" + ProcessHandle.current().pid() + "u" + NEXT.incrementAndGet();
        // other engineers' tests may hold the passwd lock for a moment: retry
        Result added = null;
        for (int attempt = 0; attempt < 20; attempt++) {
            added = run(List.of("useradd", "--system", "--no-create-home", "--user-group", "--shell", "/usr/sbin/nologin",
                    name));
            if (added.code == 0) {
                break;
            }
            Thread.sleep(100);
        }
        if (added.code != 0) {
            throw new IOException("useradd " + name + " failed: " + added.output);
        }
        int uid = Integer.parseInt(run(List.of("id", "-u", name)).output.trim());
        int gid = Integer.parseInt(run(List.of("id", "-g", name)).output.trim());
        return new SecondUser(name, uid, gid);
    }

    /** Runs {@code command} as this user; returns its exit code and output (stdout and stderr). */
    Result runAs(List<String> command) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>(List.of("setpriv", "--reuid=" + uid, "--regid=" + gid, "--clear-groups",
                "--"));
        full.addAll(command);
        return run(full);
    }

    record Result(int code, String output) { }

    static Result run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", command) + " did not finish in 60 s: " + out);
        }
        return new Result(p.exitValue(), out);
    }

    @Override
    public void close() throws IOException, InterruptedException {
        for (int attempt = 0; attempt < 20; attempt++) {
            if (run(List.of("userdel", name)).code == 0) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IOException("userdel " + name + " failed; remove the user by hand");
    }
}

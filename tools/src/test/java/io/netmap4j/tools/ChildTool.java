package io.netmap4j.tools;

import io.netmap4j.user.UserBackend;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A tool running in a child JVM (this test's class path and pipe directory): the process at the
 * other end of a pipe, for tests where that process must die. {@link #start} returns once the
 * tool printed the line that says it runs; {@link #killAfter} kills it a while later.
 */
final class ChildTool implements AutoCloseable {
    private final Process process;
    private Thread killer;

    private ChildTool(Process process) {
        this.process = process;
    }

    /** Starts {@code main} with {@code args} and waits for a line of its output that starts with {@code running}. */
    static ChildTool start(Class<?> main, String running, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(System.getProperty("java.home") + "/bin/java",
                "-cp", System.getProperty("java.class.path"), "--enable-native-access=ALL-UNNAMED",
                "-D" + UserBackend.SHM_DIR_PROPERTY + "=" + UserBackend.shmDir(), main.getName()));
        command.addAll(List.of(args));
        ChildTool child = new ChildTool(new ProcessBuilder(command).redirectErrorStream(true).start());
        StringBuilder output = new StringBuilder();
        BufferedReader lines = new BufferedReader(new InputStreamReader(child.process.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = lines.readLine()) != null && !line.startsWith(running)) {
            output.append(line).append('\n');
        }
        if (line == null) {
            child.close();
        }
        assertTrue(line != null, main.getSimpleName() + " did not start:\n" + output);
        return child;
    }

    /** Kills the tool (SIGKILL) {@code millis} from now, on a thread of its own. */
    void killAfter(long millis) {
        killer = new Thread(() -> {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                return;
            }
            process.destroyForcibly();
        });
        killer.start();
    }

    @Override
    public void close() {
        try {
            if (killer != null) {
                killer.join();
            }
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

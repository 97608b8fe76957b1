package io.netmap4j.abi;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.abort;

/**
 * Compiles {@code src/test/c/abi_layout_check.c} with gcc. That file includes the project's
 * {@code netmap_abi.h} and asserts, at compile time, every struct size, field offset and constant
 * of NETMAP-ABI.md, recomputes the ioctl numbers with the kernel's macros and checks the libc
 * declarations against glibc's. Nothing is linked or run: a successful compile is the check.
 *
 * <p>Without gcc the check cannot run. On CI (environment variable {@code CI} set) that is a
 * failure, so that the check is never silently lost; on a developer machine the test is skipped.
 */
class HeaderCompilesWithGccTest {

    private static final String GCC = "gcc";

    @Test
    void layoutCheckCompiles() throws IOException, InterruptedException {
        Path source = AbiLayoutTest.moduleDir().resolve("src/test/c/abi_layout_check.c");
        assertTrue(Files.isRegularFile(source), "missing " + source.toAbsolutePath());
        requireGcc();

        List<String> command = List.of(GCC, "-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic",
                "-fsyntax-only", source.toString());
        Result result = run(command);
        if (result.exitCode() != 0) {
            fail("netmap_abi.h disagrees with the ABI facts; " + String.join(" ", command) + " exited with "
                    + result.exitCode() + ":\n" + result.output());
        }
    }

    private static void requireGcc() throws InterruptedException {
        String why;
        try {
            Result version = run(List.of(GCC, "--version"));
            if (version.exitCode() == 0) {
                return;
            }
            why = "'" + GCC + " --version' exited with " + version.exitCode() + ": " + version.output();
        } catch (IOException e) {
            why = "cannot run " + GCC + " (" + e.getMessage() + ")";
        }
        if (System.getenv("CI") != null) {
            fail(why + "; CI is set, so the C layout check must run: install gcc on the build machine");
        }
        abort(why + "; skipping the C layout check of netmap_abi.h (install gcc, or set CI to make this fail)");
    }

    private record Result(int exitCode, String output) { }

    private static Result run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        // Read before waiting: gcc blocks if its output pipe fills up.
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        // A guard against a hung compiler, not a timing assertion.
        if (!process.waitFor(2, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            fail(String.join(" ", command) + " did not finish within 2 minutes:\n" + output);
        }
        return new Result(process.exitValue(), output);
    }
}

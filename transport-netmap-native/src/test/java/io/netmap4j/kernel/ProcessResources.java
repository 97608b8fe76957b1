package io.netmap4j.kernel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** What this process holds, read from /proc: to prove that a failed open left nothing behind. */
final class ProcessResources {
    private ProcessResources() { }

    /** Open file descriptors. */
    static long fdCount() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Mappings whose line in /proc/self/maps mentions {@code needle} (a file path, a device). */
    static long mappingsOf(String needle) {
        try (Stream<String> maps = Files.lines(Path.of("/proc/self/maps"))) {
            return maps.filter(l -> l.contains(needle)).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

package io.netmap4j.netty.reliability;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * What a process holds that a leak would grow: its open descriptors (by what they point to) and
 * its file-backed mappings (/proc/self/fd, /proc/self/maps), and the netmap4j files in the
 * shared-memory directory that carry a given name. Two snapshots taken around some work must be
 * equal when the work gave back everything it took.
 */
record ProcessFootprint(Map<String, Integer> descriptors, TreeSet<String> mappedFiles, int mappings, List<String> shmFiles) {

    static ProcessFootprint take(String shmDir, String namePart) throws IOException {
        Map<String, Integer> fds = new TreeMap<>();
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) s::iterator) {
                try {
                    fds.merge(kind(Files.readSymbolicLink(fd).toString()), 1, Integer::sum);
                } catch (IOException gone) {
                    // the listing's own descriptor
                }
            }
        }
        TreeSet<String> files = new TreeSet<>();
        int count = 0;
        for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
            count++;
            int slash = line.indexOf('/');
            if (slash >= 0) {
                files.add(line.substring(slash));
            }
        }
        List<String> shm = new ArrayList<>();
        try (Stream<Path> s = Files.list(Path.of(shmDir))) {
            s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("netmap4j-") && n.contains(namePart))
                    .sorted().forEach(shm::add);
        }
        return new ProcessFootprint(fds, files, count, shm);
    }

    /** Anonymous descriptors (pipes, sockets, eventfds) are told apart only by kind: their ids change. */
    private static String kind(String target) {
        int bracket = target.indexOf(":[");
        return bracket > 0 ? target.substring(0, bracket) : target;
    }

    /**
     * Null when {@code after} holds nothing more than this snapshot, else what it holds more. An
     * event loop's ready board (file, FIFO, mapping) is left out: a loop makes it once, the first
     * time it lets a port wait in it, which may fall inside the churn, and keeps it for its life.
     */
    String grownIn(ProcessFootprint after) {
        StringBuilder b = new StringBuilder();
        after.descriptors.forEach((k, n) -> {
            int before = descriptors.getOrDefault(k, 0);
            if (n > before && !isReadyBoard(k)) {
                b.append("descriptors ").append(k).append(": ").append(before).append(" -> ").append(n).append("; ");
            }
        });
        for (String f : after.mappedFiles) {
            if (!mappedFiles.contains(f) && !isReadyBoard(f)) {
                b.append("mapped ").append(f).append("; ");
            }
        }
        if (!after.shmFiles.isEmpty()) {
            b.append("files left in the shared-memory directory: ").append(after.shmFiles);
        }
        return b.isEmpty() ? null : b.toString();
    }

    private static boolean isReadyBoard(String path) {
        return path.contains("/netmap4j-%ready-");
    }
}

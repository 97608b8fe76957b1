package io.netmap4j.user;

import io.netmap4j.spec.PortSpec;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * What another user tries against a pipe it does not own, run as that user by
 * {@link UserPipeIsolationTest}: {@code REGION FIFO PORT} reads, writes and maps the region file,
 * writes into a doorbell, and opens the same pipe through the API. One line per attempt, saying
 * what happened.
 */
public final class IsolationIntruder {
    private IsolationIntruder() { }

    public static void main(String[] args) {
        Path region = Path.of(args[0]);
        Path fifo = Path.of(args[1]);
        System.out.println("read region: " + attempt(() -> {
            try (FileChannel ch = FileChannel.open(region, StandardOpenOption.READ)) {
                ch.read(ByteBuffer.allocate(8));
            }
        }));
        System.out.println("map region: " + attempt(() -> {
            try (FileChannel ch = FileChannel.open(region, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                ch.map(FileChannel.MapMode.READ_WRITE, 0, 4096).putLong(0, 0);
            }
        }));
        System.out.println("ring doorbell: " + attempt(() -> {
            try (FileChannel ch = FileChannel.open(fifo, StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap(new byte[] {1}));
            }
        }));
        System.out.println("open port: " + attempt(() -> UserBackend.INSTANCE.open(PortSpec.parse(args[2])).close()));
    }

    private interface Attempt {
        void run() throws IOException;
    }

    private static String attempt(Attempt a) {
        try {
            a.run();
            return "done";
        } catch (IOException | RuntimeException e) {
            return e.getClass().getSimpleName() + ": " + e.getMessage();
        }
    }
}

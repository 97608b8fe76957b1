package io.netmap4j.user;

import io.netmap4j.core.NetmapPort;
import io.netmap4j.spec.PortSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Frames between two JVMs over a pipe: sequence-numbered 64-byte frames with a payload that
 * depends on the number, checked frame by frame on the receiving side, in both directions.
 * The count is {@code -Dnetmap4j.test.frames} (default 2 million, enough for CI).
 */
class UserPipeCrossProcessTest {
    private static final long FRAMES = Long.getLong("netmap4j.test.frames", 2_000_000L);

    private static String parent(String tag) {
        return "netmap:xp" + ProcessHandle.current().pid() + tag;
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void anotherProcessSendsAndThisOneChecksEveryFrame() throws Exception {
        String name = parent("a");
        try (NetmapPort master = UserBackend.INSTANCE.open(PortSpec.parse(name + "{1"))) {
            Process child = PipePeer.start("send", name + "}1", Long.toString(FRAMES));
            try {
                PipePeer.awaitReady(child);
                long t0 = System.nanoTime();
                assertNull(PipePeer.receive(master, FRAMES));
                long t1 = System.nanoTime();
                assertEquals(0, child.waitFor(), output(child));
                System.out.printf("cross-process: %,d frames of %d B in %.2f s (%.1f M frames/s)%n", FRAMES,
                        PipePeer.FRAME, (t1 - t0) / 1e9, FRAMES * 1e3 / (t1 - t0));
                assertEquals(0, ((UserPipePort) master).droppedFrames());
            } finally {
                child.destroyForcibly();
            }
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void thisProcessSendsAndAnotherOneChecksEveryFrame() throws Exception {
        String name = parent("b");
        try (NetmapPort slave = UserBackend.INSTANCE.open(PortSpec.parse(name + "}7"))) {
            Process child = PipePeer.start("recv", name + "{7", Long.toString(FRAMES));
            try {
                PipePeer.awaitReady(child);
                PipePeer.send(slave, FRAMES);
                assertEquals(0, child.waitFor(), output(child));
            } finally {
                child.destroyForcibly();
            }
        }
    }

    private static String output(Process p) {
        try {
            return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }
}

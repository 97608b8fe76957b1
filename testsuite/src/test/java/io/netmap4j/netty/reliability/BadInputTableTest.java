package io.netmap4j.netty.reliability;

import io.netmap4j.netty.NetmapIoHandler;
import io.netmap4j.netty.reliability.BadInputs.BadInput;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Runs every entry of {@link BadInputs} and checks that the user gets exactly the exception it
 * lists; and checks that the README's bad-input table is the same list, rendered.
 * {@code -Dnetmap4j.readme.write=true} rewrites that table; {@code -Dnetmap4j.badinput.print=FILE}
 * writes what each entry really gives, one Java string literal per line.
 */
class BadInputTableTest {
    static final String BEGIN = "<!-- bad-input table: generated from testsuite/.../BadInputs.java by BadInputTableTest; "
            + "do not edit by hand -->";
    static final String END = "<!-- end of the bad-input table -->";
    private static EventLoopGroup group;

    @BeforeAll
    static void startGroup() {
        group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("bad-input", true), NetmapIoHandler.newFactory());
    }

    @AfterAll
    static void stopGroup() throws InterruptedException {
        group.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
    }

    /** What the user sees: the exception's simple class name and message, or that nothing was refused. */
    static String seen(Throwable t, BadInputFixture f) {
        return t == null ? "(accepted)" : t.getClass().getSimpleName() + ": " + f.shown(t.getMessage());
    }

    static String run(BadInput entry) throws Exception {
        try (BadInputFixture f = new BadInputFixture(group)) {
            return seen(entry.attempt().run(f), f);
        }
    }

    @TestFactory
    Stream<DynamicTest> everyBadInputGetsExactlyItsMessage() {
        return BadInputs.ALL.stream().map(e -> DynamicTest.dynamicTest(e.area() + ": " + e.input(),
                () -> assertEquals(e.seen(), run(e), e.input())));
    }

    @Test
    void theTableHasAtLeastAHundredDistinctInputs() {
        Set<String> inputs = new HashSet<>();
        for (BadInput e : BadInputs.ALL) {
            assertTrue(inputs.add(e.area() + " " + e.input()), "listed twice: " + e.input());
            assertTrue(!e.seen().startsWith("(accepted)"), "not refused: " + e.input());
        }
        assertTrue(inputs.size() >= 100, "only " + inputs.size() + " inputs");
    }

    @Test
    void theReadmeTableIsTheList() throws IOException {
        Path readme = Path.of("..", "README.md").toAbsolutePath().normalize();
        String text = Files.readString(readme, StandardCharsets.UTF_8);
        int begin = text.indexOf(BEGIN);
        int end = text.indexOf(END);
        if (begin < 0 || end < begin) {
            fail(readme + " has no bad-input table between the lines\n" + BEGIN + "\n" + END);
        }
        String table = render();
        String current = text.substring(begin + BEGIN.length(), end);
        if (Boolean.getBoolean("netmap4j.readme.write")) {
            Files.writeString(readme, text.substring(0, begin + BEGIN.length()) + table + text.substring(end),
                    StandardCharsets.UTF_8);
            return;
        }
        assertEquals(table, current, "the README's bad-input table differs from BadInputs; rewrite it with "
                + "./mvnw -B -q verify -pl testsuite -am -Dtest=BadInputTableTest -Dsurefire.failIfNoSpecifiedTests=false "
                + "-Dnetmap4j.readme.write=true");
    }

    /** The table as it stands between the markers (one line per entry; a message's first line only). */
    static String render() {
        StringBuilder b = new StringBuilder("\n| | what | the user gets |\n|---|---|---|\n");
        for (BadInput e : BadInputs.ALL) {
            String first = e.seen().lines().findFirst().orElse("");
            b.append("| ").append(e.area()).append(" | ").append(cell(e.input())).append(" | `")
                    .append(cell(first).replace("`", "'")).append("` |\n");
        }
        return b.toString();
    }

    private static String cell(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c == '|') {
                b.append("\\|");
            } else if (c < 0x20) {
                b.append(String.format("\\u%04x", (int) c)); // a control character, shown as Java writes it
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** With -Dnetmap4j.badinput.print=FILE: what every entry gives now, as Java string literals. */
    @Test
    void printWhatEveryEntryGivesWhenAsked() throws Exception {
        String file = System.getProperty("netmap4j.badinput.print");
        if (file == null) {
            return;
        }
        List<String> lines = new ArrayList<>();
        for (BadInput e : BadInputs.ALL) {
            lines.add(literal(run(e)));
        }
        Files.write(Path.of(file), lines, StandardCharsets.UTF_8);
    }

    private static String literal(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                default -> b.append(c < 0x20 ? String.format("\\u%04x", (int) c) : String.valueOf(c));
            }
        }
        return b.append('"').toString();
    }
}

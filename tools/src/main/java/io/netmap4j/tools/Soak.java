package io.netmap4j.tools;

import io.netmap4j.netty.NetmapAddress;
import io.netmap4j.netty.NetmapChannel;
import io.netmap4j.netty.NetmapChannelOption;
import io.netmap4j.netty.NetmapIoHandler;
import io.netmap4j.netty.NetmapIoHandlerConfig;
import io.netmap4j.netty.NetmapTxBatch;
import io.netmap4j.netty.NetmapTxSlots;
import io.netmap4j.tools.PktGenOptions.UsageException;
import io.netmap4j.user.UserPipePort;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code soak}: a long run of both directions of one pipe between two processes, through Netty
 * channels, checking every frame: its sequence number (nothing lost, nothing reordered), its
 * length and its whole payload (nothing corrupted). Each side samples its file descriptors,
 * mappings and resident memory every 10 s and at the end, and fails when descriptors grew or
 * when no frame moved for {@code --stall} seconds. The first process starts the second one itself.
 *
 * <pre>
 * tools/soak -n 1G              # 10^9 frames each way, 64-byte frames
 * tools/soak -n 10M -l 60-1514  # lengths drawn per frame
 * </pre>
 */
public final class Soak {
    static final String USAGE = """
            usage: soak [-n FRAMES] [-l LEN|MIN-MAX] [-i NAME] [--spin-nanos N] [--burst B --gap-us G] [--stall S]
              -n FRAMES       frames each way (default 10M; k, M, G suffixes)
              -l LEN|MIN-MAX  frame length, or a range drawn per frame (default 64; 30..2048)
              -i NAME         pipe parent name (default soak<pid>): this process opens netmap:NAME{0,
                              the second process netmap:NAME}0
              --spin-nanos N  the event loops spin N ns after I/O before sleeping (default Netty loop's)
              --burst B --gap-us G  send B frames, then pause G microseconds (makes the receiver sleep
                              and be woken over and over)
              --stall S       fail when nothing moves for S seconds (default 10)
              -q              no per-10-second samples
            """;
    private static final long MIX = 0x9E3779B97F4A7C15L;
    private static final ValueLayout.OfLong WORD = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final long SAMPLE_NANOS = TimeUnit.SECONDS.toNanos(10);

    long frames = 10_000_000;
    int minLen = 64;
    int maxLen = 64;
    String name;
    String side;
    long spinNanos = -1;
    int burst;
    long gapMicros;
    long stallSeconds = 10;
    boolean quiet;

    public static void main(String[] args) throws Exception {
        System.exit(execute(args, System.out, System.err));
    }

    static int execute(String[] args, PrintStream out, PrintStream err) throws Exception {
        Args a = new Args("soak", args);
        if (a.wantsHelp()) {
            out.print(USAGE);
            return 0;
        }
        Soak s = new Soak();
        try {
            s.parse(a);
        } catch (UsageException e) {
            err.println("soak: " + e.getMessage());
            err.println("Try 'soak --help' for the options.");
            return 2;
        }
        if (s.side != null) {
            return s.runSide(out) ? 0 : 1;
        }
        return s.runBoth(args, out) ? 0 : 1;
    }

    private void parse(Args a) throws UsageException {
        while (a.hasNext()) {
            String flag = a.next();
            switch (flag) {
                case "-n" -> frames = Args.parseNumber(flag, a.value(flag));
                case "-l" -> {
                    String v = a.value(flag);
                    int dash = v.indexOf('-');
                    minLen = (int) Args.parseNumber(flag, dash < 0 ? v : v.substring(0, dash));
                    maxLen = dash < 0 ? minLen : (int) Args.parseNumber(flag, v.substring(dash + 1));
                    if (minLen < 30 || maxLen > 2048 || minLen > maxLen) {
                        throw new UsageException("-l " + v + ": lengths must be within 30..2048, MIN <= MAX");
                    }
                }
                case "-i" -> name = a.value(flag);
                case "--side" -> side = a.value(flag);
                case "--spin-nanos" -> spinNanos = a.number(flag, 0, Long.MAX_VALUE);
                case "--burst" -> burst = (int) a.number(flag, 1, 1 << 20);
                case "--gap-us" -> gapMicros = a.number(flag, 0, 10_000_000);
                case "--stall" -> stallSeconds = a.number(flag, 1, 3600);
                case "-q" -> quiet = true;
                default -> throw new UsageException("unknown argument '" + flag + "'");
            }
        }
        if (frames < 1) {
            throw new UsageException("-n: at least one frame");
        }
        if (side != null && !side.equals("master") && !side.equals("slave")) {
            throw new UsageException("--side must be master or slave");
        }
        if (name == null) {
            name = "soak" + ProcessHandle.current().pid();
        }
    }

    /** Starts the slave side in a second JVM, runs the master side here, and reports both. */
    private boolean runBoth(String[] args, PrintStream out) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path")));
        String shm = System.getProperty("netmap4j.shm.dir");
        if (shm != null) {
            cmd.add("-Dnetmap4j.shm.dir=" + shm);
        }
        cmd.add(Soak.class.getName());
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("-i", name, "--side", "slave"));
        out.println("soak: " + frames + " frames each way over netmap:" + name + "{0 (this process, pid "
                + ProcessHandle.current().pid() + ") <-> netmap:" + name + "}0 (a second process), lengths " + minLen
                + (maxLen == minLen ? "" : ".." + maxLen));
        Process peer = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        Thread relay = Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(peer.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    out.println("  [slave] " + line);
                }
            } catch (IOException ignored) {
                // the peer's output ends with it
            }
        });
        side = "master";
        boolean ok;
        try {
            ok = runSide(out);
        } finally {
            if (!peer.waitFor(stallSeconds + 30, TimeUnit.SECONDS)) {
                peer.destroyForcibly();
                out.println("soak: the second process did not finish; killed");
            }
            relay.join(5000);
        }
        boolean peerOk = peer.exitValue() == 0;
        out.println(ok && peerOk ? "soak: PASS" : "soak: FAIL (this side " + (ok ? "ok" : "failed")
                + ", second process exited with " + peer.exitValue() + ")");
        return ok && peerOk;
    }

    /** One side: sends {@code frames} frames, receives and checks the peer's, samples resources. */
    private boolean runSide(PrintStream out) throws Exception {
        String port = "netmap:" + name + (side.equals("master") ? "{0" : "}0");
        NetmapIoHandlerConfig config = new NetmapIoHandlerConfig();
        if (spinNanos >= 0) {
            config.setSpinNanos(spinNanos);
        }
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("soak-" + side, true),
                NetmapIoHandler.newFactory(config));
        Checker checker = new Checker();
        Sender sender = new Sender();
        Resources start = null;
        Resources last;
        long startNanos = System.nanoTime();
        try {
            Channel ch = new Bootstrap().group(group).channel(NetmapChannel.class)
                    .option(NetmapChannelOption.RX_ZERO_COPY, true)
                    .handler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            checker.check((ByteBuf) msg);
                        }

                        @Override
                        public void channelReadComplete(ChannelHandlerContext ctx) {
                            checker.publish();
                        }
                    })
                    .bind(NetmapAddress.of(port)).sync().channel();
            sender.start(ch);
            long nextSample = System.nanoTime() + SAMPLE_NANOS;
            long lastMoved = System.nanoTime();
            long lastProgress = -1;
            while (checker.received < frames || sender.sent < frames) {
                Thread.sleep(20);
                long now = System.nanoTime();
                long progress = checker.received + sender.sent;
                if (progress != lastProgress) {
                    lastProgress = progress;
                    lastMoved = now;
                } else if (now - lastMoved > TimeUnit.SECONDS.toNanos(stallSeconds)) {
                    out.println(side + ": STALLED: nothing moved for " + stallSeconds + " s (sent " + sender.sent
                            + ", received " + checker.received + ")" + wakeStats(ch));
                    break;
                }
                if (start == null && (checker.received >= frames / 100 || now - startNanos >= SAMPLE_NANOS)) {
                    // the baseline, once both directions run: the doorbell of the peer is opened
                    // the first time it is rung, and Netty makes its pools on first use
                    start = Resources.sample();
                }
                if (!ch.isActive()) {
                    out.println(side + ": the channel closed (sent " + sender.sent + ", received " + checker.received + ")");
                    break;
                }
                if (now - nextSample >= 0) {
                    nextSample += SAMPLE_NANOS;
                    if (!quiet) {
                        out.println(String.format(Locale.ROOT, "%s %6.0f s  sent %d  received %d  %s%s", side,
                                (now - startNanos) / 1e9, sender.sent, checker.received, Resources.sample(), wakeStats(ch)));
                    }
                }
            }
            last = Resources.sample();
            if (start == null) {
                start = last;
            }
            String wake = wakeStats(ch);
            ch.close().sync();
            double secs = (System.nanoTime() - startNanos) / 1e9;
            boolean complete = sender.sent == frames && checker.received == frames;
            boolean clean = checker.lost == 0 && checker.reordered == 0 && checker.corrupted == 0;
            boolean flat = last.fds == start.fds;
            out.println(String.format(Locale.ROOT, "%s: sent %d, received %d in %.1f s (%.2f M frames/s each way): "
                            + "%d lost, %d reordered, %d corrupted; fds (without doorbells) %d -> %d, mappings %d -> %d, RSS %d -> %d MiB%s",
                    side, sender.sent, checker.received, secs, checker.received / secs / 1e6, checker.lost,
                    checker.reordered, checker.corrupted, start.fds, last.fds, start.maps, last.maps,
                    start.rssKib >> 10, last.rssKib >> 10, wake));
            if (checker.firstProblem != null) {
                out.println(side + ": first problem: " + checker.firstProblem);
            }
            return complete && clean && flat && lateWakeups == 0;
        } finally {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    /** Wake-up figures of the port, read on its event loop; late wake-ups fail the run. */
    private String wakeStats(Channel ch) {
        try {
            return ch.eventLoop().submit(() -> {
                if (((NetmapChannel) ch).port() instanceof UserPipePort p) {
                    lateWakeups = p.lateWakeups();
                    return ", doorbell writes " + p.doorbellWrites() + ", late wake-ups " + lateWakeups;
                }
                return "";
            }).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            return ", wake-up figures unavailable (" + e + ")";
        }
    }

    private volatile long lateWakeups;

    int lengthOf(long seq) {
        if (minLen == maxLen) {
            return minLen;
        }
        long h = (seq + 1) * MIX;
        return minLen + (int) Long.remainderUnsigned(h ^ h >>> 29, maxLen - minLen + 1);
    }

    /** Word {@code k} of frame {@code seq}; word 0 is the sequence number itself. */
    static long word(long seq, int k) {
        return k == 0 ? seq : seq * MIX + k;
    }

    /** Sends frames 0..frames-1 from the event loop, many per message, in bursts if asked. */
    private final class Sender implements NetmapTxBatch {
        volatile long sent;
        private long next;
        private long burstLeft;
        private Channel ch;

        void start(Channel channel) {
            ch = channel;
            burstLeft = burst;
            ch.eventLoop().execute(() -> ch.writeAndFlush(this, ch.voidPromise()));
        }

        @Override
        public boolean fill(NetmapTxSlots slots) {
            MemorySegment region = slots.region();
            while (slots.remaining() > 0 && next < frames) {
                if (burst > 0 && burstLeft == 0) {
                    burstLeft = burst;
                    ch.eventLoop().schedule(() -> ch.writeAndFlush(this, ch.voidPromise()), gapMicros, TimeUnit.MICROSECONDS);
                    sent = next;
                    return true;
                }
                int len = lengthOf(next);
                long base = slots.bufferOffset();
                int words = len / 8;
                for (int k = 0; k < words; k++) {
                    region.set(WORD, base + 8L * k, word(next, k));
                }
                for (int b = words * 8; b < len; b++) {
                    region.set(ValueLayout.JAVA_BYTE, base + b, (byte) b);
                }
                slots.commit(len);
                next++;
                burstLeft--;
            }
            sent = next;
            return next >= frames;
        }
    }

    /** Checks every received frame; counters are published once per read batch. */
    private final class Checker {
        volatile long received;
        volatile long lost;
        volatile long reordered;
        volatile long corrupted;
        volatile String firstProblem;
        private long expected;
        private long count;
        private long lostCount;
        private long reorderedCount;
        private long corruptedCount;

        void check(ByteBuf buf) {
            try {
                int len = buf.readableBytes();
                int base = buf.readerIndex();
                long seq = len >= 8 ? buf.getLongLE(base) : -1;
                if (seq != expected) {
                    problem("expected frame " + expected + ", got " + seq + " (" + len + " bytes)");
                    if (seq > expected) {
                        lostCount += seq - expected;
                        expected = seq + 1;
                    } else {
                        reorderedCount++;
                    }
                } else {
                    expected++;
                }
                boolean good = len == lengthOf(seq);
                for (int k = 1; good && k < len / 8; k++) {
                    good = buf.getLongLE(base + 8 * k) == word(seq, k);
                }
                for (int b = len / 8 * 8; good && b < len; b++) {
                    good = buf.getByte(base + b) == (byte) b;
                }
                if (!good) {
                    corruptedCount++;
                    problem("frame " + seq + " is corrupted (" + len + " bytes, expected " + lengthOf(seq) + ")");
                }
                count++;
            } finally {
                buf.release();
            }
        }

        private void problem(String what) {
            if (firstProblem == null) {
                firstProblem = what;
            }
        }

        void publish() {
            lost = lostCount;
            reordered = reorderedCount;
            corrupted = corruptedCount;
            received = count;
        }
    }

    /** What the process holds: descriptors, mappings, resident memory. */
    record Resources(int fds, int maps, long rssKib) {
        /**
         * Descriptors do not count the pipe's doorbell FIFOs and the event loops' ready boards: a port
         * opens its peer's FIFO, or the board the peer waits in, the first time it wakes it, which
         * may be any time (only when the peer sleeps), and at most once; a loop makes its own board
         * the first time it lets a port wait in one.
         */
        static Resources sample() throws IOException {
            int fds = 0;
            try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
                for (Path fd : (Iterable<Path>) s::iterator) {
                    try {
                        String target = Files.readSymbolicLink(fd).toString();
                        if (!(target.contains("/netmap4j-") && (target.endsWith(".fifo") || target.contains("%ready-")))) {
                            fds++;
                        }
                    } catch (IOException gone) {
                        // the listing's own descriptor, closed by now
                    }
                }
            }
            int maps;
            try (Stream<String> s = Files.lines(Path.of("/proc/self/maps"))) {
                maps = (int) s.count();
            }
            long rss = 0;
            try (Stream<String> s = Files.lines(Path.of("/proc/self/status"))) {
                for (String l : (Iterable<String>) s::iterator) {
                    if (l.startsWith("VmRSS:")) {
                        rss = Long.parseLong(l.replaceAll("[^0-9]", ""));
                    }
                }
            }
            return new Resources(fds, maps, rss);
        }

        @Override
        public String toString() {
            return "fds " + fds + ", mappings " + maps + ", RSS " + (rssKib >> 10) + " MiB";
        }
    }
}

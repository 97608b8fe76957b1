package io.netmap4j.tools;

import io.netmap4j.netty.Netmap;
import io.netmap4j.netty.NetmapAddress;
import io.netmap4j.netty.NetmapChannel;
import io.netmap4j.netty.NetmapChannelOption;
import io.netmap4j.netty.NetmapIoHandler;
import io.netmap4j.netty.NetmapIoHandlerConfig;
import io.netmap4j.tools.PktGenOptions.UsageException;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.handler.codec.MessageToMessageDecoder;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * A network function in three ordinary Netty handlers: decode (keep IPv4/UDP frames), filter
 * (drop frames to odd UDP ports), reflect (swap the MAC and IP addresses and the UDP ports, send
 * the frame back), one {@code ctx.write} per frame and a flush per read. Run it on one end of a
 * pipe and {@code udp-reflector --drive} (another process) on the other: the driver sends UDP
 * frames to eight ports in turn and checks that exactly those to even ports come back, reflected.
 * See {@link #USAGE}.
 */
public final class UdpReflector {
    /** First UDP destination port the driver uses; it cycles over {@link #PORTS} ports from here. */
    static final int BASE_PORT = 4320;
    static final int PORTS = 8;
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    record Options(boolean drive, String port, double seconds, long frames, int frameSize, boolean rxCopy,
            boolean busyPoll, boolean quiet, boolean help) {

        static Options parse(String... args) throws UsageException {
            boolean drive = false;
            String port = null;
            double seconds = Double.NaN;
            long frames = 0;
            int size = 60;
            boolean rxCopy = false;
            boolean busyPoll = false;
            boolean quiet = false;
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "-h", "--help" -> {
                        return new Options(false, null, 0, 0, 0, false, false, false, true);
                    }
                    case "--drive" -> drive = true;
                    case "-i" -> port = value(args, ++i, a);
                    case "-T" -> seconds = parseSeconds(value(args, ++i, a));
                    case "-n" -> frames = count(value(args, ++i, a));
                    case "-l" -> size = size(value(args, ++i, a));
                    case "-C", "--rx-copy" -> rxCopy = true;
                    case "--busy-poll" -> busyPoll = true;
                    case "-q", "--quiet" -> quiet = true;
                    default -> throw new UsageException("unknown argument '" + a + "'");
                }
            }
            if (port == null) {
                throw new UsageException("give the port with -i PORT");
            }
            if (Double.isNaN(seconds)) {
                seconds = drive && frames == 0 ? 5 : 0;
            }
            if (!drive && frames > 0) {
                throw new UsageException("-n counts the frames the driver sends; use it with --drive");
            }
            return new Options(drive, port, seconds, frames, size, rxCopy, busyPoll, quiet, false);
        }

        private static String value(String[] args, int i, String flag) throws UsageException {
            if (i >= args.length) {
                throw new UsageException(flag + " needs a value");
            }
            return args[i];
        }

        private static double parseSeconds(String v) throws UsageException {
            try {
                double s = Double.parseDouble(v);
                if (s >= 0 && !Double.isInfinite(s)) {
                    return s;
                }
            } catch (NumberFormatException ignored) {
                // reported below
            }
            throw new UsageException("-T " + v + ": must be 0 (no limit) or more seconds");
        }

        private static long count(String v) throws UsageException {
            try {
                long n = PktGenOptions.withSuffix(v);
                if (n >= 0) {
                    return n;
                }
            } catch (NumberFormatException | ArithmeticException ignored) {
                // reported below
            }
            throw new UsageException("-n " + v + ": not a number of frames (digits, optionally followed by k, M or G)");
        }

        private static int size(String v) throws UsageException {
            try {
                int n = Integer.parseInt(v);
                if (n >= FrameTemplate.MIN_SIZE && n <= FrameTemplate.MAX_SIZE) {
                    return n;
                }
            } catch (NumberFormatException ignored) {
                // reported below
            }
            throw new UsageException("-l " + v + ": frame length must be from " + FrameTemplate.MIN_SIZE + " to "
                    + FrameTemplate.MAX_SIZE);
        }
    }

    // ------------------------------------------------------------------ the network function

    /** Keeps IPv4/UDP frames (counted in {@link NfStats#in}), drops and counts everything else. */
    static final class UdpDecoder extends MessageToMessageDecoder<ByteBuf> {
        private final NfStats stats;

        UdpDecoder(NfStats stats) {
            this.stats = stats;
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf frame, List<Object> out) {
            stats.in++;
            stats.inBytes += frame.readableBytes();
            if (Udp4.isUdp(frame)) {
                out.add(frame.retain()); // the decoder releases what it was given
            } else {
                stats.notUdp++;
            }
        }
    }

    /** Drops frames to odd UDP ports: the firewall. */
    static final class OddPortFilter extends ChannelInboundHandlerAdapter {
        private final NfStats stats;

        OddPortFilter(NfStats stats) {
            this.stats = stats;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf frame = (ByteBuf) msg;
            if ((Udp4.dstPort(frame) & 1) != 0) {
                stats.filtered++;
                frame.release();
            } else {
                ctx.fireChannelRead(frame);
            }
        }
    }

    /** Sends every frame back where it came from, addresses and ports swapped. */
    static final class Reflector extends ChannelInboundHandlerAdapter {
        private final NfStats stats;

        Reflector(NfStats stats) {
            this.stats = stats;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf frame = (ByteBuf) msg;
            Udp4.reflect(frame);
            stats.reflected++;
            stats.reflectedBytes += frame.readableBytes();
            ctx.write(frame, ctx.voidPromise());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
            stats.publish();
        }
    }

    /** The function's counters: plain fields on the loop, published once per read. */
    static final class NfStats {
        long in;
        long inBytes;
        long notUdp;
        long filtered;
        long reflected;
        long reflectedBytes;
        final RateMeter inMeter = new RateMeter("in");
        final RateMeter outMeter = new RateMeter("reflected");
        private long lastIn;
        private long lastInBytes;
        private long lastOut;
        private long lastOutBytes;
        volatile long filteredSnapshot;
        volatile long notUdpSnapshot;

        void publish() {
            inMeter.add(in - lastIn, inBytes - lastInBytes);
            outMeter.add(reflected - lastOut, reflectedBytes - lastOutBytes);
            lastIn = in;
            lastInBytes = inBytes;
            lastOut = reflected;
            lastOutBytes = reflectedBytes;
            filteredSnapshot = filtered;
            notUdpSnapshot = notUdp;
        }
    }

    // ------------------------------------------------------------------ the command

    public static void main(String[] args) {
        ToolRun.oneLineLogs();
        System.exit(run(args, System.out, System.err, new AtomicBoolean(), true));
    }

    /** Parses and runs; returns the exit code (2 for a bad command line). */
    static int run(String[] args, PrintStream out, PrintStream err, AtomicBoolean stop, boolean handleSignals) {
        Options o;
        try {
            o = Options.parse(args);
        } catch (UsageException e) {
            err.println("udp-reflector: " + e.getMessage());
            err.println("Try 'udp-reflector --help' for the options.");
            return 2;
        }
        if (o.help()) {
            out.print(USAGE);
            return 0;
        }
        if (!Netmap.isAvailable()) {
            err.println("udp-reflector: netmap is not usable here: " + Netmap.unavailabilityCause().getMessage());
            return 1;
        }
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("udp-reflector", true),
                NetmapIoHandler.newFactory(new NetmapIoHandlerConfig().setBusyPoll(o.busyPoll())));
        return ToolRun.untilStopped("udp-reflector", stop, handleSignals, () -> {
            try {
                return o.drive() ? ReflectorDriver.drive(o, group, out, stop) : serve(o, group, out, stop);
            } catch (Exception e) {
                err.println("udp-reflector: " + e.getMessage());
                return 1;
            } finally {
                group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
            }
        });
    }

    private static int serve(Options o, EventLoopGroup group, PrintStream out, AtomicBoolean stop) throws Exception {
        NfStats stats = new NfStats();
        Channel ch = bind(o, group, new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(new UdpDecoder(stats), new OddPortFilter(stats), new Reflector(stats));
            }
        });
        out.println("udp-reflector -i " + o.port() + (o.rxCopy() ? " --rx-copy" : "") + ": decode, drop odd UDP ports, reflect");
        long start = System.nanoTime();
        stats.inMeter.start(start);
        stats.outMeter.start(start);
        long deadline = o.seconds() > 0 ? start + (long) (o.seconds() * SECOND) : Long.MAX_VALUE;
        long nextTick = start + SECOND;
        while (!stop.get() && ch.isActive() && System.nanoTime() < deadline) {
            LockSupport.parkNanos(Math.max(0, Math.min(TimeUnit.MILLISECONDS.toNanos(20), nextTick - System.nanoTime())));
            long now = System.nanoTime();
            if (now >= nextTick) {
                if (!o.quiet()) {
                    out.println(String.format(Locale.ROOT, "%6.1f s  %s  |  %s", (now - start) / 1e9,
                            stats.inMeter.tick(now), stats.outMeter.tick(now)));
                }
                nextTick += SECOND;
            }
        }
        double secs = (System.nanoTime() - start) / 1e9;
        ch.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        out.println("--- summary ---");
        out.printf(Locale.ROOT, "%d frames in, %d reflected, %d dropped by the filter, %d not UDP in %.3f s: "
                        + "%.3f Mpps reflected%n", stats.inMeter.frames(), stats.outMeter.frames(), stats.filteredSnapshot,
                stats.notUdpSnapshot, secs, stats.outMeter.frames() / secs / 1e6);
        return 0;
    }

    static Channel bind(Options o, EventLoopGroup group, ChannelHandler handler) throws Exception {
        ChannelFuture bound = new Bootstrap().group(group).channel(NetmapChannel.class)
                .option(NetmapChannelOption.RX_ZERO_COPY, !o.rxCopy())
                .handler(handler)
                .bind(NetmapAddress.of(o.port())).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            throw new Exception("cannot open " + o.port() + ": " + bound.cause().getMessage(), bound.cause());
        }
        return bound.channel();
    }

    static final String USAGE = """
            Usage: udp-reflector -i PORT [-T SECONDS] [--rx-copy] [--busy-poll] [-q]
                   udp-reflector --drive -i PORT [-l LEN] [-n FRAMES] [-T SECONDS] [--rx-copy] [--busy-poll] [-q]

            A network function in three Netty handlers on a NetmapChannel: decode (keep IPv4/UDP), filter
            (drop frames to odd UDP ports), reflect (swap MAC and IP addresses and UDP ports, send back),
            one ctx.write per frame and a flush per read. With --drive, the other side: sends UDP frames
            to ports 4320..4327 in turn as fast as the ring takes them, counts what comes back and checks
            that it is exactly the frames to even ports, reflected. Run the two in two processes:

              udp-reflector -i 'netmap:nf}0' &
              udp-reflector --drive -i 'netmap:nf{0' -T 5

              -i PORT        the port (pipes: netmap:NAME{ID and netmap:NAME}ID)
              -T SECONDS     stop after this many seconds; 0 = no limit (default: 0, or 5 for --drive without -n)
              -n FRAMES      --drive: send this many frames, then wait for the answers
              -l LEN         --drive: frame length without FCS, 50..1514 (default 60)
              -C, --rx-copy  receive into copied ByteBufs instead of zero-copy views
                  --busy-poll  the event loop spins instead of sleeping in poll(2)
              -q, --quiet    print only the summary

            Exit code 0 on success, 1 when the port failed or (--drive) an answer was wrong or missing,
            2 on a bad command line.
            """;
}

package io.netmap4j.tools;

import io.netmap4j.handler.lb.LoadBalancerHandler;
import io.netmap4j.tools.PktGenOptions.UsageException;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * {@code lb}: like netmap's lb, reads one port and spreads its frames over N pipes
 * ({@code netmap:NAME{0} .. {@code netmap:NAME{N-1}}; consumers open the {@code }} ends) by a
 * symmetric 5-tuple hash, so both directions of a flow reach the same consumer; fragments and
 * non-IP frames go to a default pipe. Everything runs on one event loop; pipes of the input's own
 * parent share its buffers, so frames move by buffer index, not by copy.
 */
public final class Lb {
    static final String USAGE = """
            usage: lb -i PORT [-p [NAME:]N] [options]
              -i PORT      port to read (e.g. 'netmap:eth0', or 'netmap:lb}99' fed by a generator on 'netmap:lb{99')
              -p [NAME:]N  N output pipes netmap:NAME{0 .. netmap:NAME{N-1 (default: 2 pipes named
                           after the input's interface, as netmap's lb does)
              -d K         the pipe for fragments and non-IP frames (default 0)
              -T SECONDS   stop after SECONDS
              -q           no per-second report
              --busy-poll  the event loop spins instead of sleeping
            """;

    /** What a run did; {@code exitCode} is what the command exits with (2 for a bad command line). */
    public record Result(long[] perOutput, long unhashed, int exitCode) {
    }

    private String in;
    private String name;
    private int pipes = 2;
    private int defaultOutput;
    private double seconds;
    private boolean quiet;
    private boolean busyPoll;

    private Lb() {
    }

    public static void main(String[] args) {
        System.exit(execute(args, System.out, System.err, true, null).exitCode());
    }

    static Result execute(String[] args, PrintStream out, PrintStream err, boolean handleSignals, Consumer<Runnable> ready) {
        Args a = new Args("lb", args);
        if (a.wantsHelp()) {
            out.print(USAGE);
            return new Result(new long[0], 0, 0);
        }
        Lb lb = new Lb();
        try {
            lb.parse(a);
        } catch (UsageException e) {
            err.println("lb: " + e.getMessage());
            err.println("Try 'lb --help' for the options.");
            return new Result(new long[0], 0, 2);
        }
        try {
            return lb.run(out, handleSignals, ready);
        } catch (Exception e) {
            err.println("lb: " + e.getMessage());
            return new Result(new long[0], 0, 1);
        }
    }

    private void parse(Args a) throws UsageException {
        while (a.hasNext()) {
            String flag = a.next();
            switch (flag) {
                case "-i" -> in = a.value(flag);
                case "-p" -> {
                    String v = a.value(flag);
                    int colon = v.lastIndexOf(':');
                    if (colon >= 0) {
                        name = v.substring(0, colon);
                        if (name.isEmpty()) {
                            throw new UsageException("-p " + v + ": the pipe name before ':' is empty");
                        }
                    }
                    pipes = (int) Args.parseNumber(flag, v.substring(colon + 1));
                    if (pipes < 1 || pipes > 64) {
                        throw new UsageException("-p " + v + ": the number of pipes must be 1..64");
                    }
                }
                case "-d" -> defaultOutput = (int) a.number(flag, 0, 63);
                case "-T" -> seconds = a.seconds(flag);
                case "-q" -> quiet = true;
                case "--busy-poll" -> busyPoll = true;
                default -> throw new UsageException("unknown argument '" + flag + "'");
            }
        }
        if (in == null) {
            throw new UsageException("-i PORT is required");
        }
        if (defaultOutput >= pipes) {
            throw new UsageException("-d " + defaultOutput + ": there are only " + pipes + " pipes (0.." + (pipes - 1) + ")");
        }
        if (name == null) {
            name = baseName(in);
        }
    }

    /** The interface part of a port name, as netmap's lb takes it: without "netmap:" and before any of -*^{}/@. */
    static String baseName(String port) {
        String s = port.startsWith("netmap:") ? port.substring(7) : port;
        int end = 0;
        while (end < s.length() && "-*^{}/@".indexOf(s.charAt(end)) < 0) {
            end++;
        }
        return s.substring(0, end);
    }

    /** The name of output pipe {@code k}. */
    String output(int k) {
        return (name.contains(":") ? name : "netmap:" + name) + "{" + k;
    }

    private Result run(PrintStream o, boolean handleSignals, Consumer<Runnable> ready) throws Exception {
        String why = FunctionRunner.unavailable();
        if (why != null) {
            throw new Exception(why);
        }
        LoadBalancerHandler balancer;
        List<String> closed;
        try (FunctionRunner runner = new FunctionRunner("lb", busyPoll)) {
            Channel[] outputs = new Channel[pipes];
            for (int k = 0; k < pipes; k++) {
                // Outputs only send; anything a consumer sends back is dropped.
                outputs[k] = runner.bind(output(k), new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ReferenceCountUtil.release(msg);
                    }
                });
            }
            balancer = new LoadBalancerHandler(outputs, defaultOutput);
            Channel input = runner.bind(in, balancer);
            o.println("lb " + in + " -> " + output(0) + " .. " + output(pipes - 1) + " (consumers open the '}' ends), "
                    + "fragments and non-IP to " + output(defaultOutput));
            if (ready != null) {
                ready.accept(runner::stop);
            }
            long[] last = new long[pipes];
            runner.run(() -> !input.isActive(), seconds, nanos -> {
                long[] now = balancer.framesPerOutput();
                StringBuilder sb = new StringBuilder();
                long total = 0;
                for (int k = 0; k < pipes; k++) {
                    long d = now[k] - last[k];
                    total += d;
                    sb.append(String.format(Locale.ROOT, "%7.3f|", d * 1e3 / nanos));
                    last[k] = now[k];
                }
                return String.format(Locale.ROOT, "in %8.3f Mpps  per pipe (Mpps) |%s", total * 1e3 / nanos, sb);
            }, quiet, o, handleSignals);
            closed = runner.closedPorts();
        }
        long[] per = balancer.framesPerOutput();
        o.println("--- summary ---");
        long total = 0;
        for (int k = 0; k < pipes; k++) {
            o.printf(Locale.ROOT, "%s: %d frames%n", output(k), per[k]);
            total += per[k];
        }
        o.printf(Locale.ROOT, "%d frames in, %d of them fragments, non-IP or malformed (to %s), input paused %d times%n",
                total, balancer.unhashedFrames(), output(defaultOutput), balancer.pauses());
        return new Result(per, balancer.unhashedFrames(), FunctionRunner.reportClosed("lb", closed, o));
    }
}

package io.netmap4j.microbench.function;

import io.netmap4j.handler.filter.FilterHandler;
import io.netmap4j.handler.filter.Rule;
import io.netmap4j.handler.filter.RuleAction;
import io.netmap4j.handler.filter.RuleCounters;
import io.netmap4j.handler.filter.RuleTable;
import io.netmap4j.handler.frame.FrameView;
import io.netmap4j.handler.lb.LoadBalancerHandler;
import io.netmap4j.handler.lb.SymmetricFlowHash;
import io.netmap4j.handler.pcap.PcapCaptureHandler;
import io.netmap4j.handler.pcap.PcapWriter;
import io.netmap4j.handler.pcap.TimestampPrecision;
import io.netmap4j.microbench.support.FunctionFrames;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.embedded.EmbeddedChannel;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What each network function costs per 64-byte frame on one core, without the rings: 1024
 * distinct frames (reusable direct buffers, as the transport's zero-copy RX hands them out) go
 * through the function again and again. One operation is one frame, so the score is frames/s for
 * one core and {@code gc.alloc.rate.norm} is bytes allocated per frame.
 *
 * <ul>
 *   <li>{@code parse}: {@link FrameView#wrap} and the 5-tuple reads, the floor under everything;</li>
 *   <li>{@code filterTable} vs {@code filterScan}: the compiled 100-rule table against the plain
 *       first-match scan of the same rules (what a hand-written loop does);</li>
 *   <li>{@code filterPipeline}: {@link FilterHandler} in a Netty pipeline (Netty's inbound cost
 *       included), allowed frames to a sink;</li>
 *   <li>{@code capturePipeline}: {@link PcapCaptureHandler} writing every frame to a file in
 *       /dev/shm (tmpfs), the file reused from the start every 256 MiB so the benchmark does not
 *       fill memory;</li>
 *   <li>{@code lbHash}: the symmetric hash and bucket choice; {@code lbPipeline}:
 *       {@link LoadBalancerHandler} in a pipeline writing to 4 channels through Netty's per-frame
 *       outbound path (today's write path, one {@code write} per frame, a flush per 256).</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Dio.netty.leakDetection.level=disabled"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 3, time = 2)
public class FunctionCostBenchmark {
    static final int BATCH = 256;

    private ByteBuf[] frames;
    private final FrameView view = new FrameView();
    private RuleTable table;
    private RuleCounters counters;
    private List<Rule> rules;
    private EmbeddedChannel filterChannel;
    private EmbeddedChannel captureChannel;
    private Path captureFile;
    private EmbeddedChannel lbChannel;
    private Channel[] lbOutputs;
    private Sink sink;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        frames = FunctionFrames.reusableBuffers(FunctionFrames.frames());
        table = RuleTable.parse(FunctionFrames.rules100(), "100 rules");
        counters = table.newCounters();
        rules = table.rules();
        sink = new Sink();
        filterChannel = new EmbeddedChannel(new FilterHandler(table), sink);
        captureFile = Files.createTempFile(Path.of("/dev/shm"), "netmap4j-bench-", ".pcap");
        PcapWriter writer = new PcapWriter(new WrappingFile(captureFile, 256 << 20), captureFile.toString(), 262144,
                TimestampPrecision.MICROS, PcapWriter.DEFAULT_BUFFER);
        captureChannel = new EmbeddedChannel(new PcapCaptureHandler(writer).consume(true));
        lbOutputs = new Channel[4];
        for (int i = 0; i < 4; i++) {
            lbOutputs[i] = new DiscardChannel();
        }
        lbChannel = new EmbeddedChannel(new LoadBalancerHandler(lbOutputs, 0));
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        filterChannel.finishAndReleaseAll();
        captureChannel.finishAndReleaseAll();
        lbChannel.finishAndReleaseAll();
        for (Channel c : lbOutputs) {
            ((EmbeddedChannel) c).finishAndReleaseAll();
        }
        Files.deleteIfExists(captureFile);
    }

    @Benchmark
    @OperationsPerInvocation(FunctionFrames.COUNT)
    public long parse() {
        long sum = 0;
        for (ByteBuf f : frames) {
            FrameView v = view.wrap(f);
            sum += v.ipv4().source() + v.ipv4().destination() + v.sourcePort() + v.destinationPort() + v.ipProtocol();
        }
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(FunctionFrames.COUNT)
    public long filterTable() {
        long sum = 0;
        for (ByteBuf f : frames) {
            sum += table.match(view.wrap(f), counters);
        }
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(FunctionFrames.COUNT)
    public long filterScan() {
        long sum = 0;
        for (ByteBuf f : frames) {
            sum += scan(view.wrap(f));
        }
        return sum;
    }

    /** First match by checking each rule's fields in turn (IPv4 rules only, as in the table used). */
    private int scan(FrameView f) {
        int src = f.ipv4().source();
        int dst = f.ipv4().destination();
        int proto = f.ipProtocol();
        int sp = f.sourcePort();
        int dp = f.destinationPort();
        for (int i = 0; i < rules.size(); i++) {
            Rule r = rules.get(i);
            if (r.protocol() >= 0 && r.protocol() != proto) {
                continue;
            }
            if (!inPrefix(r.source(), src) || !inPrefix(r.destination(), dst)) {
                continue;
            }
            if (sp < r.sourcePortLow() || sp > r.sourcePortHigh() || dp < r.destinationPortLow() || dp > r.destinationPortHigh()) {
                continue;
            }
            if (r.action() != RuleAction.COUNT) {
                return i;
            }
        }
        return -1;
    }

    private static boolean inPrefix(Rule.Prefix p, int address) {
        if (p.version() == 0) {
            return true;
        }
        int mask = p.bits() == 0 ? 0 : -1 << (32 - p.bits());
        return (address & mask) == (int) p.low();
    }

    @Benchmark
    @OperationsPerInvocation(FunctionFrames.COUNT)
    public long filterPipeline() {
        return run(filterChannel.pipeline());
    }

    @Benchmark
    @OperationsPerInvocation(FunctionFrames.COUNT)
    public long capturePipeline() {
        return run(captureChannel.pipeline());
    }

    @Benchmark
    @OperationsPerInvocation(FunctionFrames.COUNT)
    public long lbHash() {
        long sum = 0;
        for (ByteBuf f : frames) {
            sum += SymmetricFlowHash.bucket(SymmetricFlowHash.hash(view.wrap(f)), 4);
        }
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(FunctionFrames.COUNT)
    public long lbPipeline() {
        return run(lbChannel.pipeline());
    }

    /** Feeds every frame to the pipeline in read batches of {@link #BATCH}, as the channel's read loop does. */
    private long run(ChannelPipeline p) {
        ByteBuf[] fs = frames;
        for (int i = 0; i < fs.length; i++) {
            p.fireChannelRead(fs[i]);
            if ((i + 1) % BATCH == 0) {
                p.fireChannelReadComplete();
            }
        }
        return sink.count;
    }

    /** The end of the filter pipeline: counts what was allowed and releases it. */
    static final class Sink extends ChannelInboundHandlerAdapter {
        long count;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            count++;
            ((ByteBuf) msg).release();
        }
    }

    /** A channel that takes writes through Netty's whole outbound path and drops them at the end. */
    static final class DiscardChannel extends EmbeddedChannel {
        @Override
        protected void handleOutboundMessage(Object msg) {
            ((ByteBuf) msg).release();
        }
    }

    /** Writes to a file, starting over at its beginning every {@code wrap} bytes. */
    static final class WrappingFile implements WritableByteChannel {
        private final FileChannel file;
        private final long wrap;
        private long position;

        WrappingFile(Path path, long wrap) throws IOException {
            this.file = FileChannel.open(path, StandardOpenOption.WRITE);
            this.wrap = wrap;
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            if (position >= wrap) {
                position = 0;
            }
            int n = file.write(src, position);
            position += n;
            return n;
        }

        @Override
        public boolean isOpen() {
            return file.isOpen();
        }

        @Override
        public void close() throws IOException {
            file.close();
        }
    }
}

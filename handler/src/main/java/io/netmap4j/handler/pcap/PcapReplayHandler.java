package io.netmap4j.handler.pcap;

import io.netmap4j.netty.NetmapTxBatch;
import io.netmap4j.netty.NetmapTxSlots;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;

import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Sends a {@link PcapTrace} onto the channel it is added to, in order, at the recorded pace (or
 * faster or slower), at a frame or bit rate, or as fast as the ring takes it, once or in a loop.
 * It is a {@link NetmapTxBatch} written once: each fill copies due frames straight into TX slots
 * (one memory copy per frame, nothing allocated), and when the next frame is not due yet it comes
 * back on a timer. Frames larger than the port's buffers are skipped and counted.
 *
 * <p>Add it to a bound netmap channel's pipeline and call {@link #start()}; counters may be read
 * from any thread.
 */
public final class PcapReplayHandler extends ChannelInboundHandlerAdapter implements NetmapTxBatch {
    /** Preamble and start delimiter (8), FCS (4) and the minimum inter-frame gap (12). */
    public static final int ETHERNET_OVERHEAD = 24;

    private enum Pace { UNLIMITED, RECORDED, FRAME_RATE, BIT_RATE }

    private final PcapTrace trace;
    private final Runnable resume = this::resume;
    private Pace pace = Pace.UNLIMITED;
    private double speedup = 1;
    private double rate;
    private int overhead;
    private long loops = 1;
    private int burst = 512;

    private ChannelHandlerContext ctx;
    private ChannelPromise voidPromise;
    private long startNanos;
    private int index;
    private long loopsDone;
    private long loopBaseNanos;
    private long paced;
    private double bits;
    private boolean waiting;
    private long sent;
    private long sentBytes;
    private long skipped;
    private volatile long sentPublished;
    private volatile long bytesPublished;
    private volatile long skippedPublished;
    private volatile boolean stopRequested;
    private volatile boolean finished;

    public PcapReplayHandler(PcapTrace trace) {
        this.trace = Objects.requireNonNull(trace, "trace");
    }

    /** Sends at the recorded pace, {@code speedup} times faster (nmreplay's {@code -B real,SPEEDUP}). */
    public PcapReplayHandler recordedPace(double speedup) {
        requirePositive(speedup, "speedup");
        this.pace = Pace.RECORDED;
        this.speedup = speedup;
        return this;
    }

    /** Sends {@code framesPerSecond} frames per second. */
    public PcapReplayHandler frameRate(double framesPerSecond) {
        requirePositive(framesPerSecond, "frame rate");
        this.pace = Pace.FRAME_RATE;
        this.rate = framesPerSecond;
        return this;
    }

    /**
     * Sends {@code bitsPerSecond}, counting each frame's bytes, plus {@link #ETHERNET_OVERHEAD} with
     * {@code onTheWire} (nmreplay's {@code -B constant,BPS} and {@code -B ether,BPS}).
     */
    public PcapReplayHandler bitRate(double bitsPerSecond, boolean onTheWire) {
        requirePositive(bitsPerSecond, "bit rate");
        this.pace = Pace.BIT_RATE;
        this.rate = bitsPerSecond;
        this.overhead = onTheWire ? ETHERNET_OVERHEAD : 0;
        return this;
    }

    /** Sends as fast as the ring takes frames (the default). */
    public PcapReplayHandler unlimited() {
        this.pace = Pace.UNLIMITED;
        return this;
    }

    /** Sends the trace {@code loops} times; 0 loops forever (default 1). */
    public PcapReplayHandler loops(long loops) {
        if (loops < 0) {
            throw new IllegalArgumentException("loops must be 0 (forever) or more, not " + loops);
        }
        this.loops = loops;
        return this;
    }

    /** At most {@code frames} frames per fill, so one txsync per that many (default 512). */
    public PcapReplayHandler burst(int frames) {
        if (frames <= 0) {
            throw new IllegalArgumentException("burst must be positive, not " + frames);
        }
        this.burst = frames;
        return this;
    }

    private static void requirePositive(double v, String what) {
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(what + " must be a positive number, not " + v);
        }
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.voidPromise = ctx.voidPromise();
    }

    /** Starts sending; call once, from any thread, after the channel is bound. */
    public void start() {
        if (ctx == null) {
            throw new IllegalStateException("add the handler to a channel's pipeline before start()");
        }
        ctx.executor().execute(() -> {
            startNanos = System.nanoTime();
            resume();
        });
    }

    /** Stops after the frame being sent; returns at once. */
    public void stop() {
        stopRequested = true;
    }

    /** True once every loop was sent, or after {@link #stop()}, or when the channel went inactive. */
    public boolean isFinished() {
        return finished;
    }

    public long sentFrames() {
        return sentPublished;
    }

    public long sentBytes() {
        return bytesPublished;
    }

    /** Frames skipped because they exceed the port's buffer size. */
    public long skippedFrames() {
        return skippedPublished;
    }

    private void resume() {
        waiting = false;
        if (ctx.channel().isActive()) {
            ctx.writeAndFlush(this, voidPromise);
        } else {
            finished = true;
        }
    }

    @Override
    public boolean fill(NetmapTxSlots slots) {
        if (finished) {
            return true;
        }
        long elapsed = System.nanoTime() - startNanos;
        int room = Math.min(slots.remaining(), burst);
        int frames = trace.frames();
        MemorySegment data = trace.data();
        int n = 0;
        while (n < room) {
            if (stopRequested || frames == 0) {
                finished = true;
                break;
            }
            if (index == frames) {
                loopsDone++;
                if (loops > 0 && loopsDone >= loops) {
                    finished = true;
                    break;
                }
                index = 0;
                long duration = trace.durationNanos();
                loopBaseNanos += duration + (frames > 1 ? duration / (frames - 1) : 0);
            }
            long due = due();
            if (due > elapsed) {
                waiting = true;
                ctx.executor().schedule(resume, due - elapsed, TimeUnit.NANOSECONDS);
                break;
            }
            int length = trace.length(index);
            paced++;
            bits += (length + overhead) * 8.0;
            if (length > slots.bufferSize()) {
                skipped++;
                index++;
                continue;
            }
            MemorySegment.copy(data, trace.offset(index), slots.region(), slots.bufferOffset(), length);
            slots.commit(length);
            sent++;
            sentBytes += length;
            index++;
            n++;
        }
        sentPublished = sent;
        bytesPublished = sentBytes;
        skippedPublished = skipped;
        return finished || waiting;
    }

    /** When the next frame is due, in nanoseconds after the start. */
    private long due() {
        return switch (pace) {
            case UNLIMITED -> 0;
            case RECORDED -> (long) ((loopBaseNanos + trace.relativeNanos(index)) / speedup);
            case FRAME_RATE -> (long) (paced * 1e9 / rate);
            case BIT_RATE -> (long) (bits * 1e9 / rate);
        };
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        finished = true;
        ctx.fireChannelInactive();
    }
}

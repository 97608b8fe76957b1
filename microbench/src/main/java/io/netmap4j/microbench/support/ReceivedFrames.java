package io.netmap4j.microbench.support;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The frame count of a receiver, which a benchmark thread waits on: the benchmark measures what
 * arrived, never what was sent. One receiving thread adds (once per batch, not per frame); one
 * benchmark thread waits, parked, without taking a core from the sender and receiver, and is
 * woken by the receiver when its target is reached.
 *
 * <p>Use with a cumulative target: {@code target += N; frames.await(target)} in a method with
 * {@code @OperationsPerInvocation(N)}, so that JMH's operation is one frame received and
 * {@code gc.alloc.rate.norm} is bytes allocated (by every thread) per frame.
 */
public final class ReceivedFrames {
    private static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(10);

    private volatile long received;
    private volatile long target = Long.MAX_VALUE;
    private volatile Thread waiter;

    /** Counts {@code n} more frames; called by the receiving thread only. */
    public void add(long n) {
        long r = received + n;
        received = r;
        if (r >= target) {
            Thread w = waiter;
            if (w != null) {
                LockSupport.unpark(w);
            }
        }
    }

    public long received() {
        return received;
    }

    /**
     * Parks until at least {@code count} frames were received.
     *
     * @throws IllegalStateException if nothing arrives for 10 seconds (a broken setup should fail
     *         the benchmark, not hang it)
     */
    public void await(long count) {
        if (received >= count) {
            return;
        }
        waiter = Thread.currentThread();
        target = count;
        long last = received;
        long lastChange = System.nanoTime();
        while (received < count) {
            LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(20));
            long r = received;
            long now = System.nanoTime();
            if (r != last) {
                last = r;
                lastChange = now;
            } else if (now - lastChange > STALL_NANOS) {
                throw new IllegalStateException("the receiver got nothing for 10 s (at " + r + " of " + count
                        + " frames): the sender or receiver stopped");
            }
        }
        target = Long.MAX_VALUE;
    }
}

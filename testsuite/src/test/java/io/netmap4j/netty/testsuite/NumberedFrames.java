package io.netmap4j.netty.testsuite;

import io.netmap4j.netty.NetmapChannel;
import io.netty.buffer.ByteBuf;

/** Frames that carry their sequence number in their first 4 bytes, 60 to 259 bytes long by number. */
final class NumberedFrames {
    private NumberedFrames() {
    }

    /** The length of frame {@code seq}. */
    static int length(int seq) {
        return 60 + seq % 200;
    }

    /** The number in {@code frame} (at its reader index), or -1 - that number when its length is not the number's. */
    static int seq(ByteBuf frame) {
        int seq = frame.getInt(frame.readerIndex());
        return frame.readableBytes() == length(seq) ? seq : -1 - seq;
    }

    /** Sends frames 0..n-1 from any thread, 64 per task on the sender's loop, paced by its writability. */
    static void send(NetmapChannel sender, int n) {
        for (int i = 0; i < n; ) {
            if (!sender.isWritable()) {
                Thread.onSpinWait();
                continue;
            }
            int batch = Math.min(64, n - i);
            int from = i;
            sender.eventLoop().execute(() -> {
                for (int k = from; k < from + batch; k++) {
                    ByteBuf frame = sender.alloc().directBuffer(length(k));
                    frame.writeInt(k).writeZero(length(k) - 4);
                    sender.write(frame, sender.voidPromise());
                }
                sender.flush();
            });
            i += batch;
            try {
                Thread.sleep(0, 50_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}

package io.netmap4j.handler.frame;

import io.netty.buffer.ByteBuf;

/**
 * A reusable flyweight over one header in a frame's {@link ByteBuf}: it holds the buffer and the
 * header's absolute index, reads and writes fields in place, and copies nothing. A view obtained
 * from a {@link FrameView} is valid until that view wraps another frame. Accessors do not check
 * that the header is complete; {@link FrameView} only hands out views of headers it checked.
 */
public abstract class HeaderView {
    ByteBuf buf;
    int offset;

    HeaderView() {
    }

    /** Points this view at the header that starts at absolute index {@code offset} of {@code buf}. */
    void bind(ByteBuf buf, int offset) {
        this.buf = buf;
        this.offset = offset;
    }

    /** The buffer the header is in. */
    public final ByteBuf buffer() {
        return buf;
    }

    /** The header's absolute index in {@link #buffer()}. */
    public final int offset() {
        return offset;
    }
}

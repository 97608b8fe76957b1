package io.netmap4j.microbench.support;

/** The frames benchmarks send: a fixed pattern, with a sequence number at {@link #SEQUENCE_OFFSET}. */
public final class Frames {
    /** After Ethernet, IPv4 and UDP headers, where pkt-gen puts its sequence number too. */
    public static final int SEQUENCE_OFFSET = 42;

    private Frames() {
    }

    /** A frame (or payload) of {@code size} bytes with a recognisable pattern. */
    public static byte[] template(int size) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (i * 7 + 1);
        }
        return b;
    }
}

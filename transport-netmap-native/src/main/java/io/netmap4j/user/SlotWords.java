package io.netmap4j.user;

import java.nio.ByteOrder;

/**
 * The first 8 bytes of a {@code netmap_slot} (buf_idx u32, len u16, flags u16) read as one long,
 * so that a descriptor costs one checked access instead of three, and len and flags written as
 * one int; the shifts pick the fields out in the platform's byte order. Public only for the
 * backend's sub-packages; not an API.
 */
public final class SlotWords {
    private static final boolean LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
    private static final int IDX_SHIFT = LITTLE_ENDIAN ? 0 : 32;
    private static final int LEN_SHIFT = LITTLE_ENDIAN ? 32 : 16;
    private static final int FLAGS_SHIFT = LITTLE_ENDIAN ? 48 : 0;

    private SlotWords() { }

    public static int bufIdx(long descriptor) {
        return (int) (descriptor >>> IDX_SHIFT);
    }

    public static int len(long descriptor) {
        return (int) (descriptor >>> LEN_SHIFT) & 0xFFFF;
    }

    public static int flags(long descriptor) {
        return (int) (descriptor >>> FLAGS_SHIFT) & 0xFFFF;
    }

    /** The len and flags fields of a slot (at offset 4) as one int, for one store. */
    public static int lenAndFlags(int len, int flags) {
        return LITTLE_ENDIAN ? (len & 0xFFFF) | flags << 16 : len << 16 | (flags & 0xFFFF);
    }
}

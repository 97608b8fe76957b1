package io.netmap4j.spec;

/**
 * The {@code @offset} option: per-slot data offsets kept in the low bits of {@code netmap_slot.ptr}.
 * Written {@code @offset=INITIAL} or {@code @offset:initial=N,bits=B}.
 *
 * <p>Like libnetmap, the maximum offset declared to the kernel is the initial offset itself,
 * and the minimum gap is 0. (libnetmap turns this option off unless the program enables it;
 * here it is always accepted, and the kernel decides whether it supports it.)
 *
 * @param bits    how many low bits of {@code ptr} hold the offset, 0..64 (0 = the whole field)
 * @param initial offset written into every slot at registration, also the maximum offset
 */
public record OffsetOption(long bits, long initial) {
    public OffsetOption {
        if (bits < 0 || bits > 64) {
            throw new IllegalArgumentException("offset bits " + bits + " out of range 0..64");
        }
        if (initial < 0) {
            throw new IllegalArgumentException("initial offset " + initial + " must not be negative");
        }
    }

    /** The value sent as {@code nro_max_offset}: the initial offset, as libnetmap does. */
    public long maxOffset() {
        return initial;
    }
}

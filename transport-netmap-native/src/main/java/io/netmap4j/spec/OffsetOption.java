package io.netmap4j.spec;

/** SKELETON: {@code @offset:bits=,initial=} (per-slot data offsets). */
public record OffsetOption(long bits, long initial) {
}

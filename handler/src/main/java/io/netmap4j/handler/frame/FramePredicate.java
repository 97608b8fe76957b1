package io.netmap4j.handler.frame;

/**
 * A test on a decoded frame, such as a compiled capture filter
 * ({@code io.netmap4j.handler.expr.FilterExpression}). Implementations must not allocate or
 * throw per frame; malformed frames are answered like any other (usually false).
 */
@FunctionalInterface
public interface FramePredicate {
    /** Matches every frame. */
    FramePredicate ALL = frame -> true;

    boolean test(FrameView frame);
}

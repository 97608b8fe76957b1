package io.netmap4j.user.monitor;

/**
 * The control block of one monitor slot, in the shared file of the port it monitors (a pipe
 * region, a VALE switch), at an offset the host chooses. Offsets are relative to the block.
 *
 * <pre>
 * +0     state (FREE, LIVE, DYING), generation, flags (NR_MONITOR_TX, NR_MONITOR_RX, NR_ZCOPY_MON),
 *        RX rings, slots per RX ring, slots of the (unused) TX ring, a word for the host
 * +64    the monitor's sleep word (see SleepWord; one registration)
 * +128   per RX ring r, LINE bytes: the ring's lock (a SharedLock), the fill tail the monitored
 *        port writes under it, the released index and the seen tail the monitor writes, and the
 *        frames dropped because the ring was full
 * </pre>
 */
public final class MonitorLayout {
    private MonitorLayout() { }

    public static final long M_STATE = 0;
    public static final long M_GEN = 4;
    public static final long M_FLAGS = 8;
    public static final long M_RINGS = 12;
    public static final long M_SLOTS = 16;
    public static final long M_TX_SLOTS = 20;
    /** A word for the host (a pipe region keeps there which end the monitor watches). */
    public static final long M_HOST = 24;
    public static final long M_SLEEP = 64;
    public static final long M_LINES = 128;
    public static final long LINE = 32;
    public static final long L_LOCK = 0;
    public static final long L_FILL_TAIL = 8;
    public static final long L_RELEASED = 12;
    public static final long L_SEEN = 16;
    public static final long L_DROPS = 24;

    public static final int FREE = 0;
    public static final int LIVE = 1;
    /** Closing: the monitored port must not start filling it; its buffers go back once nobody fills it. */
    public static final int DYING = 2;

    /** The most slots of a monitor ring, as netmap (NM_MONITOR_MAXSLOTS). */
    public static final int MAX_SLOTS = 4096;

    /** Bytes of a control block for a monitor of {@code rings} RX rings. */
    public static long controlSize(int rings) {
        return M_LINES + rings * LINE;
    }

    /** The line of RX ring {@code r}, relative to the block. */
    public static long line(int r) {
        return M_LINES + r * LINE;
    }
}

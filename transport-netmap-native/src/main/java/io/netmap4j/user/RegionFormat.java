package io.netmap4j.user;

import java.lang.foreign.MemorySegment;

/**
 * What a shared-memory file of the user backend holds, as far as {@link RegionFile} needs to
 * know to create, map and check it: a pipe region ({@link PipeLayout#FORMAT}) or a VALE switch.
 *
 * <p>Every format keeps a non-zero magic number in the first 8 bytes, which
 * {@link #initHeader} writes last: a file whose first 8 bytes are zero is one whose creator died
 * while setting it up, and is set up again by the next opener.
 */
public interface RegionFormat {
    /** What the file is, for messages: {@code pipe region}, {@code VALE switch}. */
    String kind();

    /** Bytes of the file (and of its mapping). The file is sparse: what is not touched costs nothing. */
    long size();

    /** Bytes at the start of the file that are reserved (fallocate) when the file is created. */
    long headerBytes();

    /** Sets up the header of a new (or abandoned) file, magic last. */
    void initHeader(MemorySegment mem);

    /** True if the header was written by {@link #initHeader} of this version. */
    boolean headerMatches(MemorySegment mem);
}

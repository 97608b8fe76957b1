package io.netmap4j.spec;

import java.util.Objects;

/**
 * The {@code @extmem} option: use the memory of a file (mapped by the backend) as the port's
 * netmap memory region instead of memory allocated by the kernel. Written
 * {@code @extmem=FILE} or {@code @extmem:file=FILE,if-num=,if-size=,ring-num=,ring-size=,buf-num=,buf-size=}.
 *
 * <p>The counts and sizes go into the {@code nmreq_pools_info} of the option (object totals
 * and object sizes of the interface, ring and buffer pools); 0 leaves the choice to the kernel.
 * The kernel accepts the option only when netmap was built with extmem support.
 *
 * @param file     path of the file whose mapping becomes the region (never empty)
 * @param ifNum    number of netmap_if objects, 0 = kernel default
 * @param ifSize   size of one netmap_if object in bytes, 0 = kernel default
 * @param ringNum  number of ring objects, 0 = kernel default
 * @param ringSize size of one ring object in bytes, 0 = kernel default
 * @param bufNum   number of buffers, 0 = kernel default
 * @param bufSize  size of one buffer in bytes, 0 = kernel default
 */
public record ExtmemOption(String file, long ifNum, long ifSize, long ringNum, long ringSize, long bufNum,
                           long bufSize) {
    /** The largest value a pool field can hold (they are u32 in the ABI). */
    public static final long MAX_VALUE = 0xffff_ffffL;

    public ExtmemOption {
        Objects.requireNonNull(file, "file");
        if (file.isEmpty()) {
            throw new IllegalArgumentException("extmem file must not be empty");
        }
        check("ifNum", ifNum);
        check("ifSize", ifSize);
        check("ringNum", ringNum);
        check("ringSize", ringSize);
        check("bufNum", bufNum);
        check("bufSize", bufSize);
    }

    /** An option for {@code file} with every pool left to the kernel's defaults. */
    public static ExtmemOption of(String file) {
        return new ExtmemOption(file, 0, 0, 0, 0, 0, 0);
    }

    private static void check(String what, long value) {
        if (value < 0 || value > MAX_VALUE) {
            throw new IllegalArgumentException("extmem " + what + " " + value + " out of range 0.." + MAX_VALUE);
        }
    }
}

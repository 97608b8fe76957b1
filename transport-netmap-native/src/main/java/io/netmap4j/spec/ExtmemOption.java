package io.netmap4j.spec;

/** SKELETON: {@code @extmem:file=,if-num=,if-size=,ring-num=,ring-size=,buf-num=,buf-size=}. */
public record ExtmemOption(String file, long ifNum, long ifSize, long ringNum, long ringSize, long bufNum, long bufSize) {
}

package io.netmap4j.netty.reliability;

import io.netmap4j.NetmapPorts;
import io.netmap4j.core.NetmapPort;
import io.netmap4j.netty.NetmapAddress;
import io.netmap4j.netty.NetmapChannelOption;
import io.netmap4j.netty.NetmapIoHandlerConfig;
import io.netmap4j.netty.NetmapTxBatch;
import io.netmap4j.netty.NetmapTxSlots;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Every bad input the project refuses, with the exact exception a user gets: one list, run by
 * {@link BadInputTableTest} and rendered into the README ("Bad input"), so the two cannot drift.
 * Port names use the parent {@code p}; the test runs them under a unique name and shows the
 * messages with {@code p} again. "seen" is the exception's simple class name, ": ", its message.
 *
 * <p>To add an entry: add a line here with {@code "?"} as what is seen, run the test with
 * {@code -Dnetmap4j.badinput.print=true} to get the line with the real message, check that the
 * message says what happened, to what, and what to do, then run it with
 * {@code -Dnetmap4j.readme.write=true} to rewrite the README table.
 */
final class BadInputs {
    private BadInputs() { }

    /** What the user does; returns what was thrown at them or failed their future, or null if nothing was. */
    @FunctionalInterface
    interface Attempt {
        Throwable run(BadInputFixture f) throws Exception;
    }

    record BadInput(String area, String input, String seen, Attempt attempt) { }

    static final String NAMES = "port name";
    static final String USER_BACKEND = "user backend";
    static final String CHANNEL = "channel";
    static final String WRITE = "write";
    static final String OPTION = "option";
    static final String VALE_CTL = "vale-ctl";

    /** {@code NetmapAddress.of(name)}; the same message comes from {@code PortSpec.parse} and {@code NetmapPorts.open}. */
    private static BadInput name(String name, String seen) {
        return new BadInput(NAMES, "`NetmapAddress.of(\"" + name.replace("\u0000", "\\u0000") + "\")`", seen, f -> {
            try {
                NetmapAddress.of(name);
                return null;
            } catch (RuntimeException e) {
                return e;
            }
        });
    }

    /** Opening {@code name} with the user backend. */
    private static BadInput open(String name, String seen) {
        return new BadInput(USER_BACKEND, "open `" + name + "`", seen, f -> {
            try {
                f.open(name);
                return null;
            } catch (Exception e) {
                return e;
            }
        });
    }

    private static BadInput channel(String area, String input, String seen, Attempt attempt) {
        return new BadInput(area, input, seen, attempt);
    }

    /** Writes {@code msg} to a channel bound to {@code netmap:p{0}, returning what failed the write. */
    private static Throwable write(BadInputFixture f, Object msg) throws Exception {
        return write(f, f.bind("netmap:p{0"), msg);
    }

    private static Throwable write(BadInputFixture f, Channel ch, Object msg) throws Exception {
        return ch.writeAndFlush(msg).await().cause();
    }

    private static Throwable thrown(ThrowingRunnable r) {
        try {
            r.run();
            return null;
        } catch (Throwable t) {
            return t;
        }
    }

    @FunctionalInterface
    private interface ThrowingRunnable {
        void run() throws Throwable;
    }

    /** Binds {@code port}, then a channel to its monitor {@code monitor}, and writes a frame to the monitor. */
    private static Throwable monitorWrite(BadInputFixture f, String port, String monitor) throws Exception {
        f.bind(port);
        return write(f, f.bind(monitor), frame(60));
    }

    /**
     * On the event loop: writes a frame (it goes straight into a TX slot, unflushed), then
     * {@code msg}, then flushes; returns what failed the second write.
     */
    private static Throwable directWrite(BadInputFixture f, Object msg) throws Exception {
        Channel ch = f.bind("netmap:p{0");
        return ch.eventLoop().submit(() -> {
            ch.write(frame(60));
            io.netty.channel.ChannelFuture bad = ch.write(msg);
            ch.flush();
            return bad;
        }).get().await().cause();
    }

    private static ByteBuf frame(int length) {
        return Unpooled.wrappedBuffer(new byte[length]);
    }

    static final List<BadInput> ALL = List.of(
            name("", "IllegalArgumentException: bad port name \"\": empty name; use netmap:IF or valeS:PORT at position 0\n\n^"),
            name("eth0", "IllegalArgumentException: bad port name \"eth0\": prefix unknown or missing: use netmap:IF or valeS:PORT at position 0\neth0\n^"),
            name("pcap:eth0", "IllegalArgumentException: bad port name \"pcap:eth0\": prefix unknown or missing: use netmap:IF or valeS:PORT at position 0\npcap:eth0\n^"),
            name("NETMAP:eth0", "IllegalArgumentException: bad port name \"NETMAP:eth0\": prefixes are lowercase; use netmap:IF or valeS:PORT at position 0\nNETMAP:eth0\n^"),
            name("netmap", "IllegalArgumentException: bad port name \"netmap\": ':' expected after \"netmap\" at position 6\nnetmap\n      ^"),
            name("netmap0:eth0", "IllegalArgumentException: bad port name \"netmap0:eth0\": nothing may come between \"netmap\" and ':' at position 6\nnetmap0:eth0\n      ^"),
            name("netmap:", "IllegalArgumentException: bad port name \"netmap:\": port name expected at position 7\nnetmap:\n       ^"),
            name("netmap:-1", "IllegalArgumentException: bad port name \"netmap:-1\": port name expected at position 7\nnetmap:-1\n       ^"),
            name("netmap:@2", "IllegalArgumentException: bad port name \"netmap:@2\": port name expected at position 7\nnetmap:@2\n       ^"),
            name("vale0:", "IllegalArgumentException: bad port name \"vale0:\": port name expected at position 6\nvale0:\n      ^"),
            name("vale0", "IllegalArgumentException: bad port name \"vale0\": ':' expected after the VALE switch name at position 5\nvale0\n     ^"),
            name("vale-0:a", "IllegalArgumentException: bad port name \"vale-0:a\": a VALE switch name holds only letters, digits and '_'; write valeS:PORT at position 4\nvale-0:a\n    ^"),
            name(" netmap:eth0", "IllegalArgumentException: bad port name \" netmap:eth0\": whitespace and control characters are not allowed at position 0\n netmap:eth0\n^"),
            name("netmap:eth0 ", "IllegalArgumentException: bad port name \"netmap:eth0 \": whitespace and control characters are not allowed at position 11\nnetmap:eth0 \n           ^"),
            name("netmap:et h0", "IllegalArgumentException: bad port name \"netmap:et h0\": whitespace and control characters are not allowed at position 9\nnetmap:et h0\n         ^"),
            name("netmap:eth0\u0000", "IllegalArgumentException: bad port name \"netmap:eth0\u0000\": whitespace and control characters are not allowed at position 11\nnetmap:eth0\u0000\n           ^"),
            name("netmap:{1", "IllegalArgumentException: bad port name \"netmap:{1\": port name expected before the pipe id at position 7\nnetmap:{1\n       ^"),
            name("netmap:p{", "IllegalArgumentException: bad port name \"netmap:p{\": pipe id expected after '{' at position 9\nnetmap:p{\n         ^"),
            name("netmap:p}", "IllegalArgumentException: bad port name \"netmap:p}\": pipe id expected after '}' at position 9\nnetmap:p}\n         ^"),
            name("netmap:p{-1", "IllegalArgumentException: bad port name \"netmap:p{-1\": pipe id expected after '{' at position 9\nnetmap:p{-1\n         ^"),
            name("netmap:p{a.b", "IllegalArgumentException: bad port name \"netmap:p{a.b\": a pipe id holds only letters, digits and '_' at position 10\nnetmap:p{a.b\n          ^"),
            name("netmap:p{a{b", "IllegalArgumentException: bad port name \"netmap:p{a{b\": a pipe id holds only letters, digits and '_' at position 10\nnetmap:p{a{b\n          ^"),
            name("netmap:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "IllegalArgumentException: bad port name \"netmap:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\": name \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\" too long: the kernel takes at most 63 bytes at position 70\nnetmap:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n                                                                      ^"),
            name("netmap:eth0-x", "IllegalArgumentException: bad port name \"netmap:eth0-x\": ring number expected at position 12\nnetmap:eth0-x\n            ^"),
            name("netmap:eth0-", "IllegalArgumentException: bad port name \"netmap:eth0-\": ring number expected at position 12\nnetmap:eth0-\n            ^"),
            name("netmap:eth0-4095", "IllegalArgumentException: bad port name \"netmap:eth0-4095\": ring number 4095 out of range: it must be below 4095 at position 12\nnetmap:eth0-4095\n            ^"),
            name("netmap:eth0^4095", "IllegalArgumentException: bad port name \"netmap:eth0^4095\": ring number 4095 out of range: it must be below 4095 at position 12\nnetmap:eth0^4095\n            ^"),
            name("netmap:eth0-99999999999999999999999", "IllegalArgumentException: bad port name \"netmap:eth0-99999999999999999999999\": ring number 99999999999999999999999 out of range: it must be below 4095 at position 12\nnetmap:eth0-99999999999999999999999\n            ^"),
            name("netmap:eth0^*", "IllegalArgumentException: bad port name \"netmap:eth0^*\": ring mode already given by '^' at position 11; give only one of ^ ^N * -N at position 12\nnetmap:eth0^*\n            ^"),
            name("netmap:eth0*^", "IllegalArgumentException: bad port name \"netmap:eth0*^\": ring mode already given by '*' at position 11; give only one of ^ ^N * -N at position 12\nnetmap:eth0*^\n            ^"),
            name("netmap:eth0-1-2", "IllegalArgumentException: bad port name \"netmap:eth0-1-2\": ring mode already given by '-' at position 11; give only one of ^ ^N * -N at position 13\nnetmap:eth0-1-2\n             ^"),
            name("netmap:eth0-1x", "IllegalArgumentException: bad port name \"netmap:eth0-1x\": unexpected 'x': after the ring mode come @N (memory id), /flags and @options at position 13\nnetmap:eth0-1x\n             ^"),
            name("netmap:eth0*1", "IllegalArgumentException: bad port name \"netmap:eth0*1\": unexpected '1': after the ring mode come @N (memory id), /flags and @options at position 12\nnetmap:eth0*1\n            ^"),
            name("netmap:eth0@2-1", "IllegalArgumentException: bad port name \"netmap:eth0@2-1\": the ring mode ('-') must come right after the port name, before @N and /flags at position 13\nnetmap:eth0@2-1\n             ^"),
            name("netmap:eth0/x-1", "IllegalArgumentException: bad port name \"netmap:eth0/x-1\": the ring mode ('-') must come before /flags at position 13\nnetmap:eth0/x-1\n             ^"),
            name("netmap:eth0/", "IllegalArgumentException: bad port name \"netmap:eth0/\": flag expected after '/'; flags are x (exclusive), z (zero-copy monitor), t (monitor TX), r (monitor RX), R (RX rings only), T (TX rings only) at position 12\nnetmap:eth0/\n            ^"),
            name("netmap:eth0/q", "IllegalArgumentException: bad port name \"netmap:eth0/q\": unknown flag 'q'; flags are x (exclusive), z (zero-copy monitor), t (monitor TX), r (monitor RX), R (RX rings only), T (TX rings only) at position 12\nnetmap:eth0/q\n            ^"),
            name("netmap:eth0/X", "IllegalArgumentException: bad port name \"netmap:eth0/X\": unknown flag 'X'; flags are x (exclusive), z (zero-copy monitor), t (monitor TX), r (monitor RX), R (RX rings only), T (TX rings only) at position 12\nnetmap:eth0/X\n            ^"),
            name("netmap:eth0/x/r", "IllegalArgumentException: bad port name \"netmap:eth0/x/r\": flags already started: write all flags after a single '/' at position 13\nnetmap:eth0/x/r\n             ^"),
            name("netmap:eth0/RT", "IllegalArgumentException: bad port name \"netmap:eth0/RT\": flags R (RX rings only) and T (TX rings only) together bind no ring at position 13\nnetmap:eth0/RT\n             ^"),
            name("netmap:eth0@", "IllegalArgumentException: bad port name \"netmap:eth0@\": memory id or option expected after '@' at position 12\nnetmap:eth0@\n            ^"),
            name("netmap:eth0@0", "IllegalArgumentException: bad port name \"netmap:eth0@0\": memory id 0 out of range 1..65535 at position 12\nnetmap:eth0@0\n            ^"),
            name("netmap:eth0@65536", "IllegalArgumentException: bad port name \"netmap:eth0@65536\": memory id 65536 out of range 1..65535 at position 12\nnetmap:eth0@65536\n            ^"),
            name("netmap:eth0@2@3", "IllegalArgumentException: bad port name \"netmap:eth0@2@3\": memory id already set to 2 at position 14\nnetmap:eth0@2@3\n              ^"),
            name("netmap:eth0@conf", "IllegalArgumentException: bad port name \"netmap:eth0@conf\": @conf needs ':key=value,...' with keys rings, host-rings, slots, tx-rings, rx-rings, host-tx-rings, host-rx-rings, tx-slots, rx-slots at position 16\nnetmap:eth0@conf\n                ^"),
            name("netmap:eth0@conf:", "IllegalArgumentException: bad port name \"netmap:eth0@conf:\": key expected; @conf takes rings, host-rings, slots, tx-rings, rx-rings, host-tx-rings, host-rx-rings, tx-slots, rx-slots at position 17\nnetmap:eth0@conf:\n                 ^"),
            name("netmap:eth0@conf=4", "IllegalArgumentException: bad port name \"netmap:eth0@conf=4\": @conf takes ':key=value,...' with keys rings, host-rings, slots, tx-rings, rx-rings, host-tx-rings, host-rx-rings, tx-slots, rx-slots at position 16\nnetmap:eth0@conf=4\n                ^"),
            name("netmap:eth0@conf:rings", "IllegalArgumentException: bad port name \"netmap:eth0@conf:rings\": '=value' expected after key 'rings' at position 22\nnetmap:eth0@conf:rings\n                      ^"),
            name("netmap:eth0@conf:rings=", "IllegalArgumentException: bad port name \"netmap:eth0@conf:rings=\": value expected for key 'rings' at position 23\nnetmap:eth0@conf:rings=\n                       ^"),
            name("netmap:eth0@conf:rings=x", "IllegalArgumentException: bad port name \"netmap:eth0@conf:rings=x\": decimal number expected at position 23\nnetmap:eth0@conf:rings=x\n                       ^"),
            name("netmap:eth0@conf:rings=-1", "IllegalArgumentException: bad port name \"netmap:eth0@conf:rings=-1\": decimal number expected at position 23\nnetmap:eth0@conf:rings=-1\n                       ^"),
            name("netmap:eth0@conf:rings=65536", "IllegalArgumentException: bad port name \"netmap:eth0@conf:rings=65536\": 65536 out of range 0..65535 at position 23\nnetmap:eth0@conf:rings=65536\n                       ^"),
            name("netmap:eth0@conf:slots=2147483648", "IllegalArgumentException: bad port name \"netmap:eth0@conf:slots=2147483648\": 2147483648 out of range 0..2147483647 at position 23\nnetmap:eth0@conf:slots=2147483648\n                       ^"),
            name("netmap:eth0@conf:ring=4", "IllegalArgumentException: bad port name \"netmap:eth0@conf:ring=4\": unknown key 'ring'; @conf takes rings, host-rings, slots, tx-rings, rx-rings, host-tx-rings, host-rx-rings, tx-slots, rx-slots at position 17\nnetmap:eth0@conf:ring=4\n                 ^"),
            name("netmap:eth0@conf:rings=4,", "IllegalArgumentException: bad port name \"netmap:eth0@conf:rings=4,\": key expected after ',' at position 25\nnetmap:eth0@conf:rings=4,\n                         ^"),
            name("netmap:eth0@conf:rings=4,rings=5", "IllegalArgumentException: bad port name \"netmap:eth0@conf:rings=4,rings=5\": key 'rings' given twice at position 25\nnetmap:eth0@conf:rings=4,rings=5\n                         ^"),
            name("netmap:eth0@conf:rings=4@conf:slots=8", "IllegalArgumentException: bad port name \"netmap:eth0@conf:rings=4@conf:slots=8\": option @conf given twice; the kernel takes each option once at position 24\nnetmap:eth0@conf:rings=4@conf:slots=8\n                        ^"),
            name("netmap:eth0@foo", "IllegalArgumentException: bad port name \"netmap:eth0@foo\": unknown option 'foo'; options are @conf:, @share=, @extmem:, @offset: at position 12\nnetmap:eth0@foo\n            ^"),
            name("netmap:eth0@@conf:rings=1", "IllegalArgumentException: bad port name \"netmap:eth0@@conf:rings=1\": option name expected after '@' at position 12\nnetmap:eth0@@conf:rings=1\n            ^"),
            name("netmap:eth0@conf:rings=1@2", "IllegalArgumentException: bad port name \"netmap:eth0@conf:rings=1@2\": the memory id @N must come before the options at position 25\nnetmap:eth0@conf:rings=1@2\n                         ^"),
            name("netmap:eth0@conf:rings=1, slots=2", "IllegalArgumentException: bad port name \"netmap:eth0@conf:rings=1, slots=2\": whitespace and control characters are not allowed at position 25\nnetmap:eth0@conf:rings=1, slots=2\n                         ^"),
            name("netmap:eth0@share", "IllegalArgumentException: bad port name \"netmap:eth0@share\": @share needs '=PORT' or ':key=value,...' with keys port at position 17\nnetmap:eth0@share\n                 ^"),
            name("netmap:eth0@share=", "IllegalArgumentException: bad port name \"netmap:eth0@share=\": value expected after '=' at position 18\nnetmap:eth0@share=\n                  ^"),
            name("netmap:eth0@share=eth1", "IllegalArgumentException: bad port name \"netmap:eth0@share=eth1\": in the @share port: prefix unknown or missing: use netmap:IF or valeS:PORT at position 18\nnetmap:eth0@share=eth1\n                  ^"),
            name("netmap:eth0@share:prt=netmap:eth1", "IllegalArgumentException: bad port name \"netmap:eth0@share:prt=netmap:eth1\": unknown key 'prt'; @share takes port at position 18\nnetmap:eth0@share:prt=netmap:eth1\n                  ^"),
            name("netmap:eth0@share=netmap:a@share=netmap:b", "IllegalArgumentException: bad port name \"netmap:eth0@share=netmap:a@share=netmap:b\": option @share given twice; the kernel takes each option once at position 26\nnetmap:eth0@share=netmap:a@share=netmap:b\n                          ^"),
            name("netmap:eth0@extmem", "IllegalArgumentException: bad port name \"netmap:eth0@extmem\": @extmem needs '=FILE' or ':key=value,...' with keys file, if-num, if-size, ring-num, ring-size, buf-num, buf-size at position 18\nnetmap:eth0@extmem\n                  ^"),
            name("netmap:eth0@extmem:if-num=4", "IllegalArgumentException: bad port name \"netmap:eth0@extmem:if-num=4\": @extmem needs the key 'file' at position 18\nnetmap:eth0@extmem:if-num=4\n                  ^"),
            name("netmap:eth0@extmem:file=/f,buf-num=4294967296", "IllegalArgumentException: bad port name \"netmap:eth0@extmem:file=/f,buf-num=4294967296\": 4294967296 out of range 0..4294967295 at position 35\nnetmap:eth0@extmem:file=/f,buf-num=4294967296\n                                   ^"),
            name("netmap:eth0@extmem:file=/f,buf-count=1", "IllegalArgumentException: bad port name \"netmap:eth0@extmem:file=/f,buf-count=1\": unknown key 'buf-count'; @extmem takes file, if-num, if-size, ring-num, ring-size, buf-num, buf-size at position 27\nnetmap:eth0@extmem:file=/f,buf-count=1\n                           ^"),
            name("netmap:eth0@offset:bits=8", "IllegalArgumentException: bad port name \"netmap:eth0@offset:bits=8\": @offset needs the key 'initial' at position 18\nnetmap:eth0@offset:bits=8\n                  ^"),
            name("netmap:eth0@offset:initial=8,bits=65", "IllegalArgumentException: bad port name \"netmap:eth0@offset:initial=8,bits=65\": 65 out of range 0..64 at position 34\nnetmap:eth0@offset:initial=8,bits=65\n                                  ^"),
            name("netmap:eth0@offset=abc", "IllegalArgumentException: bad port name \"netmap:eth0@offset=abc\": decimal number expected at position 19\nnetmap:eth0@offset=abc\n                   ^"),
            open("netmap:nosuchif0", "NoSuchPortException: open netmap:nosuchif0 failed: there is no network interface \"nosuchif0\" in this network namespace. Check the name with `ip link`"),
            open("netmap:nosuchif0^", "NetmapException: open netmap:nosuchif0^ failed: host rings (^ and *) are the host stack's side of a NIC, which only the netmap kernel module can attach to. The user backend opens the NIC rings (netmap:IF, netmap:IF-N); frames it does not take reach the host stack as usual"),
            open("netmap:nosuchif0*", "NetmapException: open netmap:nosuchif0* failed: host rings (^ and *) are the host stack's side of a NIC, which only the netmap kernel module can attach to. The user backend opens the NIC rings (netmap:IF, netmap:IF-N); frames it does not take reach the host stack as usual"),
            open("netmap:nosuchif0/t", "NetmapException: open netmap:nosuchif0/t failed: monitors and virtio-net headers are not supported on interfaces by the user backend"),
            open("netmap:nosuchif0@extmem=/dev/shm/x", "NetmapException: open netmap:nosuchif0@extmem=/dev/shm/x failed: @extmem, @share and @offset are not supported on interfaces by the user backend"),
            open("netmap:p{0/t", "NetmapException: open netmap:p{0/t failed: p{0 is not open; a monitor watches a port in use (netmap wants it in netmap mode). Open the pipe end first"),
            open("netmap:p{0/r", "NetmapException: open netmap:p{0/r failed: p{0 is not open; a monitor watches a port in use (netmap wants it in netmap mode). Open the pipe end first"),
            open("netmap:p{0/z", "NetmapException: open netmap:p{0/z failed: p{0 is not open; a monitor watches a port in use (netmap wants it in netmap mode). Open the pipe end first"),
            open("valeS:a{1", "NetmapException: open valeS:a{1 failed: the user backend does not support pipes of VALE ports"),
            open("valeS:a^", "NetmapException: open valeS:a^ failed: a VALE port has no host rings (^, *); they belong to interfaces attached to a switch"),
            open("valeS:a*", "NetmapException: open valeS:a* failed: a VALE port has no host rings (^, *); they belong to interfaces attached to a switch"),
            open("valeS:a@2", "NetmapException: open valeS:a@2 failed: the user backend gives each VALE port a memory region of its own, as netmap does by default; a region id (@2) cannot be chosen"),
            open("valeS:a-0/t", "NetmapException: open valeS:a-0/t failed: a monitor of the user backend watches every ring of its port, without /x or extra buffers"),
            open("valeS:a/tx", "NetmapException: open valeS:a/tx failed: a monitor of the user backend watches every ring of its port, without /x or extra buffers"),
            open("netmap:p{0-1", "NetmapException: open netmap:p{0-1 failed: a pipe end has one ring pair (ring 0) and no host rings"),
            open("netmap:p{0^", "NetmapException: open netmap:p{0^ failed: a pipe end has one ring pair (ring 0) and no host rings"),
            open("netmap:p{0@extmem=/dev/shm/x", "NetmapException: open netmap:p{0@extmem=/dev/shm/x failed: @extmem, @share and @offset are not supported by the user backend"),
            open("netmap:p{0@share=netmap:p}0", "NetmapException: open netmap:p{0@share=netmap:p}0 failed: @extmem, @share and @offset are not supported by the user backend"),
            open("netmap:p{0@offset=64", "NetmapException: open netmap:p{0@offset=64 failed: @extmem, @share and @offset are not supported by the user backend"),
            open("netmap:p{aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "PortSpecException: bad port name \"netmap:p{aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\": name \"p{aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\" too long: the kernel takes at most 63 bytes at position 70\nnetmap:p{aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n                                                                      ^"),
            channel(USER_BACKEND, "open `netmap:p{0/x` twice", "PortBusyException: open netmap:p{0/x: this pipe end is busy: it is open already, and /x asks for it alone. Close the other registration first", f -> {
                f.open("netmap:p{0/x");
                return thrown(() -> f.open("netmap:p{0/x"));
            }),
            channel(USER_BACKEND, "a ninth registration of `netmap:p{0`", "PortBusyException: open netmap:p{0: this pipe end is already open 8 times, the most the user backend supports", f -> {
                for (int i = 0; i < 8; i++) {
                    f.open("netmap:p{0");
                }
                return thrown(() -> f.open("netmap:p{0"));
            }),
            channel(USER_BACKEND, "open `netmap:p}0` while `netmap:p}0/x` is open", "PortBusyException: open netmap:p}0: this pipe end is busy: it is open exclusively (/x) by another user. Close the other registration first", f -> {
                f.open("netmap:p}0/x");
                return thrown(() -> f.open("netmap:p}0"));
            }),
            channel(USER_BACKEND, "a 65th pipe of one parent", "NetmapException: open netmap:p{64@conf:slots=2: the parent p already has 64 pipes, the most the user backend supports; close some first", f -> {
                for (int i = 0; i < 64; i++) {
                    f.open("netmap:p{" + i + "@conf:slots=2");
                }
                return thrown(() -> f.open("netmap:p{64@conf:slots=2"));
            }),
            channel(USER_BACKEND, "open `netmap:p{0/z` twice", "PortBusyException: open netmap:p{0/z failed: the port has a zero-copy monitor already; the user backend allows one per port (netmap chains several, one after the other). Use a copy monitor (/t, /r) beside it", f -> {
                f.open("netmap:p{0");
                f.open("netmap:p{0/z");
                return thrown(() -> f.open("netmap:p{0/z"));
            }),
            channel(USER_BACKEND, "open `valeS:a/x` twice", "PortBusyException: open valeS:a/x: this VALE port is busy: it is open already, and /x asks for it alone. Close the other registration first", f -> {
                f.open("valeS:a/x");
                return thrown(() -> f.open("valeS:a/x"));
            }),
            channel(USER_BACKEND, "a 255th port of one VALE switch", "NetmapException: open valeS:p254@conf:slots=64: the switch already has 254 ports, the most netmap allows; close some first", f -> {
                for (int i = 0; i < 254; i++) {
                    f.open("valeS:p" + i + "@conf:slots=64");
                }
                return thrown(() -> f.open("valeS:p254@conf:slots=64"));
            }),
            channel(VALE_CTL, "`newInterface(\"no such\", ...)`", "NetmapException: create VALE interface no such failed: \"no such\" is not an interface name: 1 to 15 printable bytes, not starting with vale, without / : { } @ ^ * -", f -> thrown(() -> f.valeControl().newInterface("no such", 0, 0, 0, 0))),
            channel(VALE_CTL, "`newInterface` of 16 rings of 8192 slots each way", "NetmapException: create VALE interface nm4jbad0 failed: 131072 buffers; a VALE port of the user backend has room for 65534. Ask for fewer rings or slots", f -> thrown(() -> f.valeControl().newInterface("nm4jbad0", 8192, 8192, 16, 16))),
            channel(VALE_CTL, "`attach(valeS, IF, true)` (with the host stack)", "NetmapException: attach valeS:nm4jbad0 failed: the user backend has no host stack rings to attach (that needs the netmap kernel module); attach the interface alone (vale-ctl -a)", f -> thrown(() -> f.valeControl().attach(f.valeSwitch(), "nm4jbad0", true))),
            channel(VALE_CTL, "`attach(\"switch0\", IF, false)`", "NetmapException: attach switch0:nm4jbad0 failed: \"switch0\" is not a VALE switch name: vale followed by letters, digits or underscores", f -> thrown(() -> f.valeControl().attach("switch0", "nm4jbad0", false))),
            channel(VALE_CTL, "`detach(\"valeS\")` (no port)", "NetmapException: detach valeS failed: name the port as valeS:INTERFACE", f -> thrown(() -> f.valeControl().detach(f.valeSwitch()))),
            channel(USER_BACKEND, "`NetmapPorts.backend(\"bogus\")`", "IllegalArgumentException: unknown netmap backend \"bogus\": use kernel, user or auto", f -> thrown(() -> NetmapPorts.backend("bogus"))),
            channel(USER_BACKEND, "`txSync()` after `close()`", "NetmapException: netmap:p{0 is closed", f -> {
                NetmapPort p = f.open("netmap:p{0");
                p.close();
                return thrown(p::txSync);
            }),

            channel(CHANNEL, "`bind(new InetSocketAddress(0))`", "IllegalArgumentException: a NetmapChannel binds to a NetmapAddress, e.g. NetmapAddress.of(\"netmap:eth0\"), not java.net.InetSocketAddress", f -> f.bootstrap().bind(new InetSocketAddress(0)).await().cause()),
            channel(CHANNEL, "bind a bound channel again", "IllegalStateException: already bound to netmap:p{0", f -> f.bind("netmap:p{0").bind(NetmapAddress.of(f.name("netmap:p{1"))).await().cause()),
            channel(CHANNEL, "`connect(...)`", "UnsupportedOperationException: netmap channels do not connect; bind them to a NetmapAddress (both ends of a pipe bind)", f -> f.bind("netmap:p{0").connect(new InetSocketAddress(0)).await().cause()),
            channel(CHANNEL, "bind `netmap:nosuchif0` with `BACKEND` `user`", "NoSuchPortException: open netmap:nosuchif0 failed: there is no network interface \"nosuchif0\" in this network namespace. Check the name with `ip link`", f -> f.bootstrap().bind(NetmapAddress.of("netmap:nosuchif0")).await().cause()),
            channel(CHANNEL, "bind with `BACKEND` `\"bogus\"`", "IllegalArgumentException: unknown netmap backend \"bogus\": use kernel, user or auto", f -> f.bootstrap(NetmapChannelOption.BACKEND, "bogus").bind(NetmapAddress.of(f.name("netmap:p{0"))).await().cause()),
            channel(CHANNEL, "bind a closed channel", "StacklessClosedChannelException: null", f -> {
                Channel ch = f.bootstrap().register().sync().channel();
                f.track(ch);
                ch.close().sync();
                return ch.bind(NetmapAddress.of(f.name("netmap:p{0"))).await().cause();
            }),

            channel(WRITE, "a `String`", "UnsupportedOperationException: unsupported message type: java.lang.String (expected: ByteBuf, ByteBufHolder, NetmapTxBatch)", f -> write(f, "hello")),
            channel(WRITE, "an `Integer`", "UnsupportedOperationException: unsupported message type: java.lang.Integer (expected: ByteBuf, ByteBufHolder, NetmapTxBatch)", f -> write(f, 42)),
            channel(WRITE, "a `byte[]`", "UnsupportedOperationException: unsupported message type: [B (expected: ByteBuf, ByteBufHolder, NetmapTxBatch)", f -> write(f, new byte[60])),
            channel(WRITE, "a `java.nio.ByteBuffer`", "UnsupportedOperationException: unsupported message type: java.nio.HeapByteBuffer (expected: ByteBuf, ByteBufHolder, NetmapTxBatch)", f -> write(f, java.nio.ByteBuffer.allocate(60))),
            channel(WRITE, "`null`", "NullPointerException: msg", f -> thrown(() -> f.bind("netmap:p{0").writeAndFlush(null))),
            channel(WRITE, "an empty frame (0 bytes)", "IllegalArgumentException: an empty frame (0 bytes) cannot be sent on netmap:p{0: a frame needs at least an Ethernet header; check the buffer's reader and writer indexes", f -> write(f, frame(0))),
            channel(WRITE, "a frame of 2049 bytes (buffers are 2048)", "IllegalArgumentException: a frame of 2049 bytes does not fit the 2048-byte buffers of netmap:p{0; send smaller frames, or set TX_MOREFRAG if the port takes multi-slot frames (pipes and VALE ports do)", f -> write(f, frame(2049))),
            channel(WRITE, "a frame of 65536 bytes", "IllegalArgumentException: a frame of 65536 bytes does not fit the 2048-byte buffers of netmap:p{0; send smaller frames, or set TX_MOREFRAG if the port takes multi-slot frames (pipes and VALE ports do)", f -> write(f, frame(65536))),
            channel(WRITE, "a frame of 64 * 2048 + 1 bytes with `TX_MOREFRAG`", "IllegalArgumentException: a frame of 131073 bytes needs more than 64 slots of 2048 bytes on netmap:p{0 (NETMAP_MAX_FRAGS); send smaller frames", f -> write(f,
                    f.bind(f.bootstrap(NetmapChannelOption.TX_MOREFRAG, true), "netmap:p{0"), frame(64 * 2048 + 1))),
            channel(WRITE, "a released `ByteBuf`", "IllegalReferenceCountException: refCnt: 0", f -> {
                ByteBuf b = frame(60);
                b.release();
                return write(f, b);
            }),
            channel(WRITE, "to `netmap:p{0/R` (no TX ring)", "IllegalStateException: cannot write to netmap:p{0/R: it has no TX ring bound (opened for reception only, e.g. with /R); bind a port name that includes a TX ring to send", f -> write(f, f.bind("netmap:p{0/R"), frame(60))),
            channel(WRITE, "to a `netmap:p{0/t` monitor", "IllegalStateException: cannot write to netmap:p{0/t: it is a monitor, which only receives; write to the port it monitors", f -> monitorWrite(f, "netmap:p{0", "netmap:p{0/t")),
            channel(WRITE, "to a `netmap:p{0/r` monitor", "IllegalStateException: cannot write to netmap:p{0/r: it is a monitor, which only receives; write to the port it monitors", f -> monitorWrite(f, "netmap:p{0", "netmap:p{0/r")),
            channel(WRITE, "to a `netmap:p{0/z` monitor", "IllegalStateException: cannot write to netmap:p{0/z: it is a monitor, which only receives; write to the port it monitors", f -> monitorWrite(f, "netmap:p{0", "netmap:p{0/z")),
            channel(WRITE, "to a `valeS:a/t` monitor", "IllegalStateException: cannot write to valeS:a/t: it is a monitor, which only receives; write to the port it monitors", f -> monitorWrite(f, "valeS:a", "valeS:a/t")),
            channel(WRITE, "to a `valeS:a/z` monitor", "IllegalStateException: cannot write to valeS:a/z: it is a monitor, which only receives; write to the port it monitors", f -> monitorWrite(f, "valeS:a", "valeS:a/z")),
            channel(WRITE, "on the event loop behind a direct frame: a `String`", "UnsupportedOperationException: unsupported message type: java.lang.String (expected: ByteBuf, ByteBufHolder, NetmapTxBatch)", f -> directWrite(f, "hello")),
            channel(WRITE, "on the event loop behind a direct frame: 0 bytes", "IllegalArgumentException: an empty frame (0 bytes) cannot be sent on netmap:p{0: a frame needs at least an Ethernet header; check the buffer's reader and writer indexes", f -> directWrite(f, frame(0))),
            channel(WRITE, "on the event loop behind a direct frame: 2049 bytes", "IllegalArgumentException: a frame of 2049 bytes does not fit the 2048-byte buffers of netmap:p{0; send smaller frames, or set TX_MOREFRAG if the port takes multi-slot frames (pipes and VALE ports do)", f -> directWrite(f, frame(2049))),
            channel(WRITE, "on the event loop behind a direct frame: a released `ByteBuf`", "IllegalReferenceCountException: refCnt: 0", f -> {
                ByteBuf b = frame(60);
                b.release();
                return directWrite(f, b);
            }),
            channel(WRITE, "after `close()`", "StacklessClosedChannelException: null", f -> {
                Channel ch = f.bind("netmap:p{0");
                ch.close().sync();
                return write(f, ch, frame(60));
            }),
            channel(WRITE, "from another thread while the channel closes", "StacklessClosedChannelException: null", f -> {
                Channel ch = f.bind("netmap:p{0");
                ch.close();
                return CompletableFuture.supplyAsync(() -> ch.writeAndFlush(frame(60)).awaitUninterruptibly().cause()).get();
            }),
            channel(WRITE, "`writeAndFlush` before `bind`", "NotYetConnectedException: null", f -> {
                Channel ch = f.bootstrap().register().sync().channel();
                f.track(ch);
                return ch.writeAndFlush(frame(60)).await().cause();
            }),
            channel(WRITE, "`write` of 2049 bytes before `bind`, `flush` after", "IllegalArgumentException: a frame of 2049 bytes does not fit the 2048-byte buffers of netmap:p{0; send smaller frames, or set TX_MOREFRAG if the port takes multi-slot frames (pipes and VALE ports do)", f -> {
                Channel ch = f.bootstrap().register().sync().channel();
                f.track(ch);
                io.netty.channel.ChannelFuture w = ch.write(frame(2049));
                ch.bind(NetmapAddress.of(f.name("netmap:p{0"))).sync();
                ch.flush();
                return w.await().cause();
            }),
            channel(WRITE, "`write` of 0 bytes before `bind`, `flush` after", "IllegalArgumentException: an empty frame (0 bytes) cannot be sent on netmap:p{0: a frame needs at least an Ethernet header; check the buffer's reader and writer indexes", f -> {
                Channel ch = f.bootstrap().register().sync().channel();
                f.track(ch);
                io.netty.channel.ChannelFuture w = ch.write(frame(0));
                ch.bind(NetmapAddress.of(f.name("netmap:p{0"))).sync();
                ch.flush();
                return w.await().cause();
            }),
            channel(WRITE, "a `NetmapTxBatch` whose `fill` throws", "IllegalStateException: the generator failed", f -> write(f, (NetmapTxBatch) slots -> {
                throw new IllegalStateException("the generator failed");
            })),
            channel(WRITE, "`NetmapTxSlots.commit(3000)`", "IllegalArgumentException: a frame of 3000 bytes does not fit a netmap buffer of 2048 bytes", f -> write(f, (NetmapTxBatch) slots -> {
                slots.commit(3000);
                return true;
            })),
            channel(WRITE, "`NetmapTxSlots.commit(0)`", "IllegalArgumentException: a frame of 0 bytes cannot be sent: commit the length of what was written into the slot's buffer, 1 to 2048", f -> write(f, (NetmapTxBatch) slots -> {
                slots.commit(0);
                return true;
            })),
            channel(WRITE, "`NetmapTxSlots.commit(-1)`", "IllegalArgumentException: a frame of -1 bytes cannot be sent: commit the length of what was written into the slot's buffer, 1 to 2048", f -> write(f, (NetmapTxBatch) slots -> {
                slots.commit(-1);
                return true;
            })),
            channel(WRITE, "`commit` past `remaining()`", "IllegalStateException: no free TX slot left in this fill call (check remaining())", f -> write(f, (NetmapTxBatch) slots -> {
                while (true) {
                    slots.commit(60);
                }
            })),
            channel(WRITE, "`NetmapTxSlots` kept and used after `fill`", "IllegalStateException: NetmapTxSlots used outside NetmapTxBatch.fill", f -> {
                AtomicReference<NetmapTxSlots> kept = new AtomicReference<>();
                write(f, (NetmapTxBatch) slots -> {
                    kept.set(slots);
                    return true;
                });
                return thrown(() -> kept.get().commit(60));
            }),

            channel(OPTION, "`RX_EXTRA_BUFFERS` = -1", "IllegalArgumentException: RX_EXTRA_BUFFERS must be 0 or more, not -1", f -> thrown(() -> f.bootstrap().register().sync().channel()
                    .config().setOption(NetmapChannelOption.RX_EXTRA_BUFFERS, -1))),
            channel(OPTION, "`RX_ZERO_COPY` changed while bound", "IllegalStateException: RX_ZERO_COPY is read when the channel binds and cannot change while [id: 0x…, L:netmap:p{0] is bound (it is false); set it on the Bootstrap before bind", f -> thrown(() -> f.bind("netmap:p{0").config()
                    .setOption(NetmapChannelOption.RX_ZERO_COPY, true))),
            channel(OPTION, "`BACKEND` changed while bound", "IllegalStateException: BACKEND is read when the channel binds and cannot change while [id: 0x…, L:netmap:p{0] is bound (it is user); set it on the Bootstrap before bind", f -> thrown(() -> f.bind("netmap:p{0").config()
                    .setOption(NetmapChannelOption.BACKEND, "kernel"))),
            channel(OPTION, "`NO_TX_POLL` changed while bound", "IllegalStateException: NO_TX_POLL is read when the channel binds and cannot change while [id: 0x…, L:netmap:p{0] is bound (it is false); set it on the Bootstrap before bind", f -> thrown(() -> f.bind("netmap:p{0").config()
                    .setOption(NetmapChannelOption.NO_TX_POLL, true))),
            channel(OPTION, "`NIC_MECHANISM` = `\"bogus\"`", "IllegalArgumentException: unknown NIC mechanism \"bogus\": use auto, xdp or packet", f -> thrown(() -> f.bootstrap().register().sync().channel()
                    .config().setOption(NetmapChannelOption.NIC_MECHANISM, "bogus"))),
            channel(OPTION, "`NIC_MECHANISM` changed while bound", "IllegalStateException: NIC_MECHANISM is read when the channel binds and cannot change while [id: 0x…, L:netmap:p{0] is bound (it is auto); set it on the Bootstrap before bind", f -> thrown(() -> f.bind("netmap:p{0").config()
                    .setOption(NetmapChannelOption.NIC_MECHANISM, "xdp"))),
            channel(OPTION, "`VNET_HDR_LEN` = 8", "IllegalArgumentException: VNET_HDR_LEN must be 0 (no header), 10 or 12 (virtio-net header lengths netmap knows), not 8", f -> thrown(() -> f.bootstrap().register().sync().channel()
                    .config().setOption(NetmapChannelOption.VNET_HDR_LEN, 8))),
            channel(OPTION, "bind `netmap:p{0` with `VNET_HDR_LEN` 12", "IllegalArgumentException: VNET_HDR_LEN 12 needs a VALE port of a netmap kernel (valeX:Y), not netmap:p{0; netmap sets virtio-net headers only on VALE ports", f -> f.bootstrap(NetmapChannelOption.VNET_HDR_LEN, 12).bind(NetmapAddress.of(f.name("netmap:p{0"))).await().cause()),
            channel(OPTION, "bind a VALE port with `VNET_HDR_LEN` 12 on the user backend", "NetmapException: open valeS:a failed: virtio-net headers are not supported by the user backend", f -> f.bootstrap(NetmapChannelOption.VNET_HDR_LEN, 12).bind(NetmapAddress.of(f.valeSwitch() + ":a")).await().cause()),
            channel(OPTION, "`MAX_MESSAGES_PER_READ` = 0", "IllegalArgumentException: maxMessagesPerRead : 0 (expected: > 0)", f -> thrown(() -> f.bind("netmap:p{0").config()
                    .setOption(ChannelOption.MAX_MESSAGES_PER_READ, 0))),
            channel(OPTION, "`NetmapIoHandlerConfig.setSpinNanos(-1)`", "IllegalArgumentException: spinNanos must be 0 or more (0 disables spinning), not -1", f -> thrown(() -> new NetmapIoHandlerConfig().setSpinNanos(-1))));
}

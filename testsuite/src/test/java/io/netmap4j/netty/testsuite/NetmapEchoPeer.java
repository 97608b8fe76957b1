package io.netmap4j.netty.testsuite;

import io.netmap4j.NetmapPorts;
import io.netmap4j.netty.NetmapAddress;
import io.netmap4j.netty.NetmapChannel;
import io.netmap4j.netty.NetmapIoHandler;
import io.netmap4j.user.UserBackend;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The other process of {@link NetmapCrossProcessEchoTest}: a Netty netmap channel bound to the
 * port named by its argument that writes every frame it receives back. It prints {@code READY}
 * once bound, then obeys its standard input: the line {@code close} closes the channel cleanly
 * (and prints {@code CLOSED}); the end of the input makes it exit, so it never outlives a test
 * JVM that died. An exception in the channel is printed as a line starting with {@code ERROR}.
 */
public final class NetmapEchoPeer {
    private NetmapEchoPeer() {
    }

    /**
     * Starts this class in a new JVM with the test's class path, echoing on port {@code name},
     * with this JVM's backend (a pipe's two ends must be on the same one) and shm directory.
     */
    static Process start(String name) throws IOException {
        List<String> cmd = List.of(System.getProperty("java.home") + "/bin/java",
                "-cp", System.getProperty("java.class.path"),
                "--enable-native-access=ALL-UNNAMED",
                "-Dio.netty.leakDetection.level=paranoid",
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", // a small, quick-starting helper process
                "-D" + UserBackend.SHM_DIR_PROPERTY + "=" + UserBackend.shmDir(),
                "-D" + NetmapPorts.BACKEND_PROPERTY + "=" + NetmapPorts.defaultBackend().name(),
                NetmapEchoPeer.class.getName(), name);
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    public static void main(String[] args) throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NetmapIoHandler.newFactory());
        try {
            Channel channel = new Bootstrap().group(group).channel(NetmapChannel.class).handler(new Echo())
                    .bind(NetmapAddress.of(args[0])).sync().channel();
            System.out.println("READY");
            System.out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) {
                if (line.equals("close")) {
                    channel.close().sync();
                    System.out.println("CLOSED");
                    System.out.flush();
                }
            }
            channel.close().sync();
        } finally {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).sync();
        }
    }

    @ChannelHandler.Sharable
    private static final class Echo extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            System.out.println("ERROR " + cause);
            System.out.flush();
            ctx.close();
        }
    }
}

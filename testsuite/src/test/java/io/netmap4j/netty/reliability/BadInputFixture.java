package io.netmap4j.netty.reliability;

import io.netmap4j.NetmapPorts;
import io.netmap4j.core.NetmapException;
import io.netmap4j.core.NetmapPort;
import io.netmap4j.core.ValeControl;
import io.netmap4j.netty.NetmapAddress;
import io.netmap4j.netty.NetmapChannel;
import io.netmap4j.netty.NetmapChannelOption;
import io.netmap4j.spec.PortSpec;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.util.ReferenceCountUtil;
import io.netty.channel.ChannelHandlerContext;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What one entry of {@link BadInputs} runs against: an event loop group, pipe names of its own
 * (parent {@code p} in the table, a unique name here, swapped back in the messages), and the
 * channels it bound, closed afterwards.
 */
final class BadInputFixture implements AutoCloseable {
    private static final AtomicInteger NEXT = new AtomicInteger();

    /** The parent name the table shows. */
    static final String SHOWN = "p";
    /** The VALE switch name the table shows. */
    static final String SHOWN_SWITCH = "valeS";

    final String parent = "bi" + ProcessHandle.current().pid() + "x" + NEXT.incrementAndGet();
    private final EventLoopGroup group;
    private final List<Channel> channels = new ArrayList<>();
    private final List<AutoCloseable> others = new ArrayList<>();

    BadInputFixture(EventLoopGroup group) {
        this.group = group;
    }

    /** This run's VALE switch, shown as {@code valeS}. */
    String valeSwitch() {
        return "vale" + parent;
    }

    /** A port name as the table shows it ({@code p} as the parent, {@code valeS} as the switch) made unique for this run. */
    String name(String shown) {
        return shown.replace(SHOWN_SWITCH + ":", valeSwitch() + ":").replace("netmap:" + SHOWN + "{", "netmap:" + parent + "{")
                .replace("netmap:" + SHOWN + "}", "netmap:" + parent + "}")
                .replace("=netmap:" + SHOWN + "@", "=netmap:" + parent + "@");
    }

    /** What a message says, with this run's unique names shown as the table shows them. */
    String shown(String message) {
        // a channel's toString holds its random id
        return message == null ? null : message.replace(valeSwitch(), SHOWN_SWITCH).replace(parent, SHOWN).replaceAll("\\[id: 0x[0-9a-f]{8}, ", "[id: 0x…, ");
    }

    Bootstrap bootstrap() {
        return new Bootstrap().group(group).channel(NetmapChannel.class)
                .option(NetmapChannelOption.BACKEND, "user")
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ReferenceCountUtil.release(msg);
                    }
                });
    }

    /** Binds a channel to {@code shown} (made unique); fails the entry if that fails. */
    Channel bind(String shown) throws Exception {
        return bind(bootstrap(), shown);
    }

    Channel bind(Bootstrap b, String shown) throws Exception {
        ChannelFuture f = b.bind(NetmapAddress.of(name(shown))).await();
        if (f.channel() != null) {
            channels.add(f.channel());
        }
        if (!f.isSuccess()) {
            throw new IllegalStateException("the fixture could not bind " + shown, f.cause());
        }
        return f.channel();
    }

    /** A bootstrap with one more option. */
    <T> Bootstrap bootstrap(ChannelOption<T> option, T value) {
        return bootstrap().option(option, value);
    }

    /**
     * Opens {@code shown} (made unique) on the user backend, whatever {@code -Dnetmap4j.backend}
     * says: the table's messages and limits are the user backend's. Closed with the fixture.
     */
    NetmapPort open(String shown) throws NetmapException {
        return keep(NetmapPorts.open(PortSpec.parse(name(shown)), NetmapPorts.backend("user")));
    }

    /** vale-ctl's requests on the user backend, closed with the fixture. */
    ValeControl valeControl() throws NetmapException {
        return keep(NetmapPorts.backend("user").valeControl());
    }

    /** Closes {@code c} with the fixture. */
    <T extends AutoCloseable> T keep(T c) {
        others.add(c);
        return c;
    }

    void track(Channel ch) {
        channels.add(ch);
    }

    @Override
    public void close() throws Exception {
        for (Channel ch : channels) {
            ch.close().await(5, TimeUnit.SECONDS);
        }
        for (int i = others.size() - 1; i >= 0; i--) {
            others.get(i).close();
        }
    }
}

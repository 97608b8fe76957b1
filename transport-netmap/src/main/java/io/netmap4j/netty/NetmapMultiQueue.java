package io.netmap4j.netty;

import io.netmap4j.NetmapPorts;
import io.netmap4j.core.NetmapBackend;
import io.netmap4j.core.NetmapException;
import io.netmap4j.spec.PortSpec;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.Promise;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One channel per NIC ring pair of an interface, as a multi-queue netmap application runs one
 * thread per ring: {@code netmap:eth0} with four ring pairs becomes channels bound to
 * {@code netmap:eth0-0} to {@code netmap:eth0-3}, each registered by the bootstrap on the next
 * event loop of its group (so four loops take one ring each).
 *
 * <pre>{@code
 * List<Channel> rings = NetmapMultiQueue.bind(bootstrap, NetmapAddress.of("netmap:eth0")).sync().getNow();
 * }</pre>
 *
 * The bootstrap's handler is used for every channel; a {@link io.netty.channel.ChannelInitializer}
 * gives each its own pipeline, and {@code channel.localAddress()} tells which ring it has. The
 * number of ring pairs is asked from the backend ({@link NetmapChannelOption#BACKEND} of the
 * bootstrap, or the default one) before binding.
 */
public final class NetmapMultiQueue {
    private NetmapMultiQueue() { }

    /**
     * Binds one channel per ring pair of the interface {@code address} names whole (flags and
     * options are kept). The future completes with the channels in ring order once all are
     * bound, or fails with the first failure after closing those that were bound.
     */
    public static Future<List<Channel>> bind(Bootstrap bootstrap, NetmapAddress address) {
        Objects.requireNonNull(bootstrap, "bootstrap");
        Objects.requireNonNull(address, "address");
        Promise<List<Channel>> promise = GlobalEventExecutor.INSTANCE.newPromise();
        PortSpec spec = address.spec();
        int rings;
        List<PortSpec> names = new ArrayList<>();
        try {
            spec.ringPair(0); // a name that cannot be split fails here, saying why
            rings = backendOf(bootstrap).nicRingPairs(spec);
            for (int k = 0; k < rings; k++) {
                names.add(spec.ringPair(k));
            }
            if (rings < 1) {
                throw new NetmapException(spec + " has no NIC ring pairs");
            }
        } catch (NetmapException | IllegalArgumentException e) {
            return promise.setFailure(e);
        }
        Channel[] channels = new Channel[rings];
        AtomicInteger left = new AtomicInteger(rings);
        for (int k = 0; k < rings; k++) {
            int ring = k;
            ChannelFuture f = bootstrap.bind(NetmapAddress.of(names.get(k)));
            f.addListener(done -> {
                synchronized (channels) {
                    channels[ring] = f.channel();
                    if (!done.isSuccess()) {
                        promise.tryFailure(done.cause());
                    }
                }
                if (left.decrementAndGet() == 0) {
                    finish(promise, channels);
                }
            });
        }
        return promise;
    }

    private static void finish(Promise<List<Channel>> promise, Channel[] channels) {
        synchronized (channels) {
            if (promise.isDone()) {
                for (Channel ch : channels) {
                    ch.close(); // one ring failed: undo the others
                }
            } else {
                promise.setSuccess(Collections.unmodifiableList(List.of(channels)));
            }
        }
    }

    private static NetmapBackend backendOf(Bootstrap bootstrap) {
        Object name = bootstrap.config().options().get(NetmapChannelOption.BACKEND);
        return name == null ? NetmapPorts.defaultBackend() : NetmapPorts.backend((String) name);
    }
}

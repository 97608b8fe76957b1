package io.netmap4j.netty;

import io.netty.channel.Channel;

import javax.management.InstanceAlreadyExistsException;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.util.Objects;

/**
 * Publishes a bound {@link NetmapChannel}'s counters as an MXBean in the platform MBean server,
 * named {@code io.netmap4j:type=NetmapChannel,port="<port name>",id=<channel id>}, until the
 * channel closes:
 *
 * <pre>{@code
 * NetmapJmx.register((NetmapChannel) ch);   // then jconsole, or any JMX client
 * }</pre>
 */
public final class NetmapJmx {
    private NetmapJmx() { }

    /**
     * Registers {@code channel} (bound) and unregisters it when it closes.
     *
     * @return the name it was registered under
     * @throws IllegalStateException if the channel is not bound, or the name is taken
     */
    public static ObjectName register(NetmapChannel channel) {
        Objects.requireNonNull(channel, "channel");
        NetmapAddress address = channel.localAddress();
        if (address == null) {
            throw new IllegalStateException("bind " + channel + " before registering it with JMX");
        }
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName name = nameOf(channel);
        try {
            server.registerMBean(new Bean(channel), name);
        } catch (InstanceAlreadyExistsException e) {
            throw new IllegalStateException(channel + " is registered with JMX already as " + name, e);
        } catch (JMException e) {
            throw new IllegalStateException("cannot register " + channel + " with JMX: " + e.getMessage(), e);
        }
        channel.closeFuture().addListener(f -> {
            try {
                server.unregisterMBean(name);
            } catch (InstanceNotFoundException ignored) {
                // unregistered already
            }
        });
        return name;
    }

    /** The name {@link #register} uses for {@code channel}. */
    public static ObjectName nameOf(Channel channel) {
        try {
            return new ObjectName("io.netmap4j:type=NetmapChannel,port=" + ObjectName.quote(String.valueOf(channel.localAddress()))
                    + ",id=" + channel.id().asShortText());
        } catch (JMException e) {
            throw new IllegalArgumentException("no JMX name for " + channel + ": " + e.getMessage(), e);
        }
    }

    private record Bean(NetmapChannel channel) implements NetmapChannelMXBean {
        @Override
        public String getPort() {
            return String.valueOf(channel.localAddress());
        }

        @Override
        public boolean isOpen() {
            return channel.isOpen();
        }

        @Override
        public NetmapChannelCounters getCounters() {
            return channel.counters();
        }

        @Override
        public long getRxFrames() {
            return channel.counters().rxFrames();
        }

        @Override
        public long getRxBytes() {
            return channel.counters().rxBytes();
        }

        @Override
        public long getTxFrames() {
            return channel.counters().txFrames();
        }

        @Override
        public long getTxBytes() {
            return channel.counters().txBytes();
        }

        @Override
        public long getDroppedFrames() {
            NetmapChannelCounters c = channel.counters();
            return c.rxDroppedChains() + c.txRefusedTooLarge() + c.txRefusedEmpty() + c.txRefusedType() + c.txRefusedNoRing() + c.txFailed()
                    + c.portDroppedFrames();
        }
    }
}

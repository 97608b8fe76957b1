package io.netmap4j.core;

/**
 * A port attached to a VALE switch, as VALE_LIST reports it.
 *
 * @param bridge the switch's index among the backend's switches
 * @param port   the port's index on that switch
 * @param name   the port's full name, for example {@code vale0:a} or {@code vale0:eth0}
 */
public record ValePortId(int bridge, int port, String name) {
}

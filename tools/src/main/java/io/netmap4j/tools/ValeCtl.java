package io.netmap4j.tools;

import io.netmap4j.NetmapPorts;
import io.netmap4j.core.NetmapBackend;
import io.netmap4j.core.NetmapException;
import io.netmap4j.core.NetmapPort;
import io.netmap4j.core.ValeControl;
import io.netmap4j.core.ValeInterface;
import io.netmap4j.core.ValePortId;
import io.netmap4j.kernel.KernelBackend;
import io.netmap4j.kernel.NetmapControl;
import io.netmap4j.kernel.PortInfo;
import io.netmap4j.spec.PortSpec;
import io.netmap4j.tools.PktGenOptions.UsageException;
import io.netmap4j.user.vale.UserValeControl;

import java.io.PrintStream;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code vale-ctl}: netmap's tool to manage VALE switches, with its options, on the kernel
 * backend (the module's requests) or the user backend (user-space switches). Without options it
 * lists every port of every switch.
 *
 * <p>On the user backend, attaching a network interface ({@code -a valeS:eth0}) is done by a
 * forwarding loop in this process, so vale-ctl keeps running until it is stopped (Ctrl-C, or
 * {@code -T}), which detaches the interface. Persistent interfaces ({@code -n}) are attached,
 * listed and detached as on the kernel, and outlive vale-ctl.
 */
public final class ValeCtl {
    static final String USAGE = """
            usage: vale-ctl [options]
              (no option)      list every port of every VALE switch: NAME bridge_idx B port_idx P
              -l valeS:P       the bridge and port index of one port
              -g valeS:P       a port's memory size, slots, rings and memory id
              -a valeS:IF      attach interface IF (a persistent VALE interface, or a network interface)
              -h valeS:IF      attach IF with its host stack (kernel backend only)
              -d valeS:IF      detach IF
              -n IF            create the persistent VALE interface IF
              -r IF            delete the persistent VALE interface IF
              -C x[,y[,z[,w]]] with -n: TX slots, RX slots, TX rings, RX rings (one number: slots of both;
                               two: TX and RX slots; three: slots and rings of both; four: each)
              -m MEMID         with -n or -a: the memory region (kernel backend only)
              -v               say more (the port index after -a and -d, the geometry after -n)
              -T SECONDS       with -a of a network interface on the user backend: detach after SECONDS
              --backend B      kernel, user or auto (default: as the ports, -Dnetmap4j.backend)
              --help           this text
            The user backend attaches a network interface with a forwarding loop in this process:
            vale-ctl then keeps running until stopped (Ctrl-C), which detaches it.
            """;

    private enum Action { LIST, LIST_ONE, INFO, ATTACH, ATTACH_HOST, DETACH, NEW, DELETE }

    private Action action = Action.LIST;
    private String name;
    private String config;
    /** -C as TX slots, RX slots, TX rings, RX rings (0: the default). */
    private int[] rings = new int[4];
    private int memId;
    private boolean verbose;
    private double seconds;
    private String backend;

    private ValeCtl() {
    }

    public static void main(String[] args) {
        System.exit(execute(args, System.out, System.err, true));
    }

    /** Runs vale-ctl; returns the exit code (0 done, 1 the request failed, 2 bad command line). */
    static int execute(String[] args, PrintStream out, PrintStream err, boolean handleSignals) {
        ValeCtl v = new ValeCtl();
        try {
            if (v.parse(args)) {
                out.print(USAGE);
                return 0;
            }
        } catch (UsageException e) {
            err.println("vale-ctl: " + e.getMessage());
            err.println("Try 'vale-ctl --help' for the options.");
            return 2;
        }
        NetmapBackend b;
        try {
            b = v.backend == null ? NetmapPorts.defaultBackend() : NetmapPorts.backend(v.backend);
        } catch (IllegalArgumentException e) {
            err.println("vale-ctl: " + e.getMessage());
            return 2;
        }
        try {
            return v.run(b, out, handleSignals);
        } catch (NetmapException e) {
            err.println("vale-ctl: " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }

    /** Reads the command line; true if help was asked for. */
    private boolean parse(String[] args) throws UsageException {
        Args a = new Args("vale-ctl", args);
        int actions = 0;
        while (a.hasNext()) {
            String flag = a.next();
            switch (flag) {
                case "--help" -> {
                    return true;
                }
                case "-l", "-g", "-a", "-h", "-d", "-n", "-r" -> {
                    actions++;
                    name = a.value(flag);
                    action = switch (flag) {
                        case "-l" -> Action.LIST_ONE;
                        case "-g" -> Action.INFO;
                        case "-a" -> Action.ATTACH;
                        case "-h" -> Action.ATTACH_HOST;
                        case "-d" -> Action.DETACH;
                        case "-n" -> Action.NEW;
                        default -> Action.DELETE;
                    };
                }
                case "-C" -> config = a.value(flag);
                case "-m" -> memId = (int) a.number(flag, 0, 0xffff);
                case "-v" -> verbose = true;
                case "-T" -> seconds = a.seconds(flag);
                case "--backend" -> backend = a.value(flag);
                case "-p", "-P" -> throw new UsageException(flag + ": polling kernel threads are not supported by "
                        + "netmap4j (neither backend runs them)");
                default -> throw new UsageException("unknown option " + flag);
            }
        }
        if (actions > 1) {
            throw new UsageException("one action at a time (-l, -g, -a, -h, -d, -n or -r)");
        }
        if ((action == Action.LIST_ONE || action == Action.INFO || action == Action.ATTACH
                || action == Action.ATTACH_HOST || action == Action.DETACH) && !name.startsWith("vale")) {
            throw new UsageException("invalid vale port name: '" + name + "' (write valeS:PORT)");
        }
        if ((action == Action.ATTACH || action == Action.ATTACH_HOST || action == Action.DETACH
                || action == Action.LIST_ONE || action == Action.INFO) && name.indexOf(':') < 0) {
            throw new UsageException("invalid vale port name: '" + name + "' (write valeS:PORT)");
        }
        if (config != null && action != Action.NEW) {
            throw new UsageException("-C goes with -n");
        }
        rings = ringConfig(config);
        return false;
    }

    /** netmap's -C: {@code x} slots of both, {@code x,y} TX and RX slots, {@code x,y,z} rings of both too, {@code x,y,z,w} each. */
    static int[] ringConfig(String config) throws UsageException {
        int[] v = new int[4]; // tx slots, rx slots, tx rings, rx rings; 0 = default
        if (config == null) {
            return v;
        }
        String[] parts = config.split(",");
        if (parts.length > 4 || config.isEmpty()) {
            throw new UsageException("-C " + config + ": one to four numbers, separated by commas");
        }
        int[] n = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                n[i] = Integer.parseInt(parts[i].trim());
                if (n[i] < 0) {
                    throw new NumberFormatException();
                }
            } catch (NumberFormatException e) {
                throw new UsageException("-C " + config + ": '" + parts[i] + "' is not a count");
            }
        }
        switch (n.length) {
            case 1 -> v[0] = v[1] = n[0];
            case 2 -> { v[0] = n[0]; v[1] = n[1]; }
            case 3 -> { v[0] = n[0]; v[1] = n[1]; v[2] = v[3] = n[2]; }
            default -> { v[0] = n[0]; v[1] = n[1]; v[2] = n[2]; v[3] = n[3]; }
        }
        return v;
    }

    private int run(NetmapBackend b, PrintStream out, boolean handleSignals) throws NetmapException, InterruptedException {
        if (memId != 0 && !(b instanceof KernelBackend)) {
            throw new NetmapException("-m " + memId + ": the " + b.name() + " backend gives each VALE port a memory "
                    + "region of its own; a region id cannot be chosen");
        }
        if (action == Action.INFO) {
            return info(b, out);
        }
        try (ValeControl control = b.valeControl()) {
            switch (action) {
                case LIST -> {
                    for (ValePortId p : control.list()) {
                        out.println(p.name() + " bridge_idx " + p.bridge() + " port_idx " + p.port());
                    }
                }
                case LIST_ONE -> {
                    for (ValePortId p : control.list()) {
                        if (p.name().equals(name)) {
                            out.println("bridge_idx: " + p.bridge());
                            out.println("port_idx:   " + p.port());
                            return 0;
                        }
                    }
                    throw new NetmapException("failed to list " + name + ": no such port");
                }
                case ATTACH, ATTACH_HOST -> {
                    int colon = name.indexOf(':');
                    int index = memId != 0 && b instanceof KernelBackend
                            ? attachInRegion(name.substring(0, colon), name.substring(colon + 1))
                            : control.attach(name.substring(0, colon), name.substring(colon + 1),
                            action == Action.ATTACH_HOST);
                    if (verbose) {
                        out.println("port_index: " + index);
                    }
                    if (control instanceof UserValeControl u && u.forwarding(name)) {
                        forwardUntilStopped(control, out, handleSignals);
                    }
                }
                case DETACH -> {
                    int index = control.detach(name);
                    if (verbose) {
                        out.println("port_index: " + index);
                    }
                }
                case NEW -> {
                    int[] c = rings;
                    ValeInterface made = memId != 0 && b instanceof KernelBackend
                            ? newInRegion(c) : control.newInterface(name, c[0], c[1], c[2], c[3]);
                    if (verbose) {
                        out.println("tx_slots:   " + made.txSlots());
                        out.println("rx_slots:   " + made.rxSlots());
                        out.println("tx_rings:   " + made.txRings());
                        out.println("rx_rings:   " + made.rxRings());
                        out.println("mem_id:     " + made.memId());
                    }
                }
                case DELETE -> control.deleteInterface(name);
                default -> throw new IllegalStateException(action.toString());
            }
        }
        return 0;
    }

    private int attachInRegion(String sw, String port) throws NetmapException {
        try (NetmapControl c = NetmapControl.open()) {
            return c.valeAttach(sw, port, action == Action.ATTACH_HOST, memId);
        }
    }

    private ValeInterface newInRegion(int[] c) throws NetmapException {
        try (NetmapControl k = NetmapControl.open()) {
            return k.valeNewIf(name, c[0], c[1], c[2], c[3], memId);
        }
    }

    /** -g: what PORT_INFO_GET says on the kernel; on the user backend, the port opened for the time of the request. */
    private int info(NetmapBackend b, PrintStream out) throws NetmapException {
        long memsize;
        int txSlots;
        int rxSlots;
        int txRings;
        int rxRings;
        int mem;
        if (b instanceof KernelBackend) {
            try (NetmapControl c = NetmapControl.open()) {
                PortInfo i = c.portInfo(name);
                memsize = i.memorySize();
                txSlots = i.txSlots();
                rxSlots = i.rxSlots();
                txRings = i.txRings();
                rxRings = i.rxRings();
                mem = i.memId();
            }
        } else {
            // as the kernel does for PORT_INFO_GET, what opening would make exists for the request
            try (NetmapPort p = b.open(PortSpec.parse(name))) {
                memsize = p.region().byteSize();
                txSlots = p.txRingCount() > 0 ? p.txRing(0).numSlots() : 0;
                rxSlots = p.rxRingCount() > 0 ? p.rxRing(0).numSlots() : 0;
                txRings = p.txRingCount();
                rxRings = p.rxRingCount();
                mem = p.memId();
            }
        }
        out.println("memsize:    " + memsize);
        out.println("tx_slots:   " + txSlots);
        out.println("rx_slots:   " + rxSlots);
        out.println("tx_rings:   " + txRings);
        out.println("rx_rings:   " + rxRings);
        out.println("mem_id:     " + mem);
        return 0;
    }

    /** The user backend forwards for an attached network interface in this process: wait, then detach. */
    private void forwardUntilStopped(ValeControl control, PrintStream out, boolean handleSignals)
            throws InterruptedException, NetmapException {
        int colon = name.indexOf(':');
        out.println("vale-ctl: forwarding between netmap:" + name.substring(colon + 1) + " and " + name
                + " in this process; stop vale-ctl (Ctrl-C) to detach");
        out.flush();
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = null;
        if (handleSignals) {
            hook = new Thread(() -> {
                try {
                    control.detach(name);
                } catch (NetmapException ignored) {
                    // detached already
                }
                stopped.countDown();
            }, "vale-ctl-detach");
            Runtime.getRuntime().addShutdownHook(hook);
        }
        if (seconds > 0) {
            if (!stopped.await((long) (seconds * 1e9), TimeUnit.NANOSECONDS)) {
                if (hook != null) {
                    Runtime.getRuntime().removeShutdownHook(hook);
                }
                control.detach(name);
            }
        } else {
            stopped.await();
        }
    }
}

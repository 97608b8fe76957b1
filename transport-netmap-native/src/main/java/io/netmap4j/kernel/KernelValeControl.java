package io.netmap4j.kernel;

import io.netmap4j.core.NetmapException;
import io.netmap4j.core.ValeControl;
import io.netmap4j.core.ValeInterface;
import io.netmap4j.core.ValePortId;

import java.util.List;

/**
 * {@link ValeControl} on the netmap kernel module: each request is the module's (see
 * {@link NetmapControl}, including what it says about a netmap bug with attached persistent
 * interfaces).
 */
final class KernelValeControl implements ValeControl {
    private final NetmapControl control;

    KernelValeControl(NetmapControl control) {
        this.control = control;
    }

    @Override
    public List<ValePortId> list() throws NetmapException {
        return control.valeList();
    }

    @Override
    public ValeInterface newInterface(String name, int txSlots, int rxSlots, int txRings, int rxRings)
            throws NetmapException {
        return control.valeNewIf(name, txSlots, rxSlots, txRings, rxRings, 0);
    }

    @Override
    public void deleteInterface(String name) throws NetmapException {
        control.valeDelIf(name);
    }

    @Override
    public int attach(String valeSwitch, String name, boolean hostStack) throws NetmapException {
        return control.valeAttach(valeSwitch, name, hostStack, 0);
    }

    @Override
    public int detach(String portName) throws NetmapException {
        return control.valeDetach(portName);
    }

    @Override
    public void close() {
        control.close();
    }
}

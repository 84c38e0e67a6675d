import { describe, expect, it } from 'vitest';
import { PciHost } from '../../src/devices/pci-host.js';
import { PortBus } from '../../src/machine/port-bus.js';

// PCI Local Bus spec, configuration mechanism #1: CONFIG_ADDRESS is a dword register at 0xCF8;
// CONFIG_DATA at 0xCFC. With no device, reads return all ones (vendor ID 0xFFFF).

describe('PCI host (mechanism #1, empty bus)', () => {
  it('CONFIG_ADDRESS reads back; the Linux type-1 probe sees 0x80000000', () => {
    const bus = new PortBus();
    const pci = new PciHost();
    pci.register(bus);
    bus.write(0xcfb, 1, 0x01); // byte access: not CONFIG_ADDRESS
    expect(bus.read(0xcf8, 4)).toBe(0);
    bus.write(0xcf8, 4, 0x80000000);
    expect(bus.read(0xcf8, 4)).toBe(0x80000000);
    bus.write(0xcf8, 4, 0x8000f804);
    expect(pci.configAddress).toBe(0x8000f804);
  });

  it('configuration reads return all ones and writes are dropped', () => {
    const bus = new PortBus();
    new PciHost().register(bus);
    bus.write(0xcf8, 4, 0x80000000);
    expect(bus.read(0xcfc, 4)).toBe(0xffffffff);
    expect(bus.read(0xcfe, 2)).toBe(0xffff);
    bus.write(0xcfc, 4, 0x12345678);
    expect(bus.read(0xcfc, 4)).toBe(0xffffffff);
    expect(bus.read(0xcf9, 1)).toBe(0xff);
  });

  it('save/load keeps CONFIG_ADDRESS', () => {
    const a = new PciHost();
    a.write(0xcf8, 4, 0x80001234);
    const b = new PciHost();
    b.loadState(structuredClone(a.saveState()));
    expect(b.read(0xcf8, 4)).toBe(0x80001234);
  });
});

import { describe, expect, it } from 'vitest';
import { ResetControl } from '../../src/devices/reset-control.js';
import { PortBus } from '../../src/machine/port-bus.js';
import { RecordingSystem } from './system-stub.js';

// IBM PS/2 System Control Port A (0x92): bit 0 fast reset, bit 1 A20 gate. i8042: status bit 0
// output buffer full, bit 1 input buffer full, bit 2 system flag, bit 3 command/data, bit 4
// keyboard not inhibited; command 0xFE pulses output port bit 0, the CPU reset line.

function setup() {
  const bus = new PortBus();
  const sys = new RecordingSystem();
  const dev = new ResetControl(sys);
  dev.register(bus);
  return { bus, sys, dev };
}

describe('port 0x92', () => {
  it('A20 reads back and is reported; bit 0 rising is a fast reset', () => {
    const { bus, sys, dev } = setup();
    const a20: boolean[] = [];
    dev.onA20Change = (on) => a20.push(on);
    expect(bus.read(0x92, 1)).toBe(0x02);
    bus.write(0x92, 1, 0x00);
    expect(dev.a20Enabled).toBe(false);
    bus.write(0x92, 1, 0x02);
    expect(a20).toEqual([false, true]);
    expect(sys.calls).toEqual([]);
    bus.write(0x92, 1, 0x03);
    expect(sys.calls).toEqual(['reset port 0x92']);
    bus.write(0x92, 1, 0x03); // already 1: no new edge
    expect(sys.calls).toEqual(['reset port 0x92']);
  });
});

describe('i8042', () => {
  it('status: buffers empty, system flag, bit 3 follows the last port written', () => {
    const { bus } = setup();
    expect(bus.read(0x64, 1)).toBe(0x14);
    bus.write(0x64, 1, 0x20);
    expect(bus.read(0x64, 1)).toBe(0x1c);
    bus.write(0x60, 1, 0x00);
    expect(bus.read(0x64, 1)).toBe(0x14);
    expect(bus.read(0x60, 1)).toBe(0x00);
  });

  it('0xFE pulses reset; other commands are ignored', () => {
    const { bus, sys } = setup();
    for (const c of [0x20, 0x60, 0xaa, 0xad, 0xd1, 0xff]) bus.write(0x64, 1, c);
    expect(sys.calls).toEqual([]);
    bus.write(0x64, 1, 0xfe);
    expect(sys.calls).toEqual(['reset i8042']);
  });

  it('save/load', () => {
    const a = setup();
    a.bus.write(0x92, 1, 0x00);
    a.bus.write(0x64, 1, 0xad);
    const b = setup();
    b.dev.loadState(structuredClone(a.dev.saveState()));
    expect(b.bus.read(0x92, 1)).toBe(0x00);
    expect(b.bus.read(0x64, 1)).toBe(0x1c);
  });
});

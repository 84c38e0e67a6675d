import { describe, expect, it } from 'vitest';
import { decodePvpanic, Pvpanic, pvpanicBitNames } from '../../src/devices/pvpanic.js';
import { PortBus } from '../../src/machine/port-bus.js';
import { RecordingSystem } from './system-stub.js';

// QEMU docs/specs/pvpanic.rst: bit 0 guest panicked, bit 1 crash kernel loaded, bit 2 guest
// shutdown; a read returns the supported events. hw/misc/pvpanic.c handle_event(): the first of
// PANICKED, CRASH_LOADED, SHUTDOWN that is set wins; unknown bits are only logged.

describe('pvpanic', () => {
  it('reads the supported events (7) and hands writes to the system', () => {
    const bus = new PortBus();
    const sys = new RecordingSystem();
    const dev = new Pvpanic(sys);
    dev.register(bus);
    expect(bus.read(0x505, 1)).toBe(7);
    bus.write(0x505, 1, 1);
    expect(sys.calls).toEqual(['pvpanic 1']);
    expect(dev.lastWritten).toBe(1);
    bus.write(0x505, 2, 0x0102); // QEMU's port is one byte wide: only the low byte arrives
    expect(sys.calls).toEqual(['pvpanic 1', 'pvpanic 2']);
  });

  it('decodes as QEMU: first matching bit wins', () => {
    expect(decodePvpanic(1)).toBe('panicked');
    expect(decodePvpanic(2)).toBe('crash-loaded');
    expect(decodePvpanic(4)).toBe('shutdown');
    expect(decodePvpanic(3)).toBe('panicked');
    expect(decodePvpanic(6)).toBe('crash-loaded');
    expect(decodePvpanic(0x0c)).toBe('shutdown');
    expect(decodePvpanic(0)).toBeNull();
    expect(decodePvpanic(0xf8)).toBeNull();
  });

  it('names every set bit for reports', () => {
    expect(pvpanicBitNames(0)).toEqual([]);
    expect(pvpanicBitNames(7)).toEqual(['panicked', 'crash-loaded', 'shutdown']);
    expect(pvpanicBitNames(0x81)).toEqual(['panicked', 'bit7']);
  });

  it('save/load keeps the last value', () => {
    const a = new Pvpanic(new RecordingSystem(), { port: 0x506 });
    a.write(0x506, 1, 4);
    const b = new Pvpanic(new RecordingSystem(), { port: 0x506 });
    b.loadState(structuredClone(a.saveState()));
    expect(b.lastWritten).toBe(4);
  });
});

import { describe, expect, it } from 'vitest';
import { DebugExit } from '../../src/devices/debug-exit.js';
import { PortBus } from '../../src/machine/port-bus.js';
import { RecordingSystem } from './system-stub.js';

// QEMU hw/misc/debugexit.c: any write exits; debug_exit_read returns 0. The harness reports the
// value written rather than QEMU's exit status (value << 1) | 1.

describe('isa-debug-exit', () => {
  it('maps 0xf4-0xf7; writes of any width exit with the value written', () => {
    const bus = new PortBus();
    const sys = new RecordingSystem();
    new DebugExit(sys).register(bus);
    expect(bus.ownerOf(0xf7)).toBe('debug-exit');
    expect(bus.ownerOf(0xf8)).toBeUndefined();
    bus.write(0xf4, 1, 0x31);
    bus.write(0xf5, 2, 0xbeef);
    bus.write(0xf4, 4, 0xdeadbeef);
    expect(sys.calls).toEqual(['exit 49', 'exit 48879', `exit ${0xdeadbeef}`]);
  });

  it('reads return 0 as QEMU does', () => {
    const bus = new PortBus();
    new DebugExit(new RecordingSystem()).register(bus);
    expect(bus.read(0xf4, 1)).toBe(0);
    expect(bus.read(0xf4, 4)).toBe(0);
  });
});

import type { AccessSize } from '../cpu/buses.js';
import type { PortBus } from '../machine/port-bus.js';
import type { Device, DeviceState, SystemControl } from './device.js';

/**
 * QEMU's isa-debug-exit, configured as the harness uses it: iobase 0xf4, iosize 4 (ports
 * 0xf4-0xf7). Any write, of any width at any of its ports, calls system.exit() with the value
 * written (masked to the access width). QEMU would then exit with status (value << 1) | 1; the
 * machine reports the value itself. Reads return 0, as QEMU's debug_exit_read does.
 */
export class DebugExit implements Device<DebugExitState> {
  readonly name: string;
  readonly base: number;
  readonly size: number;

  constructor(
    private readonly system: SystemControl,
    opts: { base?: number; size?: number; name?: string } = {},
  ) {
    this.base = opts.base ?? 0xf4;
    this.size = opts.size ?? 4;
    this.name = opts.name ?? 'debug-exit';
  }

  /** Maps [base, base + size) on `bus`. */
  register(bus: PortBus): void {
    bus.mapPorts(this.base, this.size, this, this.name);
  }

  read(_port: number, _size: AccessSize): number {
    return 0;
  }

  write(_port: number, size: AccessSize, value: number): void {
    this.system.exit(size === 4 ? value >>> 0 : value & (size === 2 ? 0xffff : 0xff));
  }

  /** Stateless: the state is only a version tag. */
  saveState(): DebugExitState {
    return { version: 1 };
  }

  loadState(s: DebugExitState): void {
    if (s.version !== 1) throw new Error(`${this.name}: unsupported state version ${s.version}`);
  }
}

export interface DebugExitState extends DeviceState {
  version: 1;
}

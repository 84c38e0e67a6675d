import type { AccessSize } from '../cpu/buses.js';
import type { PortBus } from '../machine/port-bus.js';
import type { Device, DeviceState } from './device.js';

/**
 * Port 0x80, the POST diagnostic port (also the classic "I/O delay" port). Writes have no effect
 * but the last value is kept for reports; reads return all ones, as QEMU's ioport80_read does.
 */
export class PostPort implements Device<PostPortState> {
  readonly name: string;
  readonly port: number;
  private last = -1;
  private count = 0;

  constructor(opts: { port?: number; name?: string } = {}) {
    this.port = opts.port ?? 0x80;
    this.name = opts.name ?? 'post';
  }

  /** Maps the one port on `bus`. */
  register(bus: PortBus): void {
    bus.mapPorts(this.port, 1, this, this.name);
  }

  /** The last POST code written (low byte), or -1 if none. */
  get lastCode(): number {
    return this.last;
  }

  /** How many writes the port has seen. */
  get writes(): number {
    return this.count;
  }

  read(_port: number, size: AccessSize): number {
    return size === 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff;
  }

  write(_port: number, _size: AccessSize, value: number): void {
    this.last = value & 0xff;
    this.count++;
  }

  saveState(): PostPortState {
    return { version: 1, lastCode: this.last, writes: this.count };
  }

  loadState(s: PostPortState): void {
    if (s.version !== 1) throw new Error(`${this.name}: unsupported state version ${s.version}`);
    this.last = s.lastCode;
    this.count = s.writes;
  }
}

export interface PostPortState extends DeviceState {
  version: 1;
  /** Last byte written, -1 if none. */
  lastCode: number;
  writes: number;
}

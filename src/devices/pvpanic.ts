import type { AccessSize } from '../cpu/buses.js';
import type { PortBus } from '../machine/port-bus.js';
import type { Device, DeviceState, SystemControl } from './device.js';

/** pvpanic event bits (QEMU docs/specs/pvpanic.rst, Linux include/uapi/misc/pvpanic.h). */
export const PVPANIC_PANICKED = 1 << 0;
export const PVPANIC_CRASH_LOADED = 1 << 1;
export const PVPANIC_SHUTDOWN = 1 << 2;
/** Every event this device supports: what a read of the port returns. */
export const PVPANIC_SUPPORTED = PVPANIC_PANICKED | PVPANIC_CRASH_LOADED | PVPANIC_SHUTDOWN;

/** The event a pvpanic write signals, as QEMU acts on it. */
export type PvpanicEvent = 'panicked' | 'crash-loaded' | 'shutdown';

const BIT_NAMES: readonly (readonly [number, PvpanicEvent])[] = [
  [PVPANIC_PANICKED, 'panicked'],
  [PVPANIC_CRASH_LOADED, 'crash-loaded'],
  [PVPANIC_SHUTDOWN, 'shutdown'],
];

/**
 * Decodes a value written to the pvpanic port the way QEMU's handle_event() does: the first set
 * bit among PANICKED, CRASH_LOADED, SHUTDOWN (in that order) is the event and the rest are ignored;
 * 0, or only unknown bits, is no event (null).
 */
export function decodePvpanic(bits: number): PvpanicEvent | null {
  for (const [bit, name] of BIT_NAMES) if (bits & bit) return name;
  return null;
}

/** Names every bit set in `bits` for reports, unknown ones as `bit<n>` (e.g. ['panicked', 'bit7']). */
export function pvpanicBitNames(bits: number): string[] {
  const names: string[] = [];
  for (let n = 0; n < 32; n++) {
    const bit = (1 << n) >>> 0;
    if (((bits >>> 0) & bit) === 0) continue;
    names.push(BIT_NAMES.find(([b]) => b === bit)?.[1] ?? `bit${n}`);
  }
  return names;
}

/**
 * QEMU's ISA pvpanic device: one byte port (0x505 by default). Reads return the supported events
 * (PANICKED|CRASH_LOADED|SHUTDOWN = 7); a write hands the byte to system.pvpanicEvent(), which
 * decides what the run does (decodePvpanic tells it what QEMU would). QEMU implements the port
 * one byte wide, so of a wider write only the low byte reaches it.
 */
export class Pvpanic implements Device<PvpanicState> {
  readonly name: string;
  readonly port: number;
  /** The last value written, for reports (-1 if none). */
  private last = -1;

  constructor(
    private readonly system: SystemControl,
    opts: { port?: number; name?: string } = {},
  ) {
    this.port = opts.port ?? 0x505;
    this.name = opts.name ?? 'pvpanic';
  }

  /** Maps the one port on `bus`. */
  register(bus: PortBus): void {
    bus.mapPorts(this.port, 1, this, this.name);
  }

  /** The last value the guest wrote, or -1. */
  get lastWritten(): number {
    return this.last;
  }

  read(_port: number, _size: AccessSize): number {
    return PVPANIC_SUPPORTED;
  }

  write(_port: number, _size: AccessSize, value: number): void {
    this.last = value & 0xff;
    this.system.pvpanicEvent(this.last);
  }

  saveState(): PvpanicState {
    return { version: 1, lastWritten: this.last };
  }

  loadState(s: PvpanicState): void {
    if (s.version !== 1) throw new Error(`${this.name}: unsupported state version ${s.version}`);
    this.last = s.lastWritten;
  }
}

export interface PvpanicState extends DeviceState {
  version: 1;
  /** Last byte written, -1 if none. */
  lastWritten: number;
}

import type { AccessSize, IoBus } from '../cpu/buses.js';
import type { Port } from './units.js';

/** A device's port handler: the same shape as the CPU's IoBus, given the full port number. */
export type PortHandler = IoBus;

const SIZE_MASK = [0, 0xff, 0xffff, 0, 0xffffffff] as const;

/**
 * The machine's port space: a direct 65,536-entry table of handlers. Unmapped ports read as all
 * ones and swallow writes, as on a PC; each distinct unmapped port is counted for the run summary.
 */
export class PortBus implements IoBus {
  private readonly table: (PortHandler | undefined)[] = new Array(0x10000).fill(undefined);
  private readonly owners: (string | undefined)[] = new Array(0x10000).fill(undefined);
  /** Accesses to unmapped ports, by port number (insertion order = first access order). */
  readonly unmapped = new Map<Port, { reads: number; writes: number }>();

  /** Maps ports [base, base+length) to `handler`; `owner` names the device in errors and reports. */
  mapPorts(base: Port, length: number, handler: PortHandler, owner: string): void {
    for (let p = base; p < base + length; p++) {
      if (p < 0 || p > 0xffff) throw new RangeError(`${owner}: port 0x${p.toString(16)} out of range`);
      const prev = this.owners[p];
      if (prev !== undefined) throw new Error(`${owner}: port 0x${p.toString(16)} already mapped by ${prev}`);
      this.table[p] = handler;
      this.owners[p] = owner;
    }
  }

  /** The device that owns `port`, if any. */
  ownerOf(port: Port): string | undefined {
    return this.owners[port & 0xffff];
  }

  read(port: Port, size: AccessSize): number {
    const h = this.table[port & 0xffff];
    if (h === undefined) {
      this.noteUnmapped(port & 0xffff, false);
      return SIZE_MASK[size];
    }
    return (h.read(port & 0xffff, size) & SIZE_MASK[size]) >>> 0;
  }

  write(port: Port, size: AccessSize, value: number): void {
    const h = this.table[port & 0xffff];
    if (h === undefined) {
      this.noteUnmapped(port & 0xffff, true);
      return;
    }
    h.write(port & 0xffff, size, (value & SIZE_MASK[size]) >>> 0);
  }

  private noteUnmapped(port: Port, write: boolean): void {
    let e = this.unmapped.get(port);
    if (e === undefined) {
      e = { reads: 0, writes: 0 };
      this.unmapped.set(port, e);
    }
    if (write) e.writes++;
    else e.reads++;
  }
}

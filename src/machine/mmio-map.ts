import type { AccessSize, PhysicalMemory } from '../cpu/buses.js';

/** A device's MMIO handler: offsets are relative to the start of its range. */
export interface MmioHandler {
  read(offset: number, size: AccessSize): number;
  write(offset: number, size: AccessSize, value: number): void;
}

interface MmioRange {
  base: number;
  end: number;
  handler: MmioHandler;
  owner: string;
}

const ALL_ONES = [0, 0xff, 0xffff, 0, 0xffffffff] as const;

/**
 * Guest physical memory: RAM at [0, ramBytes) and MMIO ranges above it. The CPU accesses RAM
 * directly; every other physical access lands here, range by range (few ranges, so a scan is
 * fine). Unmapped physical addresses read as all ones and ignore writes, as on a PC.
 */
export class GuestMemory implements PhysicalMemory {
  readonly ram: Uint8Array;
  private readonly ranges: MmioRange[] = [];
  /** Accesses that hit no RAM and no device, for the run summary. */
  unmappedAccesses = 0;

  constructor(ramBytes: number) {
    if (ramBytes % 4096 !== 0 || ramBytes <= 0) throw new RangeError(`RAM size must be a positive multiple of 4 KiB, got ${ramBytes}`);
    this.ram = new Uint8Array(ramBytes);
  }

  /** Maps [base, base+length) to a device; the range must lie above RAM and not overlap another. */
  mapMmio(base: number, length: number, handler: MmioHandler, owner: string): void {
    const end = base + length;
    if (base < this.ram.length) throw new RangeError(`${owner}: MMIO range 0x${base.toString(16)} overlaps RAM`);
    for (const r of this.ranges) {
      if (base < r.end && r.base < end) throw new Error(`${owner}: MMIO range overlaps ${r.owner}`);
    }
    this.ranges.push({ base, end, handler, owner });
  }

  private find(addr: number): MmioRange | undefined {
    for (const r of this.ranges) if (addr >= r.base && addr < r.end) return r;
    return undefined;
  }

  mmioRead(addr: number, size: AccessSize): number {
    const r = this.find(addr);
    if (r === undefined) {
      this.unmappedAccesses++;
      return ALL_ONES[size];
    }
    return r.handler.read(addr - r.base, size);
  }

  mmioWrite(addr: number, size: AccessSize, value: number): void {
    const r = this.find(addr);
    if (r === undefined) {
      this.unmappedAccesses++;
      return;
    }
    r.handler.write(addr - r.base, size, value);
  }
}

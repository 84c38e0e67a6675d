import { loadCpuState, saveCpuState, type CpuState } from '../cpu/cpu-state.js';
import type { Device, DeviceState } from '../devices/device.js';
import type { ClockState } from './clock.js';
import type { Machine, MachineConfig } from './machine.js';

/**
 * A machine's state without its RAM, as a keyed, versioned plain object: the CPU (lazy flags
 * included), every device by name, and the clock's pending timers. RAM travels separately as
 * page deltas (RamDeltaTracker), because it is most of the bytes and mostly unchanged.
 */
export interface MachineState {
  version: 1;
  config: MachineConfig;
  cpu: CpuState;
  clock: ClockState;
  devices: Record<string, DeviceState>;
}

function devicesOf(m: Machine): Device[] {
  const devices: Device[] = [m.pic, m.pit, m.uart, m.rtc, m.pvpanic, m.debugExit, m.resetControl, m.post, m.pci];
  if (m.acpiPm !== null) devices.push(m.acpiPm);
  return devices;
}

export function saveMachineState(m: Machine): MachineState {
  const devices: Record<string, DeviceState> = {};
  for (const d of devicesOf(m)) devices[d.name] = d.saveState();
  return { version: 1, config: { ...m.config }, cpu: saveCpuState(m.cpu), clock: m.clock.saveState(), devices };
}

/**
 * Restores everything but RAM into `m`, which must have the same config and device set (a
 * snapshot is restored into a freshly built machine, never across configurations).
 */
export function loadMachineState(m: Machine, s: MachineState): void {
  if (s.version !== 1) throw new Error(`unsupported machine state version ${s.version}`);
  for (const k of Object.keys(s.config) as (keyof MachineConfig)[]) {
    if (s.config[k] !== m.config[k]) throw new Error(`snapshot was taken with ${k}=${s.config[k]}, this machine has ${m.config[k]}`);
  }
  for (const d of devicesOf(m)) {
    const ds = s.devices[d.name];
    if (ds === undefined) throw new Error(`snapshot has no state for device ${d.name}`);
    d.loadState(ds);
  }
  loadCpuState(m.cpu, s.cpu);
  m.clock.loadState(s.clock);
  // Device loadState never drives outputs, so the CPU's view of INTR is taken from the PIC.
  m.cpu.irqAsserted = m.pic.intr();
}

const PAGE = 4096;

/** Pages of RAM that changed since the previous delta (page numbers and their bytes). */
export interface RamDelta {
  pages: Uint32Array;
  data: Uint8Array;
}

/**
 * Finds the RAM pages that changed since the last call by comparing against a shadow copy
 * (memcmp per page: no tracking in the CPU's write path). The first delta, against all-zero
 * RAM, holds every non-zero page.
 */
export class RamDeltaTracker {
  private readonly shadow: Uint8Array;

  constructor(private readonly ram: Uint8Array) {
    this.shadow = new Uint8Array(ram.length);
  }

  delta(): RamDelta {
    const ram = Buffer.from(this.ram.buffer, this.ram.byteOffset, this.ram.length);
    const shadow = Buffer.from(this.shadow.buffer, this.shadow.byteOffset, this.shadow.length);
    const changed: number[] = [];
    for (let p = 0; p < this.ram.length; p += PAGE) {
      if (ram.compare(shadow, p, p + PAGE, p, p + PAGE) !== 0) changed.push(p / PAGE);
    }
    const data = new Uint8Array(changed.length * PAGE);
    changed.forEach((page, k) => {
      const src = this.ram.subarray(page * PAGE, page * PAGE + PAGE);
      data.set(src, k * PAGE);
      this.shadow.set(src, page * PAGE);
    });
    return { pages: Uint32Array.from(changed), data };
  }
}

/** Writes a delta's pages into RAM. */
export function applyRamDelta(ram: Uint8Array, d: RamDelta): void {
  for (let k = 0; k < d.pages.length; k++) ram.set(d.data.subarray(k * PAGE, k * PAGE + PAGE), d.pages[k] * PAGE);
}

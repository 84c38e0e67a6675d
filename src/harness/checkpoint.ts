import { applyRamDelta, loadMachineState, RamDeltaTracker, saveMachineState, type MachineState, type RamDelta } from '../machine/snapshot.js';
import type { Machine } from '../machine/machine.js';
import { pack, unpack } from '../trace/msgpack.js';
import type { TraceReader } from '../trace/reader.js';
import { TraceError } from '../trace/reader.js';
import type { TraceWriter } from '../trace/writer.js';
import type { DriverState, RunDriver } from './run-driver.js';

/**
 * Default checkpoint interval: about one second of replay at today's interpreter speed, so a
 * seek anywhere replays at most about a second (issue: seek <= 1 s).
 */
export const DEFAULT_CHECKPOINT_INSNS = 50_000_000;

/**
 * What a checkpoint frame holds (msgpack, keyed and versioned): the machine and run-driver state
 * at `icount`, how many events the trace had at that moment (so replay resumes its cursor there),
 * and the RAM pages changed since the previous checkpoint (the first: all non-zero pages).
 */
export interface CheckpointPayload {
  version: 1;
  icount: number;
  eventIndex: number;
  machine: MachineState;
  driver: DriverState;
  ram: RamDelta;
}

export function decodeCheckpoint(bytes: Uint8Array, what: string): CheckpointPayload {
  const p = unpack(bytes, what) as CheckpointPayload;
  if (p === null || typeof p !== 'object' || p.version !== 1 || !(p.ram?.pages instanceof Uint32Array)) {
    throw new TraceError('corrupt', `${what} is not a version 1 kreplay checkpoint`);
  }
  return p;
}

/** Takes checkpoints into a trace while recording, every `every` instructions at slice boundaries. */
export class Checkpointer {
  private readonly tracker: RamDeltaTracker;
  private next = 0;
  taken = 0;

  constructor(
    private readonly machine: Machine,
    private readonly driver: RunDriver,
    private readonly writer: TraceWriter,
    private readonly every: number,
  ) {
    this.tracker = new RamDeltaTracker(machine.memory.ram);
  }

  /** Takes a checkpoint if one is due (call between slices, never mid-instruction). */
  maybeTake(): void {
    if (this.every <= 0 || this.machine.cpu.icount < this.next) return;
    const icount = this.machine.cpu.icount;
    const payload: CheckpointPayload = {
      version: 1,
      icount,
      eventIndex: this.writer.eventCount,
      machine: saveMachineState(this.machine),
      driver: this.driver.saveState(),
      ram: this.tracker.delta(),
    };
    this.writer.writeCheckpoint(icount, pack(payload));
    this.taken++;
    this.next = (Math.floor(icount / this.every) + 1) * this.every;
  }
}

/** The checkpoint to resume from for a stop at `icount`: the last one at or before it. */
export function checkpointFor(reader: TraceReader, icount: number): number | null {
  let best: number | null = null;
  for (const c of reader.checkpoints) if (c.icount <= icount && (best === null || c.icount >= reader.checkpoints[best].icount)) best = reader.checkpoints.indexOf(c);
  return best;
}

/**
 * Restores checkpoint number `index` (position in reader.checkpoints) into a freshly built
 * machine and driver: RAM from the page deltas of checkpoints 0..index (newest copy of each page
 * wins), then the machine and driver state. Returns the checkpoint's payload.
 */
export function restoreCheckpoint(reader: TraceReader, index: number, machine: Machine, driver: RunDriver): CheckpointPayload {
  const ram = machine.memory.ram;
  ram.fill(0);
  let payload: CheckpointPayload | null = null;
  for (let k = 0; k <= index; k++) {
    const info = reader.checkpoints[k];
    const p = decodeCheckpoint(reader.checkpointState(info.seq), `checkpoint ${info.seq}`);
    applyRamDelta(ram, p.ram);
    payload = p;
  }
  loadMachineState(machine, payload!.machine);
  driver.loadState(payload!.driver);
  return payload!;
}

/** The bytes [phys, phys+len) of RAM as of each checkpoint, without building a machine. */
export function watchedBytesAtCheckpoints(reader: TraceReader, phys: number, len: number): { icount: number; bytes: Uint8Array }[] {
  const cur = new Uint8Array(len);
  const out: { icount: number; bytes: Uint8Array }[] = [];
  for (const info of reader.checkpoints) {
    const p = decodeCheckpoint(reader.checkpointState(info.seq), `checkpoint ${info.seq}`);
    for (let k = 0; k < p.ram.pages.length; k++) {
      const base = p.ram.pages[k] * 4096;
      const lo = Math.max(base, phys), hi = Math.min(base + 4096, phys + len);
      for (let a = lo; a < hi; a++) cur[a - phys] = p.ram.data[k * 4096 + (a - base)];
    }
    out.push({ icount: p.icount, bytes: cur.slice() });
  }
  return out;
}

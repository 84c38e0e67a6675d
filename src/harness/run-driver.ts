import type { Machine } from '../machine/machine.js';
import type { Outcome } from '../machine/outcome.js';
import type { ConsoleLog, ConsoleLogState } from './console-log.js';
import { detectPanicLine } from './console-panic.js';

/** Default instruction budget of a run: about a minute of emulation at today's speed. */
export const DEFAULT_MAX_INSNS = 4_000_000_000;
/**
 * After a console panic line, how long the guest may go on (to print the rest of its report or
 * write pvpanic) before the run ends with the panic.
 */
export const PANIC_GRACE_INSNS = 50_000_000;
/**
 * The driver steps the machine in slices this long (boundaries at multiples of it), so it can
 * flush output, write trace chunks and checkpoints, and react to console lines. Slice boundaries
 * are deterministic, and stopping at one changes nothing in the run.
 */
export const SLICE_INSNS = 5_000_000;

export interface DriverOptions {
  maxInsns?: number;
  /** Each console byte as the guest writes it. */
  onConsole?: (byte: number) => void;
  /** Called at every slice boundary reached without an outcome. */
  onSlice?: (m: Machine) => void;
  /** Slice length (default SLICE_INSNS); the recorder shortens it for dense checkpoints. */
  sliceInsns?: number;
}

/** The driver's own state, saved in checkpoints with the machine's. */
export interface DriverState {
  version: 1;
  consolePanic: { icount: number; eip: number; message: string } | null;
  console: ConsoleLogState;
}

/**
 * Runs a machine to its outcome: slices of SLICE_INSNS, console panic detection with a grace
 * period, the instruction budget. `run(pauseAt)` may also stop early at an icount or when the
 * machine is paused (watchpoints), and be called again to go on exactly where it stopped.
 */
export class RunDriver {
  consolePanic: { icount: number; eip: number; message: string } | null = null;
  readonly maxInsns: number;
  private readonly slice: number;

  constructor(
    readonly machine: Machine,
    readonly console: ConsoleLog,
    private readonly opts: DriverOptions = {},
  ) {
    this.maxInsns = opts.maxInsns ?? DEFAULT_MAX_INSNS;
    this.slice = Math.max(1, Math.floor(opts.sliceInsns ?? SLICE_INSNS));
    const sink = opts.onConsole;
    machine.onConsole = sink === undefined ? (b) => console.write(b) : (b) => { console.write(b); sink(b); };
    console.onLine = (line) => {
      if (this.consolePanic !== null) return;
      const message = detectPanicLine(line);
      if (message !== null) this.consolePanic = { ...machine.where(), message };
    };
  }

  /**
   * Runs until the outcome (returned), or until icount reaches `pauseAt` or the machine pauses
   * (null: call run again to continue).
   */
  run(pauseAt = Infinity): Outcome | null {
    const machine = this.machine;
    for (;;) {
      const cp = this.consolePanic;
      const budgetEnd = cp === null ? this.maxInsns : Math.min(this.maxInsns, cp.icount + PANIC_GRACE_INSNS);
      const icount = machine.cpu.icount;
      const sliceEnd = (Math.floor(icount / this.slice) + 1) * this.slice;
      const out = machine.run(Math.min(budgetEnd, sliceEnd, pauseAt));
      const cp2 = this.consolePanic;
      if (out !== null) {
        if (out.kind === 'panic' && out.message === null && cp2 !== null) return { ...out, message: cp2.message };
        // After a console panic, however the guest then stops (halts, reboots as Linux does with
        // panic=-1, spins into the budget), the run ended in that panic.
        if (cp2 !== null && out.kind !== 'panic' && out.kind !== 'diverged') return this.consolePanicOutcome(cp2);
        return out;
      }
      if (machine.cpu.icount >= budgetEnd) {
        if (cp2 !== null) return this.consolePanicOutcome(cp2);
        return { kind: 'timeout', budget: this.maxInsns, icount: machine.cpu.icount, eip: machine.cpu.eip >>> 0 };
      }
      if (machine.cpu.icount >= pauseAt || machine.cpu.icount < Math.min(sliceEnd, pauseAt)) return null;
      this.opts.onSlice?.(machine);
    }
  }

  private consolePanicOutcome(cp: { icount: number; eip: number; message: string }): Outcome {
    return { kind: 'panic', source: 'console', bits: 0, message: cp.message, icount: cp.icount, eip: cp.eip };
  }

  saveState(): DriverState {
    return { version: 1, consolePanic: this.consolePanic === null ? null : { ...this.consolePanic }, console: this.console.saveState() };
  }

  loadState(s: DriverState): void {
    this.consolePanic = s.consolePanic === null ? null : { ...s.consolePanic };
    this.console.loadState(s.console);
  }
}

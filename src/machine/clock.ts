import type { Icount } from './units.js';

/**
 * The machine's virtual clock and event queue.
 *
 * Time is the retired-instruction count, read from the CPU through `source`. Devices create named
 * timers and arm them at an absolute icount; a timer fires at the first instruction boundary where
 * icount >= its deadline. Timers due at the same boundary fire in (deadline, arming order) order, so
 * a run is a pure function of its inputs. Timers are named (not closures held in a queue) so that a
 * snapshot can save and restore the pending events.
 */
export class Clock {
  /** Nanoseconds of virtual time per instruction (recorded in the trace header). */
  readonly nsPerInsn: number;
  private readonly timers: Timer[] = [];
  private armSeq = 0;
  /** Called when a timer is armed earlier than the current deadline, so the CPU can stop in time. */
  onDeadlineLowered: (deadline: Icount) => void = () => {};

  constructor(
    private readonly source: () => Icount,
    nsPerInsn = 1,
  ) {
    if (!(nsPerInsn > 0)) throw new RangeError(`nsPerInsn must be > 0, got ${nsPerInsn}`);
    this.nsPerInsn = nsPerInsn;
  }

  /** The current icount. */
  now(): Icount {
    return this.source();
  }

  /** Current virtual time in nanoseconds. */
  nowNs(): number {
    return this.source() * this.nsPerInsn;
  }

  /** Instructions that make up `ns` nanoseconds of virtual time (at least 1). */
  insnsForNs(ns: number): number {
    return Math.max(1, Math.round(ns / this.nsPerInsn));
  }

  /** Creates a timer; `name` must be unique on this clock (it keys the timer in snapshots). */
  createTimer(name: string, callback: () => void): Timer {
    if (this.timers.some((t) => t.name === name)) throw new Error(`duplicate timer name ${name}`);
    const timer = new Timer(this, name, callback);
    this.timers.push(timer);
    return timer;
  }

  /** @internal called by Timer.arm */
  nextSeq(): number {
    return this.armSeq++;
  }

  /** The earliest armed deadline, or Infinity when nothing is pending. */
  nextDeadline(): Icount {
    let best = Infinity;
    for (const t of this.timers) if (t.deadline < best) best = t.deadline;
    return best;
  }

  /**
   * Fires every timer due at the current icount, in (deadline, arming order) order. A callback may
   * re-arm its own or other timers; those are considered again in the same pass if already due.
   */
  fireDue(): void {
    const now = this.source();
    for (;;) {
      let due: Timer | null = null;
      for (const t of this.timers) {
        if (t.deadline <= now && (due === null || t.deadline < due.deadline || (t.deadline === due.deadline && t.seq < due.seq))) due = t;
      }
      if (due === null) return;
      due.deadline = Infinity;
      due.callback();
    }
  }

  /** Keyed snapshot of pending timers. */
  saveState(): ClockState {
    const timers: Record<string, { deadline: Icount; seq: number }> = {};
    for (const t of this.timers) if (t.deadline !== Infinity) timers[t.name] = { deadline: t.deadline, seq: t.seq };
    return { version: 1, armSeq: this.armSeq, timers };
  }

  loadState(s: ClockState): void {
    this.armSeq = s.armSeq;
    for (const t of this.timers) {
      const saved = s.timers[t.name];
      t.deadline = saved ? saved.deadline : Infinity;
      t.seq = saved ? saved.seq : 0;
    }
  }
}

export interface ClockState {
  version: 1;
  armSeq: number;
  timers: Record<string, { deadline: Icount; seq: number }>;
}

/** A one-shot timer owned by a device; re-arm it from its callback for periodic behaviour. */
export class Timer {
  /** Absolute icount at which the timer fires; Infinity when disarmed. */
  deadline: Icount = Infinity;
  /** @internal tie-breaker: order in which timers were armed. */
  seq = 0;

  constructor(
    private readonly clock: Clock,
    readonly name: string,
    readonly callback: () => void,
  ) {}

  /** Arms (or re-arms) the timer to fire at absolute icount `at`. */
  arm(at: Icount): void {
    this.deadline = at;
    this.seq = this.clock.nextSeq();
    this.clock.onDeadlineLowered(at);
  }

  /** Arms the timer `delta` instructions from now (delta >= 1). */
  armIn(delta: number): void {
    this.arm(this.clock.now() + Math.max(1, Math.floor(delta)));
  }

  cancel(): void {
    this.deadline = Infinity;
  }

  get armed(): boolean {
    return this.deadline !== Infinity;
  }
}

import { Clock } from '../../src/machine/clock.js';
import type { IrqLine } from '../../src/machine/irq.js';
import { PortBus } from '../../src/machine/port-bus.js';

/**
 * A tiny board for device tests: the real Clock over a mutable icount, a real PortBus, and
 * runTo(), which moves the icount forward firing every timer at its exact deadline, as the
 * machine's run loop does between instructions.
 */
export class TestBoard {
  icount = 0;
  readonly clock: Clock;
  readonly bus = new PortBus();

  constructor(nsPerInsn = 1) {
    this.clock = new Clock(() => this.icount, nsPerInsn);
  }

  /** Advances to `target`, firing due timers at their deadlines on the way. */
  runTo(target: number): void {
    for (;;) {
      this.clock.fireDue();
      const d = this.clock.nextDeadline();
      if (d > target) break;
      this.icount = Math.max(this.icount, d);
    }
    this.icount = target;
    this.clock.fireDue();
  }

  /** Advances by `n` instructions. */
  run(n: number): void {
    this.runTo(this.icount + n);
  }

  inb(port: number): number {
    return this.bus.read(port, 1);
  }

  outb(port: number, value: number): void {
    this.bus.write(port, 1, value);
  }
}

/** An IrqLine that records its level and every transition with the icount it happened at. */
export class RecordingLine implements IrqLine {
  level = false;
  readonly rises: number[] = [];
  readonly falls: number[] = [];

  constructor(private readonly now: () => number) {}

  raise(): void {
    this.set(true);
  }

  lower(): void {
    this.set(false);
  }

  set(high: boolean): void {
    if (high === this.level) return;
    this.level = high;
    (high ? this.rises : this.falls).push(this.now());
  }
}

/**
 * The first icount (at 1 ns per instruction) at which `tick` PIT input pulses of 1.193182 MHz have
 * elapsed: ceil(tick * 1e9 / 1193182), computed with BigInt so it is independent of the device's
 * own arithmetic.
 */
export function icountOfPitTick(tick: number): number {
  const num = BigInt(tick) * 1_000_000_000n;
  const den = 1_193_182n;
  return Number((num + den - 1n) / den);
}

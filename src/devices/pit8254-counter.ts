import { fromBcd16, toBcd16 } from './support.js';

/**
 * One counter of an Intel 8254, as a pure function of the PIT input clock: every method takes T,
 * the number of CLK pulses since power-on, so a count or an output level is computed from
 * elapsed time, never accumulated tick by tick (no drift over long runs, no per-tick work).
 *
 * Timing follows the 8254 datasheet (Intel 231164): a count written at T is loaded into the
 * counting element on the next CLK pulse (T+1) and each further pulse decrements it. With L the
 * load pulse and N the count:
 * - mode 0: OUT low from the control word until the count reaches 0 at L+N; counting goes on
 *   (wrapping) with OUT high. GATE low suspends counting. Writing the first byte of a two-byte
 *   count stops counting and drives OUT low.
 * - mode 2: period N; OUT low for the one pulse where the count is 1 (L+N-1), reload at L+N. GATE
 *   low forces OUT high and stops counting; GATE rising reloads on the next pulse. A new count
 *   takes effect at the next reload.
 * - mode 3: period N; OUT high for ceil(N/2) pulses, low for floor(N/2); the count goes down by 2
 *   (odd N: loads N-1, and the high half lasts one pulse longer). GATE as mode 2. A new count takes
 *   effect at the end of the current half-cycle.
 * - mode 4: OUT strobes low for one pulse at L+N. Mode 1 and 5 are the GATE-triggered versions
 *   of 0-with-high-idle and 4 (retriggering restarts the count; the brief high glitch a retrigger
 *   during mode 1's low pulse would not show on the part is not modelled).
 * - Counts 1 in modes 2 and 3 are illegal on the part; here the output then stays constant.
 */
export class Counter {
  /** Bits 5-0 of the last control word, as the read-back status reports them. */
  control = 0;
  mode = 0;
  access = 3;
  bcd = false;
  /** Count register: the last complete count written (raw, BCD if bcd). */
  cr = 0;
  private lowByte = 0;
  private writeMsbNext = false;
  private readMsbNext = false;
  private latchValue = 0;
  private latchBytes = 0;
  private status = 0;
  private statusLatched = false;
  /** Pulse at which CR is (or was) transferred into CE; Infinity while waiting (null count). */
  private crLoadAt = Infinity;
  gate = true;
  /** Modes 0/2/3/4: a count started a counting sequence. Modes 1/5: a count awaits triggers. */
  private armed = false;
  /** Modes 1/5: a trigger has started a sequence. */
  private triggered = false;
  /** Count in pulses (1..65536, or 1..10000 in BCD) and its load pulse L. */
  private n = 0x10000;
  private loadAt = 0;
  /** Modes 2/3: a count written while counting, and the pulse where it is loaded. */
  private pendingN = 0;
  private pendingAt = Infinity;
  /** Mode 3: the pending load falls at the start of a low half-cycle. */
  private pendingLowHalf = false;
  private gateLowSince = 0;
  /** What CE shows while not counting (before the first load, gate low in modes 2/3). */
  private heldCe = 0;

  /** Programs the counter as the 8254 does on a control word (RW != 0). */
  writeControl(t: number, v: number): void {
    this.normalize(t);
    this.heldCe = this.ce(t);
    this.control = v & 0x3f;
    this.access = (v >> 4) & 3;
    const m = (v >> 1) & 7;
    this.mode = m > 5 ? m - 4 : m;
    this.bcd = (v & 1) !== 0;
    this.writeMsbNext = false;
    this.readMsbNext = false;
    this.latchBytes = 0;
    this.statusLatched = false;
    this.armed = false;
    this.triggered = false;
    this.pendingAt = Infinity;
    this.crLoadAt = Infinity;
  }

  /** A data-port write: one byte of a count. */
  writeCount(t: number, byte: number): void {
    this.normalize(t);
    if (this.access === 1) this.cr = byte;
    else if (this.access === 2) this.cr = byte << 8;
    else if (!this.writeMsbNext) {
      this.lowByte = byte;
      this.writeMsbNext = true;
      if (this.mode === 0) {
        this.heldCe = this.ce(t);
        this.armed = false;
      }
      return;
    } else {
      this.cr = this.lowByte | (byte << 8);
      this.writeMsbNext = false;
    }
    this.countWritten(t);
  }

  private countWritten(t: number): void {
    const n = this.countTicks();
    switch (this.mode) {
      case 1:
      case 5:
        this.armed = true; // loaded by the next trigger
        this.crLoadAt = Infinity;
        return;
      case 2:
      case 3:
        if (!this.armed || !this.gate || t < this.loadAt) {
          if (!this.armed) this.loadAt = t + 1;
          this.armed = true;
          this.n = n;
          this.crLoadAt = this.gate ? this.loadAt : Infinity;
          return;
        }
        this.scheduleReload(t, n);
        return;
      default: // modes 0 and 4 restart on the next pulse
        if (this.armed) this.heldCe = this.ce(t);
        this.armed = true;
        this.n = n;
        this.loadAt = t + 1;
        this.crLoadAt = t + 1;
    }
  }

  private scheduleReload(t: number, n: number): void {
    const p = (t - this.loadAt) % this.n;
    if (this.mode === 2) {
      this.pendingAt = t - p + this.n;
      this.pendingLowHalf = false;
    } else {
      const half = (this.n + 1) >> 1;
      this.pendingLowHalf = p < half;
      this.pendingAt = t - p + (this.pendingLowHalf ? half : this.n);
    }
    this.pendingN = n;
    this.crLoadAt = this.pendingAt;
  }

  setGate(t: number, high: boolean): void {
    if (high === this.gate) return;
    this.normalize(t);
    if (!high) {
      if (this.mode === 2 || this.mode === 3) {
        this.heldCe = this.ce(t);
        if (this.pendingAt !== Infinity) this.crLoadAt = Infinity;
        this.pendingAt = Infinity;
      }
      this.gateLowSince = t;
      this.gate = false;
      return;
    }
    this.gate = true;
    if (!this.armed) return;
    switch (this.mode) {
      case 0:
      case 4:
        // Resume: the pulses spent with GATE low did not count.
        this.loadAt += Math.max(t, this.loadAt) - Math.max(this.gateLowSince, this.loadAt);
        return;
      case 1:
      case 5:
        this.heldCe = this.ce(t);
        this.triggered = true;
        break;
      default:
        break;
    }
    // Modes 1, 2, 3, 5: a trigger (re)loads the count register on the next pulse.
    this.n = this.countTicks();
    this.loadAt = t + 1;
    this.crLoadAt = t + 1;
  }

  /** Counter latch command: ignored while an earlier latched count is unread. */
  latchCount(t: number): void {
    if (this.latchBytes > 0) return;
    this.latchValue = this.ceRegister(t);
    this.latchBytes = this.access === 3 ? 2 : 1;
  }

  /** Read-back status latch: OUT, null count, then the programmed control bits. */
  latchStatus(t: number): void {
    if (this.statusLatched) return;
    this.status = (this.out(t) ? 0x80 : 0) | (t < this.crLoadAt ? 0x40 : 0) | this.control;
    this.statusLatched = true;
  }

  /** A data-port read: latched status first, then a latched count, else the live count. */
  read(t: number): number {
    if (this.statusLatched) {
      this.statusLatched = false;
      return this.status;
    }
    const latched = this.latchBytes > 0;
    const v = latched ? this.latchValue : this.ceRegister(t);
    if (latched) this.latchBytes--;
    if (this.access === 1) return v & 0xff;
    if (this.access === 2) return v >> 8;
    const msb = this.readMsbNext;
    this.readMsbNext = !msb;
    return msb ? v >> 8 : v & 0xff;
  }

  /** The counting element as the guest reads it (16-bit binary or four BCD digits). */
  private ceRegister(t: number): number {
    const ce = this.ce(t);
    return this.bcd ? toBcd16(ce % 10000) : ce & 0xffff;
  }

  /** The counting element's value at pulse t (0..65535 or 0..9999). */
  ce(t: number): number {
    this.normalize(t);
    const mod = this.bcd ? 10000 : 0x10000;
    switch (this.mode) {
      case 0:
      case 4:
        return this.armed && t >= this.loadAt ? wrap(this.n - this.elapsedGated(t), mod) : this.heldCe;
      case 1:
      case 5:
        return this.triggered && t >= this.loadAt ? wrap(this.n - (t - this.loadAt), mod) : this.heldCe;
      case 2:
        if (!this.armed || !this.gate || t < this.loadAt) return this.heldCe;
        return wrap(this.n - ((t - this.loadAt) % this.n), mod);
      default: {
        if (!this.armed || !this.gate || t < this.loadAt) return this.heldCe;
        const half = (this.n + 1) >> 1;
        const p = (t - this.loadAt) % this.n;
        const q = p < half ? p : p - half;
        return wrap(this.n - (this.n & 1) - 2 * q, mod);
      }
    }
  }

  /** The OUT pin at pulse t. */
  out(t: number): boolean {
    this.normalize(t);
    switch (this.mode) {
      case 0:
        return this.armed && t >= this.loadAt && this.elapsedGated(t) >= this.n;
      case 1:
        return !(this.triggered && t >= this.loadAt && t - this.loadAt < this.n);
      case 2:
        if (!this.armed || !this.gate || t < this.loadAt) return true;
        return (t - this.loadAt) % this.n !== this.n - 1;
      case 3:
        if (!this.armed || !this.gate || t < this.loadAt) return true;
        return (t - this.loadAt) % this.n < (this.n + 1) >> 1;
      case 4:
        return !(this.armed && t >= this.loadAt && this.elapsedGated(t) === this.n);
      default:
        return !(this.triggered && t >= this.loadAt && t - this.loadAt === this.n);
    }
  }

  /** The first pulse after t at which OUT changes, or Infinity. */
  nextEdge(t: number): number {
    this.normalize(t);
    const edge = this.nextEdgeUnbounded(t);
    return this.pendingAt > t && this.pendingAt < edge ? this.pendingAt : edge;
  }

  private nextEdgeUnbounded(t: number): number {
    const n = this.n;
    switch (this.mode) {
      case 0:
      case 4: {
        if (!this.armed || !this.gate) return Infinity;
        if (t < this.loadAt) return this.loadAt + n;
        const e = this.elapsedGated(t);
        if (e < n) return t + (n - e);
        return this.mode === 4 && e === n ? t + 1 : Infinity;
      }
      case 1:
      case 5: {
        if (!this.triggered) return Infinity;
        if (t < this.loadAt) return this.mode === 1 ? this.loadAt : this.loadAt + n;
        const e = t - this.loadAt;
        if (e < n) return this.loadAt + n;
        return this.mode === 5 && e === n ? t + 1 : Infinity;
      }
      case 2: {
        if (!this.armed || !this.gate || n < 2) return Infinity;
        if (t < this.loadAt) return this.loadAt + n - 1;
        const p = (t - this.loadAt) % n;
        return p < n - 1 ? t + (n - 1 - p) : t + 1;
      }
      default: {
        if (!this.armed || !this.gate || n < 2) return Infinity;
        const half = (n + 1) >> 1;
        if (t < this.loadAt) return this.loadAt + half;
        const p = (t - this.loadAt) % n;
        return p < half ? t + (half - p) : t + (n - p);
      }
    }
  }

  /** Pulses counted since the load in modes 0/4, not counting those with GATE low. */
  private elapsedGated(t: number): number {
    return (this.gate ? t : Math.max(this.gateLowSince, this.loadAt)) - this.loadAt;
  }

  /** Applies a deferred mode 2/3 reload once its pulse has come. */
  private normalize(t: number): void {
    if (this.pendingAt > t) return;
    const n = this.pendingN;
    this.loadAt = this.pendingLowHalf ? this.pendingAt - ((n + 1) >> 1) : this.pendingAt;
    this.n = n;
    this.pendingAt = Infinity;
  }

  private countTicks(): number {
    if (this.cr === 0) return this.bcd ? 10000 : 0x10000;
    return this.bcd ? fromBcd16(this.cr) : this.cr;
  }

  save(): CounterState {
    return {
      control: this.control,
      mode: this.mode,
      access: this.access,
      bcd: this.bcd,
      cr: this.cr,
      lowByte: this.lowByte,
      writeMsbNext: this.writeMsbNext,
      readMsbNext: this.readMsbNext,
      latchValue: this.latchValue,
      latchBytes: this.latchBytes,
      status: this.status,
      statusLatched: this.statusLatched,
      crLoadAt: this.crLoadAt === Infinity ? -1 : this.crLoadAt,
      gate: this.gate,
      armed: this.armed,
      triggered: this.triggered,
      n: this.n,
      loadAt: this.loadAt,
      pendingN: this.pendingN,
      pendingAt: this.pendingAt === Infinity ? -1 : this.pendingAt,
      pendingLowHalf: this.pendingLowHalf,
      gateLowSince: this.gateLowSince,
      heldCe: this.heldCe,
    };
  }

  restore(s: CounterState): void {
    this.control = s.control;
    this.mode = s.mode;
    this.access = s.access;
    this.bcd = s.bcd;
    this.cr = s.cr;
    this.lowByte = s.lowByte;
    this.writeMsbNext = s.writeMsbNext;
    this.readMsbNext = s.readMsbNext;
    this.latchValue = s.latchValue;
    this.latchBytes = s.latchBytes;
    this.status = s.status;
    this.statusLatched = s.statusLatched;
    this.crLoadAt = s.crLoadAt < 0 ? Infinity : s.crLoadAt;
    this.gate = s.gate;
    this.armed = s.armed;
    this.triggered = s.triggered;
    this.n = s.n;
    this.loadAt = s.loadAt;
    this.pendingN = s.pendingN;
    this.pendingAt = s.pendingAt < 0 ? Infinity : s.pendingAt;
    this.pendingLowHalf = s.pendingLowHalf;
    this.gateLowSince = s.gateLowSince;
    this.heldCe = s.heldCe;
  }
}

/** One counter's state; pulse numbers count PIT input clocks since power-on, -1 meaning "never". */
export interface CounterState {
  control: number;
  mode: number;
  access: number;
  bcd: boolean;
  cr: number;
  lowByte: number;
  writeMsbNext: boolean;
  readMsbNext: boolean;
  latchValue: number;
  latchBytes: number;
  status: number;
  statusLatched: boolean;
  crLoadAt: number;
  gate: boolean;
  armed: boolean;
  triggered: boolean;
  n: number;
  loadAt: number;
  pendingN: number;
  pendingAt: number;
  pendingLowHalf: boolean;
  gateLowSince: number;
  heldCe: number;
}

function wrap(x: number, mod: number): number {
  return ((x % mod) + mod) % mod;
}

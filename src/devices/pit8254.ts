import type { AccessSize } from '../cpu/buses.js';
import type { Clock, Timer } from '../machine/clock.js';
import type { IrqLine } from '../machine/irq.js';
import type { PortBus } from '../machine/port-bus.js';
import type { Device, DeviceState } from './device.js';
import { Counter, type CounterState } from './pit8254-counter.js';
import { icountAtNs, readSplit, writeSplit, type ByteRegisters } from './support.js';

/** The PC's PIT input clock, Hz. */
export const PIT_HZ = 1_193_182;
/** Period of the DRAM refresh request toggle seen at port 0x61 bit 4, ns. */
const REFRESH_TOGGLE_NS = 15_085;
const NS_PER_S = 1e9;

/**
 * The Intel 8254 programmable interval timer as wired in a PC, plus port 0x61 (System Control
 * Port B), which belongs to it here:
 * - counters 0-2 at 0x40-0x42 and the control word at 0x43 (counter latch, read-back with status);
 * - counter 0's OUT drives IRQ0: the line follows OUT and a timer is armed only for OUT's next
 *   edge, never per input clock;
 * - counter 1 (DRAM refresh on old PCs) counts but drives nothing;
 * - counter 2's GATE is port 0x61 bit 0 and its OUT reads at bit 5; bit 1 (speaker data enable)
 *   and bits 2-3 (parity/IOCHK enables) are stored and read back; bit 4 is the refresh request,
 *   toggling every 15.085 us of virtual time.
 *
 * Time: the PIT clock runs at 1.193182 MHz of virtual time, and the pulse count is computed from
 * the virtual nanoseconds (icount * nsPerInsn) as floor(ns * 1193182 / 1e9) split into whole
 * seconds and remainder, which is exact for integral ns, so counts read the same however long the
 * run. Reads of 0x43 return 0 as QEMU's do (the datasheet leaves the bus floating).
 *
 * Power-on state is QEMU's (what a BIOS leaves): every counter in mode 3, LSB-then-MSB, count
 * 65536, started at creation; counter 2's gate low.
 */
export class Pit8254 implements Device<Pit8254State>, ByteRegisters {
  readonly name: string;
  private readonly counters: readonly [Counter, Counter, Counter] = [new Counter(), new Counter(), new Counter()];
  /** Port 0x61 bits 0-3 as last written. */
  private port61 = 0;
  /** Level this device drives on IRQ0 (the PIC keeps its own copy). */
  private out0 = false;
  private readonly timer: Timer;

  constructor(
    private readonly clock: Clock,
    private readonly irq0: IrqLine,
    opts: { name?: string } = {},
  ) {
    this.name = opts.name ?? 'pit';
    this.timer = clock.createTimer(`${this.name}.out0`, () => this.onOut0Edge());
    const t = this.ticksNow();
    for (const c of this.counters) {
      c.writeControl(t, 0x36);
      c.writeCount(t, 0);
      c.writeCount(t, 0);
    }
    this.counters[2].setGate(t, false);
    this.updateOut0(t);
  }

  /** Maps 0x40-0x43 and 0x61 on `bus`. */
  register(bus: PortBus): void {
    bus.mapPorts(0x40, 4, this, this.name);
    bus.mapPorts(0x61, 1, this, `${this.name}-port61`);
  }

  /** OUT of counter `ch` (0..2) now: for reports and tests. */
  output(ch: 0 | 1 | 2): boolean {
    return this.counters[ch].out(this.ticksNow());
  }

  /** Port 0x61 bit 1: the guest's speaker data enable. */
  get speakerEnabled(): boolean {
    return (this.port61 & 0x02) !== 0;
  }

  /** PIT input clock pulses since power-on at virtual time `ns`. */
  ticksAt(ns: number): number {
    const s = Math.floor(ns / NS_PER_S);
    const r = ns - s * NS_PER_S;
    return s * PIT_HZ + Math.floor((r * PIT_HZ) / NS_PER_S);
  }

  read(port: number, size: AccessSize): number {
    return readSplit(this, port, size, port === 0x61 ? 0x62 : 0x44);
  }

  write(port: number, size: AccessSize, value: number): void {
    writeSplit(this, port, size, value, port === 0x61 ? 0x62 : 0x44);
  }

  readByte(port: number): number {
    const t = this.ticksNow();
    switch (port) {
      case 0x40:
      case 0x41:
      case 0x42:
        return this.counters[port - 0x40]?.read(t) ?? 0xff;
      case 0x61: {
        const refresh = Math.floor(this.clock.nowNs() / REFRESH_TOGGLE_NS) % 2;
        return this.port61 | (refresh << 4) | (this.counters[2].out(t) ? 0x20 : 0);
      }
      default:
        return 0;
    }
  }

  writeByte(port: number, value: number): void {
    const t = this.ticksNow();
    switch (port) {
      case 0x40:
      case 0x41:
      case 0x42:
        this.counters[port - 0x40]?.writeCount(t, value);
        break;
      case 0x43:
        this.writeControl(t, value);
        break;
      case 0x61:
        this.port61 = value & 0x0f;
        this.counters[2].setGate(t, (value & 1) !== 0);
        return;
      default:
        return;
    }
    if (port === 0x40 || port === 0x43) this.updateOut0(t);
  }

  private writeControl(t: number, v: number): void {
    const sel = v >> 6;
    if (sel === 3) {
      // Read-back: bit 5 clear latches counts, bit 4 clear latches status; bits 1-3 pick counters.
      for (let i = 0; i < 3; i++) {
        if (!(v & (2 << i))) continue;
        const c = this.counters[i as 0 | 1 | 2];
        if (!(v & 0x20)) c.latchCount(t);
        if (!(v & 0x10)) c.latchStatus(t);
      }
      return;
    }
    const c = this.counters[sel as 0 | 1 | 2];
    if ((v & 0x30) === 0) c.latchCount(t);
    else c.writeControl(t, v);
  }

  private ticksNow(): number {
    return this.ticksAt(this.clock.nowNs());
  }

  /** The first icount at which at least `tick` pulses have elapsed. */
  private icountForTick(tick: number): number {
    const s = Math.floor(tick / PIT_HZ);
    const r = tick - s * PIT_HZ;
    let ic = icountAtNs(this.clock, s * NS_PER_S + Math.ceil((r * NS_PER_S) / PIT_HZ));
    // Guard against rounding when nsPerInsn is not integral: agree with ticksAt exactly.
    while (this.ticksAt(ic * this.clock.nsPerInsn) < tick) ic++;
    return ic;
  }

  /** Drives IRQ0 from OUT0 and arms the timer for OUT0's next edge. */
  private updateOut0(t: number): void {
    const level = this.counters[0].out(t);
    if (level !== this.out0) {
      this.out0 = level;
      this.irq0.set(level);
    }
    this.schedule(t);
  }

  private schedule(t: number): void {
    const edge = this.counters[0].nextEdge(t);
    if (edge === Infinity) this.timer.cancel();
    else this.timer.arm(this.icountForTick(edge));
  }

  private onOut0Edge(): void {
    const t = this.ticksNow();
    const level = this.counters[0].out(t);
    if (level !== this.out0) {
      this.out0 = level;
      this.irq0.set(level);
    } else if (level) {
      // A whole low pulse fell inside one instruction (shorter than nsPerInsn): replay it so the
      // PIC still latches the rising edge that ended it. (A high pulse missed the same way would
      // be a request withdrawn before INTA, which the 8259A drops anyway.)
      this.irq0.lower();
      this.irq0.raise();
    }
    this.schedule(t);
  }

  saveState(): Pit8254State {
    return {
      version: 1,
      ch0: this.counters[0].save(),
      ch1: this.counters[1].save(),
      ch2: this.counters[2].save(),
      port61: this.port61,
      out0: this.out0,
    };
  }

  loadState(s: Pit8254State): void {
    if (s.version !== 1) throw new Error(`${this.name}: unsupported state version ${s.version}`);
    this.counters[0].restore(s.ch0);
    this.counters[1].restore(s.ch1);
    this.counters[2].restore(s.ch2);
    this.port61 = s.port61;
    this.out0 = s.out0;
  }
}

export interface Pit8254State extends DeviceState {
  version: 1;
  ch0: CounterState;
  ch1: CounterState;
  ch2: CounterState;
  /** Port 0x61 bits 0-3 as written (gate 2, speaker enable, parity/IOCHK enables). */
  port61: number;
  /** Level driven on IRQ0. */
  out0: boolean;
}

import type { AccessSize } from '../cpu/buses.js';
import type { InterruptController, IrqLine } from '../machine/irq.js';
import type { PortBus } from '../machine/port-bus.js';
import type { Device, DeviceState } from './device.js';
import { readSplit, writeSplit, type ByteRegisters } from './support.js';

/**
 * The PC's pair of Intel 8259A programmable interrupt controllers: master at 0x20/0x21, slave at
 * 0xA0/0xA1, the slave's INT output wired to the master's IR2 (as on every AT).
 *
 * Behaviour follows the 8259A datasheet (Intel 231468):
 * - ICW1..ICW4 initialization; ICW1 resets the edge-sense logic, clears IMR, makes IR7 lowest
 *   priority, selects IRR for status reads and leaves special mask mode (as the datasheet lists).
 *   Like QEMU we also clear ISR (the datasheet does not say; every OS issues ICW1 with nothing in
 *   service).
 * - Edge-triggered mode (default): an IR line's low-to-high transition sets its IRR bit; if the
 *   line drops again before the INTA cycle the request is withdrawn (IRR cleared) and an INTA
 *   then returns the default IR7 vector without setting ISR: the datasheet's spurious interrupt,
 *   seen by the OS as IRQ7 (master) or IRQ15 (slave; the master then has IR2 in service).
 * - Level-triggered mode (ICW1 LTIM): IRR follows the line.
 * - Fully nested priority with rotation (OCW2 rotate forms, set-priority), specific and
 *   non-specific EOI, auto-EOI (ICW4 AEOI) with optional rotate, special fully nested mode (ICW4
 *   SFNM) and special mask mode (OCW3), read IRR/ISR (OCW3 RR/RIS) and the poll command (OCW3 P).
 *
 * Snapshots save each input pin's level; loadState never calls onIntrChange (the machine asks
 * intr() after a restore).
 */
export class Pic8259 implements Device<Pic8259State>, InterruptController, ByteRegisters {
  readonly name: string;
  /** Called whenever the master's INTR output to the CPU changes. */
  onIntrChange: (asserted: boolean) => void = () => {};
  private readonly master = new Chip(true);
  private readonly slave = new Chip(false);
  private readonly lines: IrqLine[];
  private intrOut = false;

  constructor(opts: { name?: string } = {}) {
    this.name = opts.name ?? 'pic';
    this.lines = [];
    for (let n = 0; n < 16; n++) this.lines.push(new PicLine(this, n));
  }

  /** Maps the master (0x20-0x21) and slave (0xA0-0xA1) ports on `bus`. */
  register(bus: PortBus): void {
    bus.mapPorts(0x20, 2, this, `${this.name}-master`);
    bus.mapPorts(0xa0, 2, this, `${this.name}-slave`);
  }

  /**
   * The input line for ISA IRQ `n` (0..15). Master IR2 carries the cascade, so, as on every AT,
   * the bus's IRQ2 is IRQ9: irqLine(2) returns the same line as irqLine(9).
   */
  irqLine(n: number): IrqLine {
    const line = this.lines[n === 2 ? 9 : n];
    if (line === undefined) throw new RangeError(`irq ${n} out of range 0..15`);
    return line;
  }

  /** Drives input IRQ `n` (0..15; 2 means 9, see irqLine) to `high`. */
  setIrq(n: number, high: boolean): void {
    if (n === 2) n = 9;
    if (n < 8) this.master.setPin(n, high);
    else this.slave.setPin(n - 8, high);
    this.update();
  }

  intr(): boolean {
    return this.intrOut;
  }

  acknowledge(): number {
    const m = this.master;
    const irq = m.highest();
    let vector: number;
    if (irq < 0) {
      // Request withdrawn before INTA: the master answers with its IR7 vector, ISR untouched.
      vector = m.vectorBase + 7;
    } else if (irq === 2) {
      const irq2 = this.slave.highest();
      if (irq2 >= 0) {
        this.slave.intack(irq2);
        vector = this.slave.vectorBase + irq2;
      } else {
        vector = this.slave.vectorBase + 7;
      }
      // The slave's INT may have dropped above; the master still acknowledges IR2 in this cycle.
      m.setPin(2, this.slave.output());
      m.intack(2);
    } else {
      m.intack(irq);
      vector = m.vectorBase + irq;
    }
    this.update();
    return vector;
  }

  read(port: number, size: AccessSize): number {
    return readSplit(this, port, size, (port & ~1) + 2);
  }

  write(port: number, size: AccessSize, value: number): void {
    writeSplit(this, port, size, value, (port & ~1) + 2);
  }

  readByte(port: number): number {
    const chip = port >= 0xa0 ? this.slave : this.master;
    const v = chip.read(port & 1);
    this.update();
    return v;
  }

  writeByte(port: number, value: number): void {
    const chip = port >= 0xa0 ? this.slave : this.master;
    chip.write(port & 1, value);
    this.update();
  }

  /** IRR/ISR/IMR of both chips, for reports and tests: bit n is IRQ n. */
  registers(): { irr: number; isr: number; imr: number } {
    return {
      irr: this.master.irr | (this.slave.irr << 8),
      isr: this.master.isr | (this.slave.isr << 8),
      imr: this.master.imr | (this.slave.imr << 8),
    };
  }

  /** Propagates the slave's output to master IR2 and the master's output to the CPU. */
  private update(): void {
    this.master.setPin(2, this.slave.output());
    const out = this.master.output();
    if (out !== this.intrOut) {
      this.intrOut = out;
      this.onIntrChange(out);
    }
  }

  saveState(): Pic8259State {
    return { version: 1, master: this.master.save(), slave: this.slave.save() };
  }

  loadState(s: Pic8259State): void {
    if (s.version !== 1) throw new Error(`${this.name}: unsupported state version ${s.version}`);
    this.master.load(s.master);
    this.slave.load(s.slave);
    this.intrOut = this.master.output();
  }
}

/** One 8259A. Bit n of each register is IR n. */
class Chip {
  irr = 0;
  isr = 0;
  imr = 0;
  /** Current level of each IR input pin. */
  pins = 0;
  vectorBase = 0;
  /** Next ICW expected on A0=1: 0 = none (operational), 2, 3, 4. */
  private icwStep = 0;
  private needIcw4 = false;
  private single = false;
  private levelTriggered = false;
  private icw3 = 0;
  private icw4 = 0;
  private autoEoi = false;
  private rotateOnAutoEoi = false;
  private specialFullyNested = false;
  private specialMask = false;
  /** The IR level just after the lowest-priority one (0 = IR0 highest, the default). */
  private priorityBase = 0;
  private readIsr = false;
  private pollPending = false;

  constructor(private readonly isMaster: boolean) {}

  setPin(n: number, high: boolean): void {
    const bit = 1 << n;
    const was = (this.pins & bit) !== 0;
    if (high === was) return;
    if (high) {
      this.pins |= bit;
      this.irr |= bit;
    } else {
      this.pins &= ~bit;
      // Level mode: IRR follows the pin. Edge mode: a request withdrawn before INTA is lost.
      this.irr &= ~bit;
    }
  }

  /** Priority rank (0 = highest) of the highest-priority bit in `mask`, or 8 when empty. */
  private rank(mask: number): number {
    if (mask === 0) return 8;
    let r = 0;
    while ((mask & (1 << ((r + this.priorityBase) & 7))) === 0) r++;
    return r;
  }

  /** The IR level this chip would present at INTA, or -1 for none. */
  highest(): number {
    const req = this.irr & ~this.imr;
    const r = this.rank(req);
    if (r === 8) return -1;
    let inService = this.isr;
    // Special mask mode: a masked in-service level no longer inhibits lower levels.
    if (this.specialMask) inService &= ~this.imr;
    // Special fully nested mode: a further request from the slave may interrupt IR2's service.
    if (this.specialFullyNested && this.isMaster) inService &= ~(1 << 2);
    return r < this.rank(inService) ? (r + this.priorityBase) & 7 : -1;
  }

  output(): boolean {
    return this.highest() >= 0;
  }

  intack(irq: number): void {
    const bit = 1 << irq;
    if (this.autoEoi) {
      if (this.rotateOnAutoEoi) this.priorityBase = (irq + 1) & 7;
    } else {
      this.isr |= bit;
    }
    // Edge mode: the request is consumed; the line must fall and rise again for another one.
    if (!this.levelTriggered) this.irr &= ~bit;
  }

  read(a0: number): number {
    if (this.pollPending) {
      this.pollPending = false;
      const irq = this.highest();
      if (irq < 0) return 0;
      this.intack(irq);
      return 0x80 | irq;
    }
    if (a0 === 1) return this.imr;
    return this.readIsr ? this.isr : this.irr;
  }

  write(a0: number, v: number): void {
    if (a0 === 0) {
      if (v & 0x10) this.icw1(v);
      else if (v & 0x08) this.ocw3(v);
      else this.ocw2(v);
      return;
    }
    switch (this.icwStep) {
      case 2:
        this.vectorBase = v & 0xf8;
        this.icwStep = this.single ? (this.needIcw4 ? 4 : 0) : 3;
        return;
      case 3:
        this.icw3 = v;
        this.icwStep = this.needIcw4 ? 4 : 0;
        return;
      case 4:
        this.setIcw4(v);
        this.icwStep = 0;
        return;
      default:
        this.imr = v; // OCW1
    }
  }

  private icw1(v: number): void {
    this.needIcw4 = (v & 0x01) !== 0;
    this.single = (v & 0x02) !== 0;
    this.levelTriggered = (v & 0x08) !== 0;
    this.icwStep = 2;
    this.imr = 0;
    this.isr = 0;
    // Edge sense reset: a line already high must go low and high again to request.
    this.irr = this.levelTriggered ? this.pins : 0;
    this.priorityBase = 0;
    this.specialMask = false;
    this.readIsr = false;
    this.pollPending = false;
    this.rotateOnAutoEoi = false;
    // "If IC4 = 0, then all functions selected in ICW4 are set to zero."
    this.setIcw4(0);
  }

  private setIcw4(v: number): void {
    this.icw4 = v & 0x1f;
    this.autoEoi = (v & 0x02) !== 0;
    this.specialFullyNested = (v & 0x10) !== 0;
  }

  private ocw2(v: number): void {
    const level = v & 7;
    switch (v >> 5) {
      case 0b001: // non-specific EOI
      case 0b101: {
        // rotate on non-specific EOI
        const r = this.rank(this.isr);
        if (r === 8) return;
        const irq = (r + this.priorityBase) & 7;
        this.isr &= ~(1 << irq);
        if (v >> 5 === 0b101) this.priorityBase = (irq + 1) & 7;
        return;
      }
      case 0b011: // specific EOI
        this.isr &= ~(1 << level);
        return;
      case 0b111: // rotate on specific EOI
        this.isr &= ~(1 << level);
        this.priorityBase = (level + 1) & 7;
        return;
      case 0b110: // set priority: `level` becomes the lowest
        this.priorityBase = (level + 1) & 7;
        return;
      case 0b100: // set rotate in automatic EOI mode
        this.rotateOnAutoEoi = true;
        return;
      case 0b000: // clear rotate in automatic EOI mode
        this.rotateOnAutoEoi = false;
        return;
      default: // 0b010: no operation
    }
  }

  private ocw3(v: number): void {
    if (v & 0x40) this.specialMask = (v & 0x20) !== 0;
    if (v & 0x04) this.pollPending = true;
    if (v & 0x02) this.readIsr = (v & 0x01) !== 0;
  }

  save(): PicChipState {
    return {
      irr: this.irr,
      isr: this.isr,
      imr: this.imr,
      pins: this.pins,
      vectorBase: this.vectorBase,
      icwStep: this.icwStep,
      needIcw4: this.needIcw4,
      single: this.single,
      levelTriggered: this.levelTriggered,
      icw3: this.icw3,
      icw4: this.icw4,
      rotateOnAutoEoi: this.rotateOnAutoEoi,
      specialMask: this.specialMask,
      priorityBase: this.priorityBase,
      readIsr: this.readIsr,
      pollPending: this.pollPending,
    };
  }

  load(s: PicChipState): void {
    this.irr = s.irr;
    this.isr = s.isr;
    this.imr = s.imr;
    this.pins = s.pins;
    this.vectorBase = s.vectorBase;
    this.icwStep = s.icwStep;
    this.needIcw4 = s.needIcw4;
    this.single = s.single;
    this.levelTriggered = s.levelTriggered;
    this.icw3 = s.icw3;
    this.setIcw4(s.icw4);
    this.rotateOnAutoEoi = s.rotateOnAutoEoi;
    this.specialMask = s.specialMask;
    this.priorityBase = s.priorityBase;
    this.readIsr = s.readIsr;
    this.pollPending = s.pollPending;
  }
}

/** IrqLine for one PIC input; created once per line so raising never allocates. */
class PicLine implements IrqLine {
  constructor(
    private readonly pic: Pic8259,
    private readonly n: number,
  ) {}
  raise(): void {
    this.pic.setIrq(this.n, true);
  }
  lower(): void {
    this.pic.setIrq(this.n, false);
  }
  set(high: boolean): void {
    this.pic.setIrq(this.n, high);
  }
}

/** One chip's registers and programming state. */
export interface PicChipState {
  irr: number;
  isr: number;
  imr: number;
  /** Input pin levels (bit n = IR n); IR2 of the master is the slave's INT output. */
  pins: number;
  vectorBase: number;
  /** Next ICW expected on the odd port: 0 = operational, else 2, 3 or 4. */
  icwStep: number;
  needIcw4: boolean;
  single: boolean;
  levelTriggered: boolean;
  icw3: number;
  icw4: number;
  rotateOnAutoEoi: boolean;
  specialMask: boolean;
  /** Level just after the lowest-priority one. */
  priorityBase: number;
  readIsr: boolean;
  pollPending: boolean;
}

export interface Pic8259State extends DeviceState {
  version: 1;
  master: PicChipState;
  slave: PicChipState;
}

import type { AccessSize } from '../cpu/buses.js';
import type { Clock, Timer } from '../machine/clock.js';
import type { IrqLine } from '../machine/irq.js';
import type { PortBus } from '../machine/port-bus.js';
import type { Device, DeviceState } from './device.js';
import { readSplit, writeSplit, type ByteRegisters } from './support.js';

// Register bits, named as in the PC16550D datasheet.
const IER_RDA = 0x01;
const IER_THRE = 0x02;
const IER_RLS = 0x04;
const IER_MS = 0x08;
const IIR_NONE = 0x01;
const IIR_MS = 0x00;
const IIR_THRE = 0x02;
const IIR_RDA = 0x04;
const IIR_RLS = 0x06;
const IIR_TIMEOUT = 0x0c;
const IIR_FIFOS = 0xc0;
const FCR_ENABLE = 0x01;
const FCR_CLEAR_RX = 0x02;
const LCR_DLAB = 0x80;
const MCR_OUT2 = 0x08;
const MCR_LOOP = 0x10;
const LSR_DR = 0x01;
const LSR_OE = 0x02;
const LSR_ERRORS = 0x1e; // OE, PE, FE, BI: the receiver line status interrupt sources
const LSR_THRE_TEMT = 0x60;
const MSR_DELTAS = 0x0f;
const MSR_TERI = 0x04;
const MSR_RI = 0x40;
/** Modem inputs of a console with nothing attached but a ready peer: DCD, DSR and CTS asserted (QEMU's). */
const EXTERNAL_MODEM_LINES = 0xb0;
const FIFO_SIZE = 16;
const TRIGGER_LEVELS = [1, 4, 8, 14] as const;
/** The PC's UART clock: 1.8432 MHz, divided by 16 per bit. */
const UART_CLOCK_HZ = 1_843_200;

/**
 * A National Semiconductor PC16550D (16550A) UART on the PC ISA bus: eight registers at
 * `base`..`base+7`, one interrupt line gated by MCR OUT2 as on a PC serial card.
 *
 * - Transmit is not paced: a byte written to THR goes straight to `onTransmit` (or, in loopback
 *   mode, to the receiver), and THRE/TEMT are set again before the OUT instruction completes. The
 *   THRE interrupt follows the datasheet: pending when THR empties or when IER bit 1 goes from 0
 *   to 1 while THR is empty; cleared by an IIR read that reports it or by writing THR.
 * - Receive data arrives only through receive(), from the machine's input source; acceptsInput()
 *   and charTimeInsns() let that source pace itself at the line rate the guest programmed.
 * - 16-byte RX FIFO with the four trigger levels; the character timeout fires 4 character times
 *   after the last byte received or read while the FIFO is not empty.
 * - IIR priorities: line status > RX data / timeout > THR empty > modem status.
 * - Loopback (MCR bit 4): TX feeds RX, the receiver is disconnected from the line, MSR shows
 *   CTS=RTS, DSR=DTR, RI=OUT1, DCD=OUT2 with delta bits, and the OUT2 pin is inactive, so on a PC
 *   no interrupt reaches the PIC (the UART's own IIR still works).
 *
 * Reset state is QEMU's (which is what a BIOS leaves): divisor 12 (9600 baud), MCR = OUT2,
 * LSR = THRE|TEMT, MSR = DCD|DSR|CTS.
 */
export class Uart16550 implements Device<Uart16550State>, ByteRegisters {
  readonly name: string;
  /** First of the eight ports (0x3F8 for COM1). */
  readonly base: number;
  /** The serial line's output: every byte the guest transmits (outside loopback), in order. */
  onTransmit: (byte: number) => void;

  private ier = 0;
  private lcr = 0;
  private mcr = MCR_OUT2;
  /** LSR error bits (OE/PE/FE/BI); DR and THRE/TEMT are derived. */
  private lsrErrors = 0;
  /** MSR: delta bits 0-3 and line states 4-7. */
  private msr = EXTERNAL_MODEM_LINES;
  private scr = 0;
  private divisor = 12;
  /** The sticky FCR bits: enable, DMA mode, trigger level. */
  private fcr = 0;
  private readonly rx = new Uint8Array(FIFO_SIZE);
  private rxHead = 0;
  private rxCount = 0;
  /** Last byte taken from (or, without FIFOs, put in) the receiver buffer: what RBR reads when empty. */
  private rbr = 0;
  private thrPending = false;
  private timeoutPending = false;
  /** Set once the guest enables RX interrupts or reads LSR: the input source may start sending. */
  private inputOpen = false;
  private irqLevel = false;
  private readonly timeoutTimer: Timer;

  constructor(
    private readonly clock: Clock,
    private readonly irq: IrqLine,
    opts: { base?: number; name?: string; onTransmit?: (byte: number) => void } = {},
  ) {
    this.base = opts.base ?? 0x3f8;
    this.name = opts.name ?? 'com1';
    this.onTransmit = opts.onTransmit ?? (() => {});
    this.timeoutTimer = clock.createTimer(`${this.name}.rx-timeout`, () => this.onCharTimeout());
  }

  /** Maps the eight registers at `base` on `bus`. */
  register(bus: PortBus): void {
    bus.mapPorts(this.base, 8, this, this.name);
  }

  /**
   * Delivers one byte from the line. Returns true if it entered the receiver buffer. When the
   * buffer is full it returns false and changes nothing, unless `force` is set: then the byte
   * overruns as on the real part (LSR.OE set; with FIFOs the byte is lost, without FIFOs it
   * overwrites RBR). In loopback mode the receiver is disconnected and nothing is accepted.
   */
  receive(byte: number, force = false): boolean {
    if (this.mcr & MCR_LOOP) return false;
    if (!force && this.rxCount >= this.rxCapacity()) return false;
    return this.receiveInternal(byte & 0xff);
  }

  /**
   * True when the input source may deliver a byte now: the guest has shown it reads the port
   * (enabled RX interrupts or polled LSR at least once), the port is not in loopback, and the
   * receiver buffer has room.
   */
  acceptsInput(): boolean {
    return this.inputOpen && (this.mcr & MCR_LOOP) === 0 && this.rxCount < this.rxCapacity();
  }

  /**
   * Instructions one character takes on the wire at the programmed line rate: baud is
   * 1.8432 MHz / 16 / divisor, a character is start + data + parity + stop bits (1.5 stop bits
   * for 5-bit characters with LCR bit 2 set). A divisor of 0 is taken as 65536.
   */
  charTimeInsns(): number {
    return this.clock.insnsForNs(this.charTimeNs());
  }

  /** Nanoseconds of virtual time per character; see charTimeInsns. */
  charTimeNs(): number {
    const dataBits = (this.lcr & 0x03) + 5;
    const stopBits = this.lcr & 0x04 ? (dataBits === 5 ? 1.5 : 2) : 1;
    const bits = 1 + dataBits + (this.lcr & 0x08 ? 1 : 0) + stopBits;
    const divisor = this.divisor === 0 ? 0x10000 : this.divisor;
    return (bits * divisor * 16 * 1e9) / UART_CLOCK_HZ;
  }

  read(port: number, size: AccessSize): number {
    return readSplit(this, port, size, this.base + 8);
  }

  write(port: number, size: AccessSize, value: number): void {
    writeSplit(this, port, size, value, this.base + 8);
  }

  readByte(port: number): number {
    switch (port - this.base) {
      case 0:
        return this.lcr & LCR_DLAB ? this.divisor & 0xff : this.readRbr();
      case 1:
        return this.lcr & LCR_DLAB ? this.divisor >> 8 : this.ier;
      case 2: {
        const iir = this.computeIir();
        // Reading IIR while it reports THRE is what acknowledges that interrupt.
        if ((iir & 0x0f) === IIR_THRE) {
          this.thrPending = false;
          this.updateIrq();
        }
        return iir;
      }
      case 3:
        return this.lcr;
      case 4:
        return this.mcr;
      case 5: {
        const lsr = this.lsrErrors | (this.rxCount > 0 ? LSR_DR : 0) | LSR_THRE_TEMT;
        this.inputOpen = true;
        if (this.lsrErrors !== 0) {
          this.lsrErrors = 0;
          this.updateIrq();
        }
        return lsr;
      }
      case 6: {
        const msr = this.msr;
        if (msr & MSR_DELTAS) {
          this.msr &= ~MSR_DELTAS;
          this.updateIrq();
        }
        return msr;
      }
      default:
        return this.scr;
    }
  }

  writeByte(port: number, value: number): void {
    switch (port - this.base) {
      case 0:
        if (this.lcr & LCR_DLAB) this.divisor = (this.divisor & 0xff00) | value;
        else this.transmit(value);
        return;
      case 1:
        if (this.lcr & LCR_DLAB) {
          this.divisor = (this.divisor & 0x00ff) | (value << 8);
          return;
        }
        this.writeIer(value & 0x0f);
        return;
      case 2:
        this.writeFcr(value);
        return;
      case 3:
        this.lcr = value;
        return;
      case 4:
        this.writeMcr(value & 0x1f);
        return;
      case 5:
      case 6:
        return; // LSR and MSR are read-only (factory test writes are not modelled)
      default:
        this.scr = value;
    }
  }

  private rxCapacity(): number {
    return this.fcr & FCR_ENABLE ? FIFO_SIZE : 1;
  }

  private triggerLevel(): number {
    return TRIGGER_LEVELS[this.fcr >> 6] ?? 1;
  }

  private readRbr(): number {
    if (this.rxCount > 0) {
      this.rbr = this.rx[this.rxHead] ?? 0;
      this.rxHead = (this.rxHead + 1) % FIFO_SIZE;
      this.rxCount--;
    }
    this.timeoutPending = false;
    // The timeout clock restarts on every read while characters remain.
    if (this.rxCount > 0 && this.fcr & FCR_ENABLE) this.timeoutTimer.armIn(4 * this.charTimeInsns());
    else this.timeoutTimer.cancel();
    this.updateIrq();
    return this.rbr;
  }

  private receiveInternal(byte: number): boolean {
    let accepted = true;
    if (this.rxCount >= this.rxCapacity()) {
      this.lsrErrors |= LSR_OE;
      if (this.fcr & FCR_ENABLE) {
        accepted = false; // FIFO mode: the shift register is overwritten, the FIFO kept.
      } else {
        this.rx[this.rxHead] = byte; // Holding-register mode: the unread byte is destroyed.
        this.rbr = byte;
      }
    } else {
      this.rx[(this.rxHead + this.rxCount) % FIFO_SIZE] = byte;
      this.rxCount++;
      if (!(this.fcr & FCR_ENABLE)) this.rbr = byte;
    }
    if (this.fcr & FCR_ENABLE) this.timeoutTimer.armIn(4 * this.charTimeInsns());
    this.updateIrq();
    return accepted;
  }

  private transmit(byte: number): void {
    this.thrPending = false;
    this.updateIrq();
    if (this.mcr & MCR_LOOP) this.receiveInternal(byte);
    else this.onTransmit(byte);
    // The byte has left THR and the shift register: THRE and TEMT are set, THRE interrupt pending.
    this.thrPending = true;
    this.updateIrq();
  }

  private writeIer(v: number): void {
    const rising = v & ~this.ier;
    this.ier = v;
    if (v & IER_RDA) this.inputOpen = true;
    // THR is always empty here, so enabling the THRE interrupt makes it pending at once.
    if (rising & IER_THRE) this.thrPending = true;
    this.updateIrq();
  }

  private writeFcr(v: number): void {
    const enabling = (v & FCR_ENABLE) !== (this.fcr & FCR_ENABLE);
    // The datasheet: FCR bit 0 must be 1 for the other bits to be programmed.
    if ((v & FCR_ENABLE) === 0) {
      this.fcr = 0;
    } else {
      this.fcr = v & 0xc9;
    }
    // Changing the enable bit clears both FIFOs; bit 1 clears the receiver (bit 2 the transmitter,
    // which is always empty here).
    if (enabling || (v & FCR_ENABLE && v & FCR_CLEAR_RX)) {
      this.rxHead = 0;
      this.rxCount = 0;
      this.timeoutPending = false;
      this.timeoutTimer.cancel();
    }
    this.updateIrq();
  }

  private writeMcr(v: number): void {
    this.mcr = v;
    this.updateModemLines();
    this.updateIrq();
  }

  /** Recomputes MSR bits 4-7 from the line (or from MCR in loopback) and latches delta bits. */
  private updateModemLines(): void {
    const m = this.mcr;
    const lines =
      m & MCR_LOOP ? ((m & 0x0c) << 4) | ((m & 0x02) << 3) | ((m & 0x01) << 5) : EXTERNAL_MODEM_LINES;
    const old = this.msr & 0xf0;
    let delta = (old ^ lines) >> 4;
    // TERI reports only the trailing (1 -> 0) edge of RI.
    if (delta & MSR_TERI && lines & MSR_RI) delta &= ~MSR_TERI;
    this.msr = lines | (this.msr & MSR_DELTAS) | delta;
  }

  private onCharTimeout(): void {
    if (this.rxCount > 0 && this.fcr & FCR_ENABLE) {
      this.timeoutPending = true;
      this.updateIrq();
    }
  }

  /** The interrupt identification (bits 3:0) by datasheet priority, plus the FIFO bits 7:6. */
  private computeIir(): number {
    const ier = this.ier;
    let id = IIR_NONE;
    if (ier & IER_RLS && this.lsrErrors & LSR_ERRORS) id = IIR_RLS;
    else if (ier & IER_RDA && this.timeoutPending) id = IIR_TIMEOUT;
    else if (ier & IER_RDA && this.rxCount > 0 && (!(this.fcr & FCR_ENABLE) || this.rxCount >= this.triggerLevel()))
      id = IIR_RDA;
    else if (ier & IER_THRE && this.thrPending) id = IIR_THRE;
    else if (ier & IER_MS && this.msr & MSR_DELTAS) id = IIR_MS;
    return id | (this.fcr & FCR_ENABLE ? IIR_FIFOS : 0);
  }

  private updateIrq(): void {
    const pending = (this.computeIir() & IIR_NONE) === 0;
    // On a PC the INTR pin reaches the PIC only through a buffer enabled by OUT2, which loopback
    // forces inactive.
    const level = pending && (this.mcr & (MCR_OUT2 | MCR_LOOP)) === MCR_OUT2;
    if (level !== this.irqLevel) {
      this.irqLevel = level;
      this.irq.set(level);
    }
  }

  saveState(): Uart16550State {
    const fifo: number[] = [];
    for (let i = 0; i < this.rxCount; i++) fifo.push(this.rx[(this.rxHead + i) % FIFO_SIZE] ?? 0);
    return {
      version: 1,
      ier: this.ier,
      lcr: this.lcr,
      mcr: this.mcr,
      lsrErrors: this.lsrErrors,
      msr: this.msr,
      scr: this.scr,
      divisor: this.divisor,
      fcr: this.fcr,
      rxFifo: fifo,
      rbr: this.rbr,
      thrPending: this.thrPending,
      timeoutPending: this.timeoutPending,
      inputOpen: this.inputOpen,
      irqLevel: this.irqLevel,
    };
  }

  loadState(s: Uart16550State): void {
    if (s.version !== 1) throw new Error(`${this.name}: unsupported state version ${s.version}`);
    this.ier = s.ier;
    this.lcr = s.lcr;
    this.mcr = s.mcr;
    this.lsrErrors = s.lsrErrors;
    this.msr = s.msr;
    this.scr = s.scr;
    this.divisor = s.divisor;
    this.fcr = s.fcr;
    this.rx.fill(0);
    this.rxHead = 0;
    this.rxCount = Math.min(s.rxFifo.length, FIFO_SIZE);
    for (let i = 0; i < this.rxCount; i++) this.rx[i] = s.rxFifo[i] ?? 0;
    this.rbr = s.rbr;
    this.thrPending = s.thrPending;
    this.timeoutPending = s.timeoutPending;
    this.inputOpen = s.inputOpen;
    this.irqLevel = s.irqLevel;
  }
}

export interface Uart16550State extends DeviceState {
  version: 1;
  ier: number;
  lcr: number;
  mcr: number;
  /** LSR bits 1-4 (OE, PE, FE, BI); the other LSR bits are derived. */
  lsrErrors: number;
  msr: number;
  scr: number;
  /** Divisor latch, 16 bits (DLM:DLL). */
  divisor: number;
  /** Sticky FCR bits (enable, DMA mode, trigger level). */
  fcr: number;
  /** Received bytes not yet read, oldest first. */
  rxFifo: number[];
  rbr: number;
  thrPending: boolean;
  timeoutPending: boolean;
  inputOpen: boolean;
  /** Level this UART drives on its IRQ line (the PIC saves its own copy). */
  irqLevel: boolean;
}

import type { AccessSize } from '../cpu/buses.js';
import type { Clock, Timer } from '../machine/clock.js';
import type { IrqLine } from '../machine/irq.js';
import type { PortBus } from '../machine/port-bus.js';
import { breakDownTime, daysFromCivil, secondsToAlarm } from './calendar.js';
import type { Device, DeviceState } from './device.js';
import { fromBcd, icountAtNs, readSplit, toBcd, writeSplit, type ByteRegisters } from './support.js';

const REG_A = 0x0a;
const REG_B = 0x0b;
const REG_C = 0x0c;
const REG_D = 0x0d;
const CENTURY = 0x32;
const A_UIP = 0x80;
const B_SET = 0x80;
const B_PIE = 0x40;
const B_AIE = 0x20;
const B_UIE = 0x10;
const B_DM_BINARY = 0x04;
const B_24H = 0x02;
const C_IRQF = 0x80;
const C_FLAGS = 0x70; // PF, AF, UF: same bit positions as PIE, AIE, UIE in register B
const C_PF = 0x40;
const C_AF = 0x20;
const C_UF = 0x10;
const D_VRT = 0x80;
const NS_PER_S = 1e9;
/** UIP rises 8 cycles of the 32.768 kHz time base (244.140625 us) before each update. */
const UIP_NS = (8 * NS_PER_S) / 32768;
const SECONDS_PER_DAY = 86400;

/**
 * The Motorola MC146818 real-time clock and its 128 bytes of CMOS RAM at ports 0x70 (index; bit 7
 * is the NMI mask, stored) and 0x71 (data).
 *
 * Time never comes from the host: the clock reads `epochSeconds` (Unix time) at virtual time 0 and
 * advances with virtual time (icount * nsPerInsn), updating on each whole virtual second. Time and
 * date registers are computed on read from that model, in BCD or binary (register B bit 2) and 12 or
 * 24 hour form (bit 1); writes to them set the time (field by field, carried like mktime).
 *
 * Register A: UIP (bit 7) is set during the last 244 us before each update (the real part also
 * holds it through the 1984 us update cycle, which we treat as instantaneous); the divider bits
 * stop (11x) and restart the clock, the first update then coming half a second later; the rate bits
 * select the periodic interrupt. Register B: SET halts updates (and clears UIE) so the guest can
 * write the time; PIE/AIE/UIE enable the interrupts. Register C: PF/AF/UF and IRQF, cleared by
 * reading. Register D: VRT (valid RAM and time) always set.
 *
 * Flags are computed lazily at the virtual time they are read; a timer is armed only for the next
 * event that would raise IRQ8, so an idle guest costs no events.
 */
export class CmosRtc implements Device<CmosRtcState>, ByteRegisters {
  readonly name: string;
  private readonly cmos = new Uint8Array(128);
  private index = 0;
  private nmiMasked = false;
  /** Time (Unix seconds) held while SET is on or the divider is stopped. */
  private heldSec: number;
  /** When running: the time is baseSec + floor((now - phaseNs) / 1 s). */
  private baseSec: number;
  /** Virtual ns of one update instant of the divider chain; updates recur every second from it. */
  private phaseNs = 0;
  /** Day of week as written by the guest minus the one the date implies, mod 7. */
  private dowDelta = 0;
  /** PF/AF/UF latched so far (register C bits 6-4). */
  private flags = 0;
  /** Virtual ns up to which flags have been evaluated. */
  private checkedNs = 0;
  private irqLevel = false;
  private readonly irq: IrqLine | null;
  private readonly irqTimer: Timer;
  /** Scratch for broken-down time: [sec, min, hour, dow(0=Sun), day, month, year]. */
  private readonly tm = new Int32Array(7);

  constructor(
    private readonly clock: Clock,
    opts: { epochSeconds: number; ramBytes: number; irq?: IrqLine; name?: string },
  ) {
    this.name = opts.name ?? 'rtc';
    this.irq = opts.irq ?? null;
    if (!Number.isInteger(opts.epochSeconds)) throw new RangeError('epochSeconds must be an integer');
    this.baseSec = opts.epochSeconds;
    this.heldSec = opts.epochSeconds;
    this.phaseNs = clock.nowNs();
    this.checkedNs = this.phaseNs;
    this.cmos[REG_A] = 0x26; // 32.768 kHz time base, 1024 Hz periodic rate (the BIOS's choice)
    this.cmos[REG_B] = B_24H;
    this.writeMemorySize(opts.ramBytes);
    this.irqTimer = clock.createTimer(`${this.name}.irq`, () => this.refresh());
  }

  /** Maps ports 0x70-0x71 on `bus`. */
  register(bus: PortBus): void {
    bus.mapPorts(0x70, 2, this, this.name);
  }

  /** Whether the guest has set bit 7 of port 0x70 (NMI disabled). */
  get nmiDisabled(): boolean {
    return this.nmiMasked;
  }

  /** The clock's current time in Unix seconds (for reports and tests). */
  currentTime(): number {
    return this.currentSec(this.clock.nowNs());
  }

  read(port: number, size: AccessSize): number {
    return readSplit(this, port, size, 0x72);
  }

  write(port: number, size: AccessSize, value: number): void {
    writeSplit(this, port, size, value, 0x72);
  }

  readByte(port: number): number {
    // The index register is write-only; QEMU reads it as 0xff.
    if (port === 0x70) return 0xff;
    const i = this.index;
    if (i <= 9 && i !== 1 && i !== 3 && i !== 5) return this.timeRegister(i);
    if (i === CENTURY) return this.timeRegister(i);
    switch (i) {
      case REG_A: {
        const now = this.clock.nowNs();
        const phase = (((now - this.phaseNs) % NS_PER_S) + NS_PER_S) % NS_PER_S;
        const uip = !this.frozen() && phase >= NS_PER_S - UIP_NS;
        return (this.cmos[REG_A] ?? 0) | (uip ? A_UIP : 0);
      }
      case REG_C: {
        this.sync();
        const v = this.flags | (this.irqf() ? C_IRQF : 0);
        this.flags = 0;
        this.refresh();
        return v;
      }
      case REG_D:
        return D_VRT;
      default:
        return this.cmos[i] ?? 0;
    }
  }

  writeByte(port: number, value: number): void {
    if (port === 0x70) {
      this.index = value & 0x7f;
      this.nmiMasked = (value & 0x80) !== 0;
      return;
    }
    const i = this.index;
    if ((i <= 9 && i !== 1 && i !== 3 && i !== 5) || i === CENTURY) {
      this.setTimeRegister(i, value);
      return;
    }
    switch (i) {
      case REG_A:
      case REG_B:
        this.writeControl(i, value);
        return;
      case REG_C:
      case REG_D:
        return; // read-only
      default:
        if (i > 5) {
          this.cmos[i] = value; // CMOS RAM
          return;
        }
        // An alarm register: account for past updates against the old alarm first.
        this.sync();
        this.cmos[i] = value;
        this.refresh();
    }
  }

  /** Register A/B writes: keep the time continuous across SET and divider changes. */
  private writeControl(i: number, value: number): void {
    this.sync();
    const now = this.clock.nowNs();
    const cur = this.currentSec(now);
    const wasRunning = this.dividerRunning();
    if (i === REG_A) {
      this.cmos[REG_A] = value & 0x7f;
    } else {
      // The datasheet: SET going (or being) high clears UIE.
      this.cmos[REG_B] = value & B_SET ? value & ~B_UIE : value;
    }
    if (!wasRunning && this.dividerRunning()) {
      // Divider released from reset: the first update comes half a second later.
      this.phaseNs = now - NS_PER_S / 2;
      this.checkedNs = now;
    }
    this.setCurrentSec(now, cur);
    this.refresh();
  }

  private timeRegister(i: number): number {
    breakDownTime(this.currentSec(this.clock.nowNs()), this.tm);
    const tm = this.tm;
    switch (i) {
      case 0:
        return this.encode(tm[0] ?? 0);
      case 2:
        return this.encode(tm[1] ?? 0);
      case 4: {
        const h = tm[2] ?? 0;
        if ((this.cmos[REG_B] ?? 0) & B_24H) return this.encode(h);
        return this.encode(h % 12 === 0 ? 12 : h % 12) | (h >= 12 ? 0x80 : 0);
      }
      case 6:
        return this.encode((((tm[3] ?? 0) + this.dowDelta) % 7) + 1);
      case 7:
        return this.encode(tm[4] ?? 1);
      case 8:
        return this.encode(tm[5] ?? 1);
      case 9:
        return this.encode((((tm[6] ?? 0) % 100) + 100) % 100);
      default:
        return this.encode(Math.floor((tm[6] ?? 0) / 100) % 100);
    }
  }

  private setTimeRegister(i: number, value: number): void {
    this.sync();
    const now = this.clock.nowNs();
    breakDownTime(this.currentSec(now), this.tm);
    const tm = this.tm;
    const v = this.decode(value);
    let sec = tm[0] ?? 0;
    let min = tm[1] ?? 0;
    let hour = tm[2] ?? 0;
    let day = tm[4] ?? 1;
    let month = tm[5] ?? 1;
    let year = tm[6] ?? 1970;
    switch (i) {
      case 0:
        sec = v;
        break;
      case 2:
        min = v;
        break;
      case 4:
        hour = this.decodeHour(value);
        break;
      case 6:
        // Day of week is its own counter on the MC146818: remember the guest's offset.
        this.dowDelta = (((v - 1 - (tm[3] ?? 0)) % 7) + 7) % 7;
        return;
      case 7:
        day = v;
        break;
      case 8:
        month = v;
        break;
      case 9:
        year = Math.floor(year / 100) * 100 + v;
        break;
      default:
        year = v * 100 + (((year % 100) + 100) % 100);
    }
    const dow = ((tm[3] ?? 0) + this.dowDelta) % 7;
    const t = daysFromCivil(year, month, day) * SECONDS_PER_DAY + hour * 3600 + min * 60 + sec;
    this.setCurrentSec(now, t);
    breakDownTime(t, this.tm);
    // Keep the day of week the guest sees unchanged by a date write.
    this.dowDelta = (((dow - (this.tm[3] ?? 0)) % 7) + 7) % 7;
    this.refresh();
  }

  /** A register value in the current data mode (register B bit 2: binary, else BCD). */
  private encode(v: number): number {
    return (this.cmos[REG_B] ?? 0) & B_DM_BINARY ? v : toBcd(v);
  }

  private decode(b: number): number {
    return (this.cmos[REG_B] ?? 0) & B_DM_BINARY ? b : fromBcd(b);
  }

  /** An hour register byte (time or alarm) to 0..23. */
  private decodeHour(b: number): number {
    if ((this.cmos[REG_B] ?? 0) & B_24H) return this.decode(b);
    return (this.decode(b & 0x7f) % 12) + (b & 0x80 ? 12 : 0);
  }

  private dividerRunning(): boolean {
    return ((this.cmos[REG_A] ?? 0) & 0x70) <= 0x20;
  }

  private frozen(): boolean {
    return ((this.cmos[REG_B] ?? 0) & B_SET) !== 0 || !this.dividerRunning();
  }

  /** Whole seconds since phaseNs at virtual time `ns`. */
  private updatesAt(ns: number): number {
    return Math.floor((ns - this.phaseNs) / NS_PER_S);
  }

  private currentSec(ns: number): number {
    return this.frozen() ? this.heldSec : this.baseSec + this.updatesAt(ns);
  }

  private setCurrentSec(ns: number, t: number): void {
    if (this.frozen()) this.heldSec = t;
    else this.baseSec = t - this.updatesAt(ns);
  }

  private periodNs(): number {
    const rs = (this.cmos[REG_A] ?? 0) & 0x0f;
    if (rs === 0) return 0;
    // With the 32.768 kHz time base, rates 1 and 2 repeat rates 8 and 9 (datasheet table 5).
    const shift = rs < 3 ? rs + 6 : rs - 1;
    return ((1 << shift) * NS_PER_S) / 32768;
  }

  /** Latches PF/UF/AF for every periodic edge and update between checkedNs and now. */
  private sync(): void {
    const now = this.clock.nowNs();
    const from = this.checkedNs;
    if (now <= from) return;
    this.checkedNs = now;
    if (!this.dividerRunning()) return;
    const period = this.periodNs();
    if (period > 0 && Math.floor((now - this.phaseNs) / period) > Math.floor((from - this.phaseNs) / period)) {
      this.flags |= C_PF;
    }
    if ((this.cmos[REG_B] ?? 0) & B_SET) return;
    const k0 = this.updatesAt(from);
    const k1 = this.updatesAt(now);
    if (k1 > k0) {
      this.flags |= C_UF;
      if (k0 + this.secondsToAlarm(this.baseSec + k0) <= k1) this.flags |= C_AF;
    }
  }

  /** Seconds (1..86400) from time `t` to the next time matching the alarm registers, or Infinity. */
  private secondsToAlarm(t: number): number {
    return secondsToAlarm(t, this.alarmField(5, true), this.alarmField(3, false), this.alarmField(1, false));
  }

  /** An alarm register decoded, or -1 for "don't care" (the two high bits set). */
  private alarmField(i: number, hour: boolean): number {
    const b = this.cmos[i] ?? 0;
    if ((b & 0xc0) === 0xc0) return -1;
    return hour ? this.decodeHour(b) : this.decode(b);
  }

  private irqf(): boolean {
    return (this.flags & (this.cmos[REG_B] ?? 0) & C_FLAGS) !== 0;
  }

  /** Brings flags up to date, drives IRQ8, and arms the timer for the next event that raises it. */
  private refresh(): void {
    this.sync();
    const level = this.irqf();
    if (level !== this.irqLevel) {
      this.irqLevel = level;
      this.irq?.set(level);
    }
    const b = this.cmos[REG_B] ?? 0;
    const now = this.clock.nowNs();
    let next = Infinity;
    if (this.irq !== null && this.dividerRunning()) {
      const period = this.periodNs();
      if (b & B_PIE && !(this.flags & C_PF) && period > 0) {
        next = this.phaseNs + (Math.floor((now - this.phaseNs) / period) + 1) * period;
      }
      if (!(b & B_SET) && ((b & B_UIE && !(this.flags & C_UF)) || (b & B_AIE && !(this.flags & C_AF)))) {
        const k = this.updatesAt(now);
        let step = 1;
        // Only the alarm is wanted: skip straight to the matching second.
        if (!(b & B_UIE && !(this.flags & C_UF))) step = this.secondsToAlarm(this.baseSec + k);
        if (step !== Infinity) next = Math.min(next, this.phaseNs + (k + step) * NS_PER_S);
      }
    }
    if (next === Infinity) this.irqTimer.cancel();
    else this.irqTimer.arm(icountAtNs(this.clock, next));
  }

  /** The memory-size bytes a BIOS stores, as QEMU's pc_cmos_init computes them, plus the checksum. */
  private writeMemorySize(ramBytes: number): void {
    const kib = 1024;
    const base = Math.min(Math.floor(ramBytes / kib), 640);
    const ext = Math.min(ramBytes > 1024 * kib ? Math.floor((ramBytes - 1024 * kib) / kib) : 0, 0xffff);
    const above16 = Math.min(ramBytes > 16384 * kib ? Math.floor((ramBytes - 16384 * kib) / (64 * kib)) : 0, 0xffff);
    const c = this.cmos;
    c[0x15] = base & 0xff;
    c[0x16] = base >> 8;
    c[0x17] = c[0x30] = ext & 0xff;
    c[0x18] = c[0x31] = ext >> 8;
    c[0x34] = above16 & 0xff;
    c[0x35] = above16 >> 8;
    // IBM AT checksum over 0x10-0x2D, big-endian at 0x2E/0x2F.
    let sum = 0;
    for (let i = 0x10; i <= 0x2d; i++) sum += c[i] ?? 0;
    c[0x2e] = (sum >> 8) & 0xff;
    c[0x2f] = sum & 0xff;
  }

  saveState(): CmosRtcState {
    return {
      version: 1,
      cmos: this.cmos.slice(),
      index: this.index,
      nmiMasked: this.nmiMasked,
      heldSec: this.heldSec,
      baseSec: this.baseSec,
      phaseNs: this.phaseNs,
      dowDelta: this.dowDelta,
      flags: this.flags,
      checkedNs: this.checkedNs,
      irqLevel: this.irqLevel,
    };
  }

  loadState(s: CmosRtcState): void {
    if (s.version !== 1) throw new Error(`${this.name}: unsupported state version ${s.version}`);
    this.cmos.set(s.cmos);
    this.index = s.index;
    this.nmiMasked = s.nmiMasked;
    this.heldSec = s.heldSec;
    this.baseSec = s.baseSec;
    this.phaseNs = s.phaseNs;
    this.dowDelta = s.dowDelta;
    this.flags = s.flags;
    this.checkedNs = s.checkedNs;
    this.irqLevel = s.irqLevel;
  }
}

export interface CmosRtcState extends DeviceState {
  version: 1;
  /** All 128 bytes; entries 0x00-0x09 and 0x32 other than the alarms are unused (time is computed). */
  cmos: Uint8Array;
  index: number;
  nmiMasked: boolean;
  heldSec: number;
  baseSec: number;
  phaseNs: number;
  dowDelta: number;
  /** Register C bits 6-4 latched so far. */
  flags: number;
  checkedNs: number;
  irqLevel: boolean;
}

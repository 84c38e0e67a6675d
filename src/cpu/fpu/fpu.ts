/**
 * The x87 FPU's architectural state: eight 80-bit data registers (kept as exact bit images, so a
 * value loaded with FLD m80 or FRSTOR is stored back bit for bit), the control word, the status
 * word and TOP, the tag word (kept as an empty/non-empty bit per register: the full tags that
 * FNSTENV and FNSAVE write are computed from the contents, as the hardware does), and the last
 * instruction and operand pointers. Also the memory images of the environment and of FNSAVE, and
 * the keyed snapshot (FpuState).
 */
import type { Cpu } from '../cpu.js';
import { CpuFault, MF, NM } from '../faults.js';
import type { Insn } from '../insn.js';
import { CR0_EM, CR0_MP, CR0_NE, CR0_TS, CS } from '../registers.js';
import { ea } from '../ops/operands.js';
import { C1, EXP_MAX, F80, IE, INDEF_HI, INDEF_SE, SF } from './float80.js';

/** Status word bits. */
export const SW_C0 = 0x100, SW_C1 = 0x200, SW_C2 = 0x400, SW_C3 = 0x4000, SW_ES = 0x80, SW_B = 0x8000;
export const SW_CC = SW_C0 | SW_C1 | SW_C2 | SW_C3;
const SW_TOP_SHIFT = 11;
/** Exception flags and the stack fault bit: what FNCLEX clears (with ES and B, which are derived). */
export const SW_EXC = 0x7f;
/** Control word: the bits that exist (bit 6 always reads as 1; 7 and 13-15 read as 0). */
const CW_WRITABLE = 0x1f3f, CW_ONE = 0x40;
export const CW_INIT = 0x037f;

/** Tag word values (two bits per physical register). */
export const TAG_VALID = 0, TAG_ZERO = 1, TAG_SPECIAL = 2, TAG_EMPTY = 3;

/** Keyed snapshot of the FPU (part of CpuState). */
export interface FpuState {
  version: 1;
  /** Control word as FNSTCW stores it. */
  cw: number;
  /** Status word as FNSTSW stores it (TOP included; ES and B are recomputed on load). */
  sw: number;
  /** Bit i set: physical register Ri is empty (tag 11). */
  empty: number;
  /** Physical registers R0..R7: sign and exponent, significand high and low dwords. */
  regs: { se: number[]; hi: number[]; lo: number[] };
  /** Last non-control instruction: EIP offset, CS selector, opcode (11 bits); last memory operand: offset, selector. */
  fip: number;
  fcs: number;
  fop: number;
  fdp: number;
  fds: number;
}

export class Fpu {
  cw = CW_INIT;
  /** Status word without TOP, ES and B (TOP is `top`; ES and B follow the unmasked flags). */
  sw = 0;
  top = 0;
  /** Bit i: physical register i is empty. */
  empty = 0xff;
  readonly se = new Uint16Array(8);
  readonly hi = new Uint32Array(8);
  readonly lo = new Uint32Array(8);
  fip = 0;
  fcs = 0;
  fop = 0;
  fdp = 0;
  fds = 0;
  /** Scratch results for the operations (hold nothing between instructions). */
  readonly res = new F80();
  readonly tmp = new F80();

  /** FNINIT: default control word, clear status, all registers empty, pointers cleared. Contents stay. */
  init(): void {
    this.cw = CW_INIT;
    this.sw = 0;
    this.top = 0;
    this.empty = 0xff;
    this.fip = 0;
    this.fcs = 0;
    this.fop = 0;
    this.fdp = 0;
    this.fds = 0;
  }

  /** Power-on state as QEMU models it: FNINIT with all register contents +0. */
  reset(): void {
    this.init();
    this.se.fill(0);
    this.hi.fill(0);
    this.lo.fill(0);
  }

  /** True when an unmasked exception is pending (the status word's ES). */
  pending(): boolean {
    return (this.sw & ~this.cw & 0x3f) !== 0;
  }

  /** The status word as FNSTSW stores it. */
  statusWord(): number {
    const es = this.pending() ? SW_ES | SW_B : 0;
    return (this.sw & ~(SW_ES | SW_B | (7 << SW_TOP_SHIFT))) | (this.top << SW_TOP_SHIFT) | es;
  }

  setStatusWord(v: number): void {
    this.sw = v & ~(SW_ES | SW_B | (7 << SW_TOP_SHIFT)) & 0xffff;
    this.top = (v >>> SW_TOP_SHIFT) & 7;
  }

  setControlWord(v: number): void {
    this.cw = (v & CW_WRITABLE) | CW_ONE;
  }

  /** Physical register of ST(i). */
  phys(i: number): number {
    return (this.top + i) & 7;
  }

  isEmpty(i: number): boolean {
    return (this.empty & (1 << ((this.top + i) & 7))) !== 0;
  }

  /** Writes ST(i) and marks it non-empty. */
  setSt(i: number, se: number, hi: number, lo: number): void {
    const p = (this.top + i) & 7;
    this.se[p] = se;
    this.hi[p] = hi;
    this.lo[p] = lo;
    this.empty &= ~(1 << p);
  }

  setStIndefinite(i: number): void {
    this.setSt(i, INDEF_SE, INDEF_HI, 0);
  }

  /** Decrements TOP and writes the new ST(0) (the caller has checked for overflow). */
  push(se: number, hi: number, lo: number): void {
    this.top = (this.top - 1) & 7;
    this.setSt(0, se, hi, lo);
  }

  /** Marks ST(0) empty and increments TOP. */
  pop(): void {
    this.empty |= 1 << this.top;
    this.top = (this.top + 1) & 7;
  }

  /** Sets sticky exception flags (and SF) without touching the condition codes. */
  raise(flags: number): void {
    this.sw |= flags & SW_EXC;
  }

  /** Sets sticky flags and C1 (from the flags' C1 bit: round-up, or stack overflow). */
  finish(flags: number): void {
    this.sw = (this.sw & ~SW_C1) | (flags & (SW_EXC | C1));
  }

  /** True if none of the exceptions among `flags` is unmasked. */
  masked(flags: number): boolean {
    return (flags & ~this.cw & 0x3f) === 0;
  }

  /**
   * Stack overflow check for a push: ST(7) must be empty. Sets IE, SF and C1 = 1; with IE masked
   * pushes the indefinite and returns true (the instruction is done), unmasked leaves everything.
   */
  pushOverflow(): boolean {
    if ((this.empty & (1 << ((this.top + 7) & 7))) !== 0) return false;
    this.finish(IE | SF | C1);
    if ((this.cw & IE) !== 0) this.push(INDEF_SE, INDEF_HI, 0);
    return true;
  }

  /** Stack underflow (an empty source): IE and SF, C1 = 0. Returns true when IE is masked. */
  underflow(): boolean {
    this.finish(IE | SF);
    return (this.cw & IE) !== 0;
  }

  /** Tag of physical register p from its contents (valid, zero, special) or empty. */
  tagOf(p: number): number {
    if ((this.empty & (1 << p)) !== 0) return TAG_EMPTY;
    const exp = this.se[p]! & EXP_MAX, hi = this.hi[p]!, lo = this.lo[p]!;
    if (exp === 0) return hi === 0 && lo === 0 ? TAG_ZERO : TAG_SPECIAL;
    if (exp === EXP_MAX || hi < 0x80000000) return TAG_SPECIAL;
    return TAG_VALID;
  }

  tagWord(): number {
    let t = 0;
    for (let p = 0; p < 8; p++) t |= this.tagOf(p) << (2 * p);
    return t;
  }

  /** Loads a tag word: only "empty" (11) is kept; the other tags are recomputed from the contents. */
  setTagWord(t: number): void {
    let e = 0;
    for (let p = 0; p < 8; p++) if (((t >>> (2 * p)) & 3) === TAG_EMPTY) e |= 1 << p;
    this.empty = e;
  }

  /** Records the last non-control instruction (FIP, FCS, FOP) and, for a memory operand, FDP and FDS. */
  notePointers(cpu: Cpu, i: Insn): void {
    this.fip = cpu.insnEip >>> 0;
    this.fcs = cpu.segSel[CS]!;
    this.fop = ((i.opcode & 7) << 8) | i.modrm;
    if (i.mem) {
      this.fdp = ea(cpu, i) >>> 0;
      this.fds = cpu.segSel[i.seg]!;
    }
  }

  // ---- memory images (FNSTENV/FLDENV, FNSAVE/FRSTOR): 32-bit protected-mode layout, or the 16-bit one ----

  /** Environment image size for an operand size (28 or 14 bytes). */
  static envSize(o32: boolean): number {
    return o32 ? 28 : 14;
  }

  /** Writes the environment (reserved halves as the hardware writes them: all ones). */
  saveEnv(b: Uint8Array, o32: boolean): void {
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    if (o32) {
      dv.setUint32(0, 0xffff0000 | this.cw, true);
      dv.setUint32(4, 0xffff0000 | this.statusWord(), true);
      dv.setUint32(8, 0xffff0000 | this.tagWord(), true);
      dv.setUint32(12, this.fip >>> 0, true);
      dv.setUint32(16, ((this.fop & 0x7ff) << 16) | (this.fcs & 0xffff), true);
      dv.setUint32(20, this.fdp >>> 0, true);
      dv.setUint32(24, 0xffff0000 | (this.fds & 0xffff), true);
    } else {
      dv.setUint16(0, this.cw, true);
      dv.setUint16(2, this.statusWord(), true);
      dv.setUint16(4, this.tagWord(), true);
      dv.setUint16(6, this.fip & 0xffff, true);
      dv.setUint16(8, this.fcs & 0xffff, true);
      dv.setUint16(10, this.fdp & 0xffff, true);
      dv.setUint16(12, this.fds & 0xffff, true);
    }
  }

  loadEnv(b: Uint8Array, o32: boolean): void {
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    if (o32) {
      this.setControlWord(dv.getUint16(0, true));
      this.setStatusWord(dv.getUint16(4, true));
      this.setTagWord(dv.getUint16(8, true));
      this.fip = dv.getUint32(12, true);
      const csop = dv.getUint32(16, true);
      this.fcs = csop & 0xffff;
      this.fop = (csop >>> 16) & 0x7ff;
      this.fdp = dv.getUint32(20, true);
      this.fds = dv.getUint16(24, true);
    } else {
      this.setControlWord(dv.getUint16(0, true));
      this.setStatusWord(dv.getUint16(2, true));
      this.setTagWord(dv.getUint16(4, true));
      this.fip = dv.getUint16(6, true);
      this.fcs = dv.getUint16(8, true);
      this.fop = 0; // not in the 16-bit layout: the hardware clears it
      this.fdp = dv.getUint16(10, true);
      this.fds = dv.getUint16(12, true);
    }
  }

  /** The eight registers in stack order ST(0)..ST(7), 10 bytes each, at b[off]. */
  saveRegs(b: Uint8Array, off: number): void {
    for (let i = 0; i < 8; i++) {
      const p = (this.top + i) & 7, o = off + 10 * i;
      const lo = this.lo[p]!, hi = this.hi[p]!, se = this.se[p]!;
      b[o] = lo; b[o + 1] = lo >>> 8; b[o + 2] = lo >>> 16; b[o + 3] = lo >>> 24;
      b[o + 4] = hi; b[o + 5] = hi >>> 8; b[o + 6] = hi >>> 16; b[o + 7] = hi >>> 24;
      b[o + 8] = se; b[o + 9] = se >>> 8;
    }
  }

  /** Loads the registers from stack order (TOP must already be loaded). */
  loadRegs(b: Uint8Array, off: number): void {
    for (let i = 0; i < 8; i++) {
      const p = (this.top + i) & 7, o = off + 10 * i;
      this.lo[p] = (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
      this.hi[p] = (b[o + 4]! | (b[o + 5]! << 8) | (b[o + 6]! << 16) | (b[o + 7]! << 24)) >>> 0;
      this.se[p] = b[o + 8]! | (b[o + 9]! << 8);
    }
  }

  /** The FNSAVE image (108 bytes with a 32-bit operand size, 94 with 16), without reinitializing. */
  saveImage(o32 = true): Uint8Array {
    const n = Fpu.envSize(o32);
    const b = new Uint8Array(n + 80);
    this.saveEnv(b, o32);
    this.saveRegs(b, n);
    return b;
  }

  /** Loads an FNSAVE image (what FRSTOR does). */
  loadImage(b: Uint8Array, o32 = true): void {
    const n = Fpu.envSize(o32);
    this.loadEnv(b, o32);
    this.loadRegs(b, n);
  }

  saveState(): FpuState {
    return {
      version: 1, cw: this.cw, sw: this.statusWord(), empty: this.empty,
      regs: { se: Array.from(this.se), hi: Array.from(this.hi), lo: Array.from(this.lo) },
      fip: this.fip, fcs: this.fcs, fop: this.fop, fdp: this.fdp, fds: this.fds,
    };
  }

  loadState(s: FpuState): void {
    if (s.version !== 1) throw new Error(`unsupported FPU state version ${s.version}`);
    this.setControlWord(s.cw);
    this.setStatusWord(s.sw);
    this.empty = s.empty & 0xff;
    this.se.set(s.regs.se);
    this.hi.set(s.regs.hi);
    this.lo.set(s.regs.lo);
    this.fip = s.fip;
    this.fcs = s.fcs;
    this.fop = s.fop;
    this.fdp = s.fdp;
    this.fds = s.fds;
  }
}

// ---- the checks every x87 instruction starts with --------------------------------------------------------------

/**
 * Entry to a waiting x87 instruction: #NM when CR0.EM or CR0.TS is set (a kernel emulates the FPU
 * or switches its state lazily), then #MF when an unmasked exception is pending and CR0.NE = 1.
 * With NE = 0 a PC would signal FERR# to the interrupt controller (IRQ 13); nothing is wired to
 * it here, so the pending exception is ignored, as if IGNNE# were asserted (docs/cpu.md).
 */
export function enterWait(cpu: Cpu): Fpu {
  if ((cpu.cr0 & (CR0_EM | CR0_TS)) !== 0) throw new CpuFault(NM, 0);
  const f = cpu.fpu;
  if ((cpu.cr0 & CR0_NE) !== 0 && f.pending()) throw new CpuFault(MF, 0);
  return f;
}

/** Entry to a no-wait instruction (FNINIT FNCLEX FNSTSW FNSTCW FNSTENV FNSAVE): only the #NM check. */
export function enterNoWait(cpu: Cpu): Fpu {
  if ((cpu.cr0 & (CR0_EM | CR0_TS)) !== 0) throw new CpuFault(NM, 0);
  return cpu.fpu;
}

/** WAIT/FWAIT: #NM only when both TS and MP are set (EM does not matter), then pending exceptions. */
export function fwaitCheck(cpu: Cpu): void {
  if ((cpu.cr0 & (CR0_TS | CR0_MP)) === (CR0_TS | CR0_MP)) throw new CpuFault(NM, 0);
  if ((cpu.cr0 & CR0_NE) !== 0 && cpu.fpu.pending()) throw new CpuFault(MF, 0);
}

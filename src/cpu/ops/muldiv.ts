import type { Cpu } from '../cpu.js';
import { CpuFault, DE } from '../faults.js';
import { setEagerFlags, SZ16, SZ32, SZ8 } from '../flags.js';
import type { Handler } from '../insn.js';
import { CF, EAX, EDX, OF } from '../registers.js';
import { ea } from './operands.js';

/** High and low halves of the last 32x32 multiply (avoids allocating a pair per MUL). */
let mulHi = 0;

/** Unsigned 32x32 -> 64 multiply in doubles: returns the low half, leaves the high half in mulHi. */
function mulU32(a: number, b: number): number {
  const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  mulHi = (p11 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16)) | 0;
  return ((p00 & 0xffff) | (mid << 16)) | 0;
}

/** Signed 32x32 -> 64 multiply: the unsigned product corrected for negative operands. */
function mulS32(a: number, b: number): number {
  const lo = mulU32(a >>> 0, b >>> 0);
  let hi = mulHi;
  if (a < 0) hi = (hi - b) | 0;
  if (b < 0) hi = (hi - a) | 0;
  mulHi = hi;
  return lo;
}

/**
 * MUL/IMUL flags: CF = OF = the high half is significant. SF, ZF, PF, AF are undefined by the SDM;
 * like QEMU we derive SF/ZF/PF from the low half of the result.
 */
function mulFlags(cpu: Cpu, sz: number, low: number, overflow: boolean): void {
  setEagerFlags(cpu, sz, low, overflow ? CF | OF : 0);
}

// ---- MUL / IMUL, one operand (F6/F7 /4 /5) ----------------------------------------------------------

function mul8(cpu: Cpu, src: number, signed: boolean): void {
  const al = cpu.regs8[0];
  const r = signed ? ((al << 24) >> 24) * ((src << 24) >> 24) : al * src;
  cpu.regs16[0] = r;
  const over = signed ? r !== ((r << 24) >> 24) : (r & 0xff00) !== 0;
  mulFlags(cpu, SZ8, r & 0xff, over);
}
function mul16(cpu: Cpu, src: number, signed: boolean): void {
  const ax = cpu.regs16[0];
  const r = signed ? ((ax << 16) >> 16) * ((src << 16) >> 16) : ax * src;
  cpu.regs16[0] = r;
  cpu.regs16[EDX << 1] = r >> 16;
  const over = signed ? r !== ((r << 16) >> 16) : (r >>> 16) !== 0;
  mulFlags(cpu, SZ16, r & 0xffff, over);
}
function mul32(cpu: Cpu, src: number, signed: boolean): void {
  const lo = signed ? mulS32(cpu.regs[EAX], src) : mulU32(cpu.regs[EAX] >>> 0, src >>> 0);
  cpu.regs[EAX] = lo;
  cpu.regs[EDX] = mulHi;
  const over = signed ? mulHi !== lo >> 31 : mulHi !== 0;
  mulFlags(cpu, SZ32, lo, over);
}
export const mulEb_r: Handler = (cpu, i) => mul8(cpu, cpu.regs8[i.rm], i.nnn === 5);
export const mulEb_m: Handler = (cpu, i) => mul8(cpu, cpu.rd8(i.seg, ea(cpu, i)), i.nnn === 5);
export const mulEw_r: Handler = (cpu, i) => mul16(cpu, cpu.regs16[i.rm << 1], i.nnn === 5);
export const mulEw_m: Handler = (cpu, i) => mul16(cpu, cpu.rd16(i.seg, ea(cpu, i)), i.nnn === 5);
export const mulEd_r: Handler = (cpu, i) => mul32(cpu, cpu.regs[i.rm], i.nnn === 5);
export const mulEd_m: Handler = (cpu, i) => mul32(cpu, cpu.rd32(i.seg, ea(cpu, i)), i.nnn === 5);

// ---- IMUL Gv, Ev (0F AF) and IMUL Gv, Ev, imm (69, 6B) ---------------------------------------------

function imul16(cpu: Cpu, a: number, b: number): number {
  const r = ((a << 16) >> 16) * ((b << 16) >> 16);
  mulFlags(cpu, SZ16, r & 0xffff, r !== ((r << 16) >> 16));
  return r & 0xffff;
}
function imul32(cpu: Cpu, a: number, b: number): number {
  const lo = mulS32(a, b);
  mulFlags(cpu, SZ32, lo, mulHi !== lo >> 31);
  return lo;
}
export const imulGwEw_r: Handler = (cpu, i) => { cpu.regs16[i.reg << 1] = imul16(cpu, cpu.regs16[i.reg << 1], cpu.regs16[i.rm << 1]); };
export const imulGwEw_m: Handler = (cpu, i) => { cpu.regs16[i.reg << 1] = imul16(cpu, cpu.regs16[i.reg << 1], cpu.rd16(i.seg, ea(cpu, i))); };
export const imulGdEd_r: Handler = (cpu, i) => { cpu.regs[i.reg] = imul32(cpu, cpu.regs[i.reg], cpu.regs[i.rm]); };
export const imulGdEd_m: Handler = (cpu, i) => { cpu.regs[i.reg] = imul32(cpu, cpu.regs[i.reg], cpu.rd32(i.seg, ea(cpu, i))); };
export const imulGwEwI_r: Handler = (cpu, i) => { cpu.regs16[i.reg << 1] = imul16(cpu, cpu.regs16[i.rm << 1], i.imm); };
export const imulGwEwI_m: Handler = (cpu, i) => { cpu.regs16[i.reg << 1] = imul16(cpu, cpu.rd16(i.seg, ea(cpu, i)), i.imm); };
export const imulGdEdI_r: Handler = (cpu, i) => { cpu.regs[i.reg] = imul32(cpu, cpu.regs[i.rm], i.imm); };
export const imulGdEdI_m: Handler = (cpu, i) => { cpu.regs[i.reg] = imul32(cpu, cpu.rd32(i.seg, ea(cpu, i)), i.imm); };

// ---- DIV / IDIV (F6/F7 /6 /7): #DE on a zero divisor or a quotient that does not fit ----------------

function divideError(): CpuFault {
  return new CpuFault(DE, 0);
}

function div8(cpu: Cpu, src: number, signed: boolean): void {
  if (src === 0) throw divideError();
  const ax = cpu.regs16[0];
  let q: number, r: number;
  if (signed) {
    const n = (ax << 16) >> 16, d = (src << 24) >> 24;
    q = Math.trunc(n / d);
    r = n - q * d;
    if (q > 127 || q < -128) throw divideError();
  } else {
    q = Math.floor(ax / src);
    r = ax - q * src;
    if (q > 0xff) throw divideError();
  }
  cpu.regs8[0] = q;
  cpu.regs8[1] = r;
}
function div16(cpu: Cpu, src: number, signed: boolean): void {
  if (src === 0) throw divideError();
  const n32 = (cpu.regs16[EDX << 1] << 16) | cpu.regs16[0];
  let q: number, r: number;
  if (signed) {
    const d = (src << 16) >> 16;
    q = Math.trunc(n32 / d);
    r = n32 - q * d;
    if (q > 0x7fff || q < -0x8000) throw divideError();
  } else {
    const n = n32 >>> 0;
    q = Math.floor(n / src);
    r = n - q * src;
    if (q > 0xffff) throw divideError();
  }
  cpu.regs16[0] = q;
  cpu.regs16[EDX << 1] = r;
}

/** Remainder of the last udiv64 (avoids allocating a pair). */
let divRem = 0;

/**
 * Unsigned (hi:lo) / d with hi < d, so the quotient fits in 32 bits. Two 16-bit long-division
 * steps keep every intermediate below 2^48, where doubles are exact and floor(t / d) is exact.
 */
function udiv64(hi: number, lo: number, d: number): number {
  const t1 = hi * 65536 + (lo >>> 16);
  const q1 = Math.floor(t1 / d);
  const r1 = t1 - q1 * d;
  const t2 = r1 * 65536 + (lo & 0xffff);
  const q0 = Math.floor(t2 / d);
  divRem = t2 - q0 * d;
  return q1 * 65536 + q0;
}

function div32(cpu: Cpu, src: number, signed: boolean): void {
  if (src === 0) throw divideError();
  let hi = cpu.regs[EDX] >>> 0, lo = cpu.regs[EAX] >>> 0;
  if (!signed) {
    const d = src >>> 0;
    if (hi >= d) throw divideError();
    const q = udiv64(hi, lo, d);
    cpu.regs[EAX] = q;
    cpu.regs[EDX] = divRem;
    return;
  }
  const negN = (hi & 0x80000000) !== 0;
  if (negN) {
    // Two's-complement negate the 64-bit dividend.
    lo = (~lo + 1) >>> 0;
    hi = (~hi + (lo === 0 ? 1 : 0)) >>> 0;
  }
  const negD = src < 0;
  const d = negD ? -src : src; // |src| as a positive double (2^31 for INT_MIN)
  if (hi >= d) throw divideError();
  const qMag = udiv64(hi, lo, d);
  const neg = negN !== negD;
  if (neg ? qMag > 0x80000000 : qMag > 0x7fffffff) throw divideError();
  cpu.regs[EAX] = neg ? -qMag : qMag;
  cpu.regs[EDX] = negN ? -divRem : divRem;
}
export const divEb_r: Handler = (cpu, i) => div8(cpu, cpu.regs8[i.rm], i.nnn === 7);
export const divEb_m: Handler = (cpu, i) => div8(cpu, cpu.rd8(i.seg, ea(cpu, i)), i.nnn === 7);
export const divEw_r: Handler = (cpu, i) => div16(cpu, cpu.regs16[i.rm << 1], i.nnn === 7);
export const divEw_m: Handler = (cpu, i) => div16(cpu, cpu.rd16(i.seg, ea(cpu, i)), i.nnn === 7);
export const divEd_r: Handler = (cpu, i) => div32(cpu, cpu.regs[i.rm], i.nnn === 7);
export const divEd_m: Handler = (cpu, i) => div32(cpu, cpu.rd32(i.seg, ea(cpu, i)), i.nnn === 7);

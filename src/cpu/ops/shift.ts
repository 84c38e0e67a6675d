import type { Cpu } from '../cpu.js';
import { getCF, materializeFlags, setEagerFlags, SIZE_MASK, SZ16, SZ32, SZ8 } from '../flags.js';
import type { Handler } from '../insn.js';
import { CF, OF } from '../registers.js';
import { linearOf } from './operands.js';

/** Group 2 operations in ModRM.reg order. SAL (/6) is SHL. */
export const ROL = 0, ROR = 1, RCL = 2, RCR = 3, SHL = 4, SHR = 5, SAL = 6, SAR = 7;

/** Where the count comes from: the immediate (C0/C1), the constant 1 (D0/D1) or CL (D2/D3). */
export const COUNT_IMM = 0, COUNT_ONE = 1, COUNT_CL = 2;

function count(cpu: Cpu, source: number, imm: number): number {
  const c = source === COUNT_CL ? cpu.regs8[4] : source === COUNT_ONE ? 1 : imm;
  return c & 31;
}

/**
 * One group-2 operation on `v` (already masked to the size) by `c` (1..31, already masked to five
 * bits). Returns the masked result and sets the flags the SDM defines: for shifts CF is the last
 * bit shifted out, OF (defined for 1-bit shifts, computed by the same rule for all counts) and
 * SF/ZF/PF from the result; rotates touch only CF and OF.
 */
/** The top bit of a `w`-bit value. */
function msbOf(x: number, w: number): number {
  return (x >>> (w - 1)) & 1;
}

export function shiftOp(cpu: Cpu, kind: number, v: number, c: number, sz: number): number {
  const w = 8 << sz;
  const mask = SIZE_MASK[sz];
  switch (kind) {
    case ROL: {
      const r = c & (w - 1);
      const res = r === 0 ? v : ((v << r) | (v >>> (w - r))) & mask;
      const cf = res & 1;
      setRotateFlags(cpu, cf, msbOf(res, w) ^ cf);
      return res;
    }
    case ROR: {
      const r = c & (w - 1);
      const res = r === 0 ? v : ((v >>> r) | (v << (w - r))) & mask;
      setRotateFlags(cpu, msbOf(res, w), msbOf(res, w) ^ ((res >>> (w - 2)) & 1));
      return res;
    }
    case RCL: {
      const r = sz === SZ32 ? c : c % (w + 1);
      if (r === 0) return v;
      let cf = getCF(cpu);
      let res = v;
      for (let k = 0; k < r; k++) {
        const out = msbOf(res, w);
        res = ((res << 1) | cf) & mask;
        cf = out;
      }
      setRotateFlags(cpu, cf, msbOf(res, w) ^ cf);
      return res;
    }
    case RCR: {
      const r = sz === SZ32 ? c : c % (w + 1);
      if (r === 0) return v;
      let cf = getCF(cpu);
      let res = v;
      for (let k = 0; k < r; k++) {
        const out = res & 1;
        res = ((res >>> 1) | (cf << (w - 1))) & mask;
        cf = out;
      }
      setRotateFlags(cpu, cf, msbOf(res, w) ^ ((res >>> (w - 2)) & 1));
      return res;
    }
    case SHL: case SAL: {
      const res = (v << c) & mask;
      const cf = c <= w ? (v >>> (w - c)) & 1 : 0;
      setEagerFlags(cpu, sz, res, cf | (msbOf(res, w) ^ cf ? OF : 0));
      return res;
    }
    case SHR: {
      const res = (v >>> c) & mask;
      const cf = (v >>> (c - 1)) & 1;
      setEagerFlags(cpu, sz, res, cf | (msbOf(v, w) ? OF : 0));
      return res;
    }
    default: { // SAR
      const sv = (v << (32 - w)) >> (32 - w);
      const res = (sv >> Math.min(c, 31)) & mask;
      const cf = (sv >> Math.min(c - 1, 31)) & 1;
      setEagerFlags(cpu, sz, res, cf);
      return res;
    }
  }
}

function setRotateFlags(cpu: Cpu, cf: number, of: number): void {
  materializeFlags(cpu);
  cpu.flags = (cpu.flags & ~(CF | OF)) | cf | (of ? OF : 0);
}

// ---- group 2 handlers: Eb / Ew / Ed, register and memory; op = count source ----------------------

export const grp2Eb_r: Handler = (cpu, i) => {
  const c = count(cpu, i.op, i.imm);
  if (c !== 0) cpu.regs8[i.rm] = shiftOp(cpu, i.nnn, cpu.regs8[i.rm], c, SZ8);
};
export const grp2Eb_m: Handler = (cpu, i) => {
  const lin = linearOf(cpu, i, 1, true);
  const v = cpu.mmu.rdw8(lin);
  const c = count(cpu, i.op, i.imm);
  if (c !== 0) cpu.mmu.wr8(lin, shiftOp(cpu, i.nnn, v, c, SZ8));
};
export const grp2Ew_r: Handler = (cpu, i) => {
  const c = count(cpu, i.op, i.imm);
  if (c !== 0) cpu.regs16[i.rm << 1] = shiftOp(cpu, i.nnn, cpu.regs16[i.rm << 1], c, SZ16);
};
export const grp2Ew_m: Handler = (cpu, i) => {
  const lin = linearOf(cpu, i, 2, true);
  const v = cpu.mmu.rdw16(lin);
  const c = count(cpu, i.op, i.imm);
  if (c !== 0) cpu.mmu.wr16(lin, shiftOp(cpu, i.nnn, v, c, SZ16));
};
export const grp2Ed_r: Handler = (cpu, i) => {
  const c = count(cpu, i.op, i.imm);
  if (c !== 0) cpu.regs[i.rm] = shiftOp(cpu, i.nnn, cpu.regs[i.rm], c, SZ32);
};
export const grp2Ed_m: Handler = (cpu, i) => {
  const lin = linearOf(cpu, i, 4, true);
  const v = cpu.mmu.rdw32(lin);
  const c = count(cpu, i.op, i.imm);
  if (c !== 0) cpu.mmu.wr32(lin, shiftOp(cpu, i.nnn, v, c, SZ32));
};

// ---- SHLD / SHRD (0F A4/A5, AC/AD): op bit 0 = by CL, bit 1 = right ------------------------------

/**
 * Double-precision shift of `d` with bits from `s`. For a 16-bit operand and a count above 16 the
 * SDM leaves the result undefined; we shift through the 48-bit value d:s:d, as QEMU does.
 */
export function doubleShift(cpu: Cpu, d: number, s: number, c: number, sz: number, right: boolean): number {
  const w = 8 << sz;
  let res: number, cf: number;
  if (sz === SZ32) {
    if (right) {
      res = (d >>> c) | (s << (32 - c));
      cf = (d >>> (c - 1)) & 1;
    } else {
      res = (d << c) | (s >>> (32 - c));
      cf = (d >>> (32 - c)) & 1;
    }
    res |= 0;
  } else {
    // 16-bit: work on the 48-bit concatenation with BigInt (rare instruction, exactness first).
    const D = BigInt(d & 0xffff), S = BigInt(s & 0xffff), C = BigInt(c);
    if (right) {
      // Bits come in from s above d; past 16 the low copy of d follows (d:s:d).
      const wide = D | (S << 16n) | (D << 32n);
      res = Number((wide >> C) & 0xffffn);
      cf = Number((wide >> (C - 1n)) & 1n);
    } else {
      const wide = (D << 32n) | (S << 16n) | D;
      res = Number((wide << C >> 32n) & 0xffffn);
      cf = Number((wide << C >> 48n) & 1n);
    }
  }
  setEagerFlags(cpu, sz, res & SIZE_MASK[sz], cf | (msbOf(res, w) ^ msbOf(d, w) ? OF : 0));
  return res & SIZE_MASK[sz];
}

function shldCount(cpu: Cpu, i: { op: number; imm: number }): number {
  return ((i.op & 1) !== 0 ? cpu.regs8[4] : i.imm) & 31;
}
export const shxdEwGw_r: Handler = (cpu, i) => {
  const c = shldCount(cpu, i);
  if (c !== 0) cpu.regs16[i.rm << 1] = doubleShift(cpu, cpu.regs16[i.rm << 1], cpu.regs16[i.reg << 1], c, SZ16, (i.op & 2) !== 0);
};
export const shxdEwGw_m: Handler = (cpu, i) => {
  const lin = linearOf(cpu, i, 2, true);
  const v = cpu.mmu.rdw16(lin);
  const c = shldCount(cpu, i);
  if (c !== 0) cpu.mmu.wr16(lin, doubleShift(cpu, v, cpu.regs16[i.reg << 1], c, SZ16, (i.op & 2) !== 0));
};
export const shxdEdGd_r: Handler = (cpu, i) => {
  const c = shldCount(cpu, i);
  if (c !== 0) cpu.regs[i.rm] = doubleShift(cpu, cpu.regs[i.rm], cpu.regs[i.reg], c, SZ32, (i.op & 2) !== 0);
};
export const shxdEdGd_m: Handler = (cpu, i) => {
  const lin = linearOf(cpu, i, 4, true);
  const v = cpu.mmu.rdw32(lin);
  const c = shldCount(cpu, i);
  if (c !== 0) cpu.mmu.wr32(lin, doubleShift(cpu, v, cpu.regs[i.reg], c, SZ32, (i.op & 2) !== 0));
};

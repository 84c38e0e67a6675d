/**
 * x87 arithmetic: FADD FMUL FSUB FSUBR FDIV FDIVR in every operand form (m32fp, m64fp, m16int,
 * m32int, ST(0)-ST(i), ST(i)-ST(0) and the popping P forms), FSQRT, FABS, FCHS, FRNDINT,
 * FSCALE, FXTRACT, FPREM and FPREM1.
 *
 * The two-operand forms all compute "ST(0) op other": ModRM.reg picks op (0 add, 1 mul, 4
 * ST(0) - other, 5 other - ST(0), 6 ST(0) / other, 7 other / ST(0)) whatever the destination,
 * which is why DC/DE E0+i is FSUBR ST(i), ST(0) while D8 E0+i is FSUB ST(0), ST(i).
 */
import type { Cpu } from '../cpu.js';
import type { Handler, Insn } from '../insn.js';
import { loadF32, loadF64, loadInt32 } from './convert.js';
import {
  C1, DE, EXP_BIAS, EXP_MAX, F80, IE, INDEF_HI, INDEF_SE, K_DENORMAL, K_INF, K_QNAN, K_SNAN, K_UNSUPPORTED, K_ZERO, SF,
  ZE, classify, r0, r1, unpackFinite,
} from './float80.js';
import { addSub, div, mul, nanOne, nanPair, sqrt } from './float80-arith.js';
import { fromInteger, remDone, remQ, remainder, roundToInt, scaleFinite } from './float80-int.js';
import { enterWait, SW_C0, SW_C2, SW_C3, type Fpu } from './fpu.js';
import { memHi, memLo, rd16, rd32, rd64 } from './mem.js';

const PRE = IE | ZE | DE;

/** ST(0) op b (op = ModRM.reg), result in f.res; returns the flags. */
function compute(f: Fpu, op: number, bSe: number, bHi: number, bLo: number, srcDe: number): number {
  const p = f.phys(0);
  const aSe = f.se[p]!, aHi = f.hi[p]!, aLo = f.lo[p]!, cw = f.cw, out = f.res;
  switch (op) {
    case 0: return addSub(out, aSe, aHi, aLo, bSe, bHi, bLo, false, cw, srcDe);
    case 1: return mul(out, aSe, aHi, aLo, bSe, bHi, bLo, cw, srcDe);
    case 4: return addSub(out, aSe, aHi, aLo, bSe, bHi, bLo, true, cw, srcDe);
    case 5: return addSub(out, bSe, bHi, bLo, aSe, aHi, aLo, true, cw, srcDe);
    case 6: return div(out, aSe, aHi, aLo, bSe, bHi, bLo, cw, srcDe);
    default: return div(out, bSe, bHi, bLo, aSe, aHi, aLo, cw, srcDe);
  }
}

/** Writes f.res to ST(dest) (and pops) unless an unmasked IE, ZE or DE stopped the instruction. */
function commit(f: Fpu, flags: number, dest: number, pop: boolean): void {
  if ((flags & ~f.cw & PRE) !== 0) {
    f.finish(flags & PRE);
    return;
  }
  f.setSt(dest, f.res.se, f.res.hi, f.res.lo);
  f.finish(flags);
  if (pop) f.pop();
}

/** Stack underflow of an arithmetic instruction: the masked response writes the indefinite to ST(dest). */
function underflowTo(f: Fpu, dest: number, pop: boolean): void {
  if (!f.underflow()) return;
  f.setStIndefinite(dest);
  if (pop) f.pop();
}

// ---- memory operands (ST(0) is the destination) ----------------------------------------------------------------

function memArith(f: Fpu, op: number, srcFlags: number): void {
  if (f.isEmpty(0)) { underflowTo(f, 0, false); return; }
  const t = f.tmp;
  commit(f, compute(f, op, t.se, t.hi, t.lo, srcFlags & DE), 0, false);
}

export const arithM32: Handler = (cpu, i) => {
  const f = enterWait(cpu);
  const bits = rd32(cpu, i);
  f.notePointers(cpu, i);
  memArith(f, i.nnn, loadF32(f.tmp, bits, true));
};

export const arithM64: Handler = (cpu, i) => {
  const f = enterWait(cpu);
  rd64(cpu, i);
  f.notePointers(cpu, i);
  memArith(f, i.nnn, loadF64(f.tmp, memLo, memHi, true));
};

export const arithI16: Handler = (cpu, i) => {
  const f = enterWait(cpu);
  const v = (rd16(cpu, i) << 16) >> 16;
  f.notePointers(cpu, i);
  loadInt32(f.tmp, v);
  memArith(f, i.nnn, 0);
};

export const arithI32: Handler = (cpu, i) => {
  const f = enterWait(cpu);
  const v = rd32(cpu, i);
  f.notePointers(cpu, i);
  loadInt32(f.tmp, v);
  memArith(f, i.nnn, 0);
};

// ---- register operands ---------------------------------------------------------------------------------------

function regArith(cpu: Cpu, i: Insn, dest: number, pop: boolean): void {
  const f = enterWait(cpu);
  f.notePointers(cpu, i);
  if (f.isEmpty(0) || f.isEmpty(i.rm)) { underflowTo(f, dest, pop); return; }
  const p = f.phys(i.rm);
  commit(f, compute(f, i.nnn, f.se[p]!, f.hi[p]!, f.lo[p]!, 0), dest, pop);
}

/** D8 C0-FF: FADD/FMUL/FSUB/FSUBR/FDIV/FDIVR ST(0), ST(i). */
export const arithSt0Sti: Handler = (cpu, i) => regArith(cpu, i, 0, false);
/** DC C0-FF: the same operations into ST(i). */
export const arithStiSt0: Handler = (cpu, i) => regArith(cpu, i, i.rm, false);
/** DE C0-FF: into ST(i), then pop. */
export const arithStiSt0Pop: Handler = (cpu, i) => regArith(cpu, i, i.rm, true);

// ---- one-operand instructions on ST(0) --------------------------------------------------------------------

/** Runs `op` on ST(0) (result in f.res, flags returned) unless ST(0) is empty. */
function unary(cpu: Cpu, i: Insn, op: (f: Fpu, se: number, hi: number, lo: number) => number): void {
  const f = enterWait(cpu);
  f.notePointers(cpu, i);
  if (f.isEmpty(0)) { underflowTo(f, 0, false); return; }
  const p = f.phys(0);
  commit(f, op(f, f.se[p]!, f.hi[p]!, f.lo[p]!), 0, false);
}

const opChs = (f: Fpu, se: number, hi: number, lo: number): number => { f.res.set(se ^ 0x8000, hi, lo); return 0; };
const opAbs = (f: Fpu, se: number, hi: number, lo: number): number => { f.res.set(se & 0x7fff, hi, lo); return 0; };
const opSqrt = (f: Fpu, se: number, hi: number, lo: number): number => sqrt(f.res, se, hi, lo, f.cw);
const opRndint = (f: Fpu, se: number, hi: number, lo: number): number => roundToInt(f.res, se, hi, lo, f.cw);

/** FCHS and FABS change only the sign bit (no exceptions, not even for SNaNs). */
export const fchs: Handler = (cpu, i) => unary(cpu, i, opChs);
export const fabs: Handler = (cpu, i) => unary(cpu, i, opAbs);
export const fsqrt: Handler = (cpu, i) => unary(cpu, i, opSqrt);
/** FRNDINT rounds with RC (PC does not apply). */
export const frndint: Handler = (cpu, i) => unary(cpu, i, opRndint);

// ---- FSCALE ---------------------------------------------------------------------------------------------------

/**
 * ST(0) * 2^trunc(ST(1)) (the special cases follow Bochs, which follows the hardware): an infinite
 * scale turns finite values into 0 or infinity, 0 * 2^+inf and inf * 2^-inf are invalid; scales
 * beyond +-2^16 just overflow or underflow.
 */
export const fscale: Handler = (cpu, i) => {
  const f = enterWait(cpu);
  f.notePointers(cpu, i);
  if (f.isEmpty(0) || f.isEmpty(1)) { underflowTo(f, 0, false); return; }
  const pa = f.phys(0), pb = f.phys(1);
  commit(f, scaleOp(f, f.se[pa]!, f.hi[pa]!, f.lo[pa]!, f.se[pb]!, f.hi[pb]!, f.lo[pb]!), 0, false);
};

function scaleOp(f: Fpu, aSe: number, aHi: number, aLo: number, bSe: number, bHi: number, bLo: number): number {
  const out = f.res;
  const ka = classify(aSe, aHi, aLo), kb = classify(bSe, bHi, bLo);
  const nan = nanPair(out, ka, aSe, aHi, aLo, kb, bSe, bHi, bLo);
  if (nan >= 0) return nan;
  const bNeg = (bSe & 0x8000) !== 0;
  const bDe = kb === K_DENORMAL ? DE : 0;
  if (ka === K_INF) {
    if (kb === K_INF && bNeg) return indefinite(out);
    out.set(aSe, aHi, aLo);
    return bDe;
  }
  if (kb === K_INF) {
    if (ka === K_ZERO) {
      if (!bNeg) return indefinite(out);
      out.set(aSe, aHi, aLo);
      return 0;
    }
    out.set(bNeg ? aSe & 0x8000 : (aSe & 0x8000) | EXP_MAX, bNeg ? 0 : 0x80000000, 0);
    return ka === K_DENORMAL ? DE : 0;
  }
  if (ka === K_ZERO) { out.set(aSe, aHi, aLo); return bDe; }
  let flags = bDe | (ka === K_DENORMAL ? DE : 0);
  if ((flags & ~f.cw & DE) !== 0) return DE;
  // trunc(b); from 2^16 on the result over- or underflows whatever a is, even bias-adjusted.
  let n = 0;
  let pinned = false;
  if (kb !== K_ZERO && kb !== K_DENORMAL) {
    const eb = unpackFinite(bSe, bHi, bLo) - EXP_BIAS;
    if (eb >= 16) pinned = true;
    else if (eb >= 0) n = r0 >>> (31 - eb);
    if (bNeg) n = -n;
  }
  if (pinned) n = bNeg ? -0x10000 : 0x10000;
  if (n === 0 && ka !== K_DENORMAL) { out.set(aSe, aHi, aLo); return flags; }
  const ea = unpackFinite(aSe, aHi, aLo);
  const exp = ea + n;
  flags |= scaleFinite(out, aSe >>> 15, exp, r0, r1, f.cw);
  return flags;
}

function indefinite(out: F80): number {
  out.set(INDEF_SE, INDEF_HI, 0);
  return IE;
}

// ---- FXTRACT --------------------------------------------------------------------------------------------------

/**
 * Splits ST(0) into exponent (left in ST(1), as a value) and significand (pushed, exponent 0 with
 * the sign). Zero: ZE, exponent -inf, significand the zero. Infinity: +inf and the infinity.
 */
export const fxtract: Handler = (cpu, i) => {
  const f = enterWait(cpu);
  f.notePointers(cpu, i);
  if (f.isEmpty(0) || !f.isEmpty(7)) {
    // Stack underflow (C1 = 0) or overflow (C1 = 1); masked, both results are the indefinite.
    f.finish(f.isEmpty(0) ? IE | SF : IE | SF | C1);
    if ((f.cw & IE) !== 0) {
      f.setStIndefinite(0);
      f.push(INDEF_SE, INDEF_HI, 0);
    }
    return;
  }
  const p = f.phys(0);
  const se = f.se[p]!, hi = f.hi[p]!, lo = f.lo[p]!;
  const k = classify(se, hi, lo);
  const t = f.tmp, out = f.res;
  let flags = 0;
  if (k === K_UNSUPPORTED || k === K_QNAN || k === K_SNAN) {
    flags = nanOne(out, k, se, hi, lo);
    t.set(out.se, out.hi, out.lo);
  } else if (k === K_INF) {
    t.set(EXP_MAX, 0x80000000, 0);
    out.set(se, hi, lo);
  } else if (k === K_ZERO) {
    flags = ZE;
    t.set(0x8000 | EXP_MAX, 0x80000000, 0);
    out.set(se, hi, lo);
  } else {
    if (k === K_DENORMAL) flags = DE;
    const e = unpackFinite(se, hi, lo);
    out.set((se & 0x8000) | EXP_BIAS, r0, r1);
    const ex = e - EXP_BIAS;
    fromInteger(t, ex < 0 ? 1 : 0, 0, Math.abs(ex));
  }
  if ((flags & ~f.cw & PRE) !== 0) { f.finish(flags & PRE); return; }
  f.setSt(0, t.se, t.hi, t.lo);
  f.push(out.se, out.hi, out.lo);
  f.finish(flags);
};

// ---- FPREM, FPREM1 ----------------------------------------------------------------------------------------------

/**
 * Partial remainder of ST(0) by ST(1): truncating quotient (FPREM, op 0) or nearest (FPREM1,
 * op 1). C2 = 1 when the reduction is incomplete (exponent difference of 64 or more: only a
 * partial step is done); otherwise C0, C3, C1 = the quotient's bits 2, 1, 0.
 */
export const fprem: Handler = (cpu, i) => {
  const f = enterWait(cpu);
  f.notePointers(cpu, i);
  // C2 ("incomplete") is cleared whatever happens: stack fault, unmasked exception, NaN result.
  f.sw &= ~SW_C2;
  if (f.isEmpty(0) || f.isEmpty(1)) { underflowTo(f, 0, false); return; }
  const pa = f.phys(0), pb = f.phys(1);
  const aSe = f.se[pa]!, aHi = f.hi[pa]!, aLo = f.lo[pa]!, bSe = f.se[pb]!, bHi = f.hi[pb]!, bLo = f.lo[pb]!;
  const ka = classify(aSe, aHi, aLo), kb = classify(bSe, bHi, bLo);
  const out = f.res;
  let flags = nanPair(out, ka, aSe, aHi, aLo, kb, bSe, bHi, bLo);
  let cc = -1; // condition codes to set when the operation completes normally
  if (flags < 0) {
    if (ka === K_INF || kb === K_ZERO) flags = indefinite(out);
    else {
      flags = ka === K_DENORMAL || kb === K_DENORMAL ? DE : 0;
      if ((flags & ~f.cw & DE) === 0) {
        if (ka === K_ZERO || kb === K_INF) {
          out.set(aSe, aHi, aLo);
          cc = 0;
        } else {
          flags |= remainder(out, aSe, aHi, aLo, bSe, bHi, bLo, i.op === 1, f.cw);
          cc = remDone
            ? ((remQ & 4) !== 0 ? SW_C0 : 0) | ((remQ & 2) !== 0 ? SW_C3 : 0) | ((remQ & 1) !== 0 ? C1 : 0)
            : SW_C2;
        }
      }
    }
  }
  if ((flags & ~f.cw & PRE) !== 0) { f.finish(flags & PRE); return; }
  f.setSt(0, out.se, out.hi, out.lo);
  f.finish((flags & ~C1) | (cc > 0 ? cc & C1 : 0));
  // A NaN or invalid result leaves C0 and C3 (C2 is already clear), as the hardware does.
  if (cc >= 0) f.sw = (f.sw & ~(SW_C0 | SW_C2 | SW_C3)) | (cc & (SW_C0 | SW_C2 | SW_C3));
};


/**
 * The integral side of the extended-precision core: rounding to an integer (FRNDINT, FIST,
 * FBSTP), exact integer to extended conversion, FSCALE's final rounding and the exact partial
 * remainder of FPREM/FPREM1.
 */
import {
  DE, EXP_BIAS, EXP_MAX, F80, K_DENORMAL, K_INF, K_ZERO, P64, classify, norm96, packReg, r0, r1, r2, rcOf, roundAt, shr96Jam,
  unpackFinite,
} from './float80.js';
import { nanOne } from './float80-arith.js';

const TWO32 = 4294967296;

/**
 * Rounds a finite value's magnitude to an integer with `rc`: the integer's 64 bits in intHi/intLo
 * (intBig set when it does not fit in 64 bits), and PE/C1 as returned.
 */
export let intHi = 0, intLo = 0, intBig = false;
export function toInteger(se: number, hi: number, lo: number, rc: number): number {
  intBig = false;
  if ((se & EXP_MAX) === 0 && hi === 0 && lo === 0) { intHi = 0; intLo = 0; return 0; }
  const e = unpackFinite(se, hi, lo) - EXP_BIAS;
  if (e >= 64) { intBig = true; intHi = 0; intLo = 0; return 0; }
  shr96Jam(r0, r1, 0, 63 - e);
  const flags = roundAt(se >>> 15, r0, r1, r2, P64, rc);
  intHi = r0; intLo = r1;
  if (r2 !== 0) { intBig = true; } // 2^64: only when e = 63 rounds up, which cannot happen (no fraction)
  return flags;
}

/** An unsigned 64-bit integer hi:lo with a sign, as an exact extended value (into out). */
export function fromInteger(out: F80, sign: number, hi: number, lo: number): void {
  if (hi === 0 && lo === 0) { out.set(sign << 15, 0, 0); return; }
  const n = norm96(hi, lo, 0);
  out.set((sign << 15) | (EXP_BIAS + 63 - n), r0, r1);
}

/** FRNDINT: rounds to an integral value with the control word's RC (PC does not apply). */
export function roundToInt(out: F80, se: number, hi: number, lo: number, cw: number): number {
  const k = classify(se, hi, lo);
  const nan = nanOne(out, k, se, hi, lo);
  if (nan >= 0) return nan;
  if (k === K_ZERO || k === K_INF) { out.set(se, hi, lo); return 0; }
  const flags = k === K_DENORMAL ? DE : 0;
  if (flags !== 0 && (cw & DE) === 0) return flags;
  const e = unpackFinite(se, hi, lo) - EXP_BIAS;
  if (e >= 63) { out.set(se, r0, r1); return flags; }
  const f = toInteger(se, hi, lo, rcOf(cw));
  fromInteger(out, se >>> 15, intHi, intLo);
  return flags | f;
}

// ---- FSCALE, FXTRACT, FPREM ----------------------------------------------------------------------------------

/** Rounds a scaled finite value (FSCALE): significand m0:m1, biased exponent exp; PC does not apply. */
export function scaleFinite(out: F80, sign: number, exp: number, m0: number, m1: number, cw: number): number {
  return packReg(out, sign, exp, m0, m1, 0, cw, P64);
}

/**
 * Partial remainder of finite a by finite non-zero b (FPREM; FPREM1 with `nearest`), exact. With
 * an exponent difference d of 64 or more only a partial step is done, as the hardware does: a is
 * reduced by a multiple of b * 2^(d - n) with n = 32 + d mod 32 (remDone false, C2 = 1).
 * Otherwise remQ holds the quotient's low three bits. The remainder is written to out.
 */
export let remQ = 0, remDone = true;
export function remainder(out: F80, aSe: number, aHi: number, aLo: number, bSe: number, bHi: number, bLo: number, nearest: boolean, cw: number): number {
  const sign = aSe >>> 15;
  const ea = unpackFinite(aSe, aHi, aLo);
  let a0 = r0, a1 = r1;
  const eb = unpackFinite(bSe, bHi, bLo);
  const b0 = r0, b1 = r1;
  const d = ea - eb;
  remQ = 0;
  remDone = true;
  if (d < -1 || (d === -1 && !nearest)) {
    return packReg(out, sign, ea, a0, a1, 0, cw, P64);
  }
  let steps: number;
  let expR = eb; // scale of the remainder's integer representation
  if (d >= 64) {
    // Partial reduction (C2 = 1): subtract a multiple of b * 2^(d - n) only.
    const n = 32 + (d % 32);
    steps = n;
    expR = ea - n;
    remDone = false;
  } else steps = d;
  let q = 0;
  let rc = 0;
  if (d === -1) {
    // FPREM1 with |a| in [|b|/4, |b|): quotient 0 or 1 by comparing 2a with b.
    const twoA0 = a0, twoA1 = a1; // 2a in units of b's scale is a's significand
    const gt = twoA0 > b0 || (twoA0 === b0 && twoA1 > b1);
    if (!gt) return packReg(out, sign, ea, a0, a1, 0, cw, P64);
    // |result| = b - a = (2b - a') / 2 in a's scale, with a' = a's significand
    let x1 = b1 * 2 - a1, x0 = b0 * 2 - a0;
    while (x1 < 0) { x1 += TWO32; x0 -= 1; }
    while (x1 >= TWO32) { x1 -= TWO32; x0 += 1; }
    remQ = 1;
    // x0:x1 is a 65-bit value at scale ea (units of 2^(ea - 63)): normalize into 96 bits.
    const top = x0 >= TWO32 ? 1 : 0;
    if (top) x0 -= TWO32;
    let w0: number, w1: number, w2: number, exp: number;
    if (top) {
      shr96Jam(x0, x1, 0, 1);
      w0 = (r0 | 0x80000000) >>> 0; w1 = r1; w2 = r2; exp = ea + 1;
    } else {
      exp = ea - norm96(x0, x1, 0);
      w0 = r0; w1 = r1; w2 = r2;
    }
    return packReg(out, sign ^ 1, exp, w0, w1, w2, cw, P64);
  }
  // Long division of a's significand by b's, steps + 1 quotient bits.
  for (let k = 0; k <= steps; k++) {
    if (k > 0) {
      rc = a0 >>> 31;
      a0 = ((a0 << 1) | (a1 >>> 31)) >>> 0;
      a1 = (a1 << 1) >>> 0;
    }
    q = (q << 1) & 7;
    if (rc !== 0 || a0 > b0 || (a0 === b0 && a1 >= b1)) {
      let t1 = a1 - b1, br = 0;
      if (t1 < 0) { t1 += TWO32; br = 1; }
      a0 = a0 - b0 - br + rc * TWO32;
      a1 = t1;
      rc = 0;
      q |= 1;
    }
  }
  let rsign = sign;
  if (nearest && remDone) {
    // Round the quotient to nearest even: compare 2r with b.
    const t0 = a0 * 2 + (a1 >>> 31), t1 = (a1 * 2) % TWO32;
    const gt = t0 > b0 || (t0 === b0 && t1 > b1);
    const eq = t0 === b0 && t1 === b1;
    if (gt || (eq && (q & 1) !== 0)) {
      let x1 = b1 - a1, br = 0;
      if (x1 < 0) { x1 += TWO32; br = 1; }
      a0 = b0 - a0 - br; a1 = x1;
      q = (q + 1) & 7;
      rsign ^= 1;
    }
  }
  remQ = q;
  if (a0 === 0 && a1 === 0) { out.set(sign << 15, 0, 0); return 0; }
  const exp = expR - norm96(a0, a1, 0);
  return packReg(out, rsign, exp, r0, r1, 0, cw, P64);
}


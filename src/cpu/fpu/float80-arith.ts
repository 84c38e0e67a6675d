/**
 * Extended-precision arithmetic in software: add/subtract, multiply, divide, square root, partial
 * remainder, round to integer, scale and compare, with the x87's rules for NaNs, unsupported
 * formats, denormal operands, precision control (PC) and rounding control (RC). Each operation
 * writes its result into an F80 and returns the exception flags it raised (IE DE ZE OE UE PE, and
 * C1 when the result was rounded up). When an unmasked IE, DE or ZE is returned, the result is
 * meaningless and the caller must leave the destination alone (SDM 4.9.2: the pre-computation
 * exceptions stop the instruction).
 *
 * Priorities follow SDM 4.9.2: SNaN/unsupported operands (IE), then QNaN operands (no exception,
 * the NaN is the result), then the other invalid operations and divide-by-zero, then denormal
 * operands (DE), then overflow/underflow, then inexact.
 */
import {
  DE, EXP_BIAS, EXP_MAX, F80, IE, INDEF_HI, INDEF_SE, K_DENORMAL, K_INF, K_QNAN, K_SNAN, K_UNSUPPORTED, K_ZERO, RC_DOWN, ZE,
  classify, norm96, packReg, precisionOf, r0, r1, r2, rcOf, shr96Jam, unpackFinite,
} from './float80.js';

const TWO32 = 4294967296;

/** Result slots shared by the helpers below (never state across calls). */
let q0 = 0, q1 = 0, q2 = 0, q3 = 0;

function setIndefinite(out: F80): number {
  out.set(INDEF_SE, INDEF_HI, 0);
  return IE;
}

/**
 * NaN and unsupported operands of a two-operand operation (SDM Table 4-7, x87 column): an
 * unsupported format is invalid (indefinite); a QNaN beats an SNaN; two NaNs of the same kind give
 * the larger significand (the positive one on a tie); an SNaN result is quietened and raises IE.
 * Returns -1 when neither operand is a NaN or unsupported.
 */
export function nanPair(out: F80, ka: number, aSe: number, aHi: number, aLo: number, kb: number, bSe: number, bHi: number, bLo: number): number {
  if (ka === K_UNSUPPORTED || kb === K_UNSUPPORTED) return setIndefinite(out);
  const aNan = ka === K_QNAN || ka === K_SNAN, bNan = kb === K_QNAN || kb === K_SNAN;
  if (!aNan && !bNan) return -1;
  const flags = ka === K_SNAN || kb === K_SNAN ? IE : 0;
  let pickA: boolean;
  if (aNan && bNan && ka === kb) {
    const ah = (aHi | 0xc0000000) >>> 0, bh = (bHi | 0xc0000000) >>> 0;
    if (ah !== bh) pickA = ah > bh;
    else if (aLo !== bLo) pickA = aLo > bLo;
    else pickA = aSe <= bSe;
  } else if (aNan && bNan) {
    pickA = ka === K_QNAN;
  } else pickA = aNan;
  if (pickA) out.set(aSe, (aHi | 0x40000000) >>> 0, aLo);
  else out.set(bSe, (bHi | 0x40000000) >>> 0, bLo);
  return flags;
}

/** A one-operand NaN or unsupported operand: -1 when it is neither. */
export function nanOne(out: F80, k: number, se: number, hi: number, lo: number): number {
  if (k === K_UNSUPPORTED) return setIndefinite(out);
  if (k !== K_QNAN && k !== K_SNAN) return -1;
  out.set(se, (hi | 0x40000000) >>> 0, lo);
  return k === K_SNAN ? IE : 0;
}

/**
 * The denormal-operand check: DE if either operand is denormal. (`srcDe` in the operations: the
 * memory operand was a denormal single or double, which is normal once widened to extended.)
 */
function denormalFlag(ka: number, kb: number): number {
  return ka === K_DENORMAL || kb === K_DENORMAL ? DE : 0;
}

// ---- add and subtract ---------------------------------------------------------------------------------------

/** a + b, or a - b with `sub` (PC and RC from cw). */
export function addSub(out: F80, aSe: number, aHi: number, aLo: number, bSe: number, bHi: number, bLo: number, sub: boolean, cw: number, srcDe = 0): number {
  const ka = classify(aSe, aHi, aLo), kb = classify(bSe, bHi, bLo);
  const nan = nanPair(out, ka, aSe, aHi, aLo, kb, bSe, bHi, bLo);
  if (nan >= 0) return nan;
  const sa = aSe >>> 15;
  const sb = (bSe >>> 15) ^ (sub ? 1 : 0);
  if (ka === K_INF || kb === K_INF) {
    if (ka === K_INF && kb === K_INF && sa !== sb) return setIndefinite(out);
    const d = (denormalFlag(ka, kb) | srcDe);
    if (d !== 0 && (cw & DE) === 0) return d;
    out.set(ka === K_INF ? (sa << 15) | EXP_MAX : (sb << 15) | EXP_MAX, 0x80000000, 0);
    return d;
  }
  const flags = (denormalFlag(ka, kb) | srcDe);
  if (flags !== 0 && (cw & DE) === 0) return flags;
  if (ka === K_ZERO && kb === K_ZERO) {
    const neg = sa === sb ? sa : rcOf(cw) === RC_DOWN ? 1 : 0;
    out.set(neg << 15, 0, 0);
    return flags;
  }
  const prec = precisionOf(cw);
  if (ka === K_ZERO || kb === K_ZERO) {
    // x + 0 = x, but the result is still rounded to the precision control.
    const e = ka === K_ZERO ? unpackFinite(bSe, bHi, bLo) : unpackFinite(aSe, aHi, aLo);
    return flags | packReg(out, ka === K_ZERO ? sb : sa, e, r0, r1, 0, cw, prec);
  }
  let ea = unpackFinite(aSe, aHi, aLo);
  let a0 = r0, a1 = r1;
  let eb = unpackFinite(bSe, bHi, bLo);
  let b0 = r0, b1 = r1;
  let sign = sa;
  if (ea < eb || (ea === eb && (a0 < b0 || (a0 === b0 && a1 < b1)))) {
    let t = ea; ea = eb; eb = t;
    t = a0; a0 = b0; b0 = t;
    t = a1; a1 = b1; b1 = t;
    sign = sb;
  }
  shr96Jam(b0, b1, 0, ea - eb);
  b0 = r0; b1 = r1;
  const b2 = r2;
  let exp = ea;
  let w0: number, w1: number, w2: number;
  if (sa === sb) {
    w2 = b2;
    w1 = a1 + b1;
    let c = w1 >= TWO32 ? 1 : 0;
    if (c) w1 -= TWO32;
    w0 = a0 + b0 + c;
    if (w0 >= TWO32) {
      w0 -= TWO32;
      shr96Jam(w0, w1, w2, 1);
      w0 = (r0 | 0x80000000) >>> 0; w1 = r1; w2 = r2;
      exp++;
    }
  } else {
    w2 = -b2;
    let br = 0;
    if (w2 < 0) { w2 += TWO32; br = 1; }
    w1 = a1 - b1 - br;
    br = 0;
    if (w1 < 0) { w1 += TWO32; br = 1; }
    w0 = a0 - b0 - br;
    if (w0 === 0 && w1 === 0 && w2 === 0) {
      out.set(rcOf(cw) === RC_DOWN ? 0x8000 : 0, 0, 0);
      return flags;
    }
    exp -= norm96(w0, w1, w2);
    w0 = r0; w1 = r1; w2 = r2;
  }
  return flags | packReg(out, sign, exp, w0, w1, w2, cw, prec);
}

// ---- multiply -------------------------------------------------------------------------------------------------

/** 64 x 64 -> 128-bit product of a0:a1 and b0:b1, into q0 (most significant) .. q3. */
function mul64(a0: number, a1: number, b0: number, b1: number): void {
  // 16-bit limbs; each column sum stays below 2^35, exact in a double. `& 0xffff` takes a column's
  // low 16 bits exactly (ToInt32 is modulo 2^32), and the carry is an exact division by 2^16.
  const x0 = a1 & 0xffff, x1 = a1 >>> 16, x2 = a0 & 0xffff, x3 = a0 >>> 16;
  const y0 = b1 & 0xffff, y1 = b1 >>> 16, y2 = b0 & 0xffff, y3 = b0 >>> 16;
  let t = x0 * y0;
  const l0 = t & 0xffff;
  t = (t - l0) / 65536 + x0 * y1 + x1 * y0;
  const l1 = t & 0xffff;
  t = (t - l1) / 65536 + x0 * y2 + x1 * y1 + x2 * y0;
  const l2 = t & 0xffff;
  t = (t - l2) / 65536 + x0 * y3 + x1 * y2 + x2 * y1 + x3 * y0;
  const l3 = t & 0xffff;
  t = (t - l3) / 65536 + x1 * y3 + x2 * y2 + x3 * y1;
  const l4 = t & 0xffff;
  t = (t - l4) / 65536 + x2 * y3 + x3 * y2;
  const l5 = t & 0xffff;
  t = (t - l5) / 65536 + x3 * y3;
  const l6 = t & 0xffff;
  const l7 = (t - l6) / 65536;
  q0 = l7 * 65536 + l6;
  q1 = l5 * 65536 + l4;
  q2 = l3 * 65536 + l2;
  q3 = l1 * 65536 + l0;
}

export function mul(out: F80, aSe: number, aHi: number, aLo: number, bSe: number, bHi: number, bLo: number, cw: number, srcDe = 0): number {
  const ka = classify(aSe, aHi, aLo), kb = classify(bSe, bHi, bLo);
  const nan = nanPair(out, ka, aSe, aHi, aLo, kb, bSe, bHi, bLo);
  if (nan >= 0) return nan;
  const sign = (aSe ^ bSe) >>> 15;
  if (ka === K_INF || kb === K_INF) {
    if (ka === K_ZERO || kb === K_ZERO) return setIndefinite(out);
    const d = (denormalFlag(ka, kb) | srcDe);
    if (d !== 0 && (cw & DE) === 0) return d;
    out.set((sign << 15) | EXP_MAX, 0x80000000, 0);
    return d;
  }
  const flags = (denormalFlag(ka, kb) | srcDe);
  if (flags !== 0 && (cw & DE) === 0) return flags;
  if (ka === K_ZERO || kb === K_ZERO) {
    out.set(sign << 15, 0, 0);
    return flags;
  }
  const ea = unpackFinite(aSe, aHi, aLo);
  const a0 = r0, a1 = r1;
  const eb = unpackFinite(bSe, bHi, bLo);
  mul64(a0, a1, r0, r1);
  let exp = ea + eb - EXP_BIAS;
  let w0 = q0, w1 = q1, w2 = q2;
  const sticky = q3 !== 0 ? 1 : 0;
  if (w0 >= 0x80000000) exp++;
  else {
    w0 = ((w0 << 1) | (w1 >>> 31)) >>> 0;
    w1 = ((w1 << 1) | (w2 >>> 31)) >>> 0;
    w2 = ((w2 << 1) | (q3 >>> 31)) >>> 0;
  }
  return flags | packReg(out, sign, exp, w0, w1, (w2 | sticky) >>> 0, cw, precisionOf(cw));
}

// ---- divide ---------------------------------------------------------------------------------------------------

export function div(out: F80, aSe: number, aHi: number, aLo: number, bSe: number, bHi: number, bLo: number, cw: number, srcDe = 0): number {
  const ka = classify(aSe, aHi, aLo), kb = classify(bSe, bHi, bLo);
  const nan = nanPair(out, ka, aSe, aHi, aLo, kb, bSe, bHi, bLo);
  if (nan >= 0) return nan;
  const sign = (aSe ^ bSe) >>> 15;
  if ((ka === K_INF && kb === K_INF) || (ka === K_ZERO && kb === K_ZERO)) return setIndefinite(out);
  if (kb === K_ZERO) {
    // Divide-by-zero outranks the denormal-operand check (SDM 4.9.2); inf / 0 is just inf.
    if (ka !== K_INF) {
      if ((cw & ZE) === 0) return ZE;
      out.set((sign << 15) | EXP_MAX, 0x80000000, 0);
      return ZE;
    }
  }
  const flags = (denormalFlag(ka, kb) | srcDe);
  if (flags !== 0 && (cw & DE) === 0) return flags;
  if (ka === K_INF || kb === K_ZERO) {
    out.set((sign << 15) | EXP_MAX, 0x80000000, 0);
    return flags;
  }
  if (kb === K_INF || ka === K_ZERO) {
    out.set(sign << 15, 0, 0);
    return flags;
  }
  const ea = unpackFinite(aSe, aHi, aLo);
  let a0 = r0, a1 = r1;
  const eb = unpackFinite(bSe, bHi, bLo);
  const b0 = r0, b1 = r1;
  let exp = ea - eb + EXP_BIAS;
  // Restoring division, one quotient bit per step: 66 bits (integer bit, 63 fraction bits and two
  // guard bits), the remainder's non-zero-ness as the sticky bit.
  let rc = 0;
  if (a0 < b0 || (a0 === b0 && a1 < b1)) {
    rc = a0 >>> 31;
    a0 = ((a0 << 1) | (a1 >>> 31)) >>> 0;
    a1 = (a1 << 1) >>> 0;
    exp--;
  }
  // Quotient bits fill w0 (32), w1 (32), then the top two bits of w2.
  let w0 = 0, w1 = 0, w2 = 0;
  for (let word = 0; word < 3; word++) {
    let w = 0;
    const n = word < 2 ? 32 : 2;
    for (let k = 0; k < n; k++) {
      let bit = 0;
      if (rc !== 0 || a0 > b0 || (a0 === b0 && a1 >= b1)) {
        let t1 = a1 - b1, br = 0;
        if (t1 < 0) { t1 += TWO32; br = 1; }
        a0 = a0 - b0 - br + rc * TWO32;
        a1 = t1;
        bit = 1;
      }
      w = w * 2 + bit;
      rc = a0 >>> 31;
      a0 = ((a0 << 1) | (a1 >>> 31)) >>> 0;
      a1 = (a1 << 1) >>> 0;
    }
    if (word === 0) w0 = w; else if (word === 1) w1 = w; else w2 = w * 0x40000000;
  }
  if (rc !== 0 || a0 !== 0 || a1 !== 0) w2 += 1;
  return flags | packReg(out, sign, exp, w0, w1, w2, cw, precisionOf(cw));
}

// ---- square root ----------------------------------------------------------------------------------------------

export function sqrt(out: F80, se: number, hi: number, lo: number, cw: number): number {
  const k = classify(se, hi, lo);
  const nan = nanOne(out, k, se, hi, lo);
  if (nan >= 0) return nan;
  const sign = se >>> 15;
  if (k === K_ZERO) { out.set(se, hi, lo); return 0; }
  if (sign !== 0) return setIndefinite(out);
  if (k === K_INF) { out.set(se, hi, lo); return 0; }
  const flags = k === K_DENORMAL ? DE : 0;
  if (flags !== 0 && (cw & DE) === 0) return flags;
  let e = unpackFinite(se, hi, lo) - EXP_BIAS;
  const m0 = r0, m1 = r1;
  // S = floor(sqrt(X)) with X = m << 67 (even exponent) or m << 68 (odd): 66 result bits.
  const shift = (e & 1) !== 0 ? 68 : 67;
  if ((e & 1) !== 0) e -= 1;
  let s0 = 0, s1 = 0, s2 = 0; // S, 66 bits: s0 holds bits 65..64
  let t0 = 0, t1 = 0, t2 = 0; // remainder R, < 2^68
  for (let step = 0; step < 66; step++) {
    const b = 131 - 2 * step;
    const pair = (bitOf(m0, m1, b - shift) << 1) | bitOf(m0, m1, b - 1 - shift);
    // R = R << 2 | pair
    t0 = ((t0 << 2) | (t1 >>> 30)) >>> 0;
    t1 = ((t1 << 2) | (t2 >>> 30)) >>> 0;
    t2 = ((t2 << 2) | pair) >>> 0;
    // T = S << 2 | 1
    const u0 = ((s0 << 2) | (s1 >>> 30)) >>> 0;
    const u1 = ((s1 << 2) | (s2 >>> 30)) >>> 0;
    const u2 = ((s2 << 2) | 1) >>> 0;
    const ge = t0 > u0 || (t0 === u0 && (t1 > u1 || (t1 === u1 && t2 >= u2)));
    if (ge) {
      let x2 = t2 - u2, br = 0;
      if (x2 < 0) { x2 += TWO32; br = 1; }
      let x1 = t1 - u1 - br;
      br = 0;
      if (x1 < 0) { x1 += TWO32; br = 1; }
      t0 = t0 - u0 - br; t1 = x1; t2 = x2;
    }
    s0 = ((s0 << 1) | (s1 >>> 31)) >>> 0;
    s1 = ((s1 << 1) | (s2 >>> 31)) >>> 0;
    s2 = ((s2 << 1) | (ge ? 1 : 0)) >>> 0;
  }
  const sticky = t0 !== 0 || t1 !== 0 || t2 !== 0 ? 1 : 0;
  const w0 = ((s0 << 30) | (s1 >>> 2)) >>> 0;
  const w1 = ((s1 << 30) | (s2 >>> 2)) >>> 0;
  const w2 = ((s2 << 30) | sticky) >>> 0;
  return flags | packReg(out, 0, e / 2 + EXP_BIAS, w0, w1, w2, cw, precisionOf(cw));
}

/** Bit j of the 64-bit m0:m1 (0 outside 0..63). */
function bitOf(m0: number, m1: number, j: number): number {
  if (j < 0 || j > 63) return 0;
  return j >= 32 ? (m0 >>> (j - 32)) & 1 : (m1 >>> j) & 1;
}

// ---- compare ---------------------------------------------------------------------------------------------------

export const CMP_LT = 0, CMP_EQ = 1, CMP_GT = 2, CMP_UN = 3;

/**
 * Orders a and b (zeros of either sign are equal). `quiet`: only SNaNs and unsupported formats raise
 * IE (FUCOM); otherwise any NaN does (FCOM). DE for denormal operands. The relation is returned
 * in `cmpResult`.
 */
export let cmpResult = CMP_UN;
export function compare(aSe: number, aHi: number, aLo: number, bSe: number, bHi: number, bLo: number, quiet: boolean, srcDe = 0): number {
  const ka = classify(aSe, aHi, aLo), kb = classify(bSe, bHi, bLo);
  if (ka === K_UNSUPPORTED || kb === K_UNSUPPORTED || ka === K_SNAN || kb === K_SNAN) { cmpResult = CMP_UN; return IE; }
  if (ka === K_QNAN || kb === K_QNAN) { cmpResult = CMP_UN; return quiet ? 0 : IE; }
  const flags = (denormalFlag(ka, kb) | srcDe);
  cmpResult = order(ka, aSe, aHi, aLo, kb, bSe, bHi, bLo);
  return flags;
}

function order(ka: number, aSe: number, aHi: number, aLo: number, kb: number, bSe: number, bHi: number, bLo: number): number {
  if (ka === K_ZERO && kb === K_ZERO) return CMP_EQ;
  const sa = aSe >>> 15, sb = bSe >>> 15;
  if (ka === K_ZERO) return sb !== 0 ? CMP_GT : CMP_LT;
  if (kb === K_ZERO) return sa !== 0 ? CMP_LT : CMP_GT;
  if (sa !== sb) return sa !== 0 ? CMP_LT : CMP_GT;
  let mag: number; // -1, 0, 1: |a| vs |b|
  if (ka === K_INF || kb === K_INF) mag = ka === kb ? 0 : ka === K_INF ? 1 : -1;
  else {
    const ea = unpackFinite(aSe, aHi, aLo);
    const a0 = r0, a1 = r1;
    const eb = unpackFinite(bSe, bHi, bLo);
    mag = ea !== eb ? (ea > eb ? 1 : -1) : a0 !== r0 ? (a0 > r0 ? 1 : -1) : a1 !== r1 ? (a1 > r1 ? 1 : -1) : 0;
  }
  if (mag === 0) return CMP_EQ;
  return (mag > 0) !== (sa !== 0) ? CMP_GT : CMP_LT;
}

/**
 * The x87 number format: 80-bit extended precision (sign, 15-bit biased exponent, 64-bit
 * significand with an explicit integer bit J), computed in software so that every result is
 * the one the hardware produces, bit for bit, on every host (no host floating point is used
 * for anything guest-visible).
 *
 * A value travels as three integers: `se` (sign << 15 | biased exponent), `hi` and `lo` (the
 * significand's upper and lower 32 bits, as non-negative numbers). Intermediate results carry a
 * third 32-bit word below `lo` (guard bits, the lowest bit sticky) until roundPack rounds them.
 *
 * This file holds classification and rounding; float80-arith.ts the arithmetic and comparison;
 * float80-int.ts rounding to integers, FSCALE and the partial remainder; convert.ts the memory
 * formats. Module-level `let` scratch variables return multi-word results from helpers:
 * they never hold state between calls, so machines running side by side cannot interfere.
 */

/** Exception flags as they sit in the status word, plus C1 ("rounded up") for results. */
export const IE = 0x01, DE = 0x02, ZE = 0x04, OE = 0x08, UE = 0x10, PE = 0x20, SF = 0x40;
export const C1 = 0x200;

/** Control word fields. */
export const CW_PC_SHIFT = 8, CW_RC_SHIFT = 10;
export const RC_NEAREST = 0, RC_DOWN = 1, RC_UP = 2, RC_ZERO = 3;
/** Significand precisions (control word PC 00, 10, 11; 01 is reserved and acts as 64 here). */
export const P24 = 24, P53 = 53, P64 = 64;

export const EXP_BIAS = 0x3fff;
export const EXP_MAX = 0x7fff;
/** Exponent range of each destination format, as biased extended exponents: first normal, first overflowing. */
export const EXT_MIN = 1, EXT_OVER = 0x7fff;
export const DBL_MIN = EXP_BIAS - 1022, DBL_OVER = EXP_BIAS + 1024;
export const SGL_MIN = EXP_BIAS - 126, SGL_OVER = EXP_BIAS + 128;

/** Value classes (what FXAM distinguishes, plus signalling NaNs). */
export const K_NORMAL = 0, K_ZERO = 1, K_DENORMAL = 2, K_INF = 3, K_QNAN = 4, K_SNAN = 5, K_UNSUPPORTED = 6;

const TWO32 = 4294967296;

/**
 * Class of an 80-bit value. Denormals include pseudo-denormals (exponent 0, J = 1); pseudo-NaNs,
 * pseudo-infinities and unnormals (J = 0 with a non-zero exponent) are unsupported formats, which
 * every arithmetic instruction rejects with an invalid-operation exception (387 and later).
 */
export function classify(se: number, hi: number, lo: number): number {
  const exp = se & EXP_MAX;
  if (exp === EXP_MAX) {
    if (hi < 0x80000000) return K_UNSUPPORTED;
    if ((hi & 0x7fffffff) === 0 && lo === 0) return K_INF;
    return (hi & 0x40000000) !== 0 ? K_QNAN : K_SNAN;
  }
  if (exp === 0) return hi === 0 && lo === 0 ? K_ZERO : K_DENORMAL;
  return hi >= 0x80000000 ? K_NORMAL : K_UNSUPPORTED;
}

/** A result register: the operations write their value here. */
export class F80 {
  se = 0;
  hi = 0;
  lo = 0;
  set(se: number, hi: number, lo: number): void {
    this.se = se;
    this.hi = hi;
    this.lo = lo;
  }
}

/** The QNaN floating-point indefinite: the masked response to invalid operations. */
export const INDEF_SE = 0xffff, INDEF_HI = 0xc0000000;

// ---- multi-word helpers (results in r0 r1 r2) ------------------------------------------------------

export let r0 = 0, r1 = 0, r2 = 0;

/** (a0:a1:a2) >> n for a 96-bit value, any lost one bit ORed into the lowest bit (jamming). */
export function shr96Jam(a0: number, a1: number, a2: number, n: number): void {
  if (n <= 0) { r0 = a0; r1 = a1; r2 = a2; return; }
  let sticky = 0;
  while (n >= 32) {
    sticky |= a2;
    a2 = a1; a1 = a0; a0 = 0;
    n -= 32;
    if (a0 === 0 && a1 === 0 && a2 === 0) break;
  }
  if (n >= 32) n = 0;
  if (n > 0) {
    sticky |= (a2 << (32 - n));
    a2 = ((a2 >>> n) | (a1 << (32 - n))) >>> 0;
    a1 = ((a1 >>> n) | (a0 << (32 - n))) >>> 0;
    a0 = a0 >>> n;
  }
  r0 = a0; r1 = a1; r2 = (a2 | (sticky !== 0 ? 1 : 0)) >>> 0;
}

/** Shifts a non-zero 96-bit value left until its top bit is set; returns the shift count. */
export function norm96(a0: number, a1: number, a2: number): number {
  let n = 0;
  while (a0 === 0) { a0 = a1; a1 = a2; a2 = 0; n += 32; }
  const s = Math.clz32(a0);
  if (s > 0) {
    a0 = ((a0 << s) | (a1 >>> (32 - s))) >>> 0;
    a1 = ((a1 << s) | (a2 >>> (32 - s))) >>> 0;
    a2 = (a2 << s) >>> 0;
  }
  r0 = a0; r1 = a1; r2 = a2;
  return n + s;
}

// ---- rounding ------------------------------------------------------------------------------------------------

/**
 * Rounds and packs a result into `out`. The exact value is (w0:w1:w2 as a 96-bit fraction with the
 * binary point after w0's top bit, which must be set) * 2^(exp - bias), the lowest bit of w2 being
 * sticky. `prec` is the significand precision (24, 53, 64); [minExp, overExp) the normal exponent
 * range of the destination (extended, double or single, all as biased extended exponents); `rc`
 * the rounding mode. Returns the exception flags (PE, UE, OE) and C1 when the significand was
 * rounded up in magnitude.
 *
 * Underflow follows the x87: tininess is detected after rounding; when UE is masked, the result
 * is denormalized and UE is raised only if it is also inexact. With `unmaskedOE`/`unmaskedUE`
 * (register destinations with OE/UE unmasked) an overflowing or tiny result is delivered with its
 * exponent biased down or up by 24576 (SDM 4.9.1.4 and 4.9.1.5) instead, unless even that is out
 * of range (FSCALE by a huge amount): then an infinity or a zero (what the hardware does).
 *
 * The result's `se` holds the biased extended exponent of the rounded value, or 0 when it stayed
 * denormal (J = 0; its scale is then minExp); packers for double and single re-bias it.
 */
export function roundPack(
  out: F80, sign: number, exp: number, w0: number, w1: number, w2: number,
  prec: number, minExp: number, overExp: number, rc: number, unmaskedOE: boolean, unmaskedUE: boolean,
): number {
  let flags = 0;
  const s = sign !== 0 ? 0x8000 : 0;
  if (exp < minExp && (exp < minExp - 1 || !roundCarries(sign, w0, w1, w2, prec, rc))) {
    if (unmaskedUE) {
      if (exp + 0x6000 < minExp) {
        // Too small even bias-adjusted (FSCALE by a huge amount): a signed zero.
        out.set(s, 0, 0);
        return UE | PE;
      }
      flags |= UE;
      exp += 0x6000;
    } else {
      shr96Jam(w0, w1, w2, minExp - exp);
      const f = roundAt(sign, r0, r1, r2, prec, rc);
      w0 = r0; w1 = r1;
      if (f & PE) flags |= f | UE;
      // A carry into J makes it the smallest normal; otherwise it stays denormal (exponent field 0).
      out.set(s | (w0 >= 0x80000000 ? minExp : 0), w0, w1);
      return flags;
    }
  }
  flags |= roundAt(sign, w0, w1, w2, prec, rc);
  w0 = r0; w1 = r1;
  if (r2 !== 0) exp++; // carried out of the top: the significand is 1.000...
  if (exp >= overExp) {
    if (unmaskedOE) {
      if (exp - 0x6000 < overExp) {
        out.set(s | (exp - 0x6000), w0, w1);
        return flags | OE;
      }
      // Too large even bias-adjusted (FSCALE by a huge amount): infinity, whatever RC says.
      out.set(s | EXP_MAX, 0x80000000, 0);
      return OE | PE | C1;
    }
    flags = OE | PE;
    // Round to nearest and round away towards the sign give infinity; the others the largest finite.
    const toInf = rc === RC_NEAREST || (rc === RC_DOWN && sign !== 0) || (rc === RC_UP && sign === 0);
    if (toInf) {
      out.set(s | EXP_MAX, 0x80000000, 0);
      return flags | C1;
    }
    maxSignificand(prec);
    out.set(s | (overExp - 1), r0, r1);
    return flags;
  }
  out.set(s | exp, w0, w1);
  return flags;
}

/** The largest significand of `prec` bits (in r0 r1). */
function maxSignificand(prec: number): void {
  if (prec === P64) { r0 = 0xffffffff; r1 = 0xffffffff; }
  else if (prec === P53) { r0 = 0xffffffff; r1 = 0xfffff800; }
  else { r0 = 0xffffff00; r1 = 0; }
}

/**
 * Rounds w0:w1:w2 to `prec` bits: the kept significand in r0 r1, r2 = 1 if rounding carried out of
 * the top (the significand is then 0x80000000:0, one exponent higher). Returns PE (inexact) and C1
 * (rounded up in magnitude).
 */
export function roundAt(sign: number, w0: number, w1: number, w2: number, prec: number, rc: number): number {
  let rb: number, half: number, sticky: boolean, lsb: number;
  if (prec === P64) {
    rb = w2; half = 0x80000000; sticky = false; lsb = w1 & 1;
  } else if (prec === P53) {
    rb = w1 & 0x7ff; half = 0x400; sticky = w2 !== 0; lsb = (w1 >>> 11) & 1;
  } else {
    rb = w0 & 0xff; half = 0x80; sticky = w1 !== 0 || w2 !== 0; lsb = (w0 >>> 8) & 1;
  }
  r2 = 0;
  if (rb === 0 && !sticky) { r0 = w0; r1 = w1; return 0; }
  let up: boolean;
  switch (rc) {
    case RC_NEAREST: up = rb > half || (rb === half && (sticky || lsb !== 0)); break;
    case RC_DOWN: up = sign !== 0; break;
    case RC_UP: up = sign === 0; break;
    default: up = false;
  }
  if (prec === P64) {
    if (up) {
      w1 = w1 + 1;
      if (w1 === TWO32) { w1 = 0; w0 = w0 + 1; }
    }
  } else if (prec === P53) {
    w1 = (w1 - rb) + (up ? 0x800 : 0);
    if (w1 >= TWO32) { w1 -= TWO32; w0 = w0 + 1; }
  } else {
    w0 = (w0 - rb) + (up ? 0x100 : 0);
    w1 = 0;
  }
  if (w0 >= TWO32) { w0 = 0x80000000; r2 = 1; }
  r0 = w0; r1 = w1;
  return up ? PE | C1 : PE;
}

/** Whether rounding w0:w1:w2 to `prec` bits carries out of the top (used for tininess after rounding). */
function roundCarries(sign: number, w0: number, w1: number, w2: number, prec: number, rc: number): boolean {
  roundAt(sign, w0, w1, w2, prec, rc);
  return r2 !== 0;
}

/** Normalized significand and unbounded biased exponent of a finite non-zero value (in r0 r1, returned). */
export function unpackFinite(se: number, hi: number, lo: number): number {
  let exp = se & EXP_MAX;
  if (exp === 0) exp = 1; // denormals and pseudo-denormals have the scale of exponent 1
  if (hi >= 0x80000000) { r0 = hi; r1 = lo; return exp; }
  const n = norm96(hi, lo, 0);
  return exp - n;
}

/** Precision of the control word's PC field. */
export function precisionOf(cw: number): number {
  const pc = (cw >>> CW_PC_SHIFT) & 3;
  return pc === 0 ? P24 : pc === 2 ? P53 : P64;
}

/** The control word's rounding control. */
export function rcOf(cw: number): number {
  return (cw >>> CW_RC_SHIFT) & 3;
}

/** Rounds a register result with the control word's PC and RC (and its OE/UE masks). */
export function packReg(out: F80, sign: number, exp: number, w0: number, w1: number, w2: number, cw: number, prec: number): number {
  return roundPack(out, sign, exp, w0, w1, w2, prec, EXT_MIN, EXT_OVER, rcOf(cw), (cw & OE) === 0, (cw & UE) === 0);
}

/**
 * Conversions between the x87 register format and the memory formats: single (m32fp) and double
 * (m64fp) reals, 16/32/64-bit integers and 18-digit packed BCD. Loads are exact (a denormal
 * source raises DE, an SNaN source IE and is quietened); stores round with the control word's RC
 * (never PC) and raise the exceptions of SDM Vol. 1 4.9.
 */
import {
  DBL_MIN, DBL_OVER, DE, EXP_BIAS, EXP_MAX, F80, IE, K_INF, K_QNAN, K_SNAN, K_UNSUPPORTED, K_ZERO,
  P24, P53, SGL_MIN, SGL_OVER, classify, norm96, r0, r1, roundPack, unpackFinite,
} from './float80.js';
import { intBig, intHi, intLo, toInteger } from './float80-int.js';

/** Results of the store conversions (a double's two dwords, a single's bits, an integer's dwords). */
export let outHi = 0, outLo = 0;

// ---- loads (exact) --------------------------------------------------------------------------------------------

/**
 * m64fp (dwords lo, hi) to extended. An SNaN raises IE and is quietened unless `keepSnan` (an
 * arithmetic operand: the operation applies the NaN rules itself); a denormal raises DE.
 */
export function loadF64(out: F80, lo: number, hi: number, keepSnan = false): number {
  lo >>>= 0;
  hi >>>= 0;
  const sign = (hi >>> 31) << 15;
  const e = (hi >>> 20) & 0x7ff;
  const fh = hi & 0xfffff;
  let m0 = ((fh << 11) | (lo >>> 21)) >>> 0;
  const m1 = (lo << 11) >>> 0;
  if (e === 0x7ff) {
    if (fh === 0 && lo === 0) { out.set(sign | EXP_MAX, 0x80000000, 0); return 0; }
    const snan = (fh & 0x80000) === 0;
    m0 = (m0 | (keepSnan ? 0x80000000 : 0xc0000000)) >>> 0;
    out.set(sign | EXP_MAX, m0, m1);
    return snan ? IE : 0;
  }
  if (e === 0) {
    if (fh === 0 && lo === 0) { out.set(sign, 0, 0); return 0; }
    const n = norm96(m0, m1, 0);
    out.set(sign | (DBL_MIN - n), r0, r1);
    return DE;
  }
  out.set(sign | (e - 1023 + EXP_BIAS), (m0 | 0x80000000) >>> 0, m1);
  return 0;
}

/** m32fp to extended (exceptions as loadF64). */
export function loadF32(out: F80, bits: number, keepSnan = false): number {
  bits >>>= 0;
  const sign = (bits >>> 31) << 15;
  const e = (bits >>> 23) & 0xff;
  const frac = bits & 0x7fffff;
  if (e === 0xff) {
    if (frac === 0) { out.set(sign | EXP_MAX, 0x80000000, 0); return 0; }
    out.set(sign | EXP_MAX, ((frac << 8) | (keepSnan ? 0x80000000 : 0xc0000000)) >>> 0, 0);
    return (frac & 0x400000) === 0 ? IE : 0;
  }
  if (e === 0) {
    if (frac === 0) { out.set(sign, 0, 0); return 0; }
    const n = norm96((frac << 8) >>> 0, 0, 0);
    out.set(sign | (SGL_MIN - n), r0, r1);
    return DE;
  }
  out.set(sign | (e - 127 + EXP_BIAS), ((frac << 8) | 0x80000000) >>> 0, 0);
  return 0;
}

/** A signed 64-bit integer (dwords lo, hi) to extended (exact). */
export function loadInt64(out: F80, lo: number, hi: number): void {
  lo >>>= 0;
  hi >>>= 0;
  let sign = 0;
  if (hi >= 0x80000000) {
    sign = 0x8000;
    lo = (~lo + 1) >>> 0;
    hi = (~hi + (lo === 0 ? 1 : 0)) >>> 0;
  }
  if (hi === 0 && lo === 0) { out.set(sign, 0, 0); return; }
  const n = norm96(hi, lo, 0);
  out.set(sign | (EXP_BIAS + 63 - n), r0, r1);
}

/** A signed 32-bit integer (16-bit ones sign-extended first) to extended (exact). */
export function loadInt32(out: F80, v: number): void {
  v |= 0;
  if (v === 0) { out.set(0, 0, 0); return; }
  const sign = v < 0 ? 0x8000 : 0;
  const m = Math.abs(v);
  const n = Math.clz32(m);
  out.set(sign | (EXP_BIAS + 31 - n), (m << n) >>> 0, 0);
}

// ---- stores (rounded with RC) --------------------------------------------------------------------------------------

/**
 * Extended to m64fp (into outLo/outHi). Returns IE (SNaN or unsupported source; the masked result
 * is the quietened NaN or the double indefinite), OE, UE, PE and C1 (rounded up).
 */
export function storeF64(tmp: F80, se: number, hi: number, lo: number, rc: number): number {
  const k = classify(se, hi, lo);
  const sign = (se >>> 15) << 31;
  switch (k) {
    case K_ZERO: outHi = sign >>> 0; outLo = 0; return 0;
    case K_INF: outHi = (sign | 0x7ff00000) >>> 0; outLo = 0; return 0;
    case K_UNSUPPORTED: outHi = 0xfff80000; outLo = 0; return IE;
    case K_QNAN: case K_SNAN:
      outHi = (sign | 0x7ff80000 | ((hi >>> 11) & 0xfffff)) >>> 0;
      outLo = ((hi << 21) | (lo >>> 11)) >>> 0;
      return k === K_SNAN ? IE : 0;
  }
  const e = unpackFinite(se, hi, lo);
  const flags = roundPack(tmp, se >>> 15, e, r0, r1, 0, P53, DBL_MIN, DBL_OVER, rc, false, false);
  const x = tmp.se & EXP_MAX;
  const ee = x === EXP_MAX ? 0x7ff : x === 0 ? 0 : x - EXP_BIAS + 1023;
  const m0 = x === EXP_MAX ? 0 : tmp.hi, m1 = x === EXP_MAX ? 0 : tmp.lo;
  outHi = (sign | (ee << 20) | ((m0 >>> 11) & 0xfffff)) >>> 0;
  outLo = ((m0 << 21) | (m1 >>> 11)) >>> 0;
  return flags;
}

/** Extended to m32fp (into outLo). Exceptions as storeF64. */
export function storeF32(tmp: F80, se: number, hi: number, lo: number, rc: number): number {
  const k = classify(se, hi, lo);
  const sign = (se >>> 15) << 31;
  switch (k) {
    case K_ZERO: outLo = sign >>> 0; return 0;
    case K_INF: outLo = (sign | 0x7f800000) >>> 0; return 0;
    case K_UNSUPPORTED: outLo = 0xffc00000; return IE;
    case K_QNAN: case K_SNAN:
      outLo = (sign | 0x7fc00000 | ((hi >>> 8) & 0x7fffff)) >>> 0;
      return k === K_SNAN ? IE : 0;
  }
  const e = unpackFinite(se, hi, lo);
  const flags = roundPack(tmp, se >>> 15, e, r0, r1, 0, P24, SGL_MIN, SGL_OVER, rc, false, false);
  const x = tmp.se & EXP_MAX;
  const ee = x === EXP_MAX ? 0xff : x === 0 ? 0 : x - EXP_BIAS + 127;
  const m0 = x === EXP_MAX ? 0 : tmp.hi;
  outLo = (sign | (ee << 23) | ((m0 >>> 8) & 0x7fffff)) >>> 0;
  return flags;
}

/**
 * Extended to a signed integer of `bits` (16, 32, 64), rounded with RC, into outLo/outHi (two's
 * complement, the high dword only for 64). NaNs, infinities, unsupported formats and values out
 * of range are invalid (IE) and give the integer indefinite (the most negative value).
 */
export function storeInt(se: number, hi: number, lo: number, rc: number, bits: number): number {
  const k = classify(se, hi, lo);
  if (k === K_INF || k === K_QNAN || k === K_SNAN || k === K_UNSUPPORTED) return intIndefinite(bits);
  const flags = toInteger(se, hi, lo, rc);
  const neg = se >>> 15 !== 0;
  let mh = intHi, ml = intLo;
  // Magnitude limits: 2^(bits-1) - 1, or 2^(bits-1) for a negative result.
  let ok: boolean;
  if (intBig) ok = false;
  else if (bits === 64) ok = mh < 0x80000000 || (neg && mh === 0x80000000 && ml === 0);
  else if (bits === 32) ok = mh === 0 && (ml < 0x80000000 || (neg && ml === 0x80000000));
  else ok = mh === 0 && (ml < 0x8000 || (neg && ml === 0x8000));
  if (!ok) return intIndefinite(bits);
  if (neg && (mh !== 0 || ml !== 0)) {
    ml = (~ml + 1) >>> 0;
    mh = (~mh + (ml === 0 ? 1 : 0)) >>> 0;
  }
  outLo = bits === 16 ? ml & 0xffff : ml;
  outHi = mh;
  return flags;
}

function intIndefinite(bits: number): number {
  outLo = bits === 16 ? 0x8000 : bits === 32 ? 0x80000000 : 0;
  outHi = bits === 64 ? 0x80000000 : 0;
  return IE;
}

// ---- packed BCD (FBLD, FBSTP) -----------------------------------------------------------------------------------

/** 18-digit packed BCD (10 bytes: 9 digit pairs, least significant first, then the sign byte) to extended. */
export function loadBcd(out: F80, b: Uint8Array): void {
  // Two halves of nine digits each keep every step exact in doubles.
  let high = 0, low = 0;
  for (let k = 8; k >= 5; k--) high = high * 100 + (b[k]! >>> 4) * 10 + (b[k]! & 0xf);
  high = high * 10 + (b[4]! >>> 4);
  low = b[4]! & 0xf;
  for (let k = 3; k >= 0; k--) low = low * 100 + (b[k]! >>> 4) * 10 + (b[k]! & 0xf);
  // value = high * 1e9 + low, < 2^60: form the 64-bit integer in 16-bit limbs.
  mulAdd(high, 1e9, low);
  const sign = (b[9]! & 0x80) !== 0 ? 1 : 0;
  if (outHi === 0 && outLo === 0) { out.set(sign << 15, 0, 0); return; }
  const n = norm96(outHi, outLo, 0);
  out.set((sign << 15) | (EXP_BIAS + 63 - n), r0, r1);
}

/** outHi:outLo = a * m + c for a, m < 2^30 and c < 2^32. */
function mulAdd(a: number, m: number, c: number): void {
  const al = a % 65536, ah = (a - al) / 65536;
  const low = al * m + c; // < 2^46 + 2^32
  const lowPart = low % TWO32;
  const carry = (low - lowPart) / TWO32;
  const high = ah * m; // contributes ah * m * 2^16
  const hl = high % 65536;
  const sumLo = lowPart + hl * 65536;
  const lo32 = sumLo % TWO32;
  outLo = lo32;
  outHi = (high - hl) / 65536 + carry + (sumLo - lo32) / TWO32;
}

const TWO32 = 4294967296;

/**
 * Extended to packed BCD, rounded with RC, into `dst` (10 bytes). Values of 10^18 or more in
 * magnitude, NaNs, infinities and unsupported formats are invalid (IE) and give the BCD
 * indefinite (FFFF C000 0000 0000 0000).
 */
export function storeBcd(se: number, hi: number, lo: number, rc: number, dst: Uint8Array): number {
  const k = classify(se, hi, lo);
  let flags = 0;
  let ok = !(k === K_INF || k === K_QNAN || k === K_SNAN || k === K_UNSUPPORTED);
  let mh = 0, ml = 0;
  if (ok) {
    flags = toInteger(se, hi, lo, rc);
    mh = intHi; ml = intLo;
    // 10^18 - 1 = 0x0DE0B6B3_A763FFFF
    ok = !intBig && (mh < 0x0de0b6b3 || (mh === 0x0de0b6b3 && ml <= 0xa763ffff));
  }
  if (!ok) {
    dst.fill(0);
    dst[7] = 0xc0; dst[8] = 0xff; dst[9] = 0xff;
    return IE;
  }
  // Split into two nine-digit halves by long division of the 64-bit value by 10^9 (16-bit steps).
  const limbs = [mh >>> 16, mh & 0xffff, ml >>> 16, ml & 0xffff];
  let rem = 0, quot = 0;
  for (const l of limbs) {
    const cur = rem * 65536 + l;
    const q = Math.floor(cur / 1e9);
    rem = cur - q * 1e9;
    quot = quot * 65536 + q;
  }
  let high = quot, low = rem;
  for (let d = 0; d < 9; d++) {
    const digitLo = low % 10; low = (low - digitLo) / 10;
    const at = d >> 1;
    dst[at] = (d & 1) === 0 ? digitLo : dst[at]! | (digitLo << 4);
  }
  for (let d = 9; d < 18; d++) {
    const digit = high % 10; high = (high - digit) / 10;
    const at = d >> 1;
    dst[at] = (d & 1) === 0 ? digit : dst[at]! | (digit << 4);
  }
  dst[9] = (se & 0x8000) !== 0 ? 0x80 : 0;
  return flags;
}


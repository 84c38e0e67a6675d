/**
 * Checksums of the trace format: CRC-32 for chunk bodies and the footer, and XXH64 for zstd's own
 * content checksum (which zstd-codec's compressor does not write, so compressFrame adds it).
 */
import { crc32 as zlibCrc32 } from 'node:zlib';

/** CRC-32 (ISO-HDLC polynomial, as zlib, PNG and gzip use) of `data`, as an unsigned number. */
export function crc32(data: Uint8Array): number {
  return zlibCrc32(data) >>> 0;
}

// XXH64 with 64-bit values held as (high, low) u32 pairs: no BigInt and no allocation, so a 1 MiB
// frame costs about a millisecond. Helpers leave their result in rh:rl.
const P1H = 0x9e3779b1, P1L = 0x85ebca87;
const P2H = 0xc2b2ae3d, P2L = 0x27d4eb4f;
const P3H = 0x165667b1, P3L = 0x9e3779f9;
const P4H = 0x85ebca77, P4L = 0xc2b2ae63;
const P5H = 0x27d4eb2f, P5L = 0x165667c5;

let rh = 0;
let rl = 0;

/** rh:rl = (ah:al * bh:bl) mod 2^64. */
function mul(ah: number, al: number, bh: number, bl: number): void {
  const a0 = al & 0xffff, a1 = al >>> 16, b0 = bl & 0xffff, b1 = bl >>> 16;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  rl = (((mid & 0xffff) << 16) | (p00 & 0xffff)) >>> 0;
  rh = (p11 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16) + Math.imul(ah, bl) + Math.imul(al, bh)) >>> 0;
}

/** rh:rl = (ah:al + bh:bl) mod 2^64. */
function add(ah: number, al: number, bh: number, bl: number): void {
  const lo = al + bl;
  rl = lo >>> 0;
  rh = (ah + bh + (lo > 0xffffffff ? 1 : 0)) >>> 0;
}

/** rh:rl = rotl(h:l, r) for 0 < r < 32. */
function rotl(h: number, l: number, r: number): void {
  rh = ((h << r) | (l >>> (32 - r))) >>> 0;
  rl = ((l << r) | (h >>> (32 - r))) >>> 0;
}

/** rh:rl = XXH64 round: rotl(acc + input * P2, 31) * P1. */
function round(ah: number, al: number, ih: number, il: number): void {
  mul(ih, il, P2H, P2L);
  add(ah, al, rh, rl);
  rotl(rh, rl, 31);
  mul(rh, rl, P1H, P1L);
}

/** rh:rl = (h ^ round(0, v)) * P1 + P4. */
function mergeRound(h: number, l: number, vh: number, vl: number): void {
  round(0, 0, vh, vl);
  mul((h ^ rh) >>> 0, (l ^ rl) >>> 0, P1H, P1L);
  add(rh, rl, P4H, P4L);
}

function u32le(b: Uint8Array, p: number): number {
  return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
}

/**
 * The low 32 bits of XXH64(data, seed 0): exactly the content checksum zstd stores (little-endian)
 * at the end of a frame whose descriptor has the checksum flag.
 */
export function xxh64Low32(data: Uint8Array): number {
  const len = data.length;
  let p = 0;
  let hh: number, hl: number;
  if (len >= 32) {
    add(P1H, P1L, P2H, P2L);
    let v1h = rh, v1l = rl;
    let v2h = P2H, v2l = P2L;
    let v3h = 0, v3l = 0;
    let v4h = 0x61c8864e, v4l = 0x7a143579; // -P1 mod 2^64
    const limit = len - 32;
    while (p <= limit) {
      round(v1h, v1l, u32le(data, p + 4), u32le(data, p)); v1h = rh; v1l = rl;
      round(v2h, v2l, u32le(data, p + 12), u32le(data, p + 8)); v2h = rh; v2l = rl;
      round(v3h, v3l, u32le(data, p + 20), u32le(data, p + 16)); v3h = rh; v3l = rl;
      round(v4h, v4l, u32le(data, p + 28), u32le(data, p + 24)); v4h = rh; v4l = rl;
      p += 32;
    }
    rotl(v1h, v1l, 1); hh = rh; hl = rl;
    rotl(v2h, v2l, 7); add(hh, hl, rh, rl); hh = rh; hl = rl;
    rotl(v3h, v3l, 12); add(hh, hl, rh, rl); hh = rh; hl = rl;
    rotl(v4h, v4l, 18); add(hh, hl, rh, rl); hh = rh; hl = rl;
    mergeRound(hh, hl, v1h, v1l); hh = rh; hl = rl;
    mergeRound(hh, hl, v2h, v2l); hh = rh; hl = rl;
    mergeRound(hh, hl, v3h, v3l); hh = rh; hl = rl;
    mergeRound(hh, hl, v4h, v4l); hh = rh; hl = rl;
  } else {
    hh = P5H; hl = P5L;
  }
  // + total length (as a u64)
  add(hh, hl, Math.floor(len / 0x100000000) >>> 0, len >>> 0); hh = rh; hl = rl;
  while (p + 8 <= len) {
    round(0, 0, u32le(data, p + 4), u32le(data, p));
    rotl((hh ^ rh) >>> 0, (hl ^ rl) >>> 0, 27);
    mul(rh, rl, P1H, P1L);
    add(rh, rl, P4H, P4L); hh = rh; hl = rl;
    p += 8;
  }
  if (p + 4 <= len) {
    mul(0, u32le(data, p), P1H, P1L);
    rotl((hh ^ rh) >>> 0, (hl ^ rl) >>> 0, 23);
    mul(rh, rl, P2H, P2L);
    add(rh, rl, P3H, P3L); hh = rh; hl = rl;
    p += 4;
  }
  while (p < len) {
    mul(0, data[p], P5H, P5L);
    rotl((hh ^ rh) >>> 0, (hl ^ rl) >>> 0, 11);
    mul(rh, rl, P1H, P1L); hh = rh; hl = rl;
    p++;
  }
  // avalanche
  hl = (hl ^ (hh >>> 1)) >>> 0; // h ^= h >> 33
  mul(hh, hl, P2H, P2L); hh = rh; hl = rl;
  hl = (hl ^ ((hl >>> 29) | (hh << 3))) >>> 0; // h ^= h >> 29
  hh = (hh ^ (hh >>> 29)) >>> 0;
  mul(hh, hl, P3H, P3L); hh = rh; hl = rl;
  hl = (hl ^ hh) >>> 0; // h ^= h >> 32
  return hl;
}

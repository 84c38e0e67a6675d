import { describe, expect, it } from 'vitest';
import { crc32, xxh64Low32 } from '../../src/trace/checksum.js';
import { prng } from './helpers.js';

// Reference XXH64 in BigInt, straight from the specification, to check the 32-bit-limb version.
const M = (1n << 64n) - 1n;
const P1 = 0x9e3779b185ebca87n, P2 = 0xc2b2ae3d27d4eb4fn, P3 = 0x165667b19e3779f9n, P4 = 0x85ebca77c2b2ae63n, P5 = 0x27d4eb2f165667c5n;
const rotl = (x: bigint, r: bigint): bigint => ((x << r) | (x >> (64n - r))) & M;
const round = (acc: bigint, input: bigint): bigint => (rotl((acc + input * P2) & M, 31n) * P1) & M;
const merge = (h: bigint, v: bigint): bigint => (((h ^ round(0n, v)) * P1) + P4) & M;
function lane64(b: Uint8Array, p: number): bigint {
  let v = 0n;
  for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(b[p + i]);
  return v;
}
function xxh64Ref(b: Uint8Array): bigint {
  let p = 0;
  let h: bigint;
  if (b.length >= 32) {
    let v1 = (P1 + P2) & M, v2 = P2, v3 = 0n, v4 = (-P1) & M;
    while (p + 32 <= b.length) {
      v1 = round(v1, lane64(b, p)); v2 = round(v2, lane64(b, p + 8)); v3 = round(v3, lane64(b, p + 16)); v4 = round(v4, lane64(b, p + 24));
      p += 32;
    }
    h = (rotl(v1, 1n) + rotl(v2, 7n) + rotl(v3, 12n) + rotl(v4, 18n)) & M;
    h = merge(h, v1); h = merge(h, v2); h = merge(h, v3); h = merge(h, v4);
  } else h = P5;
  h = (h + BigInt(b.length)) & M;
  while (p + 8 <= b.length) { h = ((rotl(h ^ round(0n, lane64(b, p)), 27n) * P1) + P4) & M; p += 8; }
  if (p + 4 <= b.length) {
    const w = BigInt(b[p] | (b[p + 1] << 8) | (b[p + 2] << 16)) | (BigInt(b[p + 3]) << 24n);
    h = ((rotl(h ^ ((w * P1) & M), 23n) * P2) + P3) & M; p += 4;
  }
  while (p < b.length) { h = (rotl(h ^ ((BigInt(b[p]) * P5) & M), 11n) * P1) & M; p++; }
  h ^= h >> 33n; h = (h * P2) & M; h ^= h >> 29n; h = (h * P3) & M; h ^= h >> 32n;
  return h;
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('checksums', () => {
  it('CRC-32 is the zlib/ISO-HDLC one', () => {
    expect(crc32(text('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  it('XXH64 matches published test vectors', () => {
    expect(xxh64Ref(new Uint8Array(0))).toBe(0xef46db3751d8e999n);
    expect(xxh64Low32(new Uint8Array(0))).toBe(0x51d8e999);
    expect(xxh64Low32(text('a'))).toBe(Number(0xd24ec4f1a98c6e5bn & 0xffffffffn));
    expect(xxh64Low32(text('abc'))).toBe(Number(0x44bc2cf5ad770999n & 0xffffffffn));
  });

  it('XXH64 (32-bit limbs) equals the BigInt reference for every length 0..200 and some large inputs', () => {
    const r = prng(99);
    for (let n = 0; n <= 200; n++) {
      const b = new Uint8Array(n).map(() => r() & 0xff);
      expect(xxh64Low32(b), `length ${n}`).toBe(Number(xxh64Ref(b) & 0xffffffffn));
    }
    for (const n of [1023, 4096, 65_537]) {
      const b = new Uint8Array(n).map(() => r() & 0xff);
      expect(xxh64Low32(b)).toBe(Number(xxh64Ref(b) & 0xffffffffn));
    }
  });
});

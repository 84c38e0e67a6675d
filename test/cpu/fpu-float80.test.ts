/**
 * The soft-float core against IEEE 754 as JavaScript implements it: with precision control 53 and
 * round-to-nearest, x87 add/sub/mul/div/sqrt of double operands must give exactly the double that
 * JS computes (a single correct rounding), and with precision control 24 on float operands what
 * Math.fround of the exact double result gives. Operands are random bit patterns weighted towards
 * edges (tiny, huge, equal exponents).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { F80 } from '../../src/cpu/fpu/float80.js';
import { addSub, div, mul, sqrt } from '../../src/cpu/fpu/float80-arith.js';
import { loadF32, loadF64, outHi, outLo, storeF32, storeF64 } from '../../src/cpu/fpu/convert.js';

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const f32 = new Float32Array(1);
const u32s = new Uint32Array(f32.buffer);

let seed = 0x12345678;
function rnd(): number {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return (t ^ (t >>> 14)) >>> 0;
}
function randomDouble(): number {
  const r = rnd() % 10;
  if (r === 0) return (rnd() % 2000) - 1000;
  u32[0] = rnd();
  // exponents clustered in the middle so that most results stay normal; some extremes
  const e = r === 1 ? rnd() % 2047 : 1023 - 40 + (rnd() % 80);
  u32[1] = ((rnd() & 0x80000000) | (e << 20) | (rnd() & 0xfffff)) >>> 0;
  return f64[0]!;
}
const CW53 = 0x027f, CW24 = 0x007f;

function bitsOf(d: number): string {
  f64[0] = d;
  return `${u32[1]!.toString(16).padStart(8, '0')}${u32[0]!.toString(16).padStart(8, '0')}`;
}

describe('extended-precision core vs IEEE doubles (PC=53, round to nearest)', () => {
  const a = new F80(), b = new F80(), r = new F80(), t = new F80();
  const load = (x: F80, d: number): void => { f64[0] = d; loadF64(x, u32[0]!, u32[1]!); };
  const result = (): string => { storeF64(t, r.se, r.hi, r.lo, 0); return `${outHi.toString(16).padStart(8, '0')}${outLo.toString(16).padStart(8, '0')}`; };
  const ops: [string, (x: number, y: number) => number, () => void][] = [
    ['add', (x, y) => x + y, () => addSub(r, a.se, a.hi, a.lo, b.se, b.hi, b.lo, false, CW53)],
    ['sub', (x, y) => x - y, () => addSub(r, a.se, a.hi, a.lo, b.se, b.hi, b.lo, true, CW53)],
    ['mul', (x, y) => x * y, () => mul(r, a.se, a.hi, a.lo, b.se, b.hi, b.lo, CW53)],
    ['div', (x, y) => x / y, () => div(r, a.se, a.hi, a.lo, b.se, b.hi, b.lo, CW53)],
  ];
  for (const [name, js, ours] of ops) {
    it(name, () => {
      const bad: string[] = [];
      for (let n = 0; n < 20000; n++) {
        const x = randomDouble();
        const y = name === 'sub' && n % 3 === 0 ? x * (1 + (rnd() % 5) * 2 ** -52) : randomDouble();
        const want = js(x, y);
        if (!Number.isFinite(want) || (want !== 0 && Math.abs(want) < 2.2250738585072014e-308)) continue; // range differs (extended exponent)
        load(a, x); load(b, y); ours();
        const got = result();
        if (got !== bitsOf(want) && !(Number.isNaN(want))) bad.push(`${x} ${name} ${y}: want ${bitsOf(want)} got ${got}`);
      }
      expect(bad.slice(0, 5)).toEqual([]);
    });
  }
  it('sqrt', () => {
    const bad: string[] = [];
    for (let n = 0; n < 20000; n++) {
      const x = Math.abs(randomDouble());
      load(a, x); sqrt(r, a.se, a.hi, a.lo, CW53);
      const got = result();
      if (got !== bitsOf(Math.sqrt(x))) bad.push(`sqrt ${x}: want ${bitsOf(Math.sqrt(x))} got ${got}`);
    }
    expect(bad.slice(0, 5)).toEqual([]);
  });
  it('single precision (PC=24) on float operands matches fround of the double result', () => {
    const bad: string[] = [];
    for (let n = 0; n < 20000; n++) {
      const x = Math.fround(randomDouble() % 1e30), y = Math.fround(randomDouble() % 1e30);
      if (!Number.isFinite(x) || !Number.isFinite(y) || y === 0) continue;
      f32[0] = x; loadF32(a, u32s[0]!); f32[0] = y; loadF32(b, u32s[0]!);
      for (const [name, js, ours] of [['mul', (p: number, q: number) => p * q, () => mul(r, a.se, a.hi, a.lo, b.se, b.hi, b.lo, CW24)],
        ['div', (p: number, q: number) => p / q, () => div(r, a.se, a.hi, a.lo, b.se, b.hi, b.lo, CW24)],
        ['add', (p: number, q: number) => p + q, () => addSub(r, a.se, a.hi, a.lo, b.se, b.hi, b.lo, false, CW24)]] as const) {
        const want = Math.fround(js(x, y));
        if (!Number.isFinite(want) || (want !== 0 && Math.abs(want) < 1.1754943508222875e-38)) continue;
        ours();
        storeF32(t, r.se, r.hi, r.lo, 0);
        f32[0] = want;
        if (outLo !== u32s[0]) bad.push(`${x} ${name} ${y}: want ${u32s[0]!.toString(16)} got ${outLo.toString(16)}`);
      }
    }
    expect(bad.slice(0, 5)).toEqual([]);
  });
});

describe('determinism of the x87 code', () => {
  it('uses no implementation-approximated Math function (pow/**, exp, log, sin, ...): only exactly specified operations', () => {
    const dir = fileURLToPath(new URL('../../src/cpu/fpu/', import.meta.url));
    const allowed = new Set(['floor', 'abs', 'clz32', 'imul', 'max', 'min', 'trunc', 'sign']);
    const hits: string[] = [];
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
      readFileSync(dir + f, 'utf8').split('\n').forEach((line, n) => {
        const code = line.replace(/\/\/.*$/, '').replace(/^\s*\*.*$/, '').replace(/\/\*\*.*$/, '');
        for (const m of code.matchAll(/Math\.(\w+)/g)) if (!allowed.has(m[1]!)) hits.push(`${f}:${n + 1}: Math.${m[1]}`);
        if (/[^*/]\*\*[^*/]/.test(code)) hits.push(`${f}:${n + 1}: **`);
      });
    }
    expect(hits).toEqual([]);
  });
});

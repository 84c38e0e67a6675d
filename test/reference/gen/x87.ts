/**
 * x87 families. Every case starts from a full x87 state (an FNSAVE image: expandFpu(seed) patched
 * here) that the native harness loads with FRSTOR and the emulator runner with the same image; the
 * final state is recorded with FNSAVE and compared byte for byte, except:
 * - the CS and DS selectors in the pointer fields (the native process runs with Linux's user
 *   selectors, the emulator with its own);
 * - the status word bits the SDM leaves undefined for the instruction (per family, below);
 * - for cases that fault, the pointer fields (the kernel's signal frame builds them from FXSAVE).
 * No tolerance anywhere: the emulator computes in extended precision in software, so PC (24, 53,
 * 64 bits) and RC are random in the initial state and results must match bit for bit.
 */
import { DATA_ADDR, DATA_SIZE, DF, FPU_CW, FPU_ST, FPU_SW, FPU_TW, extendedTag, randomExtended } from '../format.js';
import { type CaseBuilder, type FamilyDef, type Rng, le32 } from './core.js';

export const C0 = 0x100, C1 = 0x200, C2 = 0x400, C3 = 0x4000;
/** Most instructions: C1 defined (stack fault direction or round-up), C0 C2 C3 undefined. */
export const UNDEF_C023 = C0 | C2 | C3;
export const UNDEF_ALL = C0 | C1 | C2 | C3;
/** A scratch area outside the compared data area, mapped natively and in the emulator (FNSAVE images). */
const SCRATCH = 0x57000;

/** Edits an FNSAVE image (registers by stack index ST(i), tags kept consistent with the contents). */
export class X87 {
  private readonly dv: DataView;
  constructor(readonly img: Uint8Array, private readonly rng: Rng) {
    this.dv = new DataView(img.buffer, img.byteOffset, img.byteLength);
  }
  get cw(): number { return this.dv.getUint16(FPU_CW, true); }
  set cw(v: number) { this.dv.setUint16(FPU_CW, v, true); }
  get sw(): number { return this.dv.getUint16(FPU_SW, true); }
  set sw(v: number) { this.dv.setUint16(FPU_SW, v, true); }
  get tw(): number { return this.dv.getUint16(FPU_TW, true); }
  set tw(v: number) { this.dv.setUint16(FPU_TW, v, true); }
  get top(): number { return (this.sw >>> 11) & 7; }
  phys(i: number): number { return (this.top + i) & 7; }
  isEmpty(i: number): boolean { return ((this.tw >>> (2 * this.phys(i))) & 3) === 3; }
  setEmpty(i: number, empty: boolean): void {
    const p = this.phys(i);
    const tag = empty ? 3 : extendedTag(this.img, FPU_ST + 10 * i);
    this.tw = (this.tw & ~(3 << (2 * p))) | (tag << (2 * p));
  }
  /** Makes ST(i) non-empty (its random value stays). */
  fill(...is: number[]): void { for (const i of is) this.setEmpty(i, false); }
  st(i: number): Uint8Array { return this.img.slice(FPU_ST + 10 * i, FPU_ST + 10 * i + 10); }
  setSt(i: number, v: Uint8Array): void {
    this.img.set(v, FPU_ST + 10 * i);
    this.setEmpty(i, false);
  }
  /** Sets the precision control (0 = 24, 2 = 53, 3 = 64 bits). */
  setPc(pc: number): void { this.cw = (this.cw & ~0x300) | (pc << 8); }
  setRc(rc: number): void { this.cw = (this.cw & ~0xc00) | (rc << 10); }
  /**
   * With probability p: random exception masks, and the sticky flags of the unmasked exceptions
   * cleared so that nothing is pending (the instruction itself may then raise an unmasked one,
   * which is recorded in ES, not delivered: the harness saves with FNSAVE, which does not wait).
   */
  maybeUnmask(p: number): void {
    if (!this.rng.bool(p)) return;
    const masks = this.rng.next() & 0x3f;
    this.cw = (this.cw & ~0x3f) | masks;
    this.sw &= ~(0x3f & ~masks);
    this.fixEs();
  }
  /** ES and B as the hardware derives them (flags & ~masks). */
  fixEs(): void {
    const es = (this.sw & ~this.cw & 0x3f) !== 0;
    this.sw = (this.sw & ~0x8080) | (es ? 0x8080 : 0);
  }
  /** Makes an exception pending: one set flag that is unmasked. */
  makePending(): void {
    const bit = 1 << this.rng.int(6);
    this.sw |= bit;
    this.cw &= ~bit;
    this.fixEs();
  }
  /** Refreshes the non-empty tags from the contents (after writing register bytes directly). */
  fixTags(): void { for (let i = 0; i < 8; i++) if (!this.isEmpty(i)) this.setEmpty(i, false); }
}

// ---- operand values ------------------------------------------------------------------------------------------

export function ext(rng: Rng): Uint8Array {
  const b = new Uint8Array(10);
  randomExtended(() => rng.next(), b, 0);
  return b;
}

/** A value close to x: same exponent (or one off), nearby significand, sometimes the other sign. */
export function near(rng: Rng, x: Uint8Array): Uint8Array {
  const b = x.slice();
  const k = rng.int(4);
  if (k === 0) return b; // equal
  if (k === 1) { b[rng.int(3)] ^= 1 << rng.int(8); return b; } // low bits differ
  if (k === 2) { b[9] ^= 0x80; return b; } // negated
  b[rng.int(8)] = rng.int(256);
  b[7] |= 0x80;
  return b;
}

/** An edge-weighted single (m32fp) bit pattern. */
export function f32(rng: Rng): number {
  const r = rng.int(100);
  const sign = rng.bool() ? 0x80000000 : 0;
  const frac = rng.next() & 0x7fffff;
  let e: number;
  if (r < 40) e = 127 - 30 + rng.int(60);
  else if (r < 48) { const v = 1 + rng.int(1000); const n = Math.clz32(v); return (sign | ((127 + 31 - n) << 23) | (((v << n) >>> 8) & 0x7fffff)) >>> 0; }
  else if (r < 55) return sign >>> 0;
  else if (r < 61) return (sign | 0x7f800000) >>> 0;
  else if (r < 67) return (sign | 0x7fc00000 | frac) >>> 0;
  else if (r < 72) return (sign | 0x7f800000 | (frac & 0x3fffff) | 1) >>> 0; // SNaN
  else if (r < 80) return (sign | frac | 1) >>> 0; // denormal
  else if (r < 90) e = rng.pick([1, 2, 253, 254]);
  else return rng.next();
  return (sign | (e << 23) | frac) >>> 0;
}

/** An edge-weighted double (m64fp) as [lo, hi]. */
export function f64(rng: Rng): [number, number] {
  const r = rng.int(100);
  const sign = rng.bool() ? 0x80000000 : 0;
  const fh = rng.next() & 0xfffff, lo = rng.next();
  let e: number;
  if (r < 40) e = 1023 - 60 + rng.int(120);
  else if (r < 48) { const v = 1 + rng.int(1000); const n = Math.clz32(v); return [0, (sign | ((1023 + 31 - n) << 20) | (((v << n) >>> 11) & 0xfffff)) >>> 0]; }
  else if (r < 55) return [0, sign >>> 0];
  else if (r < 61) return [0, (sign | 0x7ff00000) >>> 0];
  else if (r < 67) return [lo, (sign | 0x7ff80000 | fh) >>> 0];
  else if (r < 72) return [lo | 1, (sign | 0x7ff00000 | (fh & 0x7ffff)) >>> 0]; // SNaN
  else if (r < 80) return [lo | 1, (sign | fh) >>> 0]; // denormal
  else if (r < 90) e = rng.pick([1, 2, 2045, 2046]);
  else return [rng.next(), rng.next()];
  return [lo, (sign | (e << 20) | fh) >>> 0];
}

function wrBytes(b: CaseBuilder, off: number, v: Uint8Array): void { b.data.set(v, off); }

/** An 80-bit normal value truncated to a double ([lo, hi]), or null when out of the double's normal range. */
export function truncF64(v: Uint8Array): [number, number] | null {
  const dv = new DataView(v.buffer, v.byteOffset, 10);
  const se = dv.getUint16(8, true), hi = dv.getUint32(4, true), lo = dv.getUint32(0, true);
  const e = (se & 0x7fff) - 0x3fff + 1023;
  if (e < 1 || e > 2046 || hi < 0x80000000) return null;
  return [((hi << 21) | (lo >>> 11)) >>> 0, ((se & 0x8000) << 16 | (e << 20) | ((hi >>> 11) & 0xfffff)) >>> 0];
}

/** An 80-bit normal value truncated to a single, or null when out of the single's normal range. */
export function truncF32(v: Uint8Array): number | null {
  const dv = new DataView(v.buffer, v.byteOffset, 10);
  const se = dv.getUint16(8, true), hi = dv.getUint32(4, true);
  const e = (se & 0x7fff) - 0x3fff + 127;
  if (e < 1 || e > 254 || hi < 0x80000000) return null;
  return ((se & 0x8000) << 16 | (e << 23) | ((hi >>> 8) & 0x7fffff)) >>> 0;
}

// ---- families --------------------------------------------------------------------------------------------------

const ARITH = ['FADD', 'FMUL', 'FCOM', 'FCOMP', 'FSUB', 'FSUBR', 'FDIV', 'FDIVR'];
const ARITH_OPS = [0, 1, 4, 5, 6, 7];
const RULE_ARITH = 'SDM: C1 = round-up (0 on stack underflow); C0 C2 C3 undefined';
const RULE_CMP = 'SDM: C3 C2 C0 = relation (111 unordered), C1 = 0';
const N = 100;

interface X87Family {
  name: string;
  count?: number;
  undef?: number;
  rule?: string;
  expectVector?: number;
  mayFault?: readonly number[];
  gen(b: CaseBuilder, x: X87, i: number): void;
}

function fam(f: X87Family): FamilyDef {
  return {
    name: f.name, group: 'x87', flagsRule: f.rule ?? RULE_ARITH, count: f.count ?? N,
    ...(f.expectVector === undefined ? {} : { expectVector: f.expectVector }),
    ...(f.mayFault === undefined ? {} : { mayFault: f.mayFault }),
    gen(b, i) {
      // The integer registers do not matter to x87 instructions (EAX aside: FNSTSW AX writes AX):
      // zeros keep the fixture small. Memory operands set EBX themselves.
      for (let r = 1; r < 8; r++) b.regs[r] = 0;
      const x = new X87(b.useFpu(), b.rng);
      b.fpuUndef = f.undef ?? UNDEF_C023;
      f.gen(b, x, i);
      x.fixEs();
    },
  };
}

/** ST(0) (and ST(i)) present most of the time, related values often, random masks sometimes. */
function twoOperands(b: CaseBuilder, x: X87, other: number): void {
  if (b.rng.bool(0.92)) x.fill(0);
  if (other >= 0 && b.rng.bool(0.92)) x.fill(other);
  if (other > 0 && b.rng.bool(0.3)) x.setSt(other, near(b.rng, x.st(0)));
  x.maybeUnmask(0.2);
}

function arithFamilies(): FamilyDef[] {
  const out: FamilyDef[] = [];
  for (const op of ARITH_OPS) {
    const n = ARITH[op]!;
    const memForm = (form: string, opcode: number, size: number, value: (b: CaseBuilder, x: X87) => Uint8Array) => fam({
      name: `${form.startsWith('m') && form.endsWith('int') ? n.replace('F', 'FI') : n} ${form}`,
      gen(b, x) {
        twoOperands(b, x, -1);
        const m = b.mem(size);
        wrBytes(b, m.off, value(b, x));
        b.emit(opcode, ...m.bytes(op));
      },
    });
    out.push(memForm('m32fp', 0xd8, 4, (b) => new Uint8Array(le32(f32(b.rng)))));
    out.push(memForm('m64fp', 0xdc, 8, (b) => { const [lo, hi] = f64(b.rng); return new Uint8Array([...le32(lo), ...le32(hi)]); }));
    out.push(memForm('m16int', 0xde, 2, (b) => { const v = b.rng.value(16); return new Uint8Array([v & 0xff, v >>> 8]); }));
    out.push(memForm('m32int', 0xda, 4, (b) => new Uint8Array(le32(b.rng.value(32)))));
    const regForm = (form: string, opcode: number, name: string) => fam({
      name: `${name} ${form}`,
      gen(b, x) {
        const r = b.rng.int(8);
        twoOperands(b, x, r);
        b.emit(opcode, 0xc0 | (op << 3) | r);
      },
    });
    // In the DC/DE register forms reg 4/5 and 6/7 are named the other way round (SDM opcode map).
    const swapped = op >= 4 ? ARITH[op ^ 1]! : n;
    out.push(regForm('ST(0),ST(i)', 0xd8, n));
    out.push(regForm('ST(i),ST(0)', 0xdc, swapped));
    out.push(regForm('ST(i),ST(0)', 0xde, `${swapped}P`));
  }
  return out;
}

function unaryFamilies(): FamilyDef[] {
  const RULE_PREM = 'SDM: C2 = incomplete; complete: C0 C3 C1 = quotient bits 2 1 0';
  const one = (name: string, bytes: number[], extra?: (b: CaseBuilder, x: X87) => void, undef = UNDEF_C023, rule = RULE_ARITH) => fam({
    name, undef, rule,
    gen(b, x) {
      if (b.rng.bool(0.92)) x.fill(0);
      extra?.(b, x);
      x.maybeUnmask(0.2);
      b.emit(...bytes);
    },
  });
  return [
    one('FSQRT', [0xd9, 0xfa]),
    one('FABS', [0xd9, 0xe1]),
    one('FCHS', [0xd9, 0xe0]),
    one('FRNDINT', [0xd9, 0xfc]),
    one('FSCALE', [0xd9, 0xfd], (b, x) => {
      if (b.rng.bool(0.92)) x.fill(1);
      if (b.rng.bool(0.6)) {
        // a modest scale: an integer or a fraction in -130..130, sometimes huge
        const v = b.rng.bool(0.8) ? (b.rng.int(261) - 130) * (b.rng.bool(0.8) ? 1 : 1.37) : (b.rng.bool() ? 1 : -1) * (16000 + b.rng.int(70000));
        x.setSt(1, extFromNumber(v));
      }
    }),
    one('FXTRACT', [0xd9, 0xf4], (b, x) => { if (b.rng.bool(0.9)) x.setEmpty(7, true); }),
    one('FPREM', [0xd9, 0xf8], (b, x) => premOperands(b, x), 0, RULE_PREM),
    one('FPREM1', [0xd9, 0xf5], (b, x) => premOperands(b, x), 0, RULE_PREM),
  ];
}

/** FPREM operands: exponent differences from -2 to beyond 64 (partial remainders). */
function premOperands(b: CaseBuilder, x: X87): void {
  if (b.rng.bool(0.92)) x.fill(1);
  if (b.rng.bool(0.7)) {
    const a = x.st(0), d = b.rng.pick([-2, -1, 0, 1, 2, 3, 10, 30, 62, 63, 64, 65, 70, 100, 200, 1000, b.rng.int(130)]);
    const bb = ext(b.rng);
    const ea = (a[8]! | (a[9]! << 8)) & 0x7fff;
    const eb = Math.max(1, Math.min(0x7ffe, ea - d));
    bb[8] = eb & 0xff; bb[9] = (bb[9]! & 0x80) | (eb >>> 8);
    bb[7] |= 0x80;
    x.setSt(1, bb);
  }
}

/** An exact extended value of a double (for chosen operands such as FSCALE scales). */
export function extFromNumber(v: number): Uint8Array {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, v, true);
  const lo = dv.getUint32(0, true), hi = dv.getUint32(4, true);
  const out = new Uint8Array(10);
  if (v === 0) { out[9] = hi >>> 24 & 0x80; return out; }
  const e = ((hi >>> 20) & 0x7ff) - 1023 + 0x3fff;
  const mHi = (0x80000000 | ((hi & 0xfffff) << 11) | (lo >>> 21)) >>> 0, mLo = (lo << 11) >>> 0;
  out.set(le32(mLo), 0); out.set(le32(mHi), 4);
  out[8] = e & 0xff; out[9] = (e >>> 8) | ((hi >>> 24) & 0x80);
  return out;
}

function loadStoreFamilies(): FamilyDef[] {
  const out: FamilyDef[] = [];
  const load = (name: string, opcode: number, nnn: number, size: number, value: (b: CaseBuilder) => Uint8Array) => fam({
    name,
    gen(b, x) {
      if (b.rng.bool(0.85)) x.setEmpty(7, true);
      x.maybeUnmask(0.2);
      const m = b.mem(size);
      wrBytes(b, m.off, value(b));
      b.emit(opcode, ...m.bytes(nnn));
    },
  });
  out.push(load('FLD m32fp', 0xd9, 0, 4, (b) => new Uint8Array(le32(f32(b.rng)))));
  out.push(load('FLD m64fp', 0xdd, 0, 8, (b) => { const [lo, hi] = f64(b.rng); return new Uint8Array([...le32(lo), ...le32(hi)]); }));
  out.push(load('FLD m80fp', 0xdb, 5, 10, (b) => ext(b.rng)));
  out.push(load('FILD m16int', 0xdf, 0, 2, (b) => { const v = b.rng.value(16); return new Uint8Array([v & 0xff, v >>> 8]); }));
  out.push(load('FILD m32int', 0xdb, 0, 4, (b) => new Uint8Array(le32(b.rng.value(32)))));
  out.push(load('FILD m64int', 0xdf, 5, 8, (b) => new Uint8Array([...le32(b.rng.value(32)), ...le32(b.rng.value(32))])));
  out.push(load('FBLD m80bcd', 0xdf, 4, 10, (b) => {
    const v = new Uint8Array(10);
    const digits = b.rng.pick([1, 2, 5, 9, 12, 17, 18]);
    for (let d = 0; d < digits; d++) v[d >> 1] |= b.rng.int(10) << (4 * (d & 1));
    v[9] = b.rng.bool() ? 0x80 : 0;
    return v;
  }));
  out.push(fam({
    name: 'FLD ST(i)',
    gen(b, x) {
      const r = b.rng.int(8);
      if (b.rng.bool(0.85)) x.setEmpty(7, true);
      if (b.rng.bool(0.9)) x.fill(r);
      x.maybeUnmask(0.2);
      b.emit(0xd9, 0xc0 | r);
    },
  }));
  out.push(fam({
    name: 'FLD1 FLDL2T FLDL2E FLDPI FLDLG2 FLDLN2 FLDZ',
    count: 140,
    gen(b, x, i) {
      if (b.rng.bool(0.85)) x.setEmpty(7, true);
      x.maybeUnmask(0.2);
      b.emit(0xd9, 0xe8 + (i % 7));
    },
  }));
  const store = (name: string, opcode: number, nnn: number, size: number) => fam({
    name,
    gen(b, x) {
      if (b.rng.bool(0.92)) x.fill(0);
      x.maybeUnmask(0.25);
      const m = b.mem(size);
      b.emit(opcode, ...m.bytes(nnn));
    },
  });
  out.push(store('FST m32fp', 0xd9, 2, 4), store('FSTP m32fp', 0xd9, 3, 4), store('FST m64fp', 0xdd, 2, 8),
    store('FSTP m64fp', 0xdd, 3, 8), store('FSTP m80fp', 0xdb, 7, 10), store('FIST m16int', 0xdf, 2, 2),
    store('FISTP m16int', 0xdf, 3, 2), store('FIST m32int', 0xdb, 2, 4), store('FISTP m32int', 0xdb, 3, 4),
    store('FISTP m64int', 0xdf, 7, 8), store('FBSTP m80bcd', 0xdf, 6, 10));
  out.push(fam({
    name: 'FIST/FISTP/FBSTP of integral values near the limits',
    gen(b, x) {
      x.fill(0);
      const lim = b.rng.pick([32767, 32768, 2147483647, 2147483648, 2 ** 63, 1e18, 1e18 - 1, 65535, 12345]);
      x.setSt(0, extFromNumber((b.rng.bool() ? -1 : 1) * (lim + b.rng.pick([-1.5, -1, -0.5, 0, 0.5, 1, 1.5]))));
      x.maybeUnmask(0.25);
      const [opcode, nnn, size] = b.rng.pick([[0xdf, 2, 2], [0xdf, 3, 2], [0xdb, 2, 4], [0xdb, 3, 4], [0xdf, 7, 8], [0xdf, 6, 10]] as const);
      const m = b.mem(size);
      b.emit(opcode, ...m.bytes(nnn));
    },
  }));
  out.push(fam({
    name: 'FST/FSTP ST(i)',
    gen(b, x) {
      const r = b.rng.int(8);
      if (b.rng.bool(0.9)) x.fill(0);
      x.maybeUnmask(0.2);
      b.emit(0xdd, (b.rng.bool() ? 0xd0 : 0xd8) | r);
    },
  }));
  out.push(fam({
    name: 'FXCH ST(i)',
    gen(b, x) {
      const r = b.rng.int(8);
      if (b.rng.bool(0.9)) x.fill(0);
      if (b.rng.bool(0.9)) x.fill(r);
      x.maybeUnmask(0.2);
      b.emit(0xd9, 0xc8 | r);
    },
  }));
  out.push(fam({
    name: 'FCMOVcc ST(0),ST(i)',
    count: 160,
    gen(b, x) {
      const r = b.rng.int(8);
      if (b.rng.bool(0.9)) x.fill(0);
      if (b.rng.bool(0.9)) x.fill(r);
      x.maybeUnmask(0.2);
      b.emit(b.rng.bool() ? 0xda : 0xdb, 0xc0 | (b.rng.int(4) << 3) | r);
    },
  }));
  return out;
}

function compareFamilies(): FamilyDef[] {
  const out: FamilyDef[] = [];
  const memCmp = (name: string, opcode: number, nnn: number, size: number, value: (b: CaseBuilder, x: X87) => Uint8Array) => fam({
    name, rule: RULE_CMP, undef: 0,
    gen(b, x) {
      twoOperands(b, x, -1);
      const m = b.mem(size);
      wrBytes(b, m.off, value(b, x));
      b.emit(opcode, ...m.bytes(nnn));
    },
  });
  // A quarter of the time the memory operand is ST(0) truncated to its format, so equal operands
  // and near misses occur.
  const m32 = (b: CaseBuilder, x: X87) => new Uint8Array(le32(b.rng.bool(0.25) ? truncF32(x.st(0)) ?? f32(b.rng) : f32(b.rng)));
  const m64 = (b: CaseBuilder, x: X87) => {
    const [lo, hi] = b.rng.bool(0.25) ? truncF64(x.st(0)) ?? f64(b.rng) : f64(b.rng);
    return new Uint8Array([...le32(lo), ...le32(hi)]);
  };
  // Integers: a quarter of the time ST(0) holds the same integer.
  const int = (b: CaseBuilder, x: X87, width: 16 | 32) => {
    const v = b.rng.value(width);
    if (b.rng.bool(0.25)) x.setSt(0, extFromNumber(width === 16 ? (v << 16) >> 16 : v | 0));
    return new Uint8Array(width === 16 ? [v & 0xff, v >>> 8] : le32(v));
  };
  out.push(memCmp('FCOM m32fp', 0xd8, 2, 4, m32), memCmp('FCOMP m32fp', 0xd8, 3, 4, m32),
    memCmp('FCOM m64fp', 0xdc, 2, 8, m64), memCmp('FCOMP m64fp', 0xdc, 3, 8, m64),
    memCmp('FICOM m16int', 0xde, 2, 2, (b, x) => int(b, x, 16)), memCmp('FICOMP m16int', 0xde, 3, 2, (b, x) => int(b, x, 16)),
    memCmp('FICOM m32int', 0xda, 2, 4, (b, x) => int(b, x, 32)), memCmp('FICOMP m32int', 0xda, 3, 4, (b, x) => int(b, x, 32)));
  const regCmp = (name: string, bytes: (r: number) => number[], undef = 0, rule = RULE_CMP, fixedOther?: number) => fam({
    name, rule, undef,
    gen(b, x) {
      const r = fixedOther ?? b.rng.int(8);
      twoOperands(b, x, r);
      b.emit(...bytes(r));
    },
  });
  out.push(regCmp('FCOM ST(i)', (r) => [0xd8, 0xd0 | r]), regCmp('FCOMP ST(i)', (r) => [0xd8, 0xd8 | r]),
    regCmp('FCOMPP', () => [0xde, 0xd9], 0, RULE_CMP, 1),
    regCmp('FUCOM ST(i)', (r) => [0xdd, 0xe0 | r]), regCmp('FUCOMP ST(i)', (r) => [0xdd, 0xe8 | r]),
    regCmp('FUCOMPP', () => [0xda, 0xe9], 0, RULE_CMP, 1));
  // The SDM says FCOMI sets C1 to 0; this CPU (and QEMU) leave it unchanged unless the stack underflows,
  // and so do we (docs/cpu.md).
  const RULE_COMI = 'SDM: ZF PF CF = relation (111 unordered), OF SF AF cleared; C1 = 0 (hardware: unchanged but on underflow), C0 C2 C3 unaffected';
  out.push(regCmp('FCOMI ST(0),ST(i)', (r) => [0xdb, 0xf0 | r], 0, RULE_COMI), regCmp('FCOMIP ST(0),ST(i)', (r) => [0xdf, 0xf0 | r], 0, RULE_COMI),
    regCmp('FUCOMI ST(0),ST(i)', (r) => [0xdb, 0xe8 | r], 0, RULE_COMI), regCmp('FUCOMIP ST(0),ST(i)', (r) => [0xdf, 0xe8 | r], 0, RULE_COMI));
  out.push(fam({
    // The SDM says ZF PF CF are not set when an unmasked #IA is signalled; the hardware sets them.
    name: 'FCOMI/FUCOMI(P) with NaN operands and IE unmasked', count: 40, rule: RULE_COMI, undef: 0,
    gen(b, x, i) {
      const r = 1 + b.rng.int(7);
      x.fill(0, r);
      const nan = new Uint8Array([b.rng.int(256), 0, 0, 0, 0, 0, 0, b.rng.bool() ? 0xc0 : 0x80 | b.rng.int(0x40), 0xff, 0x7f]);
      if (nan[7] === 0x80 && nan[0] === 0) nan[0] = 1;
      x.setSt(b.rng.bool() ? 0 : r, nan);
      x.cw &= ~1;
      x.sw &= ~1;
      b.emit([0xdb, 0xdf][i % 2]!, [0xe8, 0xf0][(i >> 1) % 2]! | r);
    },
  }));
  out.push(fam({
    name: 'FTST', rule: RULE_CMP, undef: 0,
    gen(b, x) { twoOperands(b, x, -1); b.emit(0xd9, 0xe4); },
  }));
  out.push(fam({
    name: 'FXAM', rule: 'SDM: C3 C2 C0 = class, C1 = sign (also when empty)', undef: 0,
    gen(b, x) { if (b.rng.bool(0.8)) x.fill(0); b.emit(0xd9, 0xe5); },
  }));
  return out;
}

function controlFamilies(): FamilyDef[] {
  const out: FamilyDef[] = [];
  const simple = (name: string, bytes: number[], undef: number, rule: string, prep?: (b: CaseBuilder, x: X87) => void) => fam({
    name, undef, rule,
    gen(b, x) { prep?.(b, x); x.maybeUnmask(0.2); b.emit(...bytes); },
  });
  out.push(simple('FNINIT', [0xdb, 0xe3], 0, 'SDM: everything reset'));
  out.push(simple('FNCLEX', [0xdb, 0xe2], UNDEF_ALL, 'SDM: C0-C3 undefined'));
  out.push(simple('FNSTSW AX', [0xdf, 0xe0], UNDEF_ALL, 'SDM: C0-C3 undefined'));
  out.push(simple('FNOP', [0xd9, 0xd0], UNDEF_ALL, 'SDM: C0-C3 undefined'));
  out.push(simple('FINCSTP', [0xd9, 0xf7], UNDEF_C023, 'SDM: C1 = 0; C0 C2 C3 undefined'));
  out.push(simple('FDECSTP', [0xd9, 0xf6], UNDEF_C023, 'SDM: C1 = 0; C0 C2 C3 undefined'));
  out.push(fam({
    name: 'FFREE ST(i), FFREEP ST(i)', undef: UNDEF_ALL, rule: 'SDM: C0-C3 undefined',
    gen(b, x) { x.maybeUnmask(0.2); b.emit(b.rng.bool(0.7) ? 0xdd : 0xdf, 0xc0 | b.rng.int(8)); },
  }));
  const memCtl = (name: string, opcode: number, nnn: number, size: number, undef: number, rule: string, o16 = false,
    prep?: (b: CaseBuilder, x: X87, off: number) => void) => fam({
    name, undef, rule,
    gen(b, x) {
      x.maybeUnmask(0.3);
      const m = b.mem(size);
      prep?.(b, x, m.off);
      if (o16) b.emit(0x66);
      b.emit(opcode, ...m.bytes(nnn));
    },
  });
  out.push(memCtl('FNSTSW m16', 0xdd, 7, 2, UNDEF_ALL, 'SDM: C0-C3 undefined'));
  out.push(memCtl('FNSTCW m16', 0xd9, 7, 2, UNDEF_ALL, 'SDM: C0-C3 undefined'));
  out.push(memCtl('FLDCW m16', 0xd9, 5, 2, UNDEF_ALL, 'SDM: C0-C3 undefined', false, (b, _x, off) => {
    // Random control words: reserved bits, PC 01, and unmasking flags that are set (ES appears).
    const v = b.rng.bool(0.5) ? b.rng.next() & 0xffff : 0x0340 | b.rng.int(0x40) | (b.rng.int(16) << 8);
    b.data[off] = v & 0xff; b.data[off + 1] = v >>> 8;
  }));
  out.push(memCtl('FNSTENV m28byte', 0xd9, 6, 28, UNDEF_ALL, 'SDM: C0-C3 undefined'));
  out.push(memCtl('FNSTENV m14byte (o16)', 0xd9, 6, 14, UNDEF_ALL, 'SDM: C0-C3 undefined', true));
  const envData = (b: CaseBuilder, x: X87, off: number, n: number) => {
    // The current environment with random control, status and tag words (the rest of the data random).
    const cw = b.rng.next() & 0xffff, sw = b.rng.next() & 0xffff, tw = b.rng.bool(0.5) ? b.rng.next() & 0xffff : x.tw;
    const w = n === 28 ? 4 : 2;
    b.data[off] = cw & 0xff; b.data[off + 1] = cw >>> 8;
    b.data[off + w] = sw & 0xff; b.data[off + w + 1] = sw >>> 8;
    b.data[off + 2 * w] = tw & 0xff; b.data[off + 2 * w + 1] = tw >>> 8;
  };
  out.push(memCtl('FLDENV m28byte', 0xd9, 4, 28, 0, 'loaded', false, (b, x, off) => envData(b, x, off, 28)));
  out.push(memCtl('FLDENV m14byte (o16)', 0xd9, 4, 14, 0, 'loaded', true, (b, x, off) => envData(b, x, off, 14)));
  // FNSAVE/FRSTOR images are larger than the data area: go through the scratch area with REP MOVSD.
  const copy = (from: number, to: number, dwords: number): number[] => [0xbe, ...le32(from), 0xbf, ...le32(to), 0xb9, ...le32(dwords), 0xf3, 0xa5];
  for (const [o16, size] of [[false, 108], [true, 94]] as const) {
    for (const part of [0, size - DATA_SIZE]) {
      out.push(fam({
        name: `FNSAVE m${size}byte${o16 ? ' (o16)' : ''}, bytes ${part}-${part + DATA_SIZE - 1} copied out`, count: 60, undef: 0,
        rule: 'SDM: state saved, then FNINIT',
        gen(b, x) {
          x.maybeUnmask(0.3);
          b.flags &= ~DF; // REP MOVSD forwards
          b.emit(...(o16 ? [0x66] : []), 0xdd, 0x35, ...le32(SCRATCH), ...copy(SCRATCH + part, DATA_ADDR, DATA_SIZE / 4));
        },
      }));
    }
    out.push(fam({
      name: `FRSTOR m${size}byte${o16 ? ' (o16)' : ''} (data area, then its first ${size - DATA_SIZE} bytes again)`, count: 80, undef: 0,
      rule: 'loaded',
      gen(b, x) {
        x.maybeUnmask(0.3);
        // a plausible image: this state's environment with random words, random register bytes
        const img = x.img.slice();
        img[0] = b.rng.int(256); img[1] = b.rng.int(256); img[4] = b.rng.int(256); img[5] = b.rng.int(256);
        if (o16) { b.data.set(img.subarray(0, 2), 0); b.data.set(img.subarray(4, 6), 2); b.data.set(img.subarray(8, 10), 4); }
        else b.data.set(img.subarray(0, 28), 0);
        b.flags &= ~DF; // REP MOVSD forwards
        b.emit(...copy(DATA_ADDR, SCRATCH, DATA_SIZE / 4), 0xbe, ...le32(DATA_ADDR), 0xb9, ...le32((size - DATA_SIZE) / 4 | 0), 0xf3, 0xa5);
        if ((size - DATA_SIZE) % 4) b.emit(0xa4, 0xa4); // 94-byte image: two more bytes
        b.emit(...(o16 ? [0x66] : []), 0xdd, 0x25, ...le32(SCRATCH));
      },
    }));
  }
  return out;
}

/** Every register form (mod = 3) of D8-DF except the unimplemented transcendentals: valid, alias or #UD. */
function encodingFamily(): FamilyDef {
  const skip = new Set([0xd9f0, 0xd9f1, 0xd9f2, 0xd9f3, 0xd9f9, 0xd9fb, 0xd9fe, 0xd9ff]);
  const encodings: number[] = [];
  for (let op = 0xd8; op <= 0xdf; op++) for (let m = 0xc0; m <= 0xff; m++) if (!skip.has((op << 8) | m)) encodings.push((op << 8) | m);
  return fam({
    name: 'every register form D8-DF C0-FF (aliases, #UD)', count: encodings.length, undef: UNDEF_ALL, mayFault: [6],
    rule: 'C0-C3 not compared (they differ by instruction)',
    gen(b, x, i) {
      const e = encodings[i]!;
      if (b.rng.bool(0.8)) x.fill(0, 1, e & 7);
      if (b.rng.bool(0.5)) x.setEmpty(7, true);
      b.set32(4, 0x58000);
      b.emit(e >>> 8, e & 0xff);
    },
  });
}

/** Memory forms with no instruction: D9 /1, DB /4, DB /6, DD /5. */
function memUdFamily(): FamilyDef {
  return fam({
    name: 'memory forms with no instruction (#UD)', count: 40, undef: 0, expectVector: 6, rule: 'fault: nothing changes',
    gen(b, x, i) {
      const [opcode, nnn] = [[0xd9, 1], [0xdb, 4], [0xdb, 6], [0xdd, 5]][i % 4]!;
      const m = b.mem(4);
      b.set32(4, 0x58000);
      x.fixEs();
      b.emit(opcode!, ...m.bytes(nnn!));
    },
  });
}

/** A pending unmasked exception is delivered (#MF, vector 16) by the next waiting instruction. */
function pendingFamilies(): FamilyDef[] {
  const waiting: number[][] = [[0x9b], [0xd9, 0xe8], [0xd8, 0xc1], [0xd9, 0xd0], [0xd9, 0xe5], [0xdd, 0xc1], [0xd9, 0xc9]];
  const noWait: number[][] = [[0xdf, 0xe0], [0xdb, 0xe2], [0xdb, 0xe3]];
  return [
    fam({
      name: 'pending exception, waiting instruction: #MF', count: 70, undef: 0, expectVector: 16, rule: 'fault: nothing changes',
      gen(b, x, i) { x.makePending(); b.set32(4, 0x58000); b.emit(...waiting[i % waiting.length]!); },
    }),
    fam({
      name: 'pending exception, no-wait instruction (FNSTSW AX, FNCLEX, FNINIT)', count: 30, undef: UNDEF_ALL, rule: 'no #MF',
      gen(b, x, i) { x.makePending(); b.emit(...noWait[i % noWait.length]!); },
    }),
    fam({
      name: 'unmasked exception, then FWAIT', count: 120, undef: UNDEF_C023, mayFault: [16], rule: RULE_ARITH,
      gen(b, x) {
        x.fill(0, 1);
        x.maybeUnmask(1);
        b.set32(4, 0x58000);
        b.emit(...b.rng.pick([[0xd8, 0xf1], [0xd8, 0xc9], [0xd9, 0xfa], [0xdd, 0xd9], [0xd9, 0xfc], [0xde, 0xc1]]), 0x9b);
      },
    }),
  ];
}

/**
 * Legacy prefixes on x87 instructions: segment overrides (flat segments only), 66, F2, F3. They
 * change nothing but the length: FIP points at the first prefix, FDS is the override's selector.
 */
function prefixFamily(): FamilyDef {
  return fam({
    name: 'prefixed x87 instructions (segment override, 66, F2, F3)',
    gen(b, x) {
      const r = b.rng.int(8);
      twoOperands(b, x, r);
      const n = b.rng.range(1, 3);
      const ps: number[] = [];
      for (let k = 0; k < n; k++) ps.push(b.rng.pick([0x26, 0x2e, 0x36, 0x3e, 0x66, 0xf2, 0xf3]));
      b.emit(...ps);
      const op = b.rng.pick(ARITH_OPS);
      if (b.rng.bool()) b.emit(0xd8, 0xc0 | (op << 3) | r);
      else {
        const m = b.mem(8);
        const [lo, hi] = f64(b.rng);
        wrBytes(b, m.off, new Uint8Array([...le32(lo), ...le32(hi)]));
        b.emit(0xdc, ...m.bytes(op));
      }
    },
  });
}

/** Random x87 sequences (state carried across instructions), all exceptions masked. */
function sequenceFamily(): FamilyDef {
  type Gen = (b: CaseBuilder) => number[];
  const r8 = (b: CaseBuilder) => b.rng.int(8);
  const memOp = (b: CaseBuilder, opcode: number, nnn: number, size: number, value?: Uint8Array): number[] => {
    const off = b.rng.int(DATA_SIZE / 8) * 8;
    if (value) b.data.set(value, off);
    void size;
    return [opcode, 0x05 | (nnn << 3), ...le32(DATA_ADDR + off)];
  };
  const pool: Gen[] = [
    (b) => [0xd9, 0xc0 | r8(b)], // FLD ST(i)
    (b) => [0xd8, 0xc0 | (b.rng.pick(ARITH_OPS) << 3) | r8(b)],
    (b) => [0xdc, 0xc0 | (b.rng.pick(ARITH_OPS) << 3) | r8(b)],
    (b) => [0xde, 0xc0 | (b.rng.pick(ARITH_OPS) << 3) | r8(b)],
    (b) => [0xd9, 0xc8 | r8(b)], // FXCH
    (b) => [0xd9, b.rng.pick([0xe0, 0xe1, 0xe4, 0xe5, 0xe8, 0xeb, 0xee, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xfa, 0xfc, 0xfd])],
    (b) => [0xdd, b.rng.pick([0xc0, 0xd0, 0xd8, 0xe0, 0xe8]) | r8(b)], // FFREE FST FSTP FUCOM FUCOMP
    (b) => [b.rng.pick([0xdb, 0xdf]), b.rng.pick([0xe8, 0xf0]) | r8(b)], // FUCOMI FCOMI (P)
    (b) => [b.rng.pick([0xda, 0xdb]), (b.rng.int(4) << 3) | 0xc0 | r8(b)], // FCMOVcc
    (b) => [0xdf, 0xe0], // FNSTSW AX
    (b) => { const [lo, hi] = f64(b.rng); return memOp(b, 0xdd, 0, 8, new Uint8Array([...le32(lo), ...le32(hi)])); }, // FLD m64
    (b) => memOp(b, 0xdd, b.rng.pick([2, 3]), 8), // FST(P) m64
    (b) => memOp(b, 0xd9, b.rng.pick([2, 3]), 4), // FST(P) m32
    (b) => memOp(b, 0xdb, b.rng.pick([2, 3]), 4), // FIST(P) m32
    (b) => memOp(b, 0xdb, 0, 4, new Uint8Array(le32(b.rng.value(32)))), // FILD m32
    (b) => { const [lo, hi] = f64(b.rng); return memOp(b, 0xdc, b.rng.pick(ARITH_OPS), 8, new Uint8Array([...le32(lo), ...le32(hi)])); },
  ];
  return fam({
    name: 'sequences (state carried across x87 instructions)', count: 600, undef: UNDEF_ALL, rule: 'C0-C3 not compared',
    gen(b, x) {
      for (let i = 0; i < 8; i++) if (b.rng.bool(0.6)) x.fill(i);
      const n = b.rng.range(2, 5);
      for (let k = 0; k < n; k++) b.emit(...b.rng.pick(pool)(b));
    },
  });
}

export function x87Families(): FamilyDef[] {
  return [
    ...arithFamilies(), ...unaryFamilies(), ...loadStoreFamilies(), ...compareFamilies(), ...controlFamilies(),
    encodingFamily(), memUdFamily(), ...pendingFamilies(), prefixFamily(), sequenceFamily(),
  ];
}


/**
 * x87 rows. Every case starts from a random x87 state (format.ts expandFpu: values of every class,
 * a quarter of the registers empty, random PC RC TOP and flags) that the native harness loads
 * with FRSTOR; the final FNSAVE image is compared byte for byte except the pointer selectors, the
 * status bits the SDM leaves undefined (per row, below) and, at a fault, the pointers. Operands
 * come from the hand-written families' value generators (gen/x87.ts): edge-weighted singles,
 * doubles, extended values, integers, BCD, and values close to another operand.
 */
import { expandFpu } from '../../format.js';
import { UNDEF_ALL, UNDEF_C023, X87, ext, extFromNumber, f32, f64, near, truncF32, truncF64 } from '../../gen/x87.js';
import { CASE_FLAGS } from '../env.js';
import { COMPLETES, type Gen, le32 } from '../case.js';
import { mnemonic, operandsOf, type Template } from '../rows.js';

const MF = 1 << 16;
/** Instructions that do not wait (no #MF for a pending exception). */
const NO_WAIT = new Set(['FNINIT', 'FNCLEX', 'FNSTSW', 'FNSTCW', 'FNSTENV', 'FNSAVE']);
/** Whether these deliver a pending exception is not something the SDM spells out: either outcome is accepted. */
const MAY_WAIT = new Set(['FLDENV', 'FRSTOR', 'FLDCW', 'FNENI', 'FNDISI', 'FNSETPM']);
/** SDM: C0-C3 undefined. */
const ALL_UNDEF = new Set(['FNCLEX', 'FNSTSW', 'FNOP', 'FFREE', 'FFREEP', 'FLDCW', 'FNSTCW', 'FNSTENV', 'FNENI', 'FNDISI', 'FNSETPM', 'FWAIT']);
/** SDM: C0-C3 defined (comparisons, classification, remainders, state loads). */
const NONE_UNDEF = new Set(['FCOM', 'FCOMP', 'FCOM2', 'FCOMP3', 'FCOMP5', 'FCOMPP', 'FUCOM', 'FUCOMP', 'FUCOMPP', 'FICOM', 'FICOMP',
  'FTST', 'FXAM', 'FPREM', 'FPREM1', 'FCOMI', 'FCOMIP', 'FUCOMI', 'FUCOMIP', 'FNINIT', 'FLDENV', 'FRSTOR', 'FNSAVE']);

/** The x87 state of the case (a random image), as an editor. */
function fpuState(g: Gen): X87 {
  const img = expandFpu(g.rng.next());
  g.c.fpu.set(img);
  g.c.hasFpu = true;
  return new X87(g.c.fpu, g.rng);
}

/** Bytes of a memory operand value in the row's format. */
function memValue(g: Gen, x: X87, form: string): number[] {
  const rng = g.rng;
  switch (form) {
    case 'm32fp': return le32(g.bool(0.2) ? truncF32(x.st(0)) ?? f32(rng) : f32(rng));
    case 'm64fp': { const [lo, hi] = g.bool(0.2) ? truncF64(x.st(0)) ?? f64(rng) : f64(rng); return [...le32(lo), ...le32(hi)]; }
    case 'm80fp': return [...(g.bool(0.2) ? near(rng, x.st(0)) : ext(rng))];
    case 'm16int': { const v = g.value(16); if (g.bool(0.15)) x.setSt(0, extFromNumber((v << 16) >> 16)); return [v & 0xff, v >>> 8]; }
    case 'm32int': { const v = g.value(32); if (g.bool(0.15)) x.setSt(0, extFromNumber(v | 0)); return le32(v); }
    case 'm64int': return [...le32(g.value(32)), ...le32(g.bool(0.5) ? g.value(32) : (g.bool() ? 0 : 0xffffffff))];
    case 'm80bcd': {
      const v = new Array<number>(10).fill(0);
      const digits = g.pick([1, 2, 5, 9, 12, 17, 18]);
      for (let d = 0; d < digits; d++) v[d >> 1]! |= (g.bool(0.97) ? g.int(10) : 10 + g.int(6)) << (4 * (d & 1));
      v[9] = g.bool() ? 0x80 : 0;
      return v;
    }
    default: return [];
  }
}

const SIZE: Record<string, number> = { m32fp: 4, m64fp: 8, m80fp: 10, m16int: 2, m32int: 4, m64int: 8, m80bcd: 10, m2byte: 2 };

/** Values around the integer and BCD limits for stores. */
function nearLimit(g: Gen, x: X87): void {
  const lim = g.pick([32767, 32768, 2147483647, 2147483648, 2 ** 63, 1e18, 1e18 - 1, 65535, 12345, 0.5, 1.5, 2.5]);
  x.setSt(0, extFromNumber((g.bool() ? -1 : 1) * (lim + g.pick([-1.5, -1, -0.5, 0, 0.5, 1, 1.5]))));
}

/** Every x87 row (memory forms by ModRM.reg, register forms by their fixed ModRM). */
export const x87: Template = (g, r) => {
  const m = mnemonic(r.name);
  const form = operandsOf(r.name);
  const x = fpuState(g);
  const c = g.c;
  const i = r.modrm >= 0 ? r.modrm & 7 : -1;
  // the registers the instruction reads are usually not empty, and related
  if (g.bool(0.92)) x.fill(0);
  if (i > 0 && g.bool(0.92)) x.fill(i);
  if (i > 0 && g.bool(0.3)) x.setSt(i, near(g.rng, x.st(0)));
  if (m === 'FCOMPP' || m === 'FUCOMPP' || m === 'FSCALE' || m === 'FPREM' || m === 'FPREM1') { if (g.bool(0.92)) x.fill(1); }
  if (/^(FLD|FILD|FBLD)/.test(m) && g.bool(0.85)) x.setEmpty(7, true); // room for the push
  if (m === 'FXTRACT' && g.bool(0.9)) x.setEmpty(7, true);
  if (/^(FIST|FBSTP|FRNDINT)/.test(m) && g.bool(0.3)) nearLimit(g, x);
  if (m === 'FSCALE' && g.bool(0.6)) {
    const v = g.bool(0.8) ? (g.int(261) - 130) * (g.bool(0.8) ? 1 : 1.37) : (g.bool() ? 1 : -1) * (16000 + g.int(70000));
    x.setSt(1, extFromNumber(v));
  }
  x.maybeUnmask(0.2);
  let outcomes = COMPLETES;
  if (NO_WAIT.has(m)) { if (g.bool(0.1)) x.makePending(); }
  else if (g.bool(0.04)) { x.makePending(); outcomes = MAY_WAIT.has(m) ? COMPLETES | MF : MF; }

  const bytes = [...r.bytes];
  if (r.modrm >= 0) bytes.push(r.modrm);
  else if (r.row.modrm) {
    // memory form
    let size = SIZE[form] ?? 0;
    const env = form.startsWith('m14') ? 14 : form.startsWith('m94') ? 94 : 0;
    let o16 = false;
    if (env) { o16 = g.bool(0.3); size = o16 ? env : env === 14 ? 28 : 108; if (o16) g.prefix(0x66); }
    else if (g.bool(0.03)) g.prefix(0x66); // ignored
    const mop = g.mem(size, { write: /^(FST|FIST|FBSTP|FNSTCW|FNSTSW|FNSTENV|FNSAVE)/.test(m) });
    if (m === 'FLDCW') {
      const v = g.bool(0.5) ? g.rng.next() & 0xffff : 0x0340 | g.int(0x40) | (g.int(16) << 8);
      g.wr(16, mop.off, v);
    } else if (m === 'FLDENV' || m === 'FRSTOR') {
      // an image with this state's environment and random control, status and tag words
      const w = o16 ? 2 : 4;
      if (m === 'FRSTOR' && g.bool(0.5)) c.data.set(o16 ? compact16(c.fpu) : c.fpu.subarray(0, 108), mop.off);
      g.wr(16, mop.off, g.rng.next() & 0xffff);
      g.wr(16, mop.off + w, g.rng.next() & 0xffff);
      if (g.bool(0.5)) g.wr(16, mop.off + 2 * w, g.rng.next() & 0xffff);
    } else {
      const v = memValue(g, x, form);
      c.data.set(v, mop.off);
    }
    g.memPrefixes(mop);
    bytes.push(...mop.bytes(r.ext));
  }
  x.fixEs();
  c.fpuUndef = ALL_UNDEF.has(m) ? UNDEF_ALL : NONE_UNDEF.has(m) ? 0 : UNDEF_C023;
  c.defined = CASE_FLAGS;
  g.insn(bytes);
  c.outcomes = outcomes;
};

/** FWAIT: delivers a pending unmasked exception (#MF, CR0.NE = 1) or does nothing. */
export const fwait: Template = (g, r) => {
  const x = fpuState(g);
  x.maybeUnmask(0.3);
  let outcomes = COMPLETES;
  if (g.bool(0.3)) { x.makePending(); outcomes = MF; }
  x.fixEs();
  g.c.fpuUndef = UNDEF_ALL;
  g.insn([...r.bytes]);
  g.c.outcomes = outcomes;
};

/** The 16-bit FRSTOR layout (94 bytes) of a 32-bit image: 2-byte environment fields, then the registers. */
function compact16(img: Uint8Array): Uint8Array {
  const out = new Uint8Array(94);
  for (let k = 0; k < 7; k++) { out[2 * k] = img[4 * k]!; out[2 * k + 1] = img[4 * k + 1]!; }
  out.set(img.subarray(28, 108), 14);
  return out;
}


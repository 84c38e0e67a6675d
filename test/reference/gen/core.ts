/**
 * Generator building blocks: a seeded PRNG, edge-weighted operand values, and CaseBuilder, which
 * holds one case's initial state and code while a family fills it in.
 */
import { CASE_FLAGS, DATA_ADDR, DATA_SIZE, DF, diffPatch, expandData, expandFpu } from '../format.js';

/** sfc32: small, fast, and ours, so regenerating yields identical cases on any Node version. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    this.a = 0x9e3779b9; this.b = 0x243f6a88; this.c = 0xb7e15162; this.d = seed >>> 0;
    for (let i = 0; i < 16; i++) this.next();
  }

  /** Uniform u32. */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }
  /** Uniform in [0, n). */
  int(n: number): number { return Math.floor((this.next() / 0x1_0000_0000) * n); }
  /** Uniform in [lo, hi], inclusive. */
  range(lo: number, hi: number): number { return lo + this.int(hi - lo + 1); }
  bool(p = 0.5): boolean { return this.next() / 0x1_0000_0000 < p; }
  pick<T>(xs: readonly T[]): T { return xs[this.int(xs.length)]!; }
  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) { const j = this.int(i + 1); [xs[i], xs[j]] = [xs[j]!, xs[i]!]; }
    return xs;
  }

  /**
   * An operand value of `width` bits: about 40% edge values (0, 1, -1, the sign boundaries, all
   * ones, alternating bits), 15% small magnitudes, the rest uniform or uniform with a random bit
   * length (so results of every size and carries at every position occur).
   */
  value(width: 8 | 16 | 32): number {
    const mask = maskOf(width);
    const r = this.int(100);
    if (r < 40) return this.pick(edgesOf(width));
    if (r < 55) return (this.bool() ? this.int(16) : -1 - this.int(16)) & mask;
    if (r < 80) return (this.next() >>> this.int(width)) & mask;
    return this.next() & mask;
  }
}

export function maskOf(width: number): number { return width === 32 ? 0xffffffff : (1 << width) - 1; }
export function signBit(width: number): number { return width === 32 ? 0x80000000 : 1 << (width - 1); }
/** Sign-extends the low `width` bits of v to a JS number. */
export function sx(v: number, width: number): number { return width === 32 ? v | 0 : (v << (32 - width)) >> (32 - width); }

const edgeCache = new Map<number, number[]>();
export function edgesOf(width: number): number[] {
  let e = edgeCache.get(width);
  if (!e) {
    const mask = maskOf(width);
    const s = signBit(width);
    const raw = [0, 1, 2, 3, 4, s - 2, s - 1, s, s + 1, s + 2, mask - 1, mask, mask - 2, 0x55555555, 0xaaaaaaaa, 0x0f0f0f0f,
      0xf0f0f0f0, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x12345678, 0x87654321];
    e = [...new Set(raw.map((v) => (v & mask) >>> 0))];
    edgeCache.set(width, e);
  }
  return e;
}

export type Width = 8 | 16 | 32;
export const WIDTHS: readonly Width[] = [8, 16, 32];

/** A memory operand encoding: the ModRM (+SIB, +displacement) bytes for a given reg field. */
export interface MemOperand {
  /** Offset of the operand within the data area. */
  off: number;
  bytes(regField: number): number[];
}

/** One case under construction. */
export class CaseBuilder {
  readonly regs = new Uint32Array(8);
  flags: number;
  readonly seed: number;
  readonly data: Uint8Array;
  readonly code: number[] = [];
  /** Flags the SDM defines for this case (the rest of CASE_FLAGS are undefined). */
  defined = CASE_FLAGS;
  /** Bit r: the SDM leaves register r's final value undefined. */
  ignoreRegs = 0;
  /** Flags the SDM says this instruction leaves unaffected (checked against the hardware). */
  unaffected = DF;
  /** x87 cases: the initial FNSAVE image (useFpu), its seed, and the status word bits not compared. */
  fpu: Uint8Array | null = null;
  fpuSeed = 0;
  fpuUndef = 0;

  constructor(readonly rng: Rng) {
    for (let r = 0; r < 8; r++) this.regs[r] = rng.value(32);
    this.flags = rng.next() & CASE_FLAGS;
    this.seed = rng.next();
    this.data = expandData(this.seed);
  }

  /**
   * Makes this an x87 case: the initial x87 state is expandFpu(seed) (seed drawn now, so families
   * without x87 state keep their random streams), which the family may then patch.
   */
  useFpu(): Uint8Array {
    this.fpuSeed = this.rng.next();
    this.fpu = expandFpu(this.fpuSeed);
    return this.fpu;
  }

  emit(...bytes: number[]): void { for (const b of bytes) this.code.push(b & 0xff); }
  emitImm(width: number, v: number): void {
    this.emit(v);
    if (width >= 16) this.emit(v >>> 8);
    if (width === 32) this.emit(v >>> 16, v >>> 24);
  }
  /** Emits prefixes in a random order (the CPU accepts any order). */
  prefixes(...ps: number[]): void { this.emit(...this.rng.shuffle(ps.slice())); }
  osize(width: Width): void { if (width === 16) this.emit(0x66); }

  get32(r: number): number { return this.regs[r]!; }
  set32(r: number, v: number): void { this.regs[r] = v >>> 0; }
  /** Register operand `r` as encoded for `width` (8-bit: AL CL DL BL AH CH DH BH). */
  getW(width: Width, r: number): number {
    if (width === 32) return this.regs[r]!;
    if (width === 16) return this.regs[r]! & 0xffff;
    return r < 4 ? this.regs[r]! & 0xff : (this.regs[r - 4]! >>> 8) & 0xff;
  }
  setW(width: Width, r: number, v: number): void {
    if (width === 32) this.regs[r] = v >>> 0;
    else if (width === 16) this.regs[r] = ((this.regs[r]! & 0xffff0000) | (v & 0xffff)) >>> 0;
    else if (r < 4) this.regs[r] = ((this.regs[r]! & 0xffffff00) | (v & 0xff)) >>> 0;
    else this.regs[r - 4] = ((this.regs[r - 4]! & 0xffff00ff) | ((v & 0xff) << 8)) >>> 0;
  }

  rd(width: number, off: number): number {
    let v = 0;
    for (let i = width / 8 - 1; i >= 0; i--) v = (v << 8) | this.data[off + i]!;
    return v >>> 0;
  }
  wr(width: number, off: number, v: number): void {
    for (let i = 0; i < width / 8; i++) this.data[off + i] = (v >>> (8 * i)) & 0xff;
  }

  /**
   * A memory operand at data offset `off` (random if omitted) of `size` bytes, addressed through EBX
   * (the base register: DATA_ADDR plus a random bias, compensated by the displacement) in one of
   * several forms, or as an absolute disp32 (the data area is at the same address natively and in
   * the emulator). Call it after setting register operands, since it may overwrite EBX.
   */
  mem(size: number, off?: number): MemOperand {
    const rng = this.rng;
    const o = off ?? rng.int(DATA_SIZE - size + 1);
    const form = rng.int(10);
    if (form === 0) {
      const a = DATA_ADDR + o;
      return { off: o, bytes: (reg) => [(reg << 3) | 5, ...le32(a)] };
    }
    const bias = form <= 2 ? o : rng.int(DATA_SIZE + 1);
    this.regs[3] = DATA_ADDR + bias;
    const disp = o - bias;
    if (form <= 2 && disp === 0) return { off: o, bytes: (reg) => [(reg << 3) | 3] };
    if (form === 3) return { off: o, bytes: (reg) => [0x80 | (reg << 3) | 3, ...le32(disp)] };
    if (form === 4) {
      // SIB with no index (index field 100), any scale: [EBX + disp8]
      const sib = (rng.int(4) << 6) | (4 << 3) | 3;
      return { off: o, bytes: (reg) => [0x40 | (reg << 3) | 4, sib, disp & 0xff] };
    }
    return { off: o, bytes: (reg) => [0x40 | (reg << 3) | 3, disp & 0xff] };
  }

  /** Initial data as a patch over expandData(seed). */
  patch(): number[] { return diffPatch(expandData(this.seed), this.data); }
}

export function le32(v: number): number[] { return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff]; }
export function le16(v: number): number[] { return [v & 0xff, (v >>> 8) & 0xff]; }
export function modrm(mod: number, reg: number, rm: number): number { return (mod << 6) | (reg << 3) | rm; }

/** A family of cases: the unit the vitest runner reports on. */
export interface FamilyDef {
  name: string;
  group: string;
  /** The Intel SDM flag rule, quoted or paraphrased; the per-case mask implements it. */
  flagsRule: string;
  count: number;
  /** Every case raises this exception vector (natively recorded; checked at generation). */
  expectVector?: number;
  /** Cases may end with one of these exception vectors instead of completing (x87 sequences). */
  mayFault?: readonly number[];
  gen(b: CaseBuilder, i: number): void;
}

/** Condition codes in encoding order (the low nibble of Jcc/SETcc/CMOVcc). */
export const CC_NAMES = ['O', 'NO', 'B', 'AE', 'E', 'NE', 'BE', 'A', 'S', 'NS', 'P', 'NP', 'L', 'GE', 'LE', 'G'] as const;

/** Register operand or memory operand for an r/m slot; sets the operand's value. */
export interface RmOperand {
  bytes(reg: number): number[];
  isMem: boolean;
  /** The register for a register operand, else -1. */
  rm: number;
  /** The data-area offset for a memory operand, else -1. */
  off: number;
}

/** A register or memory operand for an r/m slot, holding `value`. */
export function rmOperand(b: CaseBuilder, width: Width, value: number, useMem: boolean): RmOperand {
  if (useMem) {
    const m = b.mem(width / 8);
    b.wr(width, m.off, value);
    return { bytes: m.bytes, isMem: true, rm: -1, off: m.off };
  }
  const rm = b.rng.int(8);
  b.setW(width, rm, value);
  return { bytes: (reg) => [modrm(3, reg, rm)], isMem: false, rm, off: -1 };
}

/** The current value of an r/m operand. */
export function rmValue(b: CaseBuilder, width: Width, op: RmOperand): number {
  return op.isMem ? b.rd(width, op.off) : b.getW(width, op.rm);
}

export const REG8 = ['AL', 'CL', 'DL', 'BL', 'AH', 'CH', 'DH', 'BH'];

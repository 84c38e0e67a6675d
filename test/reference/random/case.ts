/**
 * One random case while a template builds it (Gen), and what the case is (Case): the code, the
 * initial state, and the SDM masks the comparison applies. One Case object is reused for every
 * case (the runner generates a million of them); templates fill it through Gen.
 */
import { Rng, maskOf } from '../gen/core.js';
import {
  BASED_DATA, CASE_FLAGS, DATA_ADDR, DATA_SIZE, EFLAGS_BASE, ID, LDT, MAX_CODE, REGION_ADDR, GDT,
} from './env.js';

export type Width = 8 | 16 | 32;
/** Case.outcomes bit: the case may run to its end (other bits: exception vectors it may raise). */
export const COMPLETES = 1 << 31;
/** Segment registers in Case.sel order. */
export const S_ES = 0, S_DS = 1, S_FS = 2, S_GS = 3;
export const EAX = 0, ECX = 1, EDX = 2, EBX = 3, ESP = 4, EBP = 5, ESI = 6, EDI = 7;

export class Case {
  readonly code = new Uint8Array(MAX_CODE);
  len = 0;
  readonly regs = new Uint32Array(8);
  eflags = EFLAGS_BASE;
  /** ES DS FS GS loaded before the case (CS = 0x23 and SS = 0x2b always). */
  readonly sel = new Uint16Array(4);
  readonly data = new Uint8Array(DATA_SIZE);
  hasFpu = false;
  /** The initial x87 state (FNSAVE image) when hasFpu. */
  readonly fpu = new Uint8Array(108);

  // ---- what is compared (SDM) ----
  /** Flags among CASE_FLAGS the SDM defines after the case (an unaffected flag counts as defined). */
  defined = CASE_FLAGS;
  /** Bits of each final register the SDM defines. */
  readonly regMask = new Uint32Array(8);
  /** x87 status word bits the SDM leaves undefined. */
  fpuUndef = 0;
  /** Outcomes the template allows (COMPLETES | 1 << vector): a native result outside them is a generator bug. */
  outcomes = COMPLETES;
  /** Offset and length of the tested instruction in code (for reports). */
  insnAt = 0;
  insnLen = 0;
  /** Non-empty: the generator does not run this case under QEMU (it would hang QEMU), and why. */
  qemuSkip = '';
}

/** A memory operand: the data-area offset it addresses and its encoding. */
export interface MemOp {
  readonly off: number;
  /** Prefixes it needs (address size, segment override), emitted with the instruction's. */
  readonly prefixes: readonly number[];
  /** ModRM (+SIB, +displacement) for a reg field. */
  bytes(reg: number): number[];
  /** The effective address (offset in its segment): a 16- or 32-bit value. */
  readonly ea: number;
  /** Segment base the EA is relative to. */
  readonly base: number;
  readonly a16: boolean;
}

/** An r/m operand: a register or a memory operand. */
export interface RmOp {
  readonly mem: MemOp | null;
  /** The register number (0..7, encoded; for 8-bit operands AL..BH) when not memory. */
  readonly reg: number;
  readonly width: Width;
}

export interface MemOptions {
  /** Offset in the data area (default: random, so that `size` bytes fit). */
  off?: number;
  /** The instruction writes the operand (no CS override then). */
  write?: boolean;
  /** Allow 16-bit addressing (0x67) (default true). */
  a16?: boolean;
  /** Allow segment overrides (default true). */
  seg?: boolean;
  /** Registers the address may not use (on top of the locked ones). */
  avoid?: number;
  /** ESP-based addresses see ESP + this (POP Ev computes its address after the pop). */
  espBias?: number;
}

const SEG_PREFIX = { es: 0x26, cs: 0x2e, ss: 0x36, ds: 0x3e, fs: 0x64, gs: 0x65 } as const;
/** 16-bit ModRM rm: base and index registers (-1: none). */
const RM16 = [[EBX, ESI], [EBX, EDI], [EBP, ESI], [EBP, EDI], [ESI, -1], [EDI, -1], [EBP, -1], [EBX, -1]] as const;

/**
 * Builds one case: random initial state, then a template adds code and adjusts state. Registers a
 * template has given a meaning (an address, a stack pointer, a count) are `locked` so that later
 * choices leave them alone.
 */
export class Gen {
  rng: Rng = new Rng(0);
  locked = 0;
  /** Prefixes collected for the instruction being built (emitted in random order by `insn`). */
  private pending: number[] = [];

  constructor(readonly c: Case) {}

  /** Starts a case: random registers (edge-weighted), flags, data, default segments. */
  begin(rng: Rng): void {
    const c = this.c;
    this.rng = rng;
    this.locked = 0;
    this.pending.length = 0;
    c.len = 0;
    for (let r = 0; r < 8; r++) { c.regs[r] = rng.value(32); c.regMask[r] = 0xffffffff; }
    c.eflags = EFLAGS_BASE | (rng.next() & CASE_FLAGS) | (rng.bool(0.2) ? ID : 0);
    c.sel[S_ES] = GDT.userData; c.sel[S_DS] = GDT.userData;
    c.sel[S_FS] = rng.bool(0.3) ? LDT.based : 0; c.sel[S_GS] = rng.bool(0.2) ? LDT.flat : 0;
    for (let k = 0; k < DATA_SIZE; k += 4) {
      const v = rng.bool(0.25) ? rng.value(32) : rng.next();
      c.data[k] = v; c.data[k + 1] = v >>> 8; c.data[k + 2] = v >>> 16; c.data[k + 3] = v >>> 24;
    }
    c.hasFpu = false;
    c.defined = CASE_FLAGS;
    c.fpuUndef = 0;
    c.outcomes = COMPLETES;
    c.insnAt = 0;
    c.insnLen = 0;
    c.qemuSkip = '';
  }

  // ---- randomness ----
  int(n: number): number { return this.rng.int(n); }
  bool(p = 0.5): boolean { return this.rng.bool(p); }
  pick<T>(xs: readonly T[]): T { return this.rng.pick(xs); }
  value(w: Width): number { return this.rng.value(w); }
  /** 16 with probability p (the 0x66 forms), else 32. */
  vsize(p = 0.35): 16 | 32 { return this.rng.bool(p) ? 16 : 32; }

  // ---- registers ----
  lock(...rs: number[]): void { for (const r of rs) this.locked |= 1 << r; }
  isLocked(r: number): boolean { return (this.locked & (1 << r)) !== 0; }
  /** A random register not locked and not in `avoid` (any register if none is free). */
  freeReg(avoid = 0): number {
    const free = ~(this.locked | avoid) & 0xff;
    if (free === 0) return this.int(8);
    for (;;) { const r = this.int(8); if (free & (1 << r)) return r; }
  }
  /** A random register operand number for `w` (8-bit: AL..BH) whose full register is not locked. */
  freeRegW(w: Width, avoid = 0): number {
    if (w !== 8) return this.freeReg(avoid);
    const full = this.freeReg(avoid | 0xf0); // only EAX..EBX have byte registers
    return this.bool() ? full & 3 : (full & 3) + 4;
  }
  get32(r: number): number { return this.c.regs[r]!; }
  set32(r: number, v: number): void { this.c.regs[r] = v >>> 0; }
  /** Register operand `r` as encoded for `w` (8-bit: AL CL DL BL AH CH DH BH). */
  getW(w: Width, r: number): number {
    const regs = this.c.regs;
    if (w === 32) return regs[r]!;
    if (w === 16) return regs[r]! & 0xffff;
    return r < 4 ? regs[r]! & 0xff : (regs[r - 4]! >>> 8) & 0xff;
  }
  /** Sets a register operand unless its register is locked (returns false then). */
  setW(w: Width, r: number, v: number): boolean {
    const regs = this.c.regs;
    const full = w === 8 ? r & 3 : r;
    if (this.isLocked(full)) return false;
    if (w === 32) regs[r] = v >>> 0;
    else if (w === 16) regs[r] = ((regs[r]! & 0xffff0000) | (v & 0xffff)) >>> 0;
    else if (r < 4) regs[r] = ((regs[r]! & 0xffffff00) | (v & 0xff)) >>> 0;
    else regs[r - 4] = ((regs[r - 4]! & 0xffff00ff) | ((v & 0xff) << 8)) >>> 0;
    return true;
  }

  // ---- data area ----
  rd(w: number, off: number): number {
    let v = 0;
    for (let i = w / 8 - 1; i >= 0; i--) v = (v << 8) | this.c.data[off + i]!;
    return v >>> 0;
  }
  wr(w: number, off: number, v: number): void {
    for (let i = 0; i < w / 8; i++) this.c.data[off + i] = (v >>> (8 * i)) & 0xff;
  }

  /** ESP = the data area + an offset with `below` bytes free under it and `above` above; locks ESP. */
  stack(below: number, above: number): number {
    const p = this.rng.range(below, DATA_SIZE - above);
    this.set32(ESP, DATA_ADDR + p);
    this.lock(ESP);
    return p;
  }

  // ---- code ----
  emit(...bytes: number[]): void {
    const c = this.c;
    for (const b of bytes) {
      if (c.len >= MAX_CODE) throw new Error(`case longer than ${MAX_CODE} bytes`);
      c.code[c.len++] = b & 0xff;
    }
  }
  emitImm(w: number, v: number): void {
    this.emit(v);
    if (w >= 16) this.emit(v >>> 8);
    if (w === 32) this.emit(v >>> 16, v >>> 24);
  }
  /** Queues a prefix for the next `insn`. */
  prefix(...ps: number[]): void { for (const p of ps) if (!this.pending.includes(p)) this.pending.push(p); }
  /** Queues 0x66 when w is 16. */
  opsize(w: Width): void { if (w === 16) this.prefix(0x66); }
  /** Emits the queued prefixes (random order) and `bytes` as the tested instruction. */
  insn(bytes: number[]): void {
    const c = this.c;
    c.insnAt = c.len;
    this.emit(...this.rng.shuffle(this.pending.slice()), ...bytes);
    this.pending.length = 0;
    c.insnLen = c.len - c.insnAt;
  }

  // ---- operands ----
  /** A register or memory r/m operand of width w (memory with probability pMem), value random. */
  rm(w: Width, pMem: number, opts: MemOptions = {}): RmOp {
    if (this.bool(pMem)) {
      const m = this.mem(w / 8, opts);
      return { mem: m, reg: -1, width: w };
    }
    return { mem: null, reg: this.freeRegW(w, opts.avoid ?? 0), width: w };
  }
  rmGet(op: RmOp): number { return op.mem ? this.rd(op.width, op.mem.off) : this.getW(op.width, op.reg); }
  /** Sets an r/m operand's value (a locked register keeps its value; returns false then). */
  rmSet(op: RmOp, v: number): boolean {
    if (op.mem) { this.wr(op.width, op.mem.off, v); return true; }
    return this.setW(op.width, op.reg, v);
  }
  /** ModRM bytes of an r/m operand with the given reg field. */
  modrm(op: RmOp, reg: number): number[] {
    if (op.mem) return op.mem.bytes(reg);
    return [0xc0 | ((reg & 7) << 3) | op.reg];
  }
  /** Queues a memory operand's prefixes. */
  memPrefixes(m: MemOp | null): void { if (m) this.prefix(...m.prefixes); }

  /**
   * A memory operand addressing `size` bytes of the data area: a random addressing form (any
   * ModRM/SIB form of 32-bit addressing, or 16-bit addressing through a based segment), registers
   * chosen to hit the target (locked registers keep their values), sometimes through a segment
   * override: FS/GS holding a based LDT segment, or a flat ES/SS/DS/CS (CS only for reads).
   */
  mem(size: number, opts: MemOptions = {}): MemOp {
    const off = opts.off ?? this.int(DATA_SIZE - size + 1);
    for (let attempt = 0; attempt < 20; attempt++) {
      const m = this.tryMem(off, opts);
      if (m) return m;
    }
    // Every register the forms need is locked: an absolute address always works.
    const a = DATA_ADDR + off;
    return { off, prefixes: [], ea: a, base: 0, a16: false, bytes: (reg) => [((reg & 7) << 3) | 5, ...le32(a)] };
  }

  private tryMem(off: number, opts: MemOptions): MemOp | null {
    const c = this.c;
    const prefixes: number[] = [];
    let base = 0;
    const allowSeg = opts.seg !== false;
    const a16 = opts.a16 !== false && allowSeg && this.bool(0.2);
    const r = this.int(100);
    if (a16 || (allowSeg && r < 15)) {
      // through FS or GS holding a based segment
      const gs = this.bool(0.3);
      c.sel[gs ? S_GS : S_FS] = LDT.based;
      prefixes.push(gs ? SEG_PREFIX.gs : SEG_PREFIX.fs);
      base = REGION_ADDR;
    } else if (allowSeg && r < 22) {
      prefixes.push(this.pick(opts.write ? [SEG_PREFIX.es, SEG_PREFIX.ss, SEG_PREFIX.ds] : [SEG_PREFIX.es, SEG_PREFIX.ss, SEG_PREFIX.ds, SEG_PREFIX.cs]));
    } else if (allowSeg && r < 25) {
      // FS or GS holding the flat LDT data segment
      const gs = this.bool(0.5);
      c.sel[gs ? S_GS : S_FS] = LDT.flat;
      prefixes.push(gs ? SEG_PREFIX.gs : SEG_PREFIX.fs);
    }
    const target = base === 0 ? DATA_ADDR + off : BASED_DATA + off;
    if (a16) {
      prefixes.push(0x67);
      const m = this.ea16(target, opts.avoid ?? 0);
      return m && { off, prefixes, ea: target, base, a16: true, bytes: m };
    }
    const m = this.ea32(target, opts.avoid ?? 0, opts.espBias ?? 0);
    return m && { off, prefixes, ea: target, base, a16: false, bytes: m };
  }

  /** 16-bit addressing: [BX+SI] .. [BX] with no, 8- or 16-bit displacement, solved for `target`. */
  private ea16(target: number, avoid: number): ((reg: number) => number[]) | null {
    const mod = this.int(3);
    const rm = this.int(8);
    if (mod === 0 && rm === 6) {
      return (reg) => [((reg & 7) << 3) | 6, target & 0xff, (target >>> 8) & 0xff];
    }
    const [b, x] = RM16[rm]!;
    const parts = x < 0 ? [b] : [b, x];
    const free = parts.filter((p) => !this.isLocked(p) && !(avoid & (1 << p)));
    if (parts.some((p) => avoid & (1 << p))) return null;
    let disp = mod === 0 ? 0 : mod === 1 ? (this.int(256) << 24) >> 24 : this.int(0x10000);
    if (free.length === 0 && mod === 0) return null;
    // random values for all free parts but one, which is solved
    const solve = free.length > 0 ? free[this.int(free.length)]! : -1;
    let sum = disp;
    for (const p of parts) {
      if (p === solve) continue;
      if (!this.isLocked(p)) this.set32(p, this.rng.value(32));
      sum += this.get32(p) & 0xffff;
    }
    if (solve >= 0) {
      const v = (target - sum) & 0xffff;
      this.set32(solve, ((this.rng.next() & 0xffff0000) | v) >>> 0);
      this.lock(solve);
    } else {
      // all locked: the displacement must make up the difference
      const need = (target - (sum - disp)) & 0xffff;
      if (mod === 1) { const s8 = (need << 16) >> 16; if (s8 < -128 || s8 > 127) return null; disp = s8; } else disp = need;
    }
    for (const p of parts) this.lock(p);
    const d = disp;
    return (reg) => {
      const out = [(mod << 6) | ((reg & 7) << 3) | rm];
      if (mod === 1) out.push(d & 0xff);
      else if (mod === 2) out.push(d & 0xff, (d >>> 8) & 0xff);
      return out;
    };
  }

  /** 32-bit addressing: every ModRM/SIB form, solved for `target` (mod 2^32). */
  private ea32(target: number, avoid: number, espBias: number): ((reg: number) => number[]) | null {
    const mod = this.int(3);
    const rm = this.int(8);
    if (mod === 0 && rm === 5) {
      return (reg) => [((reg & 7) << 3) | 5, ...le32(target)];
    }
    let sib = -1;
    const parts: Array<[number, number]> = []; // [register, multiplier]
    let dispSize = mod === 1 ? 1 : mod === 2 ? 4 : 0;
    if (rm === 4) {
      const scale = this.int(4), index = this.int(8);
      let b = this.int(8);
      if (this.isLocked(ESP) && !(avoid & (1 << ESP)) && this.bool(0.3)) b = ESP; // stack-relative forms
      sib = (scale << 6) | (index << 3) | b;
      if (b === 5 && mod === 0) dispSize = 4; else parts.push([b, 1]);
      if (index !== 4) parts.push([index, 1 << scale]);
    } else {
      parts.push([rm, 1]);
    }
    if (parts.some(([p]) => avoid & (1 << p))) return null;
    // merge a register used as base and index
    const mult = new Map<number, number>();
    for (const [p, k] of parts) mult.set(p, ((mult.get(p) ?? 0) + k) | 0);
    const freeUnit = [...mult].filter(([p, k]) => !this.isLocked(p) && k === 1).map(([p]) => p);
    let disp = dispSize === 1 ? (this.int(256) << 24) >> 24 : dispSize === 4 ? this.rng.value(32) | 0 : 0;
    const solve = freeUnit.length > 0 ? freeUnit[this.int(freeUnit.length)]! : -1;
    if (solve < 0 && dispSize !== 4 && dispSize !== 1) return null;
    let sum = disp;
    for (const [p, k] of mult) {
      if (p === solve) continue;
      if (!this.isLocked(p)) this.set32(p, this.bool(0.5) ? this.rng.value(32) : this.rng.next());
      const v = p === ESP ? this.get32(p) + espBias : this.get32(p);
      sum = (sum + Math.imul(v, k)) | 0;
    }
    if (solve >= 0) {
      const v = (target - sum) | 0;
      this.set32(solve, solve === ESP ? v - espBias : v);
    } else {
      const need = (target - (sum - disp)) | 0;
      if (dispSize === 1 && (need < -128 || need > 127)) return null;
      disp = need;
    }
    for (const p of mult.keys()) this.lock(p);
    const d = disp;
    return (reg) => {
      const out = [(mod << 6) | ((reg & 7) << 3) | rm];
      if (sib >= 0) out.push(sib);
      if (dispSize === 1) out.push(d & 0xff);
      else if (dispSize === 4) out.push(...le32(d));
      return out;
    };
  }
}

export function le32(v: number): number[] { return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff]; }
export function le16(v: number): number[] { return [v & 0xff, (v >>> 8) & 0xff]; }
export { maskOf };

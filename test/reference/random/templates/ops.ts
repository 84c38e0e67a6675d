/**
 * The generic template: builds any row whose operands are written in Intel notation in its name
 * (ADD_EbGb, IMUL_GvEvIz, SHLD_EvGvCL, MOV_RvIz, BT_EvIb ...). The operand string decides the
 * encoding: E = ModRM r/m (register or memory), G = ModRM.reg, R = register in the opcode,
 * I = immediate, AL/eAX/CL/1 implicit; b/w/v = byte, word, operand size. Values are random
 * (edge-weighted); a per-mnemonic `Sem` adjusts them (shift counts, divisors that do or do not
 * overflow, bit offsets that stay in the data area) and gives the SDM's flag rule.
 */
import { CASE_FLAGS, CF, DATA_SIZE, DF, ZF } from '../env.js';
import { COMPLETES, EAX, ECX, EDX, type Gen, type RmOp, type Width, maskOf } from '../case.js';
import { mnemonic, operandsOf, type RowRef, type Template } from '../rows.js';
import { DIV_DEFINED, LOGIC_DEFINED, MUL_DEFINED, prelude, shiftCount, shiftDefined, shxdDefined, suffix, vwidth } from './common.js';

/** The operands of a row, parsed from its name. */
interface Shape {
  /** r/m operand size letter ('' when none), and whether it is memory-only (M). */
  e: string;
  /** ModRM.reg register operand size letter. */
  gr: string;
  /** Register in the opcode's low bits. */
  r: string;
  /** Immediate kind: Ib Ibs Iz Iw or ''. */
  imm: string;
  acc: boolean;
  cl: boolean;
  one: boolean;
  /** The first operand is E (E is the destination). */
  eFirst: boolean;
}

const TOKEN = /E[bvw]|G[bvw]|R[bv]|I(?:bs|b|z|w)|AL|eAX|CL|1/g;

export function shapeOf(name: string): Shape {
  const ops = operandsOf(name);
  const s: Shape = { e: '', gr: '', r: '', imm: '', acc: false, cl: false, one: false, eFirst: false };
  let first = true;
  for (const t of ops.match(TOKEN) ?? []) {
    if (t[0] === 'E') { s.e = t[1]!; if (first) s.eFirst = true; }
    else if (t[0] === 'G') s.gr = t[1]!;
    else if (t[0] === 'R') s.r = t[1]!;
    else if (t[0] === 'I') s.imm = t;
    else if (t === 'AL' || t === 'eAX') s.acc = true;
    else if (t === 'CL') s.cl = true;
    else if (t === '1') s.one = true;
    first = false;
  }
  return s;
}

/** What a template knows while building: the operands and their widths. */
export interface OpsCtx {
  g: Gen;
  r: RowRef;
  /** Operand size (the v in Ev/Gv/eAX; 8 for byte rows). */
  w: Width;
  e: RmOp | null;
  /** ModRM.reg or opcode register operand number (-1: none). */
  greg: number;
  gw: Width;
  imm: number;
  immW: number;
}

/** Per-mnemonic semantics for the generic template. */
export interface Sem {
  /** Flags the SDM defines after the instruction (default: all). */
  defined?: (x: OpsCtx) => number;
  /** The instruction writes E (default true when E is the first operand). */
  writesE?: boolean;
  /** The instruction may take LOCK with a memory destination (SDM LOCK list). */
  lockable?: boolean;
  /** Adjusts operand values after they were set at random. */
  values?: (x: OpsCtx) => void;
  /** Outcomes besides completion (COMPLETES | 1 << vector...). */
  outcomes?: number;
  /** Probability of a memory E when both forms exist (default 0.5). */
  pMem?: number;
  /** Registers the r/m operand should not use (register or address), e.g. implicit operands. */
  avoid?: (g: Gen) => number;
  /** Extra prefixes the instruction may take (e.g. F3 90 = PAUSE). */
  prefixes?: (g: Gen) => number[];
}

const sizeOf = (letter: string, w: Width): Width => (letter === 'b' ? 8 : letter === 'w' ? 16 : w);

export function generic(sem: Sem): Template {
  return (g, r) => {
    const s = shapeOf(r.name);
    const c = g.c;
    const sizes = [s.e, s.gr, s.r].filter((l) => l !== '');
    const isV = r.row.fixedSize === undefined && (sizes.includes('v') || (s.acc && r.name.includes('eAX')) || (sizes.length === 0 && !s.acc && !!(r.row.w || r.row.d)));
    const w: Width = r.row.fixedSize === 1 ? 8 : isV ? vwidth(g, undefined) : r.row.fixedSize === 4 ? 32 : sizes.includes('w') || r.row.fixedSize === 2 ? 16 : 8;
    prelude(g);
    const writesE = sem.writesE ?? s.eFirst;
    const avoid = sem.avoid?.(g) ?? 0;
    let e: RmOp | null = null;
    if (s.e) {
      const pMem = r.hasMem && r.hasReg ? sem.pMem ?? 0.5 : r.hasMem ? 1 : 0;
      e = g.rm(sizeOf(s.e, w), pMem, { write: writesE, avoid });
      g.rmSet(e, g.value(e.width));
    }
    let greg = -1;
    const gw = sizeOf(s.gr || s.r, w);
    if (s.gr) {
      greg = g.freeRegW(gw);
      g.setW(gw, greg, g.value(gw));
    } else if (s.r) {
      greg = r.bytes[r.bytes.length - 1]! & 7;
      g.setW(gw, greg, g.value(gw));
    }
    if (s.acc) g.setW(w, EAX, g.value(w));
    const immW = s.imm === 'Ib' || s.imm === 'Ibs' ? 8 : s.imm === 'Iw' ? 16 : s.imm === 'Iz' ? (w === 16 ? 16 : 32) : 0;
    const x: OpsCtx = { g, r, w, e, greg, gw, imm: immW ? g.value(immW as Width) : 0, immW };
    sem.values?.(x);

    if (isV) g.opsize(w);
    else if (g.bool(0.03)) g.prefix(0x66); // ignored by byte and fixed-size rows
    // LOCK: legal with a memory destination of a lockable instruction, #UD otherwise (SDM "LOCK").
    let outcomes = COMPLETES | (sem.outcomes ?? 0);
    const lockOk = !!e?.mem && !!sem.lockable && s.eFirst;
    if (lockOk && g.bool(0.15)) g.prefix(0xf0);
    else if (!lockOk && g.bool(0.015)) { g.prefix(0xf0); outcomes = 1 << 6; }
    g.memPrefixes(e?.mem ?? null);
    for (const p of sem.prefixes?.(g) ?? []) g.prefix(p);
    // A segment override on an instruction without a memory operand does nothing.
    if (!e?.mem && g.bool(0.03)) g.prefix(g.pick([0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65]));
    const bytes = [...r.bytes];
    // ModRM.reg: the group member, the G register, or anything (hint NOPs ignore it)
    if (r.row.modrm || r.ext >= 0) bytes.push(...g.modrm(e!, r.ext >= 0 ? r.ext : greg >= 0 ? greg : g.int(8)));
    if (immW) for (let k = 0; k < immW; k += 8) bytes.push((x.imm >>> k) & 0xff);
    g.insn(bytes);
    c.outcomes = outcomes;
    c.defined = sem.defined ? sem.defined(x) : CASE_FLAGS;
    if (outcomes & COMPLETES) suffix(g);
  };
}

// ---- semantics ------------------------------------------------------------------------------------

const ARITH_SEM: Sem = { lockable: true };
const LOGIC_SEM: Sem = { lockable: true, defined: () => LOGIC_DEFINED };

/** The count operand of a shift: the immediate, CL, or 1. Sets it and returns it. */
function setCount(x: OpsCtx, width: number): number {
  const s = shapeOf(x.r.name);
  if (s.one) return 1;
  const n = shiftCount(x.g, width);
  if (s.imm) { x.imm = n; return n; }
  // CL: if the destination is CL/CX/ECX itself, its low byte is the count
  if (x.e && !x.e.mem && x.e.reg === ECX) { x.g.rmSet(x.e, (x.g.rmGet(x.e) & ~0xff) | n); return x.g.rmGet(x.e) & 0xff; }
  if (!x.g.setW(8, 1, n)) return x.g.getW(8, 1);
  return n;
}

const SHIFT_OPS = ['ROL', 'ROR', 'RCL', 'RCR', 'SHL', 'SHR', 'SAL', 'SAR'];

/** CL-count rows keep ECX out of the r/m operand's address (so the count can be chosen). */
const avoidEcx = (g: Gen): number => (g.bool(0.9) ? 1 << ECX : 0);

function shiftSem(op: number): Sem {
  let defined = CASE_FLAGS;
  return {
    avoid: avoidEcx,
    values(x) { defined = shiftDefined(op, x.w, setCount(x, x.w)); },
    defined: () => defined,
  };
}

function shxdSem(): Sem {
  let defined = CASE_FLAGS;
  return {
    avoid: () => 1 << ECX, // the count must stay free: a 16-bit memory destination needs a count <= 16
    values(x) {
      let n = setCount(x, x.w);
      // SDM: with a 16-bit operand and a count above 16 the result (and every flag) is undefined.
      // A register destination is then not compared; a memory destination gets a count <= 16.
      if (x.w === 16 && (n & 31) > 16) {
        if (!x.e!.mem) x.g.c.regMask[x.e!.reg] = 0xffff0000;
        else {
          n = x.g.int(17);
          if (shapeOf(x.r.name).imm) x.imm = n;
          else x.g.setW(8, ECX, n);
        }
      }
      defined = shxdDefined(x.w, n);
    },
    defined: () => defined,
  };
}

/** 64-bit product a * b (unsigned 32-bit each) as [lo, hi]. */
function mul32(a: number, b: number): [number, number] {
  const al = a & 0xffff, ah = a >>> 16, bl = b & 0xffff, bh = b >>> 16;
  const ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
  const mid = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  const lo = ((mid & 0xffff) << 16 | (ll & 0xffff)) >>> 0;
  const hi = (hh + (lh >>> 16) + (hl >>> 16) + Math.floor(mid / 0x10000)) >>> 0;
  return [lo, hi];
}

/**
 * DIV/IDIV: the dividend (AX, DX:AX or EDX:EAX) is built as quotient * divisor + remainder, so
 * that most cases complete with quotients of every size; some divide by zero or overflow (#DE).
 */
function divSem(signed: boolean): Sem {
  return {
    outcomes: 1 << 0,
    avoid: (g) => (g.bool(0.9) ? (1 << EAX) | (1 << EDX) : 0),
    defined: () => DIV_DEFINED,
    values(x) {
      const g = x.g, w = x.e!.width;
      const mask = maskOf(w);
      const kind = g.int(100);
      let d = g.value(w);
      if (kind < 6) d = 0; // #DE: divide by zero
      if (!g.rmSet(x.e!, d)) d = g.rmGet(x.e!);
      let lo: number, hi: number;
      if (kind < 16 || d === 0) {
        // random dividend: mostly quotient overflow (#DE) for small divisors
        lo = g.value(w); hi = g.value(w);
      } else {
        const sd = signed ? (w === 32 ? d | 0 : (d << (32 - w)) >> (32 - w)) : d;
        const ad = Math.abs(sd) >>> 0;
        // quotient within range, remainder below the divisor (same sign as the dividend for IDIV)
        let q = g.value(w);
        if (signed) q = w === 32 ? q | 0 : (q << (32 - w)) >> (32 - w);
        const rem = ad === 0 ? 0 : Math.floor((g.rng.next() / 0x1_0000_0000) * ad);
        const neg = signed && (q < 0) !== (sd < 0);
        const aq = Math.abs(q) >>> 0;
        // |dividend| = |q| * |d| + rem, sign = sign of q*d (or random when q = 0)
        let [pl, ph] = mul32(aq, ad);
        const sum = pl + rem;
        pl = sum >>> 0; ph = (ph + (sum >= 0x1_0000_0000 ? 1 : 0)) >>> 0;
        const negate = signed && (neg || (q === 0 && g.bool()));
        if (negate) { pl = (~pl + 1) >>> 0; ph = (~ph + (pl === 0 ? 1 : 0)) >>> 0; }
        if (w === 32) { lo = pl; hi = ph; } else { lo = pl & mask; hi = w === 16 ? (pl >>> 16) & mask : (pl >>> 8) & mask; }
        if (!signed && kind < 22) { hi = (hi + 1 + g.int(3)) & mask; } // unsigned overflow
      }
      if (w === 8) g.setW(16, EAX, (hi << 8) | (lo & 0xff));
      else { g.setW(w, EAX, lo); g.setW(w, EDX, hi); }
    },
  };
}

/** BT* Ev,Gv: a memory bit base addresses (off + 2 or 4 * (offset >> 4 or 5)): keep it inside the data area. */
function btSem(lockable: boolean): Sem {
  return {
    lockable,
    defined: () => CF | ZF | DF, // SDM: CF = the bit; OF SF AF PF undefined; ZF unaffected (Intel)
    values(x) {
      if (!x.e?.mem || x.greg < 0 || x.immW) return;
      const bytes = x.w / 8, off = x.e.mem.off;
      // offsets whose addressed unit [off + bytes * floor(o / w)] stays in the data area
      const loUnit = -Math.floor(off / bytes), hiUnit = Math.floor((DATA_SIZE - bytes - off) / bytes);
      const unit = loUnit + x.g.int(hiUnit - loUnit + 1);
      const o = unit * x.w + x.g.int(x.w);
      x.g.setW(x.w, x.greg, o);
    },
  };
}

function bsfSem(): Sem {
  return {
    defined: () => ZF | DF, // SDM: ZF; CF OF SF AF PF undefined. A zero source leaves the destination unchanged here (hardware)
    values(x) { if (x.g.bool(0.15)) x.g.rmSet(x.e!, 0); else if (x.g.bool(0.3)) x.g.rmSet(x.e!, 1 << x.g.int(x.w)); },
  };
}

function cmpxchgSem(): Sem {
  return {
    lockable: true,
    avoid: (g) => (g.bool(0.9) ? 1 << EAX : 0),
    values(x) { if (x.g.bool(0.5)) x.g.setW(x.w, EAX, x.g.rmGet(x.e!)); },
  };
}

/** The generic semantics for a row (null: the generic template does not build this row). */
export function semFor(r: RowRef): Sem | null {
  const m = mnemonic(r.name);
  switch (m) {
    case 'ADD': case 'ADC': case 'SUB': case 'SBB': case 'CMP': return m === 'CMP' ? {} : ARITH_SEM;
    case 'OR': case 'AND': case 'XOR': return LOGIC_SEM;
    case 'TEST': return { writesE: false, defined: () => LOGIC_DEFINED };
    case 'INC': case 'DEC': case 'NEG': return ARITH_SEM; // INC/DEC: CF unaffected (so defined)
    case 'NOT': return { lockable: true };
    case 'MOV': return {};
    case 'XCHG': return { lockable: true };
    case 'XADD': return { lockable: true };
    case 'CMPXCHG': return cmpxchgSem();
    case 'MOVZX': case 'MOVSX': return { writesE: false };
    case 'MUL': case 'IMUL': return { writesE: false, defined: () => MUL_DEFINED };
    case 'DIV': case 'IDIV': return { writesE: false, ...divSem(m === 'IDIV') };
    case 'BT': return { ...btSem(false), writesE: false };
    case 'BTS': case 'BTR': case 'BTC': return btSem(true);
    case 'BSF': case 'BSR': return { writesE: false, ...bsfSem() };
    case 'SHLD': case 'SHRD': return shxdSem();
    case 'BSWAP': return {
      values(x) { if (x.w === 16) x.g.c.regMask[x.greg] = 0xffff0000; }, // SDM: 16-bit BSWAP: result undefined
    };
    case 'ARPL': return {}; // ZF per result, the others unaffected
    case 'NOP': return { writesE: false, prefixes: (g) => (r.name === 'NOP' && g.bool(0.3) ? [0xf3] : []) }; // F3 90: PAUSE
    case 'HINT': return { writesE: false };
    case 'CBW/CWDE': case 'CWD/CDQ': case 'LAHF': case 'SAHF': case 'CLC': case 'STC': case 'CMC': case 'CLD': case 'STD': return {};
    default:
      if (m.startsWith('CMOV')) return { writesE: false };
      if (m.startsWith('SET')) return {};
      if (SHIFT_OPS.includes(m)) return shiftSem(r.ext);
      return null;
  }
}


/**
 * Control transfers. Where a branch lands must be visible in the final state, so branches target
 * "sleds" of XCHG EAX, reg (one byte each, no flags): every landing point leaves the registers in
 * a different permutation. The layout (offsets from the start of the case):
 *
 *   [jmp short over A] [sled A] [jmp short to end] [the branch] [sled B] end
 *
 * A backward target lands in sled A and leaves through its jump; a forward one in sled B or at
 * the end. LOOP cases drop the jump after sled A, so a backward LOOP really loops (ECX small).
 * 16-bit operand size is not used for taken branches: the target would be IP = target & 0xFFFF,
 * outside the mapped code natively.
 */
import { AC, CASE_FLAGS, CODE_ADDR, EFLAGS_BASE, ID, IF, IOPL, NT, OF, RF, VIF, VIP, VM } from '../env.js';
import { COMPLETES, ECX, ESP, type Gen, le16, le32 } from '../case.js';
import { mnemonic, type Template } from '../rows.js';
import { ccHolds, prelude } from './common.js';
import { FAR_BAD, FAR_OK, LOAD_FAULTS, pickSel, RET_BAD, RET_OK } from './selectors.js';

const SLED = [0x91, 0x92, 0x93, 0x95, 0x96, 0x97]; // XCHG EAX, ECX/EDX/EBX/EBP/ESI/EDI
const SLED_NO_ECX = [0x92, 0x93, 0x95, 0x96, 0x97];

/**
 * Emits the jump over sled A, sled A, its exit jump (unless `loop`), the branch and sled B. The
 * branch's bytes come from `build(at, targets)`: `at` is the offset of its first byte, `targets`
 * the landing offsets (sled A, its exit jump, sled B, the end); they must be `len` bytes.
 */
function withSleds(g: Gen, len: number, loop: boolean, build: (at: number, targets: number[]) => number[]): void {
  const sled = loop ? SLED_NO_ECX : SLED;
  const nA = g.int(5), nB = g.int(6);
  const start = g.c.len;
  const a = Array.from({ length: nA }, () => g.pick(sled));
  const b = Array.from({ length: nB }, () => g.pick(sled));
  const exitLen = loop ? 0 : 2;
  const aStart = start + 2;
  const at = aStart + nA + exitLen;
  const bStart = at + len;
  const end = bStart + nB;
  const targets: number[] = [];
  for (let k = 0; k <= nA; k++) targets.push(aStart + k); // sled A and its exit jump
  for (let k = 0; k <= nB; k++) targets.push(bStart + k); // sled B and the end
  g.emit(0xeb, nA + exitLen, ...a);
  if (!loop) g.emit(0xeb, (end - (aStart + nA + 2)) & 0xff);
  const bytes = build(at, targets);
  if (bytes.length !== len) throw new Error(`branch length ${bytes.length}, expected ${len}`);
  g.insn(bytes);
  g.emit(...b);
}

const rel8 = (target: number, next: number): number => (target - next) & 0xff;

/** Jcc rel8/rel32, JMP rel8/rel32, JeCXZ: random flags (or flags from a CMP), random target. */
export const jump: Template = (g, r) => {
  const m = mnemonic(r.name);
  const isJcxz = m === 'JeCXZ';
  const short = r.name.endsWith('_Jb');
  const cond = m !== 'JMP' && !isJcxz;
  const cc = cond ? r.bytes[r.bytes.length - 1]! & 15 : -1;
  const hadPrelude = cond && prelude(g, 0.3);
  // A 16-bit Jcc that is not taken (the flags are known without a prelude): only its length matters.
  const o16 = cond && !hadPrelude && !short && !ccHolds(cc, g.c.eflags) && g.bool(0.3);
  const a16 = isJcxz && g.bool(0.35);
  if (isJcxz && g.bool(0.4)) { if (a16) g.set32(ECX, g.get32(ECX) & 0xffff0000); else g.set32(ECX, 0); }
  const pre = (o16 ? [0x66] : []).concat(a16 ? [0x67] : []);
  const immLen = short ? 1 : o16 ? 2 : 4;
  const len = pre.length + r.bytes.length + immLen;
  withSleds(g, len, false, (at, targets) => {
    const t = g.pick(targets.filter((x) => x !== at));
    const next = at + len;
    const d = t - next;
    return [...pre, ...r.bytes, ...(short ? [d & 0xff] : o16 ? le16(d) : le32(d))];
  });
  g.c.defined = CASE_FLAGS;
};

/** LOOP LOOPE LOOPNE: backward targets loop ECX (or CX) times at most, so ECX is kept small then. */
export const loop: Template = (g, r) => {
  const a16 = g.bool(0.3);
  const hi = a16 ? g.rng.next() & 0xffff0000 : 0;
  prelude(g, 0.3);
  const len = (a16 ? 1 : 0) + 2;
  withSleds(g, len, true, (at, targets) => {
    const t = g.pick([...targets, at]); // `at`: LOOP to itself
    if (t <= at) g.set32(ECX, (hi | (1 + g.int(6))) >>> 0);
    else if (g.bool(0.3)) g.set32(ECX, (hi | g.int(3)) >>> 0);
    g.lock(ECX);
    return [...(a16 ? [0x67] : []), ...r.bytes, rel8(t, at + len)];
  });
};

/** CALL rel32: pushes the return address into the data area. */
export const callRel: Template = (g, r) => {
  prelude(g);
  g.stack(4, 0);
  withSleds(g, 5, false, (at, targets) => {
    const t = g.pick(targets.filter((x) => x !== at));
    return [...r.bytes, ...le32(t - (at + 5))];
  });
};

/** RET, RET imm16: the return address on the stack is a landing point. */
export const ret: Template = (g, r) => {
  prelude(g);
  const p = g.stack(0, 4);
  const n = r.name === 'RET_Iw' ? g.pick([0, 2, 4, 8, g.int(0x10000)]) : 0;
  withSleds(g, r.name === 'RET_Iw' ? 3 : 1, false, (at, targets) => {
    g.wr(32, p, CODE_ADDR + g.pick(targets.filter((x) => x !== at)));
    return r.name === 'RET_Iw' ? [...r.bytes, ...le16(n)] : [...r.bytes];
  });
};

/** JMP r/m32 and CALL r/m32: the target address in a register or in memory. */
export const jmpInd: Template = (g, r) => {
  prelude(g);
  if (r.name.startsWith('CALL')) g.stack(4, 0);
  const e = g.rm(32, 0.5, { write: false, avoid: 1 << ESP });
  const pre = e.mem ? e.mem.prefixes : [];
  const modrm = g.modrm(e, r.ext);
  withSleds(g, pre.length + r.bytes.length + modrm.length, false, (at, targets) => {
    g.rmSet(e, CODE_ADDR + g.pick(targets.filter((x) => x !== at)));
    return [...pre, ...r.bytes, ...modrm];
  });
};

/** JMP/CALL ptr16:32 and m16:32: good and bad code selectors. */
export const farDirect: Template = (g, r) => {
  prelude(g);
  const call = r.name.startsWith('CALL');
  if (call) { const p = g.stack(8, 0); g.wr(16, p - 2, 0); } // the CS slot: 2 or 4 bytes written (SDM)
  const sel = pickSel(g, FAR_OK, FAR_BAD, 0.75);
  withSleds(g, 7, false, (at, targets) => [...r.bytes, ...le32(CODE_ADDR + g.pick(targets.filter((x) => x !== at))), ...le16(sel)]);
  g.c.outcomes = COMPLETES | LOAD_FAULTS;
};

export const farIndirect: Template = (g, r) => {
  prelude(g);
  const call = r.name.startsWith('CALLF');
  if (call) { const p = g.stack(8, 0); g.wr(16, p - 2, 0); }
  const regForm = g.bool(0.03);
  const m = regForm ? null : g.mem(6, { write: false, avoid: 1 << ESP });
  const sel = pickSel(g, FAR_OK, FAR_BAD, 0.75);
  const modrm = m ? m.bytes(r.ext) : [0xc0 | (r.ext << 3) | g.int(8)];
  const len = (m ? m.prefixes.length : 0) + 1 + modrm.length;
  withSleds(g, len, false, (at, targets) => {
    if (m) { g.wr(32, m.off, CODE_ADDR + g.pick(targets.filter((x) => x !== at))); g.wr(16, m.off + 4, sel); }
    return [...(m ? m.prefixes : []), ...r.bytes, ...modrm];
  });
  g.c.outcomes = regForm ? 1 << 6 : COMPLETES | LOAD_FAULTS;
};

/** RETF, RETF imm16: same-privilege returns (RPL 3) and returns that must fault. */
export const retf: Template = (g, r) => {
  prelude(g);
  const p = g.stack(0, 8);
  // This CPU (AMD) reads at the released stack top (ESP + 8 + n): keep it in mapped memory.
  const n = r.name === 'RETF_Iw' ? g.pick([0, 2, 4, 8, g.int(0x7000)]) : 0;
  const sel = pickSel(g, RET_OK, RET_BAD, 0.75);
  withSleds(g, r.bytes.length + (r.name === 'RETF_Iw' ? 2 : 0), false, (at, targets) => {
    g.wr(32, p, CODE_ADDR + g.pick(targets.filter((x) => x !== at)));
    g.wr(32, p + 4, ((g.rng.next() & 0xffff0000) | sel) >>> 0);
    return r.name === 'RETF_Iw' ? [...r.bytes, ...le16(n)] : [...r.bytes];
  });
  g.c.outcomes = COMPLETES | LOAD_FAULTS;
};

/**
 * IRET at CPL 3 (same privilege): EIP, CS, EFLAGS from the stack. At CPL 3 IF, IOPL, VIF, VIP and
 * VM are not loaded; TF is kept clear (it would trap after the next instruction).
 */
export const iret: Template = (g, r) => {
  const p = g.stack(0, 12);
  const sel = pickSel(g, RET_OK, RET_BAD, 0.8);
  let f = EFLAGS_BASE | (g.rng.next() & CASE_FLAGS);
  for (const bit of [IF, IOPL, NT, AC, ID, VIF, VIP, RF, 0x8000]) if (g.bool(0.3)) f ^= bit;
  if (g.bool(0.1)) { f |= VM; g.c.qemuSkip = 'IRET with VM = 1 at CPL 3 hangs qemu-i386'; }
  withSleds(g, r.bytes.length, false, (at, targets) => {
    g.wr(32, p, CODE_ADDR + g.pick(targets.filter((x) => x !== at)));
    g.wr(32, p + 4, ((g.rng.next() & 0xffff0000) | sel) >>> 0);
    g.wr(32, p + 8, f >>> 0);
    return [...r.bytes];
  });
  g.c.outcomes = COMPLETES | LOAD_FAULTS;
};

/** INT3, INT n, INTO: Linux's IDT has DPL 3 gates only for 3, 4 and 0x80 (never used: a system call). */
export const softInt: Template = (g, r) => {
  prelude(g, 0.3);
  if (r.name === 'INT_Ib') {
    let n = g.bool(0.3) ? g.pick([0, 1, 2, 3, 4, 5, 6, 13, 14, 0x20, 0x81, 0xff]) : g.int(256);
    if (n === 0x80) n = 0x81;
    g.insn([...r.bytes, n]);
  } else {
    if (r.name === 'INTO' && g.bool(0.5)) g.c.eflags |= OF;
    g.insn([...r.bytes]);
  }
  g.c.outcomes = COMPLETES | (1 << 3) | (1 << 4) | (1 << 13);
};

/** UD2, UD1 r/m: #UD (raised at the first byte, whatever follows the ModRM). */
export const undefinedOp: Template = (g, r) => {
  const bytes = [...r.bytes];
  if (r.row.modrm) bytes.push(g.int(256), g.int(256), g.int(256), g.int(256), g.int(256), g.int(256));
  g.insn(bytes);
  g.c.outcomes = 1 << 6;
};

/** BOUND r, m16&16 / m32&32: #BR when the index is outside [lower, upper]. */
export const bound: Template = (g, r) => {
  prelude(g);
  const w = g.vsize();
  const s = w / 8;
  // (No register form: 62 with mod = 3 is the EVEX prefix on a host with AVX-512.)
  const m = g.mem(2 * s, { write: false });
  const reg = g.freeReg();
  const sx = (v: number) => (w === 32 ? v | 0 : (v << 16) >> 16);
  let lo = sx(g.value(w)), hi = sx(g.value(w));
  if (lo > hi && g.bool(0.8)) [lo, hi] = [hi, lo];
  g.wr(w, m.off, lo); g.wr(w, m.off + s, hi);
  const k = g.int(4);
  const idx = k === 0 ? lo : k === 1 ? hi : k === 2 && hi >= lo ? lo + Math.floor((hi - lo) / 2) : sx(g.value(w));
  g.setW(w, reg, idx);
  g.opsize(w);
  g.memPrefixes(m);
  g.insn([...r.bytes, ...m.bytes(reg)]);
  g.c.outcomes = COMPLETES | (1 << 5);
};


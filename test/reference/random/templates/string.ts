/**
 * String instructions MOVS CMPS STOS LODS SCAS: with and without REP/REPE/REPNE, both directions
 * (DF is random), 32- and 16-bit addressing (CX SI DI), counts 0 .. what fits in the data area,
 * the source through DS or a segment override, the destination through ES (never overridable),
 * with flat, based, limited and expand-down segments.
 */
import { BASED_DATA, CASE_FLAGS, DATA_ADDR, DATA_SIZE, DF, GDT, LDT } from '../env.js';
import { COMPLETES, ECX, EDI, ESI, S_DS, S_ES, S_FS, S_GS, type Width } from '../case.js';
import { mnemonic, type Template } from '../rows.js';
import { prelude } from './common.js';

/** Segments usable for string operands and the offset of the data area in each. */
const SEGS = [
  { sel: GDT.userData, base: DATA_ADDR }, { sel: LDT.flat, base: DATA_ADDR },
  { sel: LDT.based, base: BASED_DATA }, { sel: LDT.small, base: BASED_DATA }, { sel: LDT.expandDown, base: BASED_DATA },
] as const;

const PREFIX_OF = [0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65]; // ES CS SS DS FS GS

export const stringOp: Template = (g, r) => {
  const m = mnemonic(r.name).slice(0, 4); // MOVS CMPS STOS LODS SCAS
  const w: Width = r.name.endsWith('B') ? 8 : g.vsize();
  const size = w / 8;
  const hasSrc = m === 'MOVS' || m === 'CMPS' || m === 'LODS';
  const hasDst = m !== 'LODS';
  const compare = m === 'CMPS' || m === 'SCAS';
  prelude(g, 0.2);
  const a16 = g.bool(0.3);
  const c = g.c;
  const rep = g.int(10) < 3 ? 0 : compare ? g.pick([0xf3, 0xf2]) : 0xf3;
  const down = (c.eflags & DF) !== 0;
  const count = rep ? (g.bool(0.1) ? 0 : 1 + g.int(Math.min(12, Math.floor(DATA_SIZE / size / 2)))) : 1;
  const span = Math.max(count, 1) * size;
  /** An offset so that `span` bytes going up or down from it stay in the data area. */
  const start = (): number => (down ? span - size + g.int(DATA_SIZE - span + 1) : g.int(DATA_SIZE - span + 1));

  // destination: ES:(E)DI
  const dst = g.pick(SEGS.filter((s) => !a16 || s.base === BASED_DATA));
  c.sel[S_ES] = dst.sel;
  const dOff = start();
  // source: DS:(E)SI or an override
  let srcPrefix = -1;
  let sBase: number = DATA_ADDR;
  if (hasSrc) {
    const s = g.pick(SEGS.filter((x) => !a16 || x.base === BASED_DATA));
    const k = g.int(10);
    if (k < 5 || (k >= 8 && a16)) { c.sel[S_DS] = s.sel; sBase = s.base; }
    else if (k < 8) { const fs = g.bool(); c.sel[fs ? S_FS : S_GS] = s.sel; srcPrefix = fs ? 0x64 : 0x65; sBase = s.base; }
    else { srcPrefix = g.pick([0x26, 0x2e, 0x36]); sBase = srcPrefix === 0x26 ? dst.base : DATA_ADDR; } // ES, or flat CS/SS
  } else if (g.bool(0.1)) srcPrefix = g.pick(PREFIX_OF); // no source operand: the override does nothing
  const sOff = start();
  const setPtr = (reg: number, v: number): void => {
    g.set32(reg, a16 ? ((g.rng.next() & 0xffff0000) | (v & 0xffff)) >>> 0 : v >>> 0);
    g.lock(reg);
  };
  if (hasSrc) setPtr(ESI, sBase + sOff);
  if (hasDst) setPtr(EDI, dst.base + dOff);
  if (rep) setPtr(ECX, count);

  // Data the compare instructions can stop on: equal runs for REPE, a match for REPNE.
  if (compare && g.bool(0.6)) {
    const step = down ? -size : size;
    const eq = g.int(count + 1);
    if (m === 'CMPS') for (let k = 0; k < eq; k++) for (let b = 0; b < size; b++) c.data[dOff + k * step + b] = c.data[sOff + k * step + b]!;
    else {
      const v = g.rd(w, dOff + Math.min(eq, Math.max(count - 1, 0)) * step);
      g.setW(w, 0, v);
    }
  }
  const pre: number[] = [];
  if (w === 16) pre.push(0x66);
  if (a16) pre.push(0x67);
  if (rep) pre.push(rep);
  if (srcPrefix >= 0) pre.push(srcPrefix);
  for (const p of pre) g.prefix(p);
  g.insn([...r.bytes]);
  c.defined = CASE_FLAGS; // CMPS/SCAS: all six per the last comparison; the others: none affected
  c.outcomes = COMPLETES;
};

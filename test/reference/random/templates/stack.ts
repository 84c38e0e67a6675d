/**
 * Stack rows: PUSH/POP of registers, immediates, memory and segment registers, PUSHA/POPA,
 * PUSHF/POPF, ENTER/LEAVE. ESP points into the data area with room for what is pushed or popped
 * (sometimes misaligned); SS is flat.
 */
import { AC, CASE_FLAGS, DATA_ADDR, DATA_SIZE, EFLAGS_BASE, ID, IF, IOPL, NT, RF, VIF, VIP, VM } from '../env.js';
import { COMPLETES, EBP, ESP, type Gen, S_DS, S_ES, S_FS, S_GS, type Width } from '../case.js';
import type { Template } from '../rows.js';
import { prelude, suffix } from './common.js';
import { DATA_BAD, DATA_OK, LOAD_FAULTS, pickSel, SS_BAD, SS_OK } from './selectors.js';

const bytesOf = (w: Width) => w / 8;

function finish(g: Gen, bytes: number[], outcomes = COMPLETES): void {
  g.insn(bytes);
  g.c.outcomes = outcomes;
  if (outcomes & COMPLETES) suffix(g);
}

/** PUSH_Rv PUSH_Iz PUSH_Ibs PUSH_Ev. */
export const push: Template = (g, r) => {
  const w: Width = g.vsize();
  const s = bytesOf(w);
  prelude(g);
  g.stack(s, 0);
  g.opsize(w);
  const bytes = [...r.bytes];
  if (r.name === 'PUSH_Iz') { const v = g.value(w); bytes.push(v & 0xff, (v >>> 8) & 0xff, ...(w === 32 ? [(v >>> 16) & 0xff, v >>> 24] : [])); }
  else if (r.name === 'PUSH_Ibs') bytes.push(g.value(8));
  else if (r.name === 'PUSH_Ev') {
    // a memory source may be addressed through ESP (the address uses ESP before the push)
    const e = g.rm(w, 0.6, { write: false });
    g.rmSet(e, g.value(w));
    g.memPrefixes(e.mem);
    bytes.push(...g.modrm(e, 6));
  }
  finish(g, bytes);
};

/** POP_Rv POP_Ev. POP Ev computes an ESP-based address after the pop (SDM "POP"). */
export const pop: Template = (g, r) => {
  const w: Width = g.vsize();
  const s = bytesOf(w);
  prelude(g);
  const p = g.stack(0, s);
  g.wr(w, p, g.value(w));
  g.opsize(w);
  const bytes = [...r.bytes];
  if (r.name === 'POP_Ev') {
    const e = g.rm(w, 0.6, { write: true, espBias: s });
    g.memPrefixes(e.mem);
    bytes.push(...g.modrm(e, 0));
  }
  finish(g, bytes);
};

export const pusha: Template = (g, r) => {
  const w: Width = g.vsize();
  prelude(g);
  g.stack(8 * bytesOf(w), 0);
  g.opsize(w);
  finish(g, [...r.bytes]);
};

export const popa: Template = (g, r) => {
  const w: Width = g.vsize();
  prelude(g);
  g.stack(0, 8 * bytesOf(w));
  g.opsize(w);
  finish(g, [...r.bytes]);
};

export const pushf: Template = (g, r) => {
  const w: Width = g.vsize();
  prelude(g);
  g.stack(bytesOf(w), 0);
  g.opsize(w);
  finish(g, [...r.bytes]);
};

/**
 * POPF with random images: at CPL 3 with IOPL 0 it may not change IF, IOPL, VIF, VIP or VM and
 * clears RF; TF is kept clear (a trap after the next instruction), everything else is loaded.
 */
export const popf: Template = (g, r) => {
  const w: Width = g.vsize();
  const p = g.stack(0, bytesOf(w));
  const sys = [IF, IOPL, NT, AC, ID, VIF, VIP, VM, RF, 0x8000, 0x20, 0x8, 0x1000000];
  let v = EFLAGS_BASE | (g.rng.next() & CASE_FLAGS);
  for (const bit of sys) if (g.bool(0.3)) v ^= bit;
  g.wr(w, p, v);
  g.opsize(w);
  finish(g, [...r.bytes]);
};

/** ENTER size, level: the frame (and the frame pointers copied for nesting levels) stays in the data area. */
export const enter: Template = (g, r) => {
  const w: Width = g.vsize();
  const s = bytesOf(w);
  prelude(g);
  let lvl = g.bool(0.8) ? g.pick([0, 1, 2, 3, 4, 5]) : g.int(256);
  const maxL = Math.floor(DATA_SIZE / s) - 2;
  if ((lvl & 31) > maxL) lvl = (lvl & ~31) | (lvl & 7);
  const L = lvl & 31;
  const copies = L > 1 ? L - 1 : 0;
  const pushed = s * (1 + copies + (L > 0 ? 1 : 0));
  g.stack(pushed, 0);
  if (copies > 0 || g.bool()) { g.set32(EBP, DATA_ADDR + g.rng.range(s * copies, DATA_SIZE)); g.lock(EBP); }
  // Natively ENTER probes the final ESP (ESP - size): the frame stays in mapped memory.
  const size = g.pick([0, 4, 8, 0x10, 0x7c0, g.int(0x7c1), g.int(64)]);
  g.opsize(w);
  finish(g, [...r.bytes, size & 0xff, size >>> 8, lvl]);
};

export const leave: Template = (g, r) => {
  const w: Width = g.vsize();
  prelude(g);
  g.set32(EBP, DATA_ADDR + g.rng.range(0, DATA_SIZE - bytesOf(w)));
  g.lock(EBP, ESP);
  g.opsize(w);
  finish(g, [...r.bytes]);
};

const SREG_OF: Record<string, number> = { ES: S_ES, DS: S_DS, FS: S_FS, GS: S_GS };

/** PUSH ES/CS/SS/DS/FS/GS: the register holds some loadable selector. */
export const pushSreg: Template = (g, r) => {
  const w: Width = g.vsize();
  prelude(g);
  const sreg = r.name.slice(5);
  const k = SREG_OF[sreg];
  if (k !== undefined) g.c.sel[k] = g.pick(DATA_OK);
  const p = g.stack(bytesOf(w), 0);
  // A 32-bit push of a segment register writes 2 or 4 bytes (SDM: processor-dependent): make the
  // upper half zero so that both give the same memory.
  if (w === 32) g.wr(16, p - 2, 0);
  g.opsize(w);
  finish(g, [...r.bytes]);
};

/** POP ES/SS/DS/FS/GS of good and bad selectors. */
export const popSreg: Template = (g, r) => {
  const w: Width = g.vsize();
  prelude(g);
  const ss = r.name === 'POP_SS';
  const p = g.stack(0, bytesOf(w));
  const sel = ss ? pickSel(g, SS_OK, SS_BAD) : pickSel(g, DATA_OK, DATA_BAD);
  g.wr(w, p, w === 32 ? ((g.rng.next() & 0xffff0000) | sel) >>> 0 : sel);
  g.opsize(w);
  finish(g, [...r.bytes], COMPLETES | LOAD_FAULTS);
};

/**
 * x87 control instructions: FNINIT, FNCLEX, FLDCW, FNSTCW, FNSTSW (m16 and AX), FLDENV,
 * FNSTENV, FRSTOR, FNSAVE (32-bit protected-mode layouts, and the 16-bit ones with an 0x66
 * prefix), FWAIT, FFREE (and the undocumented FFREEP), FINCSTP, FDECSTP, FNOP and the 8087/287
 * leftovers that the 387 and later execute as no-ops (FNENI, FNDISI, FNSETPM).
 *
 * The "FN" forms do not check for pending exceptions; the others do (enterWait). FNINIT FNCLEX
 * FLDCW FNSTCW FNSTSW FLDENV FNSTENV FRSTOR FNSAVE and FWAIT do not record the instruction and
 * operand pointers (SDM Vol. 1 8.1.8); FFREE, FINCSTP, FDECSTP and FNOP do, as the hardware does.
 */
import type { Handler } from '../insn.js';
import { EAX } from '../registers.js';
import { enterNoWait, enterWait, Fpu, fwaitCheck } from './fpu.js';
import { rd16, rdBytes, wr16, wrBytes } from './mem.js';

/** Scratch for environment and FNSAVE images (holds nothing between instructions). */
const image = new Uint8Array(108);

/** FNINIT (DB E3): control word 037F, status and tags cleared (all empty), pointers cleared. */
export const fninit: Handler = (cpu) => enterNoWait(cpu).init();

/** FNCLEX (DB E2): clears the exception flags, SF, ES and B; the condition codes stay. */
export const fnclex: Handler = (cpu) => {
  const f = enterNoWait(cpu);
  f.sw &= ~0x7f;
};

/** FNENI, FNDISI, FNSETPM (DB E0, E1, E4): 8087/287 instructions, no-ops since the 387. */
export const fnopLegacy: Handler = (cpu) => { enterNoWait(cpu); };

export const fldcw: Handler = (cpu, i) => {
  const f = enterWait(cpu);
  f.setControlWord(rd16(cpu, i));
};

export const fnstcw: Handler = (cpu, i) => {
  const f = enterNoWait(cpu);
  wr16(cpu, i, f.cw);
};

export const fnstswM16: Handler = (cpu, i) => {
  const f = enterNoWait(cpu);
  wr16(cpu, i, f.statusWord());
};

/** FNSTSW AX (DF E0). */
export const fnstswAx: Handler = (cpu) => {
  const f = enterNoWait(cpu);
  cpu.regs16[EAX << 1] = f.statusWord();
};

/** FNSTENV: stores the environment, then masks every exception. */
export const fnstenv: Handler = (cpu, i) => {
  const f = enterNoWait(cpu);
  const o32 = i.size === 4;
  f.saveEnv(image, o32);
  wrBytes(cpu, i, Fpu.envSize(o32), image);
  f.cw |= 0x3f;
};

export const fldenv: Handler = (cpu, i) => {
  const f = enterWait(cpu);
  const o32 = i.size === 4;
  rdBytes(cpu, i, Fpu.envSize(o32), image);
  f.loadEnv(image, o32);
};

/** FNSAVE: stores the environment and the eight registers (stack order), then FNINIT. */
export const fnsave: Handler = (cpu, i) => {
  const f = enterNoWait(cpu);
  const o32 = i.size === 4;
  const n = Fpu.envSize(o32);
  f.saveEnv(image, o32);
  f.saveRegs(image, n);
  wrBytes(cpu, i, n + 80, image);
  f.init();
};

/** FRSTOR: loads what FNSAVE stored, bit for bit (the tags other than empty are recomputed). */
export const frstor: Handler = (cpu, i) => {
  const f = enterWait(cpu);
  const o32 = i.size === 4;
  const n = Fpu.envSize(o32);
  rdBytes(cpu, i, n + 80, image);
  f.loadImage(image, o32);
};

/** WAIT/FWAIT (9B). */
export const fwait: Handler = (cpu) => fwaitCheck(cpu);

/** FNOP (D9 D0): waits, and counts as an instruction for the pointers. */
export const fnop: Handler = (cpu, i) => {
  const f = enterWait(cpu);
  f.notePointers(cpu, i);
};

/**
 * FFREE ST(i) (DD C0+i): tags it empty. op 1 = FFREEP (DF C0+i, undocumented): then pops. The
 * condition codes are undefined; the hardware clears C1, and so do we.
 */
export const ffree: Handler = (cpu, i) => {
  const f = enterWait(cpu);
  f.notePointers(cpu, i);
  f.empty |= 1 << f.phys(i.rm);
  if (i.op === 1) f.pop();
  f.finish(0);
};

/** FINCSTP (D9 F7) and FDECSTP (D9 F6, op -1): rotate TOP without touching tags; C1 = 0. */
export const fincstp: Handler = (cpu, i) => {
  const f = enterWait(cpu);
  f.notePointers(cpu, i);
  f.top = (f.top + (i.op === 0 ? 1 : -1)) & 7;
  f.finish(0);
};

/**
 * x87 instructions not implemented (the transcendentals: F2XM1 FYL2X FPTAN FPATAN FYL2XP1
 * FSINCOS FSIN FCOS): their results differ between CPU generations and a deterministic
 * extended-precision implementation is future work. They take #NM and #MF like any x87
 * instruction, then end the run as `unsupported`.
 */
export function unimplemented(name: string): Handler {
  return (cpu) => {
    enterWait(cpu);
    cpu.unsupported(`${name} is not implemented (x87 transcendental)`);
  };
}



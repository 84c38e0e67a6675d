import type { Cpu } from '../cpu.js';
import type { Handler } from '../insn.js';
import { ESP, EBP, SS, RF, VM } from '../registers.js';
import { loadDataSegment } from '../segments.js';
import { writeFlagsFromPop } from '../interrupts.js';
import { ea } from './operands.js';

// ---- PUSH / POP r16, r32 (50-5F) -------------------------------------------------------------------

export const pushRw: Handler = (cpu, i) => cpu.push16(cpu.regs16[i.reg << 1]);
export const pushRd: Handler = (cpu, i) => cpu.push32(cpu.regs[i.reg]);
export const popRw: Handler = (cpu, i) => {
  const v = cpu.pop16();
  cpu.regs16[i.reg << 1] = v;
};
export const popRd: Handler = (cpu, i) => {
  const v = cpu.pop32();
  cpu.regs[i.reg] = v;
};

// ---- PUSH imm (68, 6A) and PUSH Ev (FF /6) ----------------------------------------------------------

export const pushIw: Handler = (cpu, i) => cpu.push16(i.imm);
export const pushId: Handler = (cpu, i) => cpu.push32(i.imm);
export const pushEw_r: Handler = (cpu, i) => cpu.push16(cpu.regs16[i.rm << 1]);
export const pushEw_m: Handler = (cpu, i) => cpu.push16(cpu.rd16(i.seg, ea(cpu, i)));
export const pushEd_r: Handler = (cpu, i) => cpu.push32(cpu.regs[i.rm]);
export const pushEd_m: Handler = (cpu, i) => cpu.push32(cpu.rd32(i.seg, ea(cpu, i)));

// ---- POP Ev (8F /0): the address is computed with ESP already incremented (SDM POP) ----------------

export const popEw_r: Handler = (cpu, i) => { cpu.regs16[i.rm << 1] = cpu.pop16(); };
export const popEd_r: Handler = (cpu, i) => { cpu.regs[i.rm] = cpu.pop32(); };
export const popEw_m: Handler = (cpu, i) => {
  const v = cpu.rd16(SS, cpu.sp());
  const oldEsp = cpu.regs[ESP];
  cpu.setSp(cpu.spPlus(2));
  try {
    cpu.wr16(i.seg, ea(cpu, i), v);
  } catch (e) {
    cpu.regs[ESP] = oldEsp;
    throw e;
  }
};
export const popEd_m: Handler = (cpu, i) => {
  const v = cpu.rd32(SS, cpu.sp());
  const oldEsp = cpu.regs[ESP];
  cpu.setSp(cpu.spPlus(4));
  try {
    cpu.wr32(i.seg, ea(cpu, i), v);
  } catch (e) {
    cpu.regs[ESP] = oldEsp;
    throw e;
  }
};

// ---- segment registers (06/07/0E/16/17/1E/1F, 0F A0/A1/A8/A9) ----------------------------------------

/**
 * PUSH Sreg with a 32-bit operand moves ESP by 4 but writes only the 16-bit selector, leaving the
 * upper half of the slot unchanged, as recent Intel processors do (SDM PUSH).
 */
export const pushSreg: Handler = (cpu, i) => {
  const sel = cpu.segSel[i.op];
  if (i.size === 2) {
    cpu.push16(sel);
    return;
  }
  const sp = cpu.spPlus(-4);
  cpu.wr16(SS, sp, sel);
  cpu.setSp(sp);
};
export const popSreg: Handler = (cpu, i) => {
  const size = i.size;
  const sel = size === 2 ? cpu.rd16(SS, cpu.sp()) : cpu.rd32(SS, cpu.sp()) & 0xffff;
  loadDataSegment(cpu, i.op, sel);
  cpu.setSp(cpu.spPlus(size));
  if (i.op === SS) cpu.inhibitIcount = cpu.icount + 1;
};

// ---- PUSHA / POPA -------------------------------------------------------------------------------------

function pushAll(cpu: Cpu, size: number): void {
  const base = cpu.sp();
  const values = [0, 1, 2, 3, 4, 5, 6, 7].map((r) => (size === 4 ? cpu.regs[r] : cpu.regs16[r << 1]));
  // Write every slot before moving ESP, so a fault part-way leaves the registers unchanged.
  for (let k = 0; k < 8; k++) {
    const off = cpu.stack32 ? (base - (k + 1) * size) | 0 : (base - (k + 1) * size) & 0xffff;
    if (size === 4) cpu.wr32(SS, off, values[k]);
    else cpu.wr16(SS, off, values[k]);
  }
  cpu.setSp(cpu.spPlus(-8 * size));
}
function popAll(cpu: Cpu, size: number): void {
  const values: number[] = [];
  for (let k = 0; k < 8; k++) {
    const off = cpu.spPlus(k * size);
    values.push(size === 4 ? cpu.rd32(SS, off) : cpu.rd16(SS, off));
  }
  for (let k = 0; k < 8; k++) {
    const r = 7 - k;
    if (r === ESP) continue;
    if (size === 4) cpu.regs[r] = values[k];
    else cpu.regs16[r << 1] = values[k];
  }
  cpu.setSp(cpu.spPlus(8 * size));
}
export const pushaw: Handler = (cpu) => pushAll(cpu, 2);
export const pushad: Handler = (cpu) => pushAll(cpu, 4);
export const popaw: Handler = (cpu) => popAll(cpu, 2);
export const popad: Handler = (cpu) => popAll(cpu, 4);

// ---- PUSHF / POPF -----------------------------------------------------------------------------------

/** PUSHF stores EFLAGS with VM and RF cleared. */
export const pushfw: Handler = (cpu) => cpu.push16(cpu.getEflags() & 0xffff);
export const pushfd: Handler = (cpu) => cpu.push32(cpu.getEflags() & ~(VM | RF));
export const popfw: Handler = (cpu) => {
  const v = cpu.rd16(SS, cpu.sp());
  cpu.setSp(cpu.spPlus(2));
  writeFlagsFromPop(cpu, v, cpu.cpl, false, false);
};
export const popfd: Handler = (cpu) => {
  const v = cpu.rd32(SS, cpu.sp());
  cpu.setSp(cpu.spPlus(4));
  writeFlagsFromPop(cpu, v, cpu.cpl, true, false);
};

// ---- ENTER / LEAVE ------------------------------------------------------------------------------------

/**
 * ENTER imm16, imm8 (SDM pseudocode; nesting level modulo 32). The frame pointers copied for
 * nested levels are read through EBP or BP by the *stack* size, pushed at the *operand* size;
 * the walk really decrements (E)BP, so with a 16-bit operand only BP is then replaced by the frame.
 */
function enter(cpu: Cpu, size: number, frameBytes: number, levelIn: number): void {
  const level = levelIn & 31;
  const word = (off: number, v: number): void => (size === 4 ? cpu.wr32(SS, off, v) : cpu.wr16(SS, off, v));
  const mask = cpu.stack32 ? -1 : 0xffff;
  let sp = cpu.sp();
  let ebp = cpu.regs[EBP];
  sp = (sp - size) & mask;
  word(sp, size === 4 ? ebp : ebp & 0xffff);
  const frameTemp = sp;
  if (level > 0) {
    for (let k = 1; k < level; k++) {
      ebp = cpu.stack32 ? (ebp - size) | 0 : (ebp & ~0xffff) | ((ebp - size) & 0xffff);
      const at = cpu.stack32 ? ebp : ebp & 0xffff;
      const v = size === 4 ? cpu.rd32(SS, at) : cpu.rd16(SS, at);
      sp = (sp - size) & mask;
      word(sp, v);
    }
    sp = (sp - size) & mask;
    word(sp, frameTemp);
  }
  sp = (sp - frameBytes) & mask;
  // The final frame must be writable even though ENTER does not write it (SDM: #SS/#PF checks).
  cpu.linear(SS, sp, 1, true);
  cpu.regs[EBP] = size === 4 ? frameTemp : (ebp & ~0xffff) | (frameTemp & 0xffff);
  cpu.setSp(sp);
}
export const enterw: Handler = (cpu, i) => enter(cpu, 2, i.imm, i.imm2);
export const enterd: Handler = (cpu, i) => enter(cpu, 4, i.imm, i.imm2);

export const leavew: Handler = (cpu) => {
  const bp = cpu.stack32 ? cpu.regs[EBP] : cpu.regs16[EBP << 1];
  const v = cpu.rd16(SS, bp);
  cpu.setSp((bp + 2) | 0);
  cpu.regs16[EBP << 1] = v;
};
export const leaved: Handler = (cpu) => {
  const bp = cpu.stack32 ? cpu.regs[EBP] : cpu.regs16[EBP << 1];
  const v = cpu.rd32(SS, bp);
  cpu.setSp((bp + 4) | 0);
  cpu.regs[EBP] = v;
};

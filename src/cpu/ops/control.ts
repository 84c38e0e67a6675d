import type { Cpu } from '../cpu.js';
import { CpuFault, GP } from '../faults.js';
import { getOF, getZF, testCondition } from '../flags.js';
import type { Handler } from '../insn.js';
import { iret, softwareInterrupt } from '../interrupts.js';
import { CS, DS, ECX, ES, ESP, FS, GS, SS } from '../registers.js';
import {
  checkFarCodeTarget, checkReturnTarget, loadFromDescriptor, loadStackSegmentAtCpl, nullInaccessibleSegments, readFarTarget,
} from '../segments.js';
import { CALL_GATE_16, CALL_GATE_32, transferThroughCallGate } from '../call-gate.js';
import { ea } from './operands.js';

// ---- near jumps -----------------------------------------------------------------------------------

/** JMP rel8/rel16/rel32 (EB, E9): with a 16-bit operand EIP wraps to 16 bits. */
export const jmpJw: Handler = (cpu, i) => { cpu.eip = (cpu.eip + i.imm) & 0xffff; };
export const jmpJd: Handler = (cpu, i) => { cpu.eip = (cpu.eip + i.imm) | 0; };
/** Jcc rel8/rel32 (70-7F, 0F 80-8F); op is the condition code. */
export const jccJw: Handler = (cpu, i) => { if (testCondition(cpu, i.op)) cpu.eip = (cpu.eip + i.imm) & 0xffff; };
export const jccJd: Handler = (cpu, i) => { if (testCondition(cpu, i.op)) cpu.eip = (cpu.eip + i.imm) | 0; };
/** JMP Ev (FF /4). */
export const jmpEw_r: Handler = (cpu, i) => { cpu.eip = cpu.regs16[i.rm << 1]; };
export const jmpEw_m: Handler = (cpu, i) => { cpu.eip = cpu.rd16(i.seg, ea(cpu, i)); };
export const jmpEd_r: Handler = (cpu, i) => { cpu.eip = cpu.regs[i.rm]; };
export const jmpEd_m: Handler = (cpu, i) => { cpu.eip = cpu.rd32(i.seg, ea(cpu, i)); };

// ---- LOOP / LOOPE / LOOPNE / JECXZ (E0-E3): the counter is CX or ECX by address size --------------

function counter(cpu: Cpu, asize: number): number {
  return asize === 32 ? cpu.regs[ECX] : cpu.regs16[ECX << 1];
}
function decCounter(cpu: Cpu, asize: number): number {
  if (asize === 32) return (cpu.regs[ECX] = (cpu.regs[ECX] - 1) | 0);
  return (cpu.regs16[ECX << 1] = cpu.regs16[ECX << 1] - 1);
}
function branch(cpu: Cpu, size: number, rel: number): void {
  cpu.eip = size === 4 ? (cpu.eip + rel) | 0 : (cpu.eip + rel) & 0xffff;
}
export const loopJb: Handler = (cpu, i) => { if (decCounter(cpu, i.asize) !== 0) branch(cpu, i.size, i.imm); };
export const loopeJb: Handler = (cpu, i) => { if (decCounter(cpu, i.asize) !== 0 && getZF(cpu)) branch(cpu, i.size, i.imm); };
export const loopneJb: Handler = (cpu, i) => { if (decCounter(cpu, i.asize) !== 0 && !getZF(cpu)) branch(cpu, i.size, i.imm); };
export const jecxzJb: Handler = (cpu, i) => { if (counter(cpu, i.asize) === 0) branch(cpu, i.size, i.imm); };

// ---- near CALL / RET -----------------------------------------------------------------------------

export const callJw: Handler = (cpu, i) => { cpu.push16(cpu.eip); cpu.eip = (cpu.eip + i.imm) & 0xffff; };
export const callJd: Handler = (cpu, i) => { cpu.push32(cpu.eip); cpu.eip = (cpu.eip + i.imm) | 0; };
export const callEw_r: Handler = (cpu, i) => { const t = cpu.regs16[i.rm << 1]; cpu.push16(cpu.eip); cpu.eip = t; };
export const callEw_m: Handler = (cpu, i) => { const t = cpu.rd16(i.seg, ea(cpu, i)); cpu.push16(cpu.eip); cpu.eip = t; };
export const callEd_r: Handler = (cpu, i) => { const t = cpu.regs[i.rm]; cpu.push32(cpu.eip); cpu.eip = t; };
export const callEd_m: Handler = (cpu, i) => { const t = cpu.rd32(i.seg, ea(cpu, i)); cpu.push32(cpu.eip); cpu.eip = t; };
export const retw: Handler = (cpu) => { cpu.eip = cpu.pop16(); };
export const retd: Handler = (cpu) => { cpu.eip = cpu.pop32(); };
/** RET imm16 (C2): pops the return address, then releases imm16 bytes of arguments. */
export const retIww: Handler = (cpu, i) => { const t = cpu.pop16(); cpu.setSp(cpu.spPlus(i.imm)); cpu.eip = t; };
export const retIwd: Handler = (cpu, i) => { const t = cpu.pop32(); cpu.setSp(cpu.spPlus(i.imm)); cpu.eip = t; };

// ---- far JMP / CALL / RET (same privilege; returns may go outward) ---------------------------------

function farJump(cpu: Cpu, sel: number, offset: number, size: number): void {
  const target = readFarTarget(cpu, sel);
  if (!target.codeOrData && (target.type === CALL_GATE_32 || target.type === CALL_GATE_16)) {
    transferThroughCallGate(cpu, sel, target, false);
    return;
  }
  const d = checkFarCodeTarget(cpu, sel, target);
  loadFromDescriptor(cpu, CS, (sel & 0xfffc) | cpu.cpl, d);
  cpu.eip = size === 4 ? offset : offset & 0xffff;
}

function farCall(cpu: Cpu, sel: number, offset: number, size: number): void {
  const target = readFarTarget(cpu, sel);
  if (!target.codeOrData && (target.type === CALL_GATE_32 || target.type === CALL_GATE_16)) {
    transferThroughCallGate(cpu, sel, target, true);
    return;
  }
  const d = checkFarCodeTarget(cpu, sel, target);
  // Both pushes must succeed before anything changes.
  const sp = cpu.spPlus(-2 * size);
  cpu.mmu.probeWrite(cpu.linear(SS, sp, 2 * size, true), 2 * size);
  const retCs = cpu.segSel[CS];
  const retEip = cpu.eip;
  if (size === 4) {
    cpu.push32(retCs);
    cpu.push32(retEip);
  } else {
    cpu.push16(retCs);
    cpu.push16(retEip);
  }
  loadFromDescriptor(cpu, CS, (sel & 0xfffc) | cpu.cpl, d);
  cpu.eip = size === 4 ? offset : offset & 0xffff;
}

/** JMP ptr16:16/32 (EA): imm is the offset, imm2 the selector. */
export const jmpAp: Handler = (cpu, i) => farJump(cpu, i.imm2, i.imm, i.size);
export const callAp: Handler = (cpu, i) => farCall(cpu, i.imm2, i.imm, i.size);
/** JMP/CALL m16:16/32 (FF /5, FF /3). */
function readFarPointer(cpu: Cpu, seg: number, off: number, size: number): [number, number] {
  const offset = size === 4 ? cpu.rd32(seg, off) : cpu.rd16(seg, off);
  const sel = cpu.rd16(seg, (off + size) | 0);
  return [sel, offset];
}
export const jmpEp: Handler = (cpu, i) => {
  const [sel, off] = readFarPointer(cpu, i.seg, ea(cpu, i), i.size);
  farJump(cpu, sel, off, i.size);
};
export const callEp: Handler = (cpu, i) => {
  const [sel, off] = readFarPointer(cpu, i.seg, ea(cpu, i), i.size);
  farCall(cpu, sel, off, i.size);
};

/** RETF / RETF imm16 (CB, CA): to the same or an outer privilege level (SDM RET). */
function farReturn(cpu: Cpu, size: number, release: number): void {
  const rd = (k: number): number => (size === 4 ? cpu.rd32(SS, cpu.spPlus(k * 4)) : cpu.rd16(SS, cpu.spPlus(k * 2)));
  const newEip = rd(0);
  const newCs = rd(1) & 0xffff;
  const d = checkReturnTarget(cpu, newCs);
  const rpl = newCs & 3;
  if (rpl === cpu.cpl) {
    loadFromDescriptor(cpu, CS, newCs, d);
    cpu.eip = size === 4 ? newEip : newEip & 0xffff;
    cpu.setSp(cpu.spPlus(2 * size + release));
    return;
  }
  const at = 2 * size + release;
  const newEsp = size === 4 ? cpu.rd32(SS, cpu.spPlus(at)) : cpu.rd16(SS, cpu.spPlus(at));
  const newSs = (size === 4 ? cpu.rd32(SS, cpu.spPlus(at + size)) : cpu.rd16(SS, cpu.spPlus(at + size))) & 0xffff;
  loadStackSegmentAtCpl(cpu, newSs, rpl);
  loadFromDescriptor(cpu, CS, newCs, d);
  cpu.eip = size === 4 ? newEip : newEip & 0xffff;
  if (cpu.stack32) cpu.regs[ESP] = (newEsp + release) | 0;
  else cpu.regs16[ESP << 1] = newEsp + release;
  nullInaccessibleSegments(cpu, [ES, DS, FS, GS]);
}
export const retfw: Handler = (cpu) => farReturn(cpu, 2, 0);
export const retfd: Handler = (cpu) => farReturn(cpu, 4, 0);
export const retfIw: Handler = (cpu, i) => farReturn(cpu, i.size, i.imm);

// ---- interrupts ---------------------------------------------------------------------------------------

export const int3: Handler = (cpu) => softwareInterrupt(cpu, 3);
export const intIb: Handler = (cpu, i) => softwareInterrupt(cpu, i.imm);
export const into: Handler = (cpu) => { if (getOF(cpu)) softwareInterrupt(cpu, 4); };
export const iretw: Handler = (cpu) => iret(cpu, false);
export const iretd: Handler = (cpu) => iret(cpu, true);

/** HLT: privileged; the machine fast-forwards the clock to the next event while halted. */
export const hlt: Handler = (cpu) => {
  if (cpu.cpl !== 0) throw new CpuFault(GP, 0);
  cpu.halted = true;
  cpu.requestStop();
};

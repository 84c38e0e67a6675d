import type { Cpu } from './cpu.js';
import { CpuFault, GP, NP, SS_VEC } from './faults.js';
import { CS, ESP, SS } from './registers.js';
import { SEG_ATTR_BIG } from './seg-attr.js';
import { checkTssStackSegment, loadFromDescriptor, readDescriptor, readTssStack, type Descriptor } from './segments.js';

/** System descriptor types of call gates. */
export const CALL_GATE_16 = 0x4;
export const CALL_GATE_32 = 0xc;

/**
 * A far CALL or JMP through a call gate (SDM CALL/JMP "call gate" pseudocode): the gate's DPL
 * must admit the caller, the target code segment comes from the gate, and a CALL to a more
 * privileged non-conforming segment switches to the inner stack from the TSS, copying the gate's
 * parameter count of words or dwords from the caller's stack. JMP never changes privilege.
 * Nothing changes unless every check and every write succeeds.
 */
export function transferThroughCallGate(cpu: Cpu, gateSel: number, gate: Descriptor, isCall: boolean): void {
  const rpl = gateSel & 3;
  if (gate.dpl < cpu.cpl || gate.dpl < rpl) throw new CpuFault(GP, gateSel & 0xfffc);
  if (!gate.present) throw new CpuFault(NP, gateSel & 0xfffc);
  const gate32 = gate.type === CALL_GATE_32;
  const codeSel = gate.lo >>> 16;
  const offset = gate32 ? (gate.hi & 0xffff0000) | (gate.lo & 0xffff) : gate.lo & 0xffff;
  const paramCount = gate.hi & 0x1f;
  if ((codeSel & ~3) === 0) throw new CpuFault(GP, 0);
  const d = readDescriptor(cpu, codeSel);
  if (d === null) throw new CpuFault(GP, 0);
  const conforming = (d.type & 4) !== 0;
  if (!d.codeOrData || (d.type & 8) === 0 || d.dpl > cpu.cpl || (!isCall && !conforming && d.dpl !== cpu.cpl)) {
    throw new CpuFault(GP, codeSel & 0xfffc);
  }
  if (!d.present) throw new CpuFault(NP, codeSel & 0xfffc);
  const size = gate32 ? 4 : 2;
  const retCs = cpu.segSel[CS];
  const retEip = cpu.eip;

  if (!isCall) {
    loadFromDescriptor(cpu, CS, (codeSel & 0xfffc) | cpu.cpl, d);
    cpu.eip = offset;
    return;
  }
  if (conforming || d.dpl === cpu.cpl) {
    const sp = cpu.spPlus(-2 * size);
    cpu.mmu.probeWrite(cpu.linear(SS, sp, 2 * size, true), 2 * size);
    if (size === 4) { cpu.push32(retCs); cpu.push32(retEip); } else { cpu.push16(retCs); cpu.push16(retEip); }
    loadFromDescriptor(cpu, CS, (codeSel & 0xfffc) | cpu.cpl, d);
    cpu.eip = offset;
    return;
  }

  // More privileged: switch stacks.
  const newCpl = d.dpl;
  const tss = readTssStack(cpu, newCpl);
  const ssDesc = checkTssStackSegment(cpu, tss.ss, newCpl);
  const oldSs = cpu.segSel[SS];
  const oldEsp = cpu.regs[ESP];
  // The parameters, read from the caller's stack at its privilege, first one nearest the top.
  const params: number[] = [];
  for (let k = paramCount - 1; k >= 0; k--) {
    const off = cpu.spPlus(k * size);
    params.push(size === 4 ? cpu.rd32(SS, off) : cpu.rd16(SS, off));
  }
  const words = [oldSs, oldEsp, ...params, retCs, retEip];
  const newStack32 = (ssDesc.attr & SEG_ATTR_BIG) !== 0;
  const spMask = newStack32 ? -1 : 0xffff;
  const top = newStack32 ? tss.esp : tss.esp & 0xffff;
  const frameSp = (top - words.length * size) & spMask;
  if ((ssDesc.type & 4) === 0 && (frameSp >>> 0) + words.length * size - 1 > ssDesc.limit) throw new CpuFault(SS_VEC, tss.ss & 0xfffc);
  for (let k = 0; k < words.length; k++) {
    const lin = (ssDesc.base + ((top - (k + 1) * size) & spMask)) | 0;
    if (size === 4) cpu.mmu.sysWr32(lin, words[k]);
    else cpu.mmu.sysWr16(lin, words[k] & 0xffff);
  }
  cpu.setCpl(newCpl);
  loadFromDescriptor(cpu, SS, (tss.ss & 0xfffc) | newCpl, ssDesc);
  if (newStack32) cpu.regs[ESP] = frameSp;
  else cpu.regs16[ESP << 1] = frameSp;
  loadFromDescriptor(cpu, CS, (codeSel & 0xfffc) | newCpl, d);
  cpu.eip = offset;
}

import type { Cpu } from './cpu.js';
import { SEG_ATTR_BIG } from './seg-attr.js';
import { CpuFault, DF, GP, hasErrorCode, NP, PF_VEC, SS_VEC, VECTOR_NAMES } from './faults.js';
import { materializeFlags } from './flags.js';
import { AC, CS, DS, ES, FS, GS, IF, IOPL_MASK, NT, RF, SS, TF, VM, ID, ESP } from './registers.js';
import {
  checkReturnTarget, checkTssStackSegment, loadFromDescriptor, loadStackSegmentAtCpl, nullInaccessibleSegments,
  readDescriptor, readTssStack,
} from './segments.js';

const CONTRIBUTORY = new Set([0, 10, 11, 12, 13]);

/** SDM Table 6-5: which second exception, raised while delivering the first, becomes #DF. */
function becomesDoubleFault(first: number, second: number): boolean {
  const firstContributory = CONTRIBUTORY.has(first);
  const secondContributory = CONTRIBUTORY.has(second);
  if (firstContributory && secondContributory) return true;
  return first === PF_VEC && (secondContributory || second === PF_VEC);
}

/**
 * Delivers a CPU exception through the IDT (EIP must already point at the faulting instruction, or
 * past it for traps). A fault while delivering is handled per the SDM: a contributory pair or a
 * page fault pair becomes #DF, and a fault while delivering #DF is a triple fault, which stops
 * the CPU (the machine reports the outcome).
 */
export function deliverException(cpu: Cpu, vector: number, errorCode: number, _fault: boolean): void {
  let v = vector;
  let err = errorCode;
  for (;;) {
    try {
      deliverThroughIdt(cpu, v, hasErrorCode(v) ? err : -1, false, false);
      return;
    } catch (e) {
      if (!(e instanceof CpuFault)) throw e;
      if (v === DF) {
        tripleFault(cpu, `${VECTOR_NAMES[e.vector] ?? `vector ${e.vector}`} while delivering #DF`);
        return;
      }
      if (becomesDoubleFault(v, e.vector)) {
        v = DF;
        err = 0;
      } else {
        v = e.vector;
        err = e.errorCode;
      }
    }
  }
}

function tripleFault(cpu: Cpu, detail: string): void {
  cpu.stopped = { kind: 'triple-fault', eip: cpu.eip >>> 0, detail };
  cpu.requestStop();
}

/** Delivers an external (PIC) interrupt between instructions. */
export function deliverExternalInterrupt(cpu: Cpu, vector: number): void {
  cpu.halted = false;
  try {
    deliverThroughIdt(cpu, vector, -1, false, true);
  } catch (e) {
    if (!(e instanceof CpuFault)) throw e;
    deliverException(cpu, e.vector, e.errorCode, true);
  }
}

/**
 * INT n / INT3 / INTO: a software interrupt, trap-like (EIP already past the instruction); the gate
 * DPL must be >= CPL or it is #GP(vector*8+2).
 */
export function softwareInterrupt(cpu: Cpu, vector: number): void {
  deliverThroughIdt(cpu, vector, -1, true, false);
}

/**
 * The protected-mode interrupt/exception delivery of SDM 6.12: read the gate, check it, switch to
 * the inner stack from the TSS when the handler is more privileged, push the frame, load CS:EIP.
 * Nothing in the CPU changes until every check and every write of the frame has succeeded.
 */
function deliverThroughIdt(cpu: Cpu, vector: number, errorCode: number, software: boolean, external: boolean): void {
  const ext = external ? 1 : 0;
  const gateOff = vector * 8;
  if (gateOff + 7 > cpu.idtLimit) throw new CpuFault(GP, gateOff + 2 + ext);
  const lo = cpu.mmu.sysRd32((cpu.idtBase + gateOff) | 0);
  const hi = cpu.mmu.sysRd32((cpu.idtBase + gateOff + 4) | 0);
  const gateType = (hi >>> 8) & 0x1f;
  if (gateType !== 0x05 && gateType !== 0x06 && gateType !== 0x07 && gateType !== 0x0e && gateType !== 0x0f) {
    throw new CpuFault(GP, gateOff + 2 + ext);
  }
  if (software && ((hi >>> 13) & 3) < cpu.cpl) throw new CpuFault(GP, gateOff + 2);
  if ((hi & 0x8000) === 0) throw new CpuFault(NP, gateOff + 2 + ext);
  if (gateType === 0x05) cpu.unsupported(`task gate in IDT vector ${vector}: hardware task switching is not modelled`);

  const sel = lo >>> 16;
  const gate32 = (gateType & 8) !== 0;
  const target = gate32 ? (hi & 0xffff0000) | (lo & 0xffff) : lo & 0xffff;
  if ((sel & ~3) === 0) throw new CpuFault(GP, ext);
  const d = readDescriptor(cpu, sel);
  if (d === null) throw new CpuFault(GP, ext);
  if (!d.codeOrData || (d.type & 8) === 0 || d.dpl > cpu.cpl) throw new CpuFault(GP, (sel & 0xfffc) + ext);
  if (!d.present) throw new CpuFault(NP, (sel & 0xfffc) + ext);
  const newCpl = (d.type & 4) !== 0 ? cpu.cpl : d.dpl;

  const oldFlags = cpu.getEflags();
  const oldCs = cpu.segSel[CS];
  const words: number[] = [];
  let newSsSel = -1;
  let ssDesc = null;
  let stackBase: number, sp: number, stackIs32: boolean;
  if (newCpl < cpu.cpl) {
    const tss = readTssStack(cpu, newCpl);
    ssDesc = checkTssStackSegment(cpu, tss.ss, newCpl);
    newSsSel = tss.ss;
    stackBase = ssDesc.base;
    stackIs32 = (ssDesc.attr & SEG_ATTR_BIG) !== 0;
    sp = stackIs32 ? tss.esp : tss.esp & 0xffff;
    words.push(cpu.segSel[SS], cpu.regs[ESP]);
  } else {
    stackBase = cpu.segBase[SS];
    stackIs32 = cpu.stack32;
    sp = cpu.sp();
  }
  words.push(oldFlags, oldCs, cpu.eip);
  if (errorCode >= 0) words.push(errorCode);

  // Write the frame through the supervisor (handler's) view when switching stacks, else through the
  // current privilege; any fault here leaves the CPU untouched.
  const size = gate32 ? 4 : 2;
  const spMask = stackIs32 ? -1 : 0xffff;
  const frameSp = (sp - words.length * size) & spMask;
  if (ssDesc !== null && (ssDesc.type & 4) === 0 && (frameSp >>> 0) + words.length * size - 1 > ssDesc.limit) {
    throw new CpuFault(SS_VEC, (newSsSel & 0xfffc) + ext);
  }
  if (ssDesc === null && cpu.segSlow[SS] !== 0) cpu.checkSeg(SS, frameSp, words.length * size, true);
  const supervisorWrite = newCpl < 3;
  for (let k = 0; k < words.length; k++) {
    const lin = (stackBase + ((sp - (k + 1) * size) & spMask)) | 0;
    if (supervisorWrite) {
      if (size === 4) cpu.mmu.sysWr32(lin, words[k]);
      else cpu.mmu.sysWr16(lin, words[k] & 0xffff);
    } else if (size === 4) cpu.mmu.wr32(lin, words[k]);
    else cpu.mmu.wr16(lin, words[k] & 0xffff);
  }

  // Commit.
  if (ssDesc !== null) {
    cpu.setCpl(newCpl);
    loadFromDescriptor(cpu, SS, newSsSel, ssDesc);
  }
  if (stackIs32) cpu.regs[ESP] = frameSp;
  else cpu.regs16[ESP << 1] = frameSp;
  loadFromDescriptor(cpu, CS, (sel & 0xfffc) | newCpl, d);
  cpu.eip = target;
  materializeFlags(cpu);
  let f = cpu.flags & ~(TF | NT | RF | VM);
  if ((gateType & 1) === 0) f &= ~IF; // interrupt gates mask interrupts, trap gates do not
  cpu.flags = f;
  cpu.halted = false;
  cpu.idtDeliveries++;
}

/**
 * IRET in protected mode (SDM IRET pseudocode, without task returns and virtual-8086): pops
 * EIP, CS, EFLAGS, and ESP/SS when returning to an outer privilege level.
 */
export function iret(cpu: Cpu, opsize32: boolean): void {
  if ((cpu.flags & NT) !== 0) cpu.unsupported('IRET with EFLAGS.NT set (task return) is not modelled');
  const size = opsize32 ? 4 : 2;
  const sp = cpu.sp();
  const rd = (k: number): number => (opsize32 ? cpu.rd32(SS, cpu.spPlus(k * 4) ) : cpu.rd16(SS, cpu.spPlus(k * 2)));
  void sp;
  const newEip = rd(0);
  const newCs = rd(1) & 0xffff;
  const newFlags = rd(2);
  if (opsize32 && (newFlags & VM) !== 0 && cpu.cpl === 0) cpu.unsupported('IRET to virtual-8086 mode is not modelled');
  const d = checkReturnTarget(cpu, newCs);
  const rpl = newCs & 3;
  const oldCpl = cpu.cpl;
  if (rpl > oldCpl) {
    const newEsp = rd(3);
    const newSs = rd(4) & 0xffff;
    loadStackSegmentAtCpl(cpu, newSs, rpl);
    loadFromDescriptor(cpu, CS, newCs, d);
    cpu.eip = opsize32 ? newEip : newEip & 0xffff;
    writeFlagsFromPop(cpu, newFlags, oldCpl, opsize32, true);
    if (cpu.stack32) cpu.regs[ESP] = newEsp;
    else cpu.regs16[ESP << 1] = newEsp;
    nullInaccessibleSegments(cpu, [ES, DS, FS, GS]);
  } else {
    loadFromDescriptor(cpu, CS, newCs, d);
    cpu.eip = opsize32 ? newEip : newEip & 0xffff;
    cpu.setSp(cpu.spPlus(3 * size));
    writeFlagsFromPop(cpu, newFlags, oldCpl, opsize32, true);
  }
}

/**
 * Applies a popped EFLAGS image with the privilege rules shared by POPF and IRET: IOPL changes
 * only at CPL 0, IF only when CPL <= IOPL; VM is never set here; RF is cleared by POPF.
 */
export function writeFlagsFromPop(cpu: Cpu, value: number, cpl: number, opsize32: boolean, isIret: boolean): void {
  materializeFlags(cpu);
  const old = cpu.flags;
  let changeable = 0x00000dd5 | TF | NT; // CF PF AF ZF SF TF DF OF NT (and IF below)
  if (opsize32) changeable |= AC | ID | (isIret ? RF : 0);
  if (cpl === 0) changeable |= IOPL_MASK;
  if (cpl <= (old & IOPL_MASK) >>> 12) changeable |= IF;
  if (!opsize32) changeable &= 0xffff;
  let f = (old & ~changeable) | (value & changeable);
  if (!isIret) f &= ~RF;
  cpu.setEflags(f);
}

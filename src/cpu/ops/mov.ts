import { getEflagsLow, setFlagsLow } from './flag-ops.js';
import { testCondition } from '../flags.js';
import type { Handler } from '../insn.js';
import { CS, EAX, EBX, EDX, SS } from '../registers.js';
import { loadDataSegment } from '../segments.js';
import { CpuFault, UD } from '../faults.js';
import { ea, linearOf } from './operands.js';

// ---- MOV r/m <-> reg (88-8B), MOV r/m, imm (C6/C7), MOV reg, imm (B0-BF) --------------------------

export const movEbGb_r: Handler = (cpu, i) => { cpu.regs8[i.rm] = cpu.regs8[i.reg]; };
export const movEbGb_m: Handler = (cpu, i) => { cpu.wr8(i.seg, ea(cpu, i), cpu.regs8[i.reg]); };
export const movEwGw_r: Handler = (cpu, i) => { cpu.regs16[i.rm << 1] = cpu.regs16[i.reg << 1]; };
export const movEwGw_m: Handler = (cpu, i) => { cpu.wr16(i.seg, ea(cpu, i), cpu.regs16[i.reg << 1]); };
export const movEdGd_r: Handler = (cpu, i) => { cpu.regs[i.rm] = cpu.regs[i.reg]; };
export const movEdGd_m: Handler = (cpu, i) => { cpu.wr32(i.seg, ea(cpu, i), cpu.regs[i.reg]); };
export const movGbEb_r: Handler = (cpu, i) => { cpu.regs8[i.reg] = cpu.regs8[i.rm]; };
export const movGbEb_m: Handler = (cpu, i) => { cpu.regs8[i.reg] = cpu.rd8(i.seg, ea(cpu, i)); };
export const movGwEw_r: Handler = (cpu, i) => { cpu.regs16[i.reg << 1] = cpu.regs16[i.rm << 1]; };
export const movGwEw_m: Handler = (cpu, i) => { cpu.regs16[i.reg << 1] = cpu.rd16(i.seg, ea(cpu, i)); };
export const movGdEd_r: Handler = (cpu, i) => { cpu.regs[i.reg] = cpu.regs[i.rm]; };
export const movGdEd_m: Handler = (cpu, i) => { cpu.regs[i.reg] = cpu.rd32(i.seg, ea(cpu, i)); };
export const movEbIb_r: Handler = (cpu, i) => { cpu.regs8[i.rm] = i.imm; };
export const movEbIb_m: Handler = (cpu, i) => { cpu.wr8(i.seg, ea(cpu, i), i.imm); };
export const movEwIw_r: Handler = (cpu, i) => { cpu.regs16[i.rm << 1] = i.imm; };
export const movEwIw_m: Handler = (cpu, i) => { cpu.wr16(i.seg, ea(cpu, i), i.imm); };
export const movEdId_r: Handler = (cpu, i) => { cpu.regs[i.rm] = i.imm; };
export const movEdId_m: Handler = (cpu, i) => { cpu.wr32(i.seg, ea(cpu, i), i.imm); };
/** B0-B7: MOV r8, imm8 (reg is a regs8 offset). */
export const movRbIb: Handler = (cpu, i) => { cpu.regs8[i.reg] = i.imm; };
export const movRwIw: Handler = (cpu, i) => { cpu.regs16[i.reg << 1] = i.imm; };
export const movRdId: Handler = (cpu, i) => { cpu.regs[i.reg] = i.imm; };

// ---- MOV AL/eAX <-> moffs (A0-A3): the decoder puts the offset in disp ---------------------------

export const movALOb: Handler = (cpu, i) => { cpu.regs8[0] = cpu.rd8(i.seg, ea(cpu, i)); };
export const movAXOw: Handler = (cpu, i) => { cpu.regs16[0] = cpu.rd16(i.seg, ea(cpu, i)); };
export const movEAXOd: Handler = (cpu, i) => { cpu.regs[EAX] = cpu.rd32(i.seg, ea(cpu, i)); };
export const movObAL: Handler = (cpu, i) => { cpu.wr8(i.seg, ea(cpu, i), cpu.regs8[0]); };
export const movOwAX: Handler = (cpu, i) => { cpu.wr16(i.seg, ea(cpu, i), cpu.regs16[0]); };
export const movOdEAX: Handler = (cpu, i) => { cpu.wr32(i.seg, ea(cpu, i), cpu.regs[EAX]); };

// ---- MOV Sreg (8C/8E) -----------------------------------------------------------------------------

/** MOV Ew, Sreg: a register destination gets the selector zero-extended with a 32-bit operand. */
export const movEwSw_r: Handler = (cpu, i) => {
  if (i.nnn > 5) throw new CpuFault(UD, 0);
  if (i.size === 4) cpu.regs[i.rm] = cpu.segSel[i.nnn];
  else cpu.regs16[i.rm << 1] = cpu.segSel[i.nnn];
};
export const movEwSw_m: Handler = (cpu, i) => {
  if (i.nnn > 5) throw new CpuFault(UD, 0);
  cpu.wr16(i.seg, ea(cpu, i), cpu.segSel[i.nnn]);
};
function movSreg(cpu: Parameters<Handler>[0], sreg: number, sel: number): void {
  if (sreg === CS || sreg > 5) throw new CpuFault(UD, 0);
  loadDataSegment(cpu, sreg, sel);
  // MOV SS inhibits interrupts for one instruction so SS:ESP can be loaded as a pair.
  if (sreg === SS) cpu.inhibitIcount = cpu.icount + 1;
}
export const movSwEw_r: Handler = (cpu, i) => movSreg(cpu, i.nnn, cpu.regs16[i.rm << 1]);
export const movSwEw_m: Handler = (cpu, i) => movSreg(cpu, i.nnn, cpu.rd16(i.seg, ea(cpu, i)));

// ---- LEA, MOVZX, MOVSX ---------------------------------------------------------------------------

export const leaGw: Handler = (cpu, i) => { cpu.regs16[i.reg << 1] = ea(cpu, i); };
export const leaGd: Handler = (cpu, i) => { cpu.regs[i.reg] = ea(cpu, i); };

/** MOVZX/MOVSX source readers: Eb and Ew, register and memory forms. */
export const movzxGwEb_r: Handler = (cpu, i) => { cpu.regs16[i.reg << 1] = cpu.regs8[i.rm]; };
export const movzxGwEb_m: Handler = (cpu, i) => { cpu.regs16[i.reg << 1] = cpu.rd8(i.seg, ea(cpu, i)); };
export const movzxGdEb_r: Handler = (cpu, i) => { cpu.regs[i.reg] = cpu.regs8[i.rm]; };
export const movzxGdEb_m: Handler = (cpu, i) => { cpu.regs[i.reg] = cpu.rd8(i.seg, ea(cpu, i)); };
export const movzxGdEw_r: Handler = (cpu, i) => { cpu.regs[i.reg] = cpu.regs16[i.rm << 1]; };
export const movzxGdEw_m: Handler = (cpu, i) => { cpu.regs[i.reg] = cpu.rd16(i.seg, ea(cpu, i)); };
export const movzxGwEw_r: Handler = (cpu, i) => { cpu.regs16[i.reg << 1] = cpu.regs16[i.rm << 1]; };
export const movzxGwEw_m: Handler = (cpu, i) => { cpu.regs16[i.reg << 1] = cpu.rd16(i.seg, ea(cpu, i)); };
export const movsxGwEb_r: Handler = (cpu, i) => { cpu.regs16[i.reg << 1] = (cpu.regs8[i.rm] << 24) >> 24; };
export const movsxGwEb_m: Handler = (cpu, i) => { cpu.regs16[i.reg << 1] = (cpu.rd8(i.seg, ea(cpu, i)) << 24) >> 24; };
export const movsxGdEb_r: Handler = (cpu, i) => { cpu.regs[i.reg] = (cpu.regs8[i.rm] << 24) >> 24; };
export const movsxGdEb_m: Handler = (cpu, i) => { cpu.regs[i.reg] = (cpu.rd8(i.seg, ea(cpu, i)) << 24) >> 24; };
export const movsxGdEw_r: Handler = (cpu, i) => { cpu.regs[i.reg] = (cpu.regs16[i.rm << 1] << 16) >> 16; };
export const movsxGdEw_m: Handler = (cpu, i) => { cpu.regs[i.reg] = (cpu.rd16(i.seg, ea(cpu, i)) << 16) >> 16; };

// ---- XCHG ------------------------------------------------------------------------------------------

export const xchgEbGb_r: Handler = (cpu, i) => {
  const t = cpu.regs8[i.rm];
  cpu.regs8[i.rm] = cpu.regs8[i.reg];
  cpu.regs8[i.reg] = t;
};
export const xchgEbGb_m: Handler = (cpu, i) => {
  const lin = linearOf(cpu, i, 1, true);
  const t = cpu.mmu.rdw8(lin);
  cpu.mmu.wr8(lin, cpu.regs8[i.reg]);
  cpu.regs8[i.reg] = t;
};
export const xchgEwGw_r: Handler = (cpu, i) => {
  const t = cpu.regs16[i.rm << 1];
  cpu.regs16[i.rm << 1] = cpu.regs16[i.reg << 1];
  cpu.regs16[i.reg << 1] = t;
};
export const xchgEwGw_m: Handler = (cpu, i) => {
  const lin = linearOf(cpu, i, 2, true);
  const t = cpu.mmu.rdw16(lin);
  cpu.mmu.wr16(lin, cpu.regs16[i.reg << 1]);
  cpu.regs16[i.reg << 1] = t;
};
export const xchgEdGd_r: Handler = (cpu, i) => {
  const t = cpu.regs[i.rm];
  cpu.regs[i.rm] = cpu.regs[i.reg];
  cpu.regs[i.reg] = t;
};
export const xchgEdGd_m: Handler = (cpu, i) => {
  const lin = linearOf(cpu, i, 4, true);
  const t = cpu.mmu.rdw32(lin);
  cpu.mmu.wr32(lin, cpu.regs[i.reg]);
  cpu.regs[i.reg] = t;
};
/** 91-97: XCHG eAX, reg (90 is NOP). */
export const xchgAXRw: Handler = (cpu, i) => {
  const t = cpu.regs16[0];
  cpu.regs16[0] = cpu.regs16[i.reg << 1];
  cpu.regs16[i.reg << 1] = t;
};
export const xchgEAXRd: Handler = (cpu, i) => {
  const t = cpu.regs[EAX];
  cpu.regs[EAX] = cpu.regs[i.reg];
  cpu.regs[i.reg] = t;
};

// ---- conversions -----------------------------------------------------------------------------------

export const cbw: Handler = (cpu) => { cpu.regs16[0] = (cpu.regs8[0] << 24) >> 24; };
export const cwde: Handler = (cpu) => { cpu.regs[EAX] = (cpu.regs16[0] << 16) >> 16; };
export const cwd: Handler = (cpu) => { cpu.regs16[EDX << 1] = (cpu.regs16[0] & 0x8000) !== 0 ? 0xffff : 0; };
export const cdq: Handler = (cpu) => { cpu.regs[EDX] = cpu.regs[EAX] >> 31; };

/** BSWAP r32 (0F C8+r). With a 16-bit operand the result is undefined; hardware and QEMU give 0. */
export const bswapRd: Handler = (cpu, i) => {
  const v = cpu.regs[i.reg];
  cpu.regs[i.reg] = ((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24);
};
export const bswapRw: Handler = (cpu, i) => { cpu.regs16[i.reg << 1] = 0; };

// ---- CMOVcc / SETcc -------------------------------------------------------------------------------

/** CMOVcc with a memory source reads it even when the condition is false (as hardware does). */
export const cmovGwEw_r: Handler = (cpu, i) => { if (testCondition(cpu, i.op)) cpu.regs16[i.reg << 1] = cpu.regs16[i.rm << 1]; };
export const cmovGwEw_m: Handler = (cpu, i) => { const v = cpu.rd16(i.seg, ea(cpu, i)); if (testCondition(cpu, i.op)) cpu.regs16[i.reg << 1] = v; };
/** A 32-bit CMOV writes nothing when false (on IA-32 the upper half is not an issue). */
export const cmovGdEd_r: Handler = (cpu, i) => { if (testCondition(cpu, i.op)) cpu.regs[i.reg] = cpu.regs[i.rm]; };
export const cmovGdEd_m: Handler = (cpu, i) => { const v = cpu.rd32(i.seg, ea(cpu, i)); if (testCondition(cpu, i.op)) cpu.regs[i.reg] = v; };
export const setccEb_r: Handler = (cpu, i) => { cpu.regs8[i.rm] = testCondition(cpu, i.op) ? 1 : 0; };
export const setccEb_m: Handler = (cpu, i) => { cpu.wr8(i.seg, ea(cpu, i), testCondition(cpu, i.op) ? 1 : 0); };

// ---- LAHF / SAHF / XLAT -----------------------------------------------------------------------------

export const lahf: Handler = (cpu) => { cpu.regs8[1] = getEflagsLow(cpu); };
export const sahf: Handler = (cpu) => { setFlagsLow(cpu, cpu.regs8[1]); };
export const xlat: Handler = (cpu, i) => {
  const off = (cpu.regs[EBX] + cpu.regs8[0]) & i.eaMask;
  cpu.regs8[0] = cpu.rd8(i.seg, off);
};

export const nop: Handler = () => {};

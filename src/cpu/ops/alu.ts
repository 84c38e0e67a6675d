import type { Cpu } from '../cpu.js';
import { getCF, LZ_ADD, LZ_DEC, LZ_INC, LZ_LOGIC, LZ_SBB, LZ_SUB, SZ16, SZ32, SZ8 } from '../flags.js';
import type { Handler } from '../insn.js';
import { ea, linearOf } from './operands.js';

/** ALU operations in encoding order (ModRM.reg of group 1, bits 5:3 of opcodes 00-3F). */
export const ADD = 0, OR = 1, ADC = 2, SBB = 3, AND = 4, SUB = 5, XOR = 6, CMP = 7;

/**
 * The eight ALU operations at each size: compute, record lazy flags, return the result masked to
 * the size. The caller writes it back unless the operation is CMP.
 */
export function alu32(cpu: Cpu, op: number, a: number, b: number): number {
  let r: number;
  switch (op) {
    case ADD: r = (a + b) | 0; cpu.lzOp = LZ_ADD; break;
    case OR: r = a | b; cpu.lzOp = LZ_LOGIC; break;
    case ADC: r = (a + b + getCF(cpu)) | 0; cpu.lzOp = LZ_ADD; break;
    case SBB: r = (a - b - getCF(cpu)) | 0; cpu.lzOp = LZ_SBB; break;
    case AND: r = a & b; cpu.lzOp = LZ_LOGIC; break;
    case XOR: r = a ^ b; cpu.lzOp = LZ_LOGIC; break;
    default: r = (a - b) | 0; cpu.lzOp = LZ_SUB; break;
  }
  cpu.lzA = a;
  cpu.lzB = b;
  cpu.lzRes = r;
  cpu.lzSize = SZ32;
  return r;
}

export function alu16(cpu: Cpu, op: number, a: number, b: number): number {
  let r: number;
  switch (op) {
    case ADD: r = (a + b) & 0xffff; cpu.lzOp = LZ_ADD; break;
    case OR: r = (a | b) & 0xffff; cpu.lzOp = LZ_LOGIC; break;
    case ADC: r = (a + b + getCF(cpu)) & 0xffff; cpu.lzOp = LZ_ADD; break;
    case SBB: r = (a - b - getCF(cpu)) & 0xffff; cpu.lzOp = LZ_SBB; break;
    case AND: r = a & b & 0xffff; cpu.lzOp = LZ_LOGIC; break;
    case XOR: r = (a ^ b) & 0xffff; cpu.lzOp = LZ_LOGIC; break;
    default: r = (a - b) & 0xffff; cpu.lzOp = LZ_SUB; break;
  }
  cpu.lzA = a;
  cpu.lzB = b;
  cpu.lzRes = r;
  cpu.lzSize = SZ16;
  return r;
}

export function alu8(cpu: Cpu, op: number, a: number, b: number): number {
  let r: number;
  switch (op) {
    case ADD: r = (a + b) & 0xff; cpu.lzOp = LZ_ADD; break;
    case OR: r = (a | b) & 0xff; cpu.lzOp = LZ_LOGIC; break;
    case ADC: r = (a + b + getCF(cpu)) & 0xff; cpu.lzOp = LZ_ADD; break;
    case SBB: r = (a - b - getCF(cpu)) & 0xff; cpu.lzOp = LZ_SBB; break;
    case AND: r = a & b & 0xff; cpu.lzOp = LZ_LOGIC; break;
    case XOR: r = (a ^ b) & 0xff; cpu.lzOp = LZ_LOGIC; break;
    default: r = (a - b) & 0xff; cpu.lzOp = LZ_SUB; break;
  }
  cpu.lzA = a;
  cpu.lzB = b;
  cpu.lzRes = r;
  cpu.lzSize = SZ8;
  return r;
}

// ---- op Eb,Gb / Ev,Gv (destination r/m) -------------------------------------------------------

export const aluEbGb_r: Handler = (cpu, i) => {
  const r = alu8(cpu, i.op, cpu.regs8[i.rm], cpu.regs8[i.reg]);
  if (i.op !== CMP) cpu.regs8[i.rm] = r;
};
export const aluEbGb_m: Handler = (cpu, i) => {
  if (i.op === CMP) { alu8(cpu, CMP, cpu.rd8(i.seg, ea(cpu, i)), cpu.regs8[i.reg]); return; }
  const lin = linearOf(cpu, i, 1, true);
  cpu.mmu.wr8(lin, alu8(cpu, i.op, cpu.mmu.rdw8(lin), cpu.regs8[i.reg]));
};
export const aluEwGw_r: Handler = (cpu, i) => {
  const r = alu16(cpu, i.op, cpu.regs16[i.rm << 1], cpu.regs16[i.reg << 1]);
  if (i.op !== CMP) cpu.regs16[i.rm << 1] = r;
};
export const aluEwGw_m: Handler = (cpu, i) => {
  if (i.op === CMP) { alu16(cpu, CMP, cpu.rd16(i.seg, ea(cpu, i)), cpu.regs16[i.reg << 1]); return; }
  const lin = linearOf(cpu, i, 2, true);
  cpu.mmu.wr16(lin, alu16(cpu, i.op, cpu.mmu.rdw16(lin), cpu.regs16[i.reg << 1]));
};
export const aluEdGd_r: Handler = (cpu, i) => {
  const r = alu32(cpu, i.op, cpu.regs[i.rm], cpu.regs[i.reg]);
  if (i.op !== CMP) cpu.regs[i.rm] = r;
};
export const aluEdGd_m: Handler = (cpu, i) => {
  if (i.op === CMP) { alu32(cpu, CMP, cpu.rd32(i.seg, ea(cpu, i)), cpu.regs[i.reg]); return; }
  const lin = linearOf(cpu, i, 4, true);
  cpu.mmu.wr32(lin, alu32(cpu, i.op, cpu.mmu.rdw32(lin), cpu.regs[i.reg]));
};

// ---- op Gb,Eb / Gv,Ev (destination register) --------------------------------------------------

export const aluGbEb_r: Handler = (cpu, i) => {
  const r = alu8(cpu, i.op, cpu.regs8[i.reg], cpu.regs8[i.rm]);
  if (i.op !== CMP) cpu.regs8[i.reg] = r;
};
export const aluGbEb_m: Handler = (cpu, i) => {
  const r = alu8(cpu, i.op, cpu.regs8[i.reg], cpu.rd8(i.seg, ea(cpu, i)));
  if (i.op !== CMP) cpu.regs8[i.reg] = r;
};
export const aluGwEw_r: Handler = (cpu, i) => {
  const r = alu16(cpu, i.op, cpu.regs16[i.reg << 1], cpu.regs16[i.rm << 1]);
  if (i.op !== CMP) cpu.regs16[i.reg << 1] = r;
};
export const aluGwEw_m: Handler = (cpu, i) => {
  const r = alu16(cpu, i.op, cpu.regs16[i.reg << 1], cpu.rd16(i.seg, ea(cpu, i)));
  if (i.op !== CMP) cpu.regs16[i.reg << 1] = r;
};
export const aluGdEd_r: Handler = (cpu, i) => {
  const r = alu32(cpu, i.op, cpu.regs[i.reg], cpu.regs[i.rm]);
  if (i.op !== CMP) cpu.regs[i.reg] = r;
};
export const aluGdEd_m: Handler = (cpu, i) => {
  const r = alu32(cpu, i.op, cpu.regs[i.reg], cpu.rd32(i.seg, ea(cpu, i)));
  if (i.op !== CMP) cpu.regs[i.reg] = r;
};

// ---- op AL,Ib / eAX,Iz ------------------------------------------------------------------------

export const aluALIb: Handler = (cpu, i) => {
  const r = alu8(cpu, i.op, cpu.regs8[0], i.imm & 0xff);
  if (i.op !== CMP) cpu.regs8[0] = r;
};
export const aluAXIw: Handler = (cpu, i) => {
  const r = alu16(cpu, i.op, cpu.regs16[0], i.imm & 0xffff);
  if (i.op !== CMP) cpu.regs16[0] = r;
};
export const aluEAXId: Handler = (cpu, i) => {
  const r = alu32(cpu, i.op, cpu.regs[0], i.imm);
  if (i.op !== CMP) cpu.regs[0] = r;
};

// ---- group 1: op Eb,Ib / Ev,Iz / Ev,Ibs (op = ModRM.reg) --------------------------------------

export const aluEbIb_r: Handler = (cpu, i) => {
  const r = alu8(cpu, i.nnn, cpu.regs8[i.rm], i.imm & 0xff);
  if (i.nnn !== CMP) cpu.regs8[i.rm] = r;
};
export const aluEbIb_m: Handler = (cpu, i) => {
  if (i.nnn === CMP) { alu8(cpu, CMP, cpu.rd8(i.seg, ea(cpu, i)), i.imm & 0xff); return; }
  const lin = linearOf(cpu, i, 1, true);
  cpu.mmu.wr8(lin, alu8(cpu, i.nnn, cpu.mmu.rdw8(lin), i.imm & 0xff));
};
export const aluEwIw_r: Handler = (cpu, i) => {
  const r = alu16(cpu, i.nnn, cpu.regs16[i.rm << 1], i.imm & 0xffff);
  if (i.nnn !== CMP) cpu.regs16[i.rm << 1] = r;
};
export const aluEwIw_m: Handler = (cpu, i) => {
  if (i.nnn === CMP) { alu16(cpu, CMP, cpu.rd16(i.seg, ea(cpu, i)), i.imm & 0xffff); return; }
  const lin = linearOf(cpu, i, 2, true);
  cpu.mmu.wr16(lin, alu16(cpu, i.nnn, cpu.mmu.rdw16(lin), i.imm & 0xffff));
};
export const aluEdId_r: Handler = (cpu, i) => {
  const r = alu32(cpu, i.nnn, cpu.regs[i.rm], i.imm);
  if (i.nnn !== CMP) cpu.regs[i.rm] = r;
};
export const aluEdId_m: Handler = (cpu, i) => {
  if (i.nnn === CMP) { alu32(cpu, CMP, cpu.rd32(i.seg, ea(cpu, i)), i.imm); return; }
  const lin = linearOf(cpu, i, 4, true);
  cpu.mmu.wr32(lin, alu32(cpu, i.nnn, cpu.mmu.rdw32(lin), i.imm));
};

// ---- TEST ---------------------------------------------------------------------------------------

function logic(cpu: Cpu, r: number, size: number): void {
  cpu.lzOp = LZ_LOGIC;
  cpu.lzRes = r;
  cpu.lzSize = size;
}
export const testEbGb_r: Handler = (cpu, i) => logic(cpu, cpu.regs8[i.rm] & cpu.regs8[i.reg], SZ8);
export const testEbGb_m: Handler = (cpu, i) => logic(cpu, cpu.rd8(i.seg, ea(cpu, i)) & cpu.regs8[i.reg], SZ8);
export const testEwGw_r: Handler = (cpu, i) => logic(cpu, cpu.regs16[i.rm << 1] & cpu.regs16[i.reg << 1], SZ16);
export const testEwGw_m: Handler = (cpu, i) => logic(cpu, cpu.rd16(i.seg, ea(cpu, i)) & cpu.regs16[i.reg << 1], SZ16);
export const testEdGd_r: Handler = (cpu, i) => logic(cpu, cpu.regs[i.rm] & cpu.regs[i.reg], SZ32);
export const testEdGd_m: Handler = (cpu, i) => logic(cpu, cpu.rd32(i.seg, ea(cpu, i)) & cpu.regs[i.reg], SZ32);
export const testALIb: Handler = (cpu, i) => logic(cpu, cpu.regs8[0] & i.imm & 0xff, SZ8);
export const testAXIw: Handler = (cpu, i) => logic(cpu, cpu.regs16[0] & i.imm & 0xffff, SZ16);
export const testEAXId: Handler = (cpu, i) => logic(cpu, cpu.regs[0] & i.imm, SZ32);
export const testEbIb_r: Handler = (cpu, i) => logic(cpu, cpu.regs8[i.rm] & i.imm & 0xff, SZ8);
export const testEbIb_m: Handler = (cpu, i) => logic(cpu, cpu.rd8(i.seg, ea(cpu, i)) & i.imm & 0xff, SZ8);
export const testEwIw_r: Handler = (cpu, i) => logic(cpu, cpu.regs16[i.rm << 1] & i.imm & 0xffff, SZ16);
export const testEwIw_m: Handler = (cpu, i) => logic(cpu, cpu.rd16(i.seg, ea(cpu, i)) & i.imm & 0xffff, SZ16);
export const testEdId_r: Handler = (cpu, i) => logic(cpu, cpu.regs[i.rm] & i.imm, SZ32);
export const testEdId_m: Handler = (cpu, i) => logic(cpu, cpu.rd32(i.seg, ea(cpu, i)) & i.imm, SZ32);

// ---- INC / DEC (CF preserved) ------------------------------------------------------------------

function incdec(cpu: Cpu, a: number, dec: boolean, size: number, mask: number): number {
  cpu.lzAux = getCF(cpu);
  const r = (dec ? a - 1 : a + 1) & mask;
  cpu.lzOp = dec ? LZ_DEC : LZ_INC;
  cpu.lzA = a;
  cpu.lzB = 1;
  cpu.lzRes = r;
  cpu.lzSize = size;
  return r;
}
/** INC/DEC r16/r32 (40-4F): op = 0 for INC, 1 for DEC. */
export const incdecRw: Handler = (cpu, i) => {
  cpu.regs16[i.reg << 1] = incdec(cpu, cpu.regs16[i.reg << 1], i.op !== 0, SZ16, 0xffff);
};
export const incdecRd: Handler = (cpu, i) => {
  cpu.regs[i.reg] = incdec(cpu, cpu.regs[i.reg], i.op !== 0, SZ32, -1);
};
/** INC/DEC Eb, Ev (FE/FF /0 /1): the op is ModRM.reg. */
export const incdecEb_r: Handler = (cpu, i) => {
  cpu.regs8[i.rm] = incdec(cpu, cpu.regs8[i.rm], i.nnn !== 0, SZ8, 0xff);
};
export const incdecEb_m: Handler = (cpu, i) => {
  const lin = linearOf(cpu, i, 1, true);
  cpu.mmu.wr8(lin, incdec(cpu, cpu.mmu.rdw8(lin), i.nnn !== 0, SZ8, 0xff));
};
export const incdecEw_r: Handler = (cpu, i) => {
  cpu.regs16[i.rm << 1] = incdec(cpu, cpu.regs16[i.rm << 1], i.nnn !== 0, SZ16, 0xffff);
};
export const incdecEw_m: Handler = (cpu, i) => {
  const lin = linearOf(cpu, i, 2, true);
  cpu.mmu.wr16(lin, incdec(cpu, cpu.mmu.rdw16(lin), i.nnn !== 0, SZ16, 0xffff));
};
export const incdecEd_r: Handler = (cpu, i) => {
  cpu.regs[i.rm] = incdec(cpu, cpu.regs[i.rm], i.nnn !== 0, SZ32, -1);
};
export const incdecEd_m: Handler = (cpu, i) => {
  const lin = linearOf(cpu, i, 4, true);
  cpu.mmu.wr32(lin, incdec(cpu, cpu.mmu.rdw32(lin), i.nnn !== 0, SZ32, -1));
};

// ---- NOT / NEG (group 3 /2 /3) ---------------------------------------------------------------------

function neg(cpu: Cpu, b: number, size: number, mask: number): number {
  const r = (0 - b) & mask;
  cpu.lzOp = LZ_SUB;
  cpu.lzA = 0;
  cpu.lzB = b;
  cpu.lzRes = r;
  cpu.lzSize = size;
  return r;
}
export const notEb_r: Handler = (cpu, i) => { cpu.regs8[i.rm] = ~cpu.regs8[i.rm]; };
export const notEb_m: Handler = (cpu, i) => { const l = linearOf(cpu, i, 1, true); cpu.mmu.wr8(l, ~cpu.mmu.rdw8(l)); };
export const notEw_r: Handler = (cpu, i) => { cpu.regs16[i.rm << 1] = ~cpu.regs16[i.rm << 1]; };
export const notEw_m: Handler = (cpu, i) => { const l = linearOf(cpu, i, 2, true); cpu.mmu.wr16(l, ~cpu.mmu.rdw16(l)); };
export const notEd_r: Handler = (cpu, i) => { cpu.regs[i.rm] = ~cpu.regs[i.rm]; };
export const notEd_m: Handler = (cpu, i) => { const l = linearOf(cpu, i, 4, true); cpu.mmu.wr32(l, ~cpu.mmu.rdw32(l)); };
export const negEb_r: Handler = (cpu, i) => { cpu.regs8[i.rm] = neg(cpu, cpu.regs8[i.rm], SZ8, 0xff); };
export const negEb_m: Handler = (cpu, i) => { const l = linearOf(cpu, i, 1, true); cpu.mmu.wr8(l, neg(cpu, cpu.mmu.rdw8(l), SZ8, 0xff)); };
export const negEw_r: Handler = (cpu, i) => { cpu.regs16[i.rm << 1] = neg(cpu, cpu.regs16[i.rm << 1], SZ16, 0xffff); };
export const negEw_m: Handler = (cpu, i) => { const l = linearOf(cpu, i, 2, true); cpu.mmu.wr16(l, neg(cpu, cpu.mmu.rdw16(l), SZ16, 0xffff)); };
export const negEd_r: Handler = (cpu, i) => { cpu.regs[i.rm] = neg(cpu, cpu.regs[i.rm], SZ32, -1); };
export const negEd_m: Handler = (cpu, i) => { const l = linearOf(cpu, i, 4, true); cpu.mmu.wr32(l, neg(cpu, cpu.mmu.rdw32(l), SZ32, -1)); };

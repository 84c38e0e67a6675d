import type { Cpu } from '../cpu.js';
import { materializeFlags } from '../flags.js';
import type { Handler } from '../insn.js';
import { CF, ZF } from '../registers.js';
import { ea } from './operands.js';

/** Bit-test operations: op 0 = BT, 1 = BTS, 2 = BTR, 3 = BTC (the order of 0F BA /4../7). */
export const BT = 0, BTS = 1, BTR = 2, BTC = 3;

function applyBit(v: number, bit: number, op: number): number {
  const m = 1 << bit;
  return op === BTS ? v | m : op === BTR ? v & ~m : op === BTC ? v ^ m : v;
}

/** CF = the tested bit; ZF unaffected; OF SF AF PF undefined by the SDM (left unchanged here). */
function setCarry(cpu: Cpu, bit: number): void {
  materializeFlags(cpu);
  cpu.flags = (cpu.flags & ~CF) | (bit & 1);
}

// Register destinations: the bit offset is taken modulo the operand size.
export const btEwGw_r: Handler = (cpu, i) => {
  const v = cpu.regs16[i.rm << 1], bit = cpu.regs16[i.reg << 1] & 15;
  setCarry(cpu, v >>> bit);
  if (i.op !== BT) cpu.regs16[i.rm << 1] = applyBit(v, bit, i.op);
};
export const btEdGd_r: Handler = (cpu, i) => {
  const v = cpu.regs[i.rm], bit = cpu.regs[i.reg] & 31;
  setCarry(cpu, v >>> bit);
  if (i.op !== BT) cpu.regs[i.rm] = applyBit(v, bit, i.op);
};
export const btEwIb_r: Handler = (cpu, i) => {
  const v = cpu.regs16[i.rm << 1], bit = i.imm & 15;
  setCarry(cpu, v >>> bit);
  if (i.op !== BT) cpu.regs16[i.rm << 1] = applyBit(v, bit, i.op);
};
export const btEdIb_r: Handler = (cpu, i) => {
  const v = cpu.regs[i.rm], bit = i.imm & 31;
  setCarry(cpu, v >>> bit);
  if (i.op !== BT) cpu.regs[i.rm] = applyBit(v, bit, i.op);
};

/**
 * Memory destination with a register bit offset: the offset is signed and selects a word or dword
 * anywhere relative to the operand address (SDM BT, "bit string").
 */
function btMem(cpu: Cpu, seg: number, base: number, offset: number, size: number, op: number, eaMask: number): void {
  const bits = size * 8;
  const wordIndex = Math.floor(offset / bits);
  const bit = offset - wordIndex * bits;
  const off = (base + wordIndex * size) & eaMask;
  if (op === BT) {
    const v = size === 4 ? cpu.rd32(seg, off) : cpu.rd16(seg, off);
    setCarry(cpu, v >>> bit);
    return;
  }
  const lin = cpu.linear(seg, off, size, true);
  const v = size === 4 ? cpu.mmu.rdw32(lin) : cpu.mmu.rdw16(lin);
  setCarry(cpu, v >>> bit);
  if (size === 4) cpu.mmu.wr32(lin, applyBit(v, bit, op));
  else cpu.mmu.wr16(lin, applyBit(v, bit, op));
}
export const btEwGw_m: Handler = (cpu, i) => btMem(cpu, i.seg, ea(cpu, i), (cpu.regs16[i.reg << 1] << 16) >> 16, 2, i.op, i.eaMask);
export const btEdGd_m: Handler = (cpu, i) => btMem(cpu, i.seg, ea(cpu, i), cpu.regs[i.reg], 4, i.op, i.eaMask);
export const btEwIb_m: Handler = (cpu, i) => btMem(cpu, i.seg, ea(cpu, i), i.imm & 15, 2, i.op, i.eaMask);
export const btEdIb_m: Handler = (cpu, i) => btMem(cpu, i.seg, ea(cpu, i), i.imm & 31, 4, i.op, i.eaMask);

// ---- BSF / BSR (0F BC / BD); TZCNT (F3 0F BC) runs as BSF since BMI1 is not advertised -----------

/**
 * A zero source sets ZF and leaves the destination unchanged (what Intel and AMD hardware do; the
 * SDM calls it undefined). CF OF SF AF PF are undefined; we leave them unchanged.
 */
function bitScan(cpu: Cpu, src: number, reverse: boolean): number {
  materializeFlags(cpu);
  if (src === 0) {
    cpu.flags |= ZF;
    return -1;
  }
  cpu.flags &= ~ZF;
  return reverse ? 31 - Math.clz32(src) : 31 - Math.clz32(src & -src);
}
export const bsfGwEw_r: Handler = (cpu, i) => { const r = bitScan(cpu, cpu.regs16[i.rm << 1], i.op === 1); if (r >= 0) cpu.regs16[i.reg << 1] = r; };
export const bsfGwEw_m: Handler = (cpu, i) => { const r = bitScan(cpu, cpu.rd16(i.seg, ea(cpu, i)), i.op === 1); if (r >= 0) cpu.regs16[i.reg << 1] = r; };
export const bsfGdEd_r: Handler = (cpu, i) => { const r = bitScan(cpu, cpu.regs[i.rm], i.op === 1); if (r >= 0) cpu.regs[i.reg] = r; };
export const bsfGdEd_m: Handler = (cpu, i) => { const r = bitScan(cpu, cpu.rd32(i.seg, ea(cpu, i)), i.op === 1); if (r >= 0) cpu.regs[i.reg] = r; };

import type { Cpu } from '../cpu.js';
import { CpuFault, DE } from '../faults.js';
import { getAF, getCF, LZ_LOGIC, materializeFlags, PARITY, SZ8 } from '../flags.js';
import type { Handler } from '../insn.js';
import { AF, CF, PF, SF, ZF } from '../registers.js';

/** Sets CF and AF and SF/ZF/PF from AL; OF is left as it was (undefined for DAA/DAS). */
function setBcdFlags(cpu: Cpu, al: number, cf: boolean, af: boolean): void {
  materializeFlags(cpu);
  let f = cpu.flags & ~(CF | AF | SF | ZF | PF);
  if (cf) f |= CF;
  if (af) f |= AF;
  if ((al & 0x80) !== 0) f |= SF;
  if (al === 0) f |= ZF;
  f |= PARITY[al];
  cpu.flags = f;
}

/** DAA (SDM pseudocode). */
export const daa: Handler = (cpu) => {
  const oldAl = cpu.regs8[0];
  const oldCf = getCF(cpu) !== 0;
  let al = oldAl;
  let cf = false, af = false;
  if ((al & 0x0f) > 9 || getAF(cpu)) {
    cf = oldCf || al + 6 > 0xff;
    al = (al + 6) & 0xff;
    af = true;
  }
  if (oldAl > 0x99 || oldCf) {
    al = (al + 0x60) & 0xff;
    cf = true;
  } else cf = false;
  cpu.regs8[0] = al;
  setBcdFlags(cpu, al, cf, af);
};

/** DAS (SDM pseudocode). */
export const das: Handler = (cpu) => {
  const oldAl = cpu.regs8[0];
  const oldCf = getCF(cpu) !== 0;
  let al = oldAl;
  let cf = false, af = false;
  if ((al & 0x0f) > 9 || getAF(cpu)) {
    cf = oldCf || al < 6;
    al = (al - 6) & 0xff;
    af = true;
  }
  if (oldAl > 0x99 || oldCf) {
    al = (al - 0x60) & 0xff;
    cf = true;
  }
  cpu.regs8[0] = al;
  setBcdFlags(cpu, al, cf, af);
};

/** AAA / AAS: adjust AX after unpacked BCD add/subtract; OF SF ZF PF undefined (unchanged). */
export const aaa: Handler = (cpu) => {
  const adjust = (cpu.regs8[0] & 0x0f) > 9 || getAF(cpu);
  if (adjust) cpu.regs16[0] = cpu.regs16[0] + 0x106;
  cpu.regs8[0] &= 0x0f;
  materializeFlags(cpu);
  cpu.flags = adjust ? cpu.flags | AF | CF : cpu.flags & ~(AF | CF);
};
export const aas: Handler = (cpu) => {
  const adjust = (cpu.regs8[0] & 0x0f) > 9 || getAF(cpu);
  if (adjust) {
    cpu.regs16[0] = cpu.regs16[0] - 6;
    cpu.regs8[1] = cpu.regs8[1] - 1;
  }
  cpu.regs8[0] &= 0x0f;
  materializeFlags(cpu);
  cpu.flags = adjust ? cpu.flags | AF | CF : cpu.flags & ~(AF | CF);
};

/**
 * AAM imm8 / AAD imm8: SF ZF PF from AL; OF AF CF are undefined and, as in QEMU, cleared.
 */
function logicAl(cpu: Cpu): void {
  cpu.lzOp = LZ_LOGIC;
  cpu.lzRes = cpu.regs8[0];
  cpu.lzSize = SZ8;
}
export const aam: Handler = (cpu, i) => {
  const base = i.imm & 0xff;
  if (base === 0) throw new CpuFault(DE, 0);
  const al = cpu.regs8[0];
  cpu.regs8[1] = Math.floor(al / base);
  cpu.regs8[0] = al % base;
  logicAl(cpu);
};
export const aad: Handler = (cpu, i) => {
  const base = i.imm & 0xff;
  cpu.regs8[0] = (cpu.regs8[0] + cpu.regs8[1] * base) & 0xff;
  cpu.regs8[1] = 0;
  logicAl(cpu);
};

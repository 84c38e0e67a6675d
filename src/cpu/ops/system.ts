import type { Cpu } from '../cpu.js';
import { cpuidLeaf } from '../cpuid.js';
import { CpuFault, GP, NP, UD } from '../faults.js';
import { materializeFlags } from '../flags.js';
import type { Handler, Insn } from '../insn.js';
import {
  CR0_EM, CR0_ET, CR0_MP, CR0_NW, CR0_CD, CR0_PE, CR0_PG, CR0_TS, CR0_WP, CR4_PGE, CR4_PSE, CR4_TSD, CR4_DE,
  EAX, EBX, ECX, EDX, ZF,
} from '../registers.js';
import { readDescriptor, loadDataSegment } from '../segments.js';
import { ea } from './operands.js';

function requireCpl0(cpu: Cpu): void {
  if (cpu.cpl !== 0) throw new CpuFault(GP, 0);
}

// ---- descriptor table registers (0F 01 /0-/3, 0F 00) -----------------------------------------------

/** SGDT/SIDT store limit16 then base32 (the SDM's 24-bit base with a 16-bit operand stores 0 high). */
function storeTableReg(cpu: Cpu, i: Insn, limit: number, base: number): void {
  const off = ea(cpu, i);
  cpu.wr16(i.seg, off, limit);
  cpu.wr32(i.seg, (off + 2) & i.eaMask, base);
}
function loadTableReg(cpu: Cpu, i: Insn): [number, number] {
  requireCpl0(cpu);
  const off = ea(cpu, i);
  const limit = cpu.rd16(i.seg, off);
  let base = cpu.rd32(i.seg, (off + 2) & i.eaMask);
  if (i.size === 2) base &= 0x00ffffff;
  return [limit, base];
}
export const sgdt: Handler = (cpu, i) => storeTableReg(cpu, i, cpu.gdtLimit, cpu.gdtBase);
export const sidt: Handler = (cpu, i) => storeTableReg(cpu, i, cpu.idtLimit, cpu.idtBase);
export const lgdt: Handler = (cpu, i) => { const [l, b] = loadTableReg(cpu, i); cpu.setGdtr(b, l); };
export const lidt: Handler = (cpu, i) => { const [l, b] = loadTableReg(cpu, i); cpu.setIdtr(b, l); };

/** SMSW stores the low word of CR0 (a register destination gets all of CR0 with a 32-bit operand). */
export const smsw_r: Handler = (cpu, i) => {
  if (i.size === 4) cpu.regs[i.rm] = cpu.cr0;
  else cpu.regs16[i.rm << 1] = cpu.cr0;
};
export const smsw_m: Handler = (cpu, i) => cpu.wr16(i.seg, ea(cpu, i), cpu.cr0 & 0xffff);
/** LMSW loads PE MP EM TS; it can set PE but never clear it. */
function lmsw(cpu: Cpu, v: number): void {
  requireCpl0(cpu);
  const m = CR0_MP | CR0_EM | CR0_TS;
  writeCr0(cpu, (cpu.cr0 & ~m) | (v & m) | (cpu.cr0 & CR0_PE) | (v & CR0_PE));
}
export const lmsw_r: Handler = (cpu, i) => lmsw(cpu, cpu.regs16[i.rm << 1]);
export const lmsw_m: Handler = (cpu, i) => lmsw(cpu, cpu.rd16(i.seg, ea(cpu, i)));
export const invlpg: Handler = (cpu, i) => {
  requireCpl0(cpu);
  cpu.mmu.invalidatePage(cpu.segBase[i.seg] + ea(cpu, i));
};

export const sldt_r: Handler = (cpu, i) => { if (i.size === 4) cpu.regs[i.rm] = cpu.ldtSel; else cpu.regs16[i.rm << 1] = cpu.ldtSel; };
export const sldt_m: Handler = (cpu, i) => cpu.wr16(i.seg, ea(cpu, i), cpu.ldtSel);
export const str_r: Handler = (cpu, i) => { if (i.size === 4) cpu.regs[i.rm] = cpu.trSel; else cpu.regs16[i.rm << 1] = cpu.trSel; };
export const str_m: Handler = (cpu, i) => cpu.wr16(i.seg, ea(cpu, i), cpu.trSel);

/** LLDT: a null selector disables the LDT; otherwise it must name an LDT descriptor in the GDT. */
function lldt(cpu: Cpu, sel: number): void {
  requireCpl0(cpu);
  if ((sel & ~3) === 0) {
    cpu.ldtSel = 0;
    cpu.ldtBase = 0;
    cpu.ldtLimit = 0;
    return;
  }
  if ((sel & 4) !== 0) throw new CpuFault(GP, sel & 0xfffc);
  const d = readDescriptor(cpu, sel);
  if (d === null || d.codeOrData || d.type !== 2) throw new CpuFault(GP, sel & 0xfffc);
  if (!d.present) throw new CpuFault(NP, sel & 0xfffc);
  cpu.ldtSel = sel & 0xffff;
  cpu.ldtBase = d.base;
  cpu.ldtLimit = d.limit;
}
export const lldt_r: Handler = (cpu, i) => lldt(cpu, cpu.regs16[i.rm << 1]);
export const lldt_m: Handler = (cpu, i) => lldt(cpu, cpu.rd16(i.seg, ea(cpu, i)));

/** LTR: an available 16- or 32-bit TSS in the GDT; marks it busy. */
function ltr(cpu: Cpu, sel: number): void {
  requireCpl0(cpu);
  if ((sel & ~3) === 0 || (sel & 4) !== 0) throw new CpuFault(GP, sel & 0xfffc);
  const d = readDescriptor(cpu, sel);
  if (d === null || d.codeOrData || (d.type !== 1 && d.type !== 9)) throw new CpuFault(GP, sel & 0xfffc);
  if (!d.present) throw new CpuFault(NP, sel & 0xfffc);
  cpu.mmu.sysWr32((d.addr + 4) | 0, d.hi | 0x200);
  cpu.trSel = sel & 0xffff;
  cpu.trBase = d.base;
  cpu.trLimit = d.limit;
  cpu.trType = d.type | 2;
}
export const ltr_r: Handler = (cpu, i) => ltr(cpu, cpu.regs16[i.rm << 1]);
export const ltr_m: Handler = (cpu, i) => ltr(cpu, cpu.rd16(i.seg, ea(cpu, i)));

/** VERR/VERW: ZF = the segment is readable/writable from the current CPL and RPL. */
function verify(cpu: Cpu, sel: number, write: boolean): void {
  materializeFlags(cpu);
  let ok = false;
  try {
    const d = sel & ~3 ? readDescriptor(cpu, sel) : null;
    if (d !== null && d.codeOrData) {
      const code = (d.type & 8) !== 0;
      const conforming = code && (d.type & 4) !== 0;
      const privOk = conforming || (d.dpl >= cpu.cpl && d.dpl >= (sel & 3));
      ok = privOk && (write ? !code && (d.type & 2) !== 0 : !code || (d.type & 2) !== 0);
    }
  } catch (e) {
    if (!(e instanceof CpuFault) || e.vector !== GP) throw e;
  }
  cpu.flags = ok ? cpu.flags | ZF : cpu.flags & ~ZF;
}
export const verr_r: Handler = (cpu, i) => verify(cpu, cpu.regs16[i.rm << 1], false);
export const verr_m: Handler = (cpu, i) => verify(cpu, cpu.rd16(i.seg, ea(cpu, i)), false);
export const verw_r: Handler = (cpu, i) => verify(cpu, cpu.regs16[i.rm << 1], true);
export const verw_m: Handler = (cpu, i) => verify(cpu, cpu.rd16(i.seg, ea(cpu, i)), true);

/** LAR (op 0) / LSL (op 1): access rights or limit of a descriptor visible at CPL/RPL; ZF = valid. */
function larLsl(cpu: Cpu, i: Insn, sel: number): void {
  materializeFlags(cpu);
  let d = null;
  try {
    d = (sel & ~3) !== 0 || (sel & 4) !== 0 ? readDescriptor(cpu, sel) : null;
  } catch (e) {
    if (!(e instanceof CpuFault) || e.vector !== GP) throw e;
  }
  let valid = false;
  if (d !== null) {
    const conformingCode = d.codeOrData && (d.type & 0xc) === 0xc;
    const typeOk = d.codeOrData || (i.op === 0 ? [1, 2, 3, 4, 5, 9, 0xb, 0xc].includes(d.type) : [1, 2, 3, 9, 0xb].includes(d.type));
    valid = typeOk && (conformingCode || (d.dpl >= cpu.cpl && d.dpl >= (sel & 3)));
  }
  if (!valid || d === null) {
    cpu.flags &= ~ZF;
    return;
  }
  cpu.flags |= ZF;
  const v = i.op === 0 ? d.hi & 0x00f0ff00 : d.limit;
  if (i.size === 4) cpu.regs[i.reg] = v;
  else cpu.regs16[i.reg << 1] = v;
}
export const larlsl_r: Handler = (cpu, i) => larLsl(cpu, i, cpu.regs16[i.rm << 1]);
export const larlsl_m: Handler = (cpu, i) => larLsl(cpu, i, cpu.rd16(i.seg, ea(cpu, i)));

/** ARPL Ew, Gw (63): raises the destination selector's RPL to the source's; ZF = adjusted. */
function arpl(cpu: Cpu, dest: number, src: number): number {
  materializeFlags(cpu);
  if ((dest & 3) < (src & 3)) {
    cpu.flags |= ZF;
    return (dest & ~3) | (src & 3);
  }
  cpu.flags &= ~ZF;
  return dest;
}
export const arpl_r: Handler = (cpu, i) => { cpu.regs16[i.rm << 1] = arpl(cpu, cpu.regs16[i.rm << 1], cpu.regs16[i.reg << 1]); };
export const arpl_m: Handler = (cpu, i) => {
  const lin = cpu.linear(i.seg, ea(cpu, i), 2, true);
  cpu.mmu.wr16(lin, arpl(cpu, cpu.mmu.rdw16(lin), cpu.regs16[i.reg << 1]));
};

/** LDS/LES/LFS/LGS/LSS Gv, Mp: op is the segment register. */
export const lxs: Handler = (cpu, i) => {
  const off = ea(cpu, i);
  const v = i.size === 4 ? cpu.rd32(i.seg, off) : cpu.rd16(i.seg, off);
  const sel = cpu.rd16(i.seg, (off + i.size) & i.eaMask);
  loadDataSegment(cpu, i.op, sel);
  if (i.size === 4) cpu.regs[i.reg] = v;
  else cpu.regs16[i.reg << 1] = v;
};

/** BOUND Gv, Ma (62): #BR (vector 5) when the index is outside [lower, upper]. */
export const bound: Handler = (cpu, i) => {
  const off = ea(cpu, i);
  if (i.size === 4) {
    const lo = cpu.rd32(i.seg, off), hi = cpu.rd32(i.seg, (off + 4) & i.eaMask), v = cpu.regs[i.reg];
    if (v < lo || v > hi) throw new CpuFault(5, 0);
  } else {
    const s = (x: number): number => (x << 16) >> 16;
    const lo = s(cpu.rd16(i.seg, off)), hi = s(cpu.rd16(i.seg, (off + 2) & i.eaMask)), v = s(cpu.regs16[i.reg << 1]);
    if (v < lo || v > hi) throw new CpuFault(5, 0);
  }
};

// ---- control and debug registers (0F 20-23): the ModRM mod field is ignored ----------------------------

const CR4_SUPPORTED = CR4_TSD | CR4_DE | CR4_PSE | CR4_PGE;

export function writeCr0(cpu: Cpu, v: number): void {
  v |= CR0_ET;
  if ((v & CR0_PG) !== 0 && (v & CR0_PE) === 0) throw new CpuFault(GP, 0);
  if ((v & CR0_NW) !== 0 && (v & CR0_CD) === 0) throw new CpuFault(GP, 0);
  if ((v & CR0_PE) === 0) cpu.unsupported('clearing CR0.PE (real mode) is not modelled');
  const changed = cpu.cr0 ^ v;
  cpu.cr0 = v;
  cpu.mmu.pagingOn = (v & CR0_PG) !== 0;
  cpu.mmu.wp = (v & CR0_WP) !== 0;
  if ((changed & (CR0_PG | CR0_WP | CR0_PE)) !== 0) cpu.mmu.flush();
}

export function writeCr4(cpu: Cpu, v: number): void {
  if ((v & ~CR4_SUPPORTED) !== 0) throw new CpuFault(GP, 0);
  const changed = cpu.cr4 ^ v;
  cpu.cr4 = v;
  cpu.mmu.pse = (v & CR4_PSE) !== 0;
  cpu.mmu.pge = (v & CR4_PGE) !== 0;
  if ((changed & (CR4_PSE | CR4_PGE)) !== 0) cpu.mmu.flush();
}

export const movRdCd: Handler = (cpu, i) => {
  requireCpl0(cpu);
  let v: number;
  switch (i.nnn) {
    case 0: v = cpu.cr0; break;
    case 2: v = cpu.mmu.cr2; break;
    case 3: v = cpu.mmu.cr3; break;
    case 4: v = cpu.cr4; break;
    default: throw new CpuFault(UD, 0);
  }
  cpu.regs[i.rm] = v;
};
export const movCdRd: Handler = (cpu, i) => {
  requireCpl0(cpu);
  const v = cpu.regs[i.rm];
  switch (i.nnn) {
    case 0: writeCr0(cpu, v); break;
    case 2: cpu.mmu.cr2 = v >>> 0; break;
    case 3: cpu.mmu.cr3 = v >>> 0; cpu.mmu.flush(cpu.mmu.pge); break;
    case 4: writeCr4(cpu, v); break;
    default: throw new CpuFault(UD, 0);
  }
};
/** Debug registers are storage only (no breakpoints); DR4/DR5 alias DR6/DR7 unless CR4.DE. */
function drIndex(cpu: Cpu, n: number): number {
  if (n === 4 || n === 5) {
    if ((cpu.cr4 & CR4_DE) !== 0) throw new CpuFault(UD, 0);
    return n + 2;
  }
  return n;
}
export const movRdDd: Handler = (cpu, i) => {
  requireCpl0(cpu);
  const n = drIndex(cpu, i.nnn);
  cpu.regs[i.rm] = n === 6 ? cpu.dr[6] | 0xffff0ff0 : n === 7 ? cpu.dr[7] | 0x400 : cpu.dr[n];
};
export const movDdRd: Handler = (cpu, i) => {
  requireCpl0(cpu);
  cpu.dr[drIndex(cpu, i.nnn)] = cpu.regs[i.rm];
};
export const clts: Handler = (cpu) => { requireCpl0(cpu); cpu.cr0 &= ~CR0_TS; };
export const wbinvd: Handler = (cpu) => requireCpl0(cpu);

// ---- CPUID, RDTSC, MSRs --------------------------------------------------------------------------------

export const cpuid: Handler = (cpu) => {
  const [a, b, c, d] = cpuidLeaf(cpu.regs[EAX]);
  cpu.regs[EAX] = a;
  cpu.regs[EBX] = b;
  cpu.regs[ECX] = c;
  cpu.regs[EDX] = d;
};

/** TSC = icount + offset: the instruction count is the only clock. */
export function readTsc(cpu: Cpu): number {
  return cpu.icount + cpu.tscOffset;
}
export const rdtsc: Handler = (cpu) => {
  if ((cpu.cr4 & CR4_TSD) !== 0 && cpu.cpl !== 0) throw new CpuFault(GP, 0);
  const t = readTsc(cpu);
  cpu.regs[EAX] = t % 4294967296;
  cpu.regs[EDX] = Math.floor(t / 4294967296);
};

const MSR_TSC = 0x10, MSR_UCODE_REV = 0x8b;
/** MSRs we model: IA32_TIME_STAMP_COUNTER and IA32_BIOS_SIGN_ID (microcode revision 0). */
export const rdmsr: Handler = (cpu) => {
  requireCpl0(cpu);
  const msr = cpu.regs[ECX] >>> 0;
  if (msr === MSR_TSC) {
    const t = readTsc(cpu);
    cpu.regs[EAX] = t % 4294967296;
    cpu.regs[EDX] = Math.floor(t / 4294967296);
  } else if (msr === MSR_UCODE_REV) {
    cpu.regs[EAX] = 0;
    cpu.regs[EDX] = 0;
  } else throw new CpuFault(GP, 0);
};
export const wrmsr: Handler = (cpu) => {
  requireCpl0(cpu);
  const msr = cpu.regs[ECX] >>> 0;
  if (msr === MSR_TSC) {
    const v = (cpu.regs[EDX] >>> 0) * 4294967296 + (cpu.regs[EAX] >>> 0);
    cpu.tscOffset = v - cpu.icount;
  } else if (msr !== MSR_UCODE_REV) throw new CpuFault(GP, 0);
};

export const ud2: Handler = () => { throw new CpuFault(UD, 0); };


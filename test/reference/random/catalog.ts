/**
 * Which template builds each row of the opcode table, how many cases it gets, and the rows that
 * cannot run in a user-mode harness (with the reason). Driven by allRows(): a new row matches no
 * entry here and catalog.test.ts fails until it gets a template or an exclusion.
 */
import { hasHandler, mnemonic, rowRefs, type RowRef, type Template } from './rows.js';
import { generic, semFor } from './templates/ops.js';
import * as stk from './templates/stack.js';
import * as ctl from './templates/control.js';
import { stringOp } from './templates/string.js';
import * as misc from './templates/misc.js';
import { fwait, x87 } from './templates/x87.js';

export interface Planned {
  readonly ref: RowRef;
  readonly group: string;
  readonly template: Template;
  readonly count: number;
}

export interface Excluded {
  readonly ref: RowRef;
  readonly reason: string;
}

/**
 * Rows no user-mode reference can check, and where they are checked instead. Everything
 * privileged is NOT here: at CPL 3 it raises #GP(0), which the cases check (group "system").
 */
export const EXCLUSIONS: Record<string, string> = {
  CPUID: 'the identity differs by design (docs/cpu.md: a P6 "GenuineIntel"; the host is whatever runs the harness); test/cpu/fpu.test.ts checks the feature bits',
  RDTSC: 'reads the host clock natively; ours is the instruction count (docs/cpu.md); guests/systest and the trace tests cover it',
  SGDT_Ms: 'stores GDTR, which the host kernel owns (and, with UMIP, emulates for 32-bit processes); guests/systest (segments.c) checks it against QEMU',
  SIDT_Ms: 'stores IDTR (host kernel state, UMIP-emulated); guests/systest checks it against QEMU',
  SLDT_Ew: 'stores LDTR (host kernel state, UMIP-emulated); guests/systest (segments.c) checks it against QEMU',
  STR_Ew: 'stores TR (host kernel state, UMIP-emulated); guests/systest checks it against QEMU',
  SMSW_Ew: 'stores CR0 (host kernel state, UMIP-emulated); guests/systest checks it against QEMU',
  F2XM1: 'not implemented (docs/cpu.md "The x87 FPU"): ends the run as unsupported',
  FYL2X: 'not implemented (docs/cpu.md): ends the run as unsupported',
  FYL2XP1: 'not implemented (docs/cpu.md): ends the run as unsupported',
  FPTAN: 'not implemented (docs/cpu.md): ends the run as unsupported',
  FPATAN: 'not implemented (docs/cpu.md): ends the run as unsupported',
  FSIN: 'not implemented (docs/cpu.md): ends the run as unsupported',
  FCOS: 'not implemented (docs/cpu.md): ends the run as unsupported',
  FSINCOS: 'not implemented (docs/cpu.md): ends the run as unsupported',
};

const PRIVILEGED = new Set(['HLT', 'CLI', 'STI', 'IN', 'OUT', 'INSB', 'INSv', 'OUTSB', 'OUTSv', 'LGDT', 'LIDT', 'LLDT', 'LTR', 'LMSW',
  'CLTS', 'INVD', 'WBINVD', 'INVLPG', 'RDMSR', 'WRMSR']);

type Plan = { group: string; template: Template; count: number } | { exclude: string };

function plan(r: RowRef): Plan | null {
  const n = r.name;
  const m = mnemonic(n);
  const ex = EXCLUSIONS[n] ?? EXCLUSIONS[m];
  if (ex !== undefined) return { exclude: ex };
  if (r.bytes[0]! >= 0xd8 && r.bytes[0]! <= 0xdf) return { group: 'x87', template: x87, count: r.modrm >= 0 ? (/_ST/.test(n) ? 500 : 2000) : 2500 };
  if (m === 'FWAIT') return { group: 'x87', template: fwait, count: 1500 };
  if (PRIVILEGED.has(m) || (m === 'MOV' && /[CD]d/.test(n))) return { group: 'system', template: misc.privileged, count: 500 };
  switch (m) {
    case 'DAA': case 'DAS': case 'AAA': case 'AAS': case 'AAM': case 'AAD': return { group: 'bcd', template: misc.bcd, count: 5000 };
    case 'XLAT': return { group: 'data', template: misc.xlat, count: 1500 };
    case 'LEA': return { group: 'data', template: misc.lea, count: 3000 };
    case 'CMPXCHG8B': return { group: 'data', template: misc.cmpxchg8b, count: 3000 };
    case 'LES': case 'LDS': case 'LSS': case 'LFS': case 'LGS': return { group: 'segment', template: misc.lxs, count: 2000 };
    case 'LAR': case 'LSL': case 'VERR': case 'VERW': return { group: 'segment', template: misc.access, count: 1500 };
    case 'PUSHA': return { group: 'stack', template: stk.pusha, count: 1500 };
    case 'POPA': return { group: 'stack', template: stk.popa, count: 1500 };
    case 'PUSHF': return { group: 'flags', template: stk.pushf, count: 1500 };
    case 'POPF': return { group: 'flags', template: stk.popf, count: 3000 };
    case 'ENTER': return { group: 'stack', template: stk.enter, count: 3000 };
    case 'LEAVE': return { group: 'stack', template: stk.leave, count: 1500 };
    case 'RET': return { group: 'control', template: ctl.ret, count: 1200 };
    case 'RETF': return { group: 'control', template: ctl.retf, count: 2000 };
    case 'IRET': return { group: 'control', template: ctl.iret, count: 3000 };
    case 'CALL': return { group: 'control', template: n === 'CALL_Jz' ? ctl.callRel : n === 'CALL_Ap' ? ctl.farDirect : ctl.jmpInd, count: 1500 };
    case 'JMP': return { group: 'control', template: n === 'JMP_Ap' ? ctl.farDirect : n === 'JMP_Ev' ? ctl.jmpInd : ctl.jump, count: 1500 };
    case 'CALLF': case 'JMPF': return { group: 'control', template: ctl.farIndirect, count: 2000 };
    case 'LOOP': case 'LOOPE': case 'LOOPNE': return { group: 'control', template: ctl.loop, count: 1500 };
    case 'JeCXZ': return { group: 'control', template: ctl.jump, count: 1500 };
    case 'INT3': case 'INTO': return { group: 'control', template: ctl.softInt, count: 1000 };
    case 'INT': return { group: 'control', template: ctl.softInt, count: 2000 };
    case 'UD2': case 'UD1': return { group: 'control', template: ctl.undefinedOp, count: 300 };
    case 'BOUND': return { group: 'control', template: ctl.bound, count: 2000 };
    case 'MOV':
      if (n === 'MOV_EwSw') return { group: 'segment', template: misc.movFromSreg, count: 2000 };
      if (n === 'MOV_SwEw') return { group: 'segment', template: misc.movToSreg, count: 3000 };
      if (/O[bv]/.test(n)) return { group: 'data', template: misc.moffs, count: 1000 };
      break;
    case 'PUSH':
      if (/_(ES|CS|SS|DS|FS|GS)$/.test(n)) return { group: 'segment', template: stk.pushSreg, count: 1000 };
      return { group: 'stack', template: stk.push, count: n === 'PUSH_Rv' ? 800 : 2000 };
    case 'POP':
      if (/_(ES|SS|DS|FS|GS)$/.test(n)) return { group: 'segment', template: stk.popSreg, count: 1500 };
      return { group: 'stack', template: stk.pop, count: n === 'POP_Rv' ? 800 : 2500 };
    default:
  }
  if (/^J/.test(m)) return { group: 'control', template: ctl.jump, count: 1000 };
  if (/^(MOVS|CMPS|STOS|LODS|SCAS)[Bv]$/.test(n)) return { group: 'string', template: stringOp, count: 6000 };
  const sem = semFor(r);
  if (sem === null) return null;
  return { group: groupOf(m), template: generic(sem), count: countOf(r, m) };
}

function groupOf(m: string): string {
  if (/^(ADD|OR|ADC|SBB|AND|SUB|XOR|CMP|TEST|INC|DEC|NOT|NEG)$/.test(m)) return 'alu';
  if (/^(ROL|ROR|RCL|RCR|SHL|SHR|SAL|SAR|SHLD|SHRD)$/.test(m)) return 'shift';
  if (/^(MUL|IMUL|DIV|IDIV)$/.test(m)) return 'muldiv';
  if (/^(BT|BTS|BTR|BTC|BSF|BSR)$/.test(m)) return 'bits';
  if (/^(CLC|STC|CMC|CLD|STD|LAHF|SAHF)$/.test(m)) return 'flags';
  if (m === 'ARPL') return 'segment';
  return 'data';
}

function countOf(r: RowRef, m: string): number {
  switch (groupOf(m)) {
    case 'alu': return 1500;
    case 'shift': return /SH[LR]D/.test(m) ? 3000 : 2500;
    case 'muldiv': return r.name.startsWith('IMUL_Gv') ? 2500 : 4000;
    case 'bits': return 2500;
    case 'flags': return 800;
    case 'segment': return 1500;
    default:
      if (/^(CMOV|SET)/.test(m)) return 1200;
      if (/^(MOVZX|MOVSX|XADD|CMPXCHG)$/.test(m)) return 2000;
      if (/NOP/.test(m)) return 500;
      return 1000;
  }
}

/** The plan for every row of the table: planned rows, excluded rows, and rows nothing covers. */
export function catalog(): { planned: Planned[]; excluded: Excluded[]; missing: RowRef[] } {
  const planned: Planned[] = [], excluded: Excluded[] = [], missing: RowRef[] = [];
  for (const ref of rowRefs()) {
    if (!hasHandler(ref.row)) continue;
    const p = plan(ref);
    if (p === null) missing.push(ref);
    else if ('exclude' in p) excluded.push({ ref, reason: p.exclude });
    else planned.push({ ref, ...p });
  }
  return { planned, excluded, missing };
}

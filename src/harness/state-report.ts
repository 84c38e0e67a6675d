import type { Machine } from '../machine/machine.js';
import type { SymbolTable } from '../loader/index.js';
import { backtrace, type Frame } from './backtrace.js';
import { describeEip, describeWhen } from './describe.js';
import { disassembleAround, type DisasmLine } from './disasm.js';
import { dumpRegisters, formatRegisters, type RegisterDump } from './registers.js';

/** The machine at one instruction boundary: what `replay --to N` and bisection print. */
export interface StateReport {
  icount: number;
  eip: { addr: number; symbol: string | null };
  registers: RegisterDump;
  backtrace: Frame[];
  disassembly: DisasmLine[];
}

/** Describes the machine as it stands; `eip` is the instruction to show (default: the next one). */
export function buildStateReport(machine: Machine, symbols: SymbolTable | null, eip = machine.cpu.eip >>> 0): StateReport {
  const cpu = machine.cpu;
  return {
    icount: cpu.icount,
    eip: { addr: eip, symbol: symbols?.format(eip) ?? null },
    registers: dumpRegisters(cpu, cpu.eip >>> 0),
    backtrace: backtrace(cpu, eip, symbols),
    disassembly: disassembleAround(cpu, eip, symbols),
  };
}

const hex8 = (v: number): string => `0x${(v >>> 0).toString(16).padStart(8, '0')}`;

export function formatStateReport(r: StateReport, symbols: SymbolTable | null, nsPerInsn: number): string[] {
  const out = [`at ${describeWhen(r.icount, nsPerInsn)} eip=${describeEip(r.eip.addr, symbols)}`];
  out.push('', '--- registers ---', ...formatRegisters(r.registers));
  out.push('', '--- backtrace (frame pointers) ---');
  r.backtrace.forEach((f, k) => out.push(`#${k} ${hex8(f.eip)}${f.symbol !== null ? ` <${f.symbol}>` : ''}`));
  out.push('', '--- code ---');
  for (const d of r.disassembly) out.push(`${d.current ? '=>' : '  '} ${hex8(d.addr)}  ${d.bytes.padEnd(24)} ${d.text}`);
  return out;
}

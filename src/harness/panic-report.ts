import type { Machine } from '../machine/machine.js';
import type { Outcome } from '../machine/outcome.js';
import { formatVirtualTime } from '../machine/units.js';
import { decodePvpanic, pvpanicBitNames } from '../devices/pvpanic.js';
import type { SymbolTable } from '../loader/index.js';
import type { TraceEvent } from '../trace/schema.js';
import { backtrace, type Frame } from './backtrace.js';
import { crashTitleForRun, parseCrashTitle, sanitizeTitle } from './crash/index.js';
import type { ConsoleLog } from './console-log.js';
import { describeEip } from './describe.js';
import { disassembleAround, type DisasmLine } from './disasm.js';
import { eventJson, formatEvent } from './events-text.js';
import { dumpRegisters, formatRegisters, type RegisterDump } from './registers.js';
import type { TracePosition } from './replay.js';

/** How many I/O events and console lines a report shows. */
export const REPORT_EVENTS = 16;
export const REPORT_CONSOLE_LINES = 20;

/** "When and why" a guest panicked (DESIGN.md "Panic report"), as plain data for --json. */
export interface PanicReport {
  when: { icount: number; virtualNs: number; virtualTime: string; trace: TracePosition | null };
  why: {
    source: 'pvpanic' | 'console';
    pvpanic: { bits: number; event: string | null; names: string[] } | null;
    /** The crash title (crash/parse.ts) of the console, else of the outcome. */
    title: string | null;
    /** Its type (`kernel-panic`, `page-fault`, `pvpanic`, ...). */
    titleType: string | null;
    consoleTail: string[];
  };
  eip: { addr: number; symbol: string | null };
  registers: RegisterDump;
  backtrace: Frame[];
  disassembly: DisasmLine[];
  lastEvents: Record<string, unknown>[];
}

/** The title of a panic message alone (e.g. `kernel panic: X`), by the crash-title parser. */
export function panicTitle(message: string | null): string | null {
  if (message === null) return null;
  return parseCrashTitle(message)?.title ?? sanitizeTitle(message);
}

/**
 * Builds the report from the machine as it stands right after the panicking instruction (replay
 * stops there) and the last events of the trace.
 */
export function buildPanicReport(
  outcome: Extract<Outcome, { kind: 'panic' }>, machine: Machine, console: ConsoleLog, symbols: SymbolTable | null,
  lastEvents: TraceEvent[], position: TracePosition | null,
): PanicReport {
  const ns = machine.config.nsPerInsn;
  const cpu = machine.cpu;
  const crash = crashTitleForRun(outcome, console.text(), symbols);
  return {
    when: { icount: outcome.icount, virtualNs: outcome.icount * ns, virtualTime: formatVirtualTime(outcome.icount * ns), trace: position },
    why: {
      source: outcome.source,
      pvpanic: outcome.source === 'pvpanic'
        ? { bits: outcome.bits, event: decodePvpanic(outcome.bits), names: pvpanicBitNames(outcome.bits).map((n) => n.toUpperCase().replace('-', '_')) }
        : null,
      title: crash?.title ?? null,
      titleType: crash?.type ?? null,
      consoleTail: console.lastLines(REPORT_CONSOLE_LINES),
    },
    eip: { addr: outcome.eip, symbol: symbols?.format(outcome.eip) ?? null },
    registers: dumpRegisters(cpu, outcome.eip),
    backtrace: backtrace(cpu, outcome.eip, symbols),
    disassembly: disassembleAround(cpu, outcome.eip, symbols),
    lastEvents: lastEvents.slice(-REPORT_EVENTS).map((e) => eventJson(e, symbols)),
  };
}

const hex8 = (v: number): string => `0x${(v >>> 0).toString(16).padStart(8, '0')}`;

/** The human-readable report. */
export function formatPanicReport(r: PanicReport, symbols: SymbolTable | null, lastEvents: TraceEvent[]): string {
  const out: string[] = [];
  out.push('=== kreplay panic report ===');
  out.push(`when:  insn ${r.when.icount} (${r.when.virtualTime} virtual)${r.when.trace !== null ? `, trace chunk ${r.when.trace.chunk} event ${r.when.trace.index}` : ''}`);
  const why = r.why.pvpanic !== null
    ? `pvpanic ${r.why.pvpanic.names.join('|') || 'no known bits'} (bits 0x${r.why.pvpanic.bits.toString(16)})`
    : 'console panic message (no pvpanic write)';
  out.push(`why:   ${why}`);
  if (r.why.title !== null) out.push(`title: ${r.why.title}`);
  out.push(`eip:   ${describeEip(r.eip.addr, symbols)}`);
  out.push('', '--- console (last lines) ---', ...r.why.consoleTail);
  out.push('', '--- registers ---', ...formatRegisters(r.registers));
  out.push('', '--- backtrace (frame pointers) ---');
  r.backtrace.forEach((f, k) => out.push(`#${k} ${hex8(f.eip)}${f.symbol !== null ? ` <${f.symbol}>` : ''}`));
  out.push('', '--- code ---');
  for (const d of r.disassembly) out.push(`${d.current ? '=>' : '  '} ${hex8(d.addr)}  ${d.bytes.padEnd(24)} ${d.text}`);
  out.push('', `--- last ${Math.min(REPORT_EVENTS, lastEvents.length)} I/O events ---`);
  for (const e of lastEvents.slice(-REPORT_EVENTS)) out.push(formatEvent(e, symbols));
  return out.join('\n');
}

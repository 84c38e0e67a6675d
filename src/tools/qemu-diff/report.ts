/**
 * The report of a differential run: a one-line verdict, the counts, and for a mismatch the
 * instruction (bytes, disassembly, symbol), the fields that differ, both full states and the
 * recent history. Also the same as JSON.
 */
import type { SymbolTable } from '../../loader/index.js';
import { REG_NAMES, SEG_NAMES } from './compare.js';
import type { DiffEnd, QemuDiffResult } from './diff.js';
import { disassembleOne } from './flag-mask.js';
import type { QState } from './qemu-log.js';

const hex8 = (v: number): string => (v >>> 0).toString(16).padStart(8, '0');
const FLAG_BITS: [number, string][] = [
  [0, 'CF'], [2, 'PF'], [4, 'AF'], [6, 'ZF'], [7, 'SF'], [8, 'TF'], [9, 'IF'], [10, 'DF'], [11, 'OF'],
  [12, 'IOPL0'], [13, 'IOPL1'], [14, 'NT'], [16, 'RF'], [17, 'VM'], [18, 'AC'], [19, 'VIF'], [20, 'VIP'], [21, 'ID'],
];

function flagNames(bits: number): string {
  return FLAG_BITS.filter(([b]) => (bits >>> b) & 1).map(([, n]) => n).join(' ');
}

/** True when the run found nothing wrong (the bound, QEMU's end, a shared halt or triple fault). */
export function passed(end: DiffEnd): boolean {
  return end.kind === 'qemu-ended' || end.kind === 'halted' || end.kind === 'bound' || end.kind === 'triple-fault';
}

function where(symbols: SymbolTable | null, eip: number): string {
  const s = symbols?.format(eip >>> 0) ?? null;
  return s === null ? `0x${hex8(eip)}` : `0x${hex8(eip)} <${s}>`;
}

/** A state in QEMU's dump layout (registers, flags, selectors, control registers). */
export function formatState(s: QState): string[] {
  const r = (k: number): string => `${REG_NAMES[k].toUpperCase()}=${hex8(s.regs[k])}`;
  return [
    `${r(0)} ${r(3)} ${r(1)} ${r(2)}`,
    `${r(6)} ${r(7)} ${r(5)} ${r(4)}`,
    `EIP=${hex8(s.eip)} EFL=${hex8(s.eflags)} [${flagNames(s.eflags)}] CPL=${s.cpl}`,
    SEG_NAMES.map((n, k) => `${n.toUpperCase()}=${s.segs[k].sel.toString(16).padStart(4, '0')}`).join(' ') + ` LDTR=${s.ldt.sel.toString(16).padStart(4, '0')} TR=${s.tr.sel.toString(16).padStart(4, '0')}`,
    `CR0=${hex8(s.cr0)} CR2=${hex8(s.cr2)} CR3=${hex8(s.cr3)} CR4=${hex8(s.cr4)} GDT=${hex8(s.gdtBase)}/${s.gdtLimit.toString(16)} IDT=${hex8(s.idtBase)}/${s.idtLimit.toString(16)}`,
  ];
}

function verdict(r: QemuDiffResult): string {
  const e = r.end;
  switch (e.kind) {
    case 'qemu-ended': {
      if (r.qemuIdle) return 'PASS: QEMU went idle (no log output) and every state up to there matched';
      const st = r.qemuStatus;
      const how = st === null ? 'ended' : `exited with status ${st}`;
      return `PASS: QEMU ${how}${r.guestSignal === null ? '' : ` after the guest's ${r.guestSignal}`}; every state matched`;
    }
    case 'halted': return 'PASS: both CPUs halted with interrupts disabled; every state matched';
    case 'triple-fault': return 'PASS: both CPUs triple-faulted; every state matched';
    case 'bound': return `PASS: reached the bound of ${r.stats.insns.toLocaleString('en-US')} instructions; every state matched`;
    case 'timeout': return 'INCOMPLETE: the wall-time limit ran out';
    case 'error': return `ERROR: ${e.message}`;
    case 'mismatch': return `MISMATCH at icount ${e.mismatch.icount.toLocaleString('en-US')}: ${e.mismatch.what}`;
  }
}

function codeLine(r: QemuDiffResult, eip: number, bytes: number[] | null): string {
  if (bytes === null || bytes.length === 0) return where(r.symbols, eip);
  const d = disassembleOne(bytes, eip);
  const b = bytes.slice(0, d.length).map((x) => x.toString(16).padStart(2, '0')).join(' ');
  return `${where(r.symbols, eip)}: ${b.padEnd(24)} ${d.text}`;
}

/** The text report. */
export function formatReport(r: QemuDiffResult): string {
  const code = r.readCode;
  const s = r.stats;
  const secs = r.elapsedMs / 1000;
  const rate = r.lockstepMs > 0 ? Math.round(s.insns / (r.lockstepMs / 1000)) : 0;
  const out: string[] = [];
  out.push(`qemu-diff ${r.image}${r.append === '' ? '' : ` (append '${r.append}')`}`);
  out.push(`  ${verdict(r)}`);
  if (r.end.kind === 'error') return out.join('\n') + '\n';
  out.push(`  synced at ${where(r.symbols, r.syncEip)}; compared ${s.insns.toLocaleString('en-US')} instructions, ${s.interrupts} external interrupts, ${s.deliveries} exceptions/INT n, ${s.repSplits} interrupted REP`);
  out.push(`  inputs taken from QEMU: ${s.portIn} port reads, ${s.tscReads} TSC reads, ${s.cpuids} CPUID; ${s.undefinedDiffs} undefined-flag differences adopted; ${s.replayed} replayed log records skipped`);
  const kinds = Object.entries(r.undefinedKinds);
  if (kinds.length > 0) out.push(`  undefined by the SDM, taken from QEMU: ${kinds.slice(0, 6).map(([k, n]) => `${k} (${n}x)`).join(', ')}${kinds.length > 6 ? ', ...' : ''}`);
  for (const n of r.cpuidNotes) out.push(`  note: ${n} (QEMU's used)`);
  out.push(`  time ${secs.toFixed(1)} s (${rate.toLocaleString('en-US')} instructions/s compared after the sync point)`);
  if (r.end.kind !== 'mismatch') return out.join('\n') + '\n';
  const m = r.end.mismatch;
  out.push('');
  out.push(`  instruction (our icount ${m.icount}, QEMU log record ${m.record}):`);
  out.push(`    ${codeLine(r, m.eip, m.bytes)}`);
  if (m.diffs.length > 0) {
    out.push('');
    out.push(`    ${'field'.padEnd(12)} ${'QEMU'.padEnd(10)} ${'ours'.padEnd(10)}`);
    for (const d of m.diffs) {
      const extra = d.field === 'eflags' ? `  differ: ${flagNames(d.qemu ^ d.ours)}` : '';
      out.push(`    ${d.field.padEnd(12)} ${hex8(d.qemu).padEnd(10)} ${hex8(d.ours).padEnd(10)}${extra}`);
    }
  }
  const block = (title: string, st: QState | null): void => {
    if (st === null) return;
    out.push('');
    out.push(`  ${title}:`);
    for (const l of formatState(st)) out.push(`    ${l}`);
  };
  block('QEMU before the instruction', m.before);
  block('QEMU after', m.qemu);
  block('ours after', m.ours);
  if (r.history.length > 0) {
    out.push('');
    out.push('  recent history (our icount, EIP before):');
    for (const h of r.history.slice(-16)) {
      out.push(`    ${String(h.icount).padStart(10)}  ${h.what === 'insn' ? codeLine(r, h.eip, code(h.eip)) : `${where(r.symbols, h.eip)}: ${h.what}`}`);
    }
  }
  if (r.ports.length > 0) {
    out.push('');
    out.push('  recent port I/O (values read come from QEMU):');
    for (const p of r.ports.slice(-8)) {
      out.push(`    ${String(p.icount).padStart(10)}  ${p.dir === 'in' ? 'in ' : 'out'} port 0x${p.port.toString(16)} size ${p.size} value 0x${p.value.toString(16)} at ${where(r.symbols, p.eip)}`);
    }
  }
  return out.join('\n') + '\n';
}

/** The result as plain JSON data (numbers unsigned). */
export function reportJson(r: QemuDiffResult): unknown {
  const { symbols: _symbols, readCode: _readCode, ...rest } = r;
  return { ...rest, passed: passed(r.end), insnsPerSecond: r.lockstepMs > 0 ? Math.round(r.stats.insns / (r.lockstepMs / 1000)) : 0 };
}

/**
 * The human summary of a suite run: one row per case (status, case, expected, actual, icount,
 * title, time), then why each failing case failed and where its trace was kept.
 */
import type { SuiteReport } from './report.js';
import type { CaseResult } from './result.js';

const MAX_COLUMN = 72;

function cell(s: string): string {
  return s.length > MAX_COLUMN ? `${s.slice(0, MAX_COLUMN - 3)}...` : s;
}

const STATUS = { pass: 'ok', fail: 'FAIL', error: 'ERROR' } as const;

function row(c: CaseResult): string[] {
  return [STATUS[c.status], c.name, c.expected, c.actual, c.icount === null ? '-' : String(c.icount), c.title ?? '-', `${(c.wallMs / 1000).toFixed(2)}s`];
}

/** Left-aligned columns, the numeric ones (icount, time) right-aligned. */
function columns(rows: string[][]): string[] {
  const widths = rows[0].map((_, k) => Math.max(...rows.map((r) => cell(r[k]).length)));
  const right = new Set([4, 6]);
  return rows.map((r) => r.map((v, k) => (right.has(k) ? cell(v).padStart(widths[k]) : cell(v).padEnd(widths[k]))).join('  ').trimEnd());
}

/** The summary table and failure notes, ending with a newline. */
export function formatSuiteTable(r: SuiteReport, jobs?: number): string {
  const out = columns([['', 'case', 'expected', 'actual', 'icount', 'title', 'time'], ...r.cases.map(row)]);
  const bad = r.cases.filter((c) => c.status !== 'pass');
  if (bad.length > 0) out.push('');
  for (const c of bad) {
    out.push(`${STATUS[c.status]} ${c.name}: ${c.reason ?? `expected ${c.expected}, got ${c.actual}`}`);
    if (c.trace !== null) out.push(`  trace kept: ${c.trace} (kreplay replay ${c.trace}${c.outcome?.kind === 'panic' ? ' --until-panic' : ''})`);
  }
  const s = r.summary;
  const shard = r.shard !== null ? ` (shard ${r.shard} of ${r.totalCases} cases)` : '';
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  out.push('', `${r.suite}: ${plural(s.ran, 'case')}${shard}: ${s.passed} passed, ${s.failed} failed, ${plural(s.errors, 'error')} in ${(r.wallMs / 1000).toFixed(1)}s${jobs !== undefined ? ` with ${jobs} jobs` : ''}`);
  return `${out.join('\n')}\n`;
}

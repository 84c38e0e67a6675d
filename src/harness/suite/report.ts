/**
 * A suite run as data: what --json prints, what the table and JUnit are made from.
 */
import type { CaseResult } from './result.js';

export interface SuiteReport {
  suite: string;
  /** Absolute path of the suite file. */
  file: string;
  /** `I/N` when only a shard ran, else null. */
  shard: string | null;
  /** Cases in the suite file (all shards). */
  totalCases: number;
  /** The cases that ran, in suite order. */
  cases: CaseResult[];
  summary: { ran: number; passed: number; failed: number; errors: number };
  /** 0 when every case that ran met its expectation, else 1. */
  exitCode: number;
  /** Host wall-clock time of the whole run (like each case's wallMs, the only varying fields). */
  wallMs: number;
}

/** Summary counts and exit code of a list of results. */
export function summarize(cases: readonly CaseResult[]): Pick<SuiteReport, 'summary' | 'exitCode'> {
  const passed = cases.filter((c) => c.status === 'pass').length;
  const errors = cases.filter((c) => c.status === 'error').length;
  const failed = cases.length - passed - errors;
  return { summary: { ran: cases.length, passed, failed, errors }, exitCode: passed === cases.length ? 0 : 1 };
}

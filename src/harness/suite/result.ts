/**
 * The result of one suite case, as plain data: it crosses from a worker thread to the main
 * thread, and is printed as a table row, a JUnit testcase and a --json entry.
 */
import type { Outcome } from '../../machine/outcome.js';

/** pass: met its expectation; fail: did not; error: could not run (unreadable image, corrupt trace, crash). */
export type CaseStatus = 'pass' | 'fail' | 'error';

export interface CaseResult {
  name: string;
  /** Position in the suite file; results are always reported in this order. */
  index: number;
  mode: 'record' | 'replay';
  status: CaseStatus;
  /** The expectation in words: `exit 0`, `panic /title/ before 60000000`, `replay`, ... */
  expected: string;
  /** What happened in words: `exit 3`, `panic`, `triple-fault`, `diverged`, `error`. */
  actual: string;
  outcome: Outcome | null;
  /** The icount of the outcome (or of the divergence). */
  icount: number | null;
  /** Crash title (crash/parse.ts) and its type, when the run crashed or the console reports one. */
  title: string | null;
  crashType: string | null;
  /** Why the case failed or errored, in one line (null when it passed). */
  reason: string | null;
  /** The last console lines (the JUnit system-out). */
  consoleTail: string[];
  /** Where the failing case's trace was kept (--keep-traces), else null. */
  trace: string | null;
  /** Trace events recorded (record) or checked (replay). */
  events: number | null;
  /** Host wall-clock time of the case. The only field that differs between two runs of a suite. */
  wallMs: number;
}

/** How many console lines a result keeps. */
export const CONSOLE_TAIL_LINES = 30;

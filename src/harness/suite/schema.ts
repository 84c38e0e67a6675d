/**
 * The suite file (docs/suite.md): a JSON object listing cases, each a guest to record (image,
 * command line, serial input, budget, memory) with the outcome it must reach, or a golden trace
 * that must replay without divergence. This module is the schema: its types, and the validation
 * that turns a parsed JSON value into a ResolvedSuite (paths absolute, defaults applied) or a
 * list of problems, each naming the case and the field.
 */
import type { OutcomeKind } from '../../machine/outcome.js';

/** Outcome kinds a case may name in `{ "outcome": KIND }` (diverged is replay's own verdict). */
export const EXPECTABLE_OUTCOMES: readonly OutcomeKind[] = ['exit', 'panic', 'shutdown', 'triple-fault', 'reset', 'halted', 'timeout', 'unsupported'];

/** What a case must end with. */
export type Expectation =
  /** isa-debug-exit with exactly this code. */
  | { kind: 'exit'; code: number }
  /** A panic; its crash title must match `title` (a regular expression) and it must happen at icount < `before`. */
  | { kind: 'panic'; title: string | null; before: number | null }
  /** Anything but a crash: exit (any code), shutdown, halted, reset or timeout. */
  | { kind: 'no-panic' }
  /** Exactly this outcome kind. */
  | { kind: 'outcome'; outcome: OutcomeKind };

/** Machine and budget settings a case may give (and `defaults` may give for all). */
export interface CaseSettings {
  maxInsns: number;
  memMiB: number;
  nsPerInsn: number;
  rtcEpoch: number;
}

interface CaseBase {
  /** Unique within the suite; names the JUnit testcase and the kept trace. */
  name: string;
  /** Position in the suite file (0-based); results are reported in this order. */
  index: number;
  expect: Expectation | null;
}

/** A guest to record, with its expected outcome. */
export interface RecordCase extends CaseBase {
  mode: 'record';
  /** Absolute path of the kernel image. */
  image: string;
  /** The image as the suite file wrote it (shown in messages, recorded in the trace header). */
  imageLabel: string;
  cmdline: string;
  /** Absolute path of a file fed to COM1, or null. */
  serialInFile: string | null;
  /** Inline serial input text (`serialText`), or null. */
  serialText: string | null;
  settings: CaseSettings;
  expect: Expectation;
}

/** A golden trace that must replay without divergence (and, optionally, reach `expect`). */
export interface ReplayCase extends CaseBase {
  mode: 'replay';
  /** Absolute path of the trace. */
  trace: string;
  traceLabel: string;
}

export type SuiteCase = RecordCase | ReplayCase;

/** A validated suite: everything a runner needs, with no further file lookups but the inputs. */
export interface ResolvedSuite {
  name: string;
  /** Absolute path of the suite file. */
  file: string;
  cases: SuiteCase[];
}

/** One problem with a suite file: where (case and field) and what. */
export interface SuiteProblem {
  /** `case 3 "echo"`, or `suite` for top-level fields. */
  where: string;
  /** The field path, e.g. `expect.panic.title`. */
  field: string;
  message: string;
}

/** A suite file that cannot be used; `problems` lists every problem found. */
export class SuiteError extends Error {
  constructor(readonly file: string, readonly problems: SuiteProblem[]) {
    super(`${file}: ${problems.length === 1 ? 'invalid suite' : `invalid suite (${problems.length} problems)`}:\n${problems.map((p) => `  ${p.where}: ${p.field}: ${p.message}`).join('\n')}`);
    this.name = 'SuiteError';
  }
}

/**
 * Assertions on run results, framework-free: each returns whether it passed and a message for
 * either case (so `.not` reads right). kreplay/vitest registers them as vitest matchers
 * (`toPanic`, `toExitWith`, `toReplayCleanly`); other test frameworks can wrap them the same way.
 */
import type { SymbolTable } from '../loader/index.js';
import type { Outcome } from '../machine/outcome.js';
import { crashTitleForRun, type CrashTitle } from './crash/index.js';
import type { ConsoleLog } from './console-log.js';
import { describeOutcome } from './describe.js';
import type { Divergence, ReplayStatus } from './replay.js';

/** Anything with an outcome: a run, recording or replay result (from the library or the harness). */
export interface RunLike {
  outcome: Outcome;
  console?: ConsoleLog;
  symbols?: SymbolTable | null;
  crash?: CrashTitle | null;
  machine?: { config: { nsPerInsn: number } };
}

/** A replay result. */
export interface ReplayLike extends RunLike {
  status: ReplayStatus;
  divergence: Divergence | null;
  recordedOutcome: Outcome | null;
}

export interface PanicExpectation {
  /** The crash title must match this regular expression, or contain this string. */
  title?: string | RegExp;
  /** The panic must happen before this instruction (icount < before). */
  before?: number;
}

export interface AssertionResult {
  pass: boolean;
  message: () => string;
}

function isRunLike(v: unknown): v is RunLike {
  return typeof v === 'object' && v !== null && typeof (v as RunLike).outcome === 'object' && (v as RunLike).outcome !== null
    && typeof (v as RunLike).outcome.kind === 'string';
}

function titleOf(r: RunLike): string | null {
  if (r.crash !== undefined) return r.crash?.title ?? null;
  return crashTitleForRun(r.outcome, r.console?.text() ?? '', r.symbols ?? null)?.title ?? null;
}

function what(r: RunLike): string {
  const title = titleOf(r);
  return `${describeOutcome(r.outcome, r.symbols ?? null, r.machine?.config.nsPerInsn ?? 1)}${title !== null ? ` [title: ${title}]` : ''}`;
}

const notARun = (v: unknown): AssertionResult => ({
  pass: false,
  message: () => `expected a kreplay run, recording or replay result (with an outcome), got ${typeof v === 'object' ? JSON.stringify(v)?.slice(0, 100) : String(v)}`,
});

/** The run panicked (and, if asked, with a matching title, before an icount). */
export function checkPanic(received: unknown, expected: PanicExpectation = {}): AssertionResult {
  if (!isRunLike(received)) return notARun(received);
  const o = received.outcome;
  const title = titleOf(received);
  const problems: string[] = [];
  if (o.kind !== 'panic') problems.push('it did not panic');
  if (expected.title !== undefined) {
    const ok = title !== null && (typeof expected.title === 'string' ? title.includes(expected.title) : expected.title.test(title));
    if (!ok) problems.push(`its title is ${title === null ? 'empty' : `"${title}"`}, not ${typeof expected.title === 'string' ? `"${expected.title}"` : String(expected.title)}`);
  }
  if (expected.before !== undefined && o.icount >= expected.before) problems.push(`it ended at insn ${o.icount}, not before ${expected.before}`);
  const want = `a panic${expected.title !== undefined ? ` titled ${String(expected.title)}` : ''}${expected.before !== undefined ? ` before insn ${expected.before}` : ''}`;
  return {
    pass: problems.length === 0,
    message: () => problems.length === 0
      ? `expected the run not to end in ${want}, but it did: ${what(received)}`
      : `expected ${want}, but ${problems.join(' and ')}: ${what(received)}`,
  };
}

/** The guest exited (isa-debug-exit) with `code`. */
export function checkExit(received: unknown, code: number): AssertionResult {
  if (!isRunLike(received)) return notARun(received);
  const o = received.outcome;
  const pass = o.kind === 'exit' && o.code === code;
  return {
    pass,
    message: () => pass ? `expected the guest not to exit with code ${code}, but it did` : `expected the guest to exit with code ${code}, but: ${what(received)}`,
  };
}

/** A replay matched its recording to the end: no divergence, not cut short, the same outcome. */
export function checkReplayClean(received: unknown): AssertionResult {
  if (!isRunLike(received) || typeof (received as ReplayLike).status !== 'string') {
    return { pass: false, message: () => 'expected a replay result (from replayTrace)' };
  }
  const r = received as ReplayLike;
  let problem: string | null = null;
  if (r.status === 'diverged') problem = `it diverged at insn ${r.divergence?.icount ?? r.outcome.icount}: ${r.divergence?.message ?? 'unknown difference'}`;
  else if (r.status === 'end-of-trace') problem = 'the trace was cut short, so only its recovered part was checked';
  else if (r.recordedOutcome === null) problem = 'the trace holds no outcome to compare with';
  return {
    pass: problem === null,
    message: () => problem === null ? `expected the replay to diverge, but it matched the recording (${what(r)})` : `expected a clean replay, but ${problem}`,
  };
}

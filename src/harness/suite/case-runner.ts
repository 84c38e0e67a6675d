/**
 * Runs one suite case to a CaseResult: records the guest into a trace (or replays the golden
 * trace), titles the run and judges it. Runs inside a worker thread; it never throws (a case that
 * cannot run is an `error` result), so one bad case cannot take the suite down.
 */
import { copyFileSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { readImageFile } from '../../loader/index.js';
import type { Outcome } from '../../machine/outcome.js';
import { crashTitleForRun } from '../crash/index.js';
import type { ConsoleLog } from '../console-log.js';
import { recordGuest } from '../record.js';
import { replayTrace } from '../replay.js';
import type { SymbolTable } from '../../loader/index.js';
import { describeActual, describeExpectation, judge } from './expect.js';
import { CONSOLE_TAIL_LINES, type CaseResult } from './result.js';
import type { RecordCase, ReplayCase, SuiteCase } from './schema.js';

export interface CaseRunOptions {
  /** A private directory for the traces being recorded. */
  workDir: string;
  /** Where to keep the traces of cases that do not pass (null: keep none). */
  keepDir: string | null;
}

type Judged = Omit<CaseResult, 'wallMs' | 'trace'>;

function base(c: SuiteCase): Pick<CaseResult, 'name' | 'index' | 'mode'> {
  return { name: c.name, index: c.index, mode: c.mode };
}

/** Fields derived from a finished run: outcome, title, console. */
function fromRun(outcome: Outcome, console: ConsoleLog, symbols: SymbolTable | null) {
  const crash = crashTitleForRun(outcome, console.text(), symbols);
  return {
    outcome, icount: outcome.icount, actual: describeActual(outcome),
    title: crash?.title ?? null, crashType: crash?.type ?? null, consoleTail: console.lastLines(CONSOLE_TAIL_LINES),
  };
}

async function recordCase(c: RecordCase, tracePath: string): Promise<Judged> {
  const image = readImageFile(c.image);
  const serialIn = c.serialInFile !== null ? new Uint8Array(readFileSync(c.serialInFile))
    : c.serialText !== null ? new TextEncoder().encode(c.serialText) : undefined;
  const r = await recordGuest({
    image, imageName: c.imageLabel, cmdline: c.cmdline, serialIn, maxInsns: c.settings.maxInsns,
    machine: { memMiB: c.settings.memMiB, nsPerInsn: c.settings.nsPerInsn, rtcEpoch: c.settings.rtcEpoch },
    out: tracePath,
  });
  const run = fromRun(r.outcome, r.console, r.symbols);
  const reason = judge(c.expect, r.outcome, run.title);
  return { ...base(c), ...run, status: reason === null ? 'pass' : 'fail', expected: describeExpectation(c.expect), reason, events: r.events };
}

function replayExpected(c: SuiteCase): string {
  return ['replay', describeExpectation(c.expect)].filter((s) => s !== '').join(' + ');
}

async function replayCase(c: ReplayCase): Promise<Judged> {
  const r = await replayTrace(c.trace);
  // A worker replays many traces: give each file handle back.
  r.reader.close();
  const run = fromRun(r.outcome, r.console, r.symbols);
  const expected = replayExpected(c);
  let reason: string | null = null;
  if (r.status === 'diverged') reason = `diverged from the recording: ${r.divergence?.message ?? 'unknown difference'}`;
  else if (r.status === 'end-of-trace') reason = `the trace is incomplete: ${r.reader.recovery?.message ?? 'it was cut short'}`;
  else if (c.expect !== null) reason = judge(c.expect, r.outcome, run.title);
  return {
    ...base(c), ...run, actual: r.status === 'diverged' ? 'diverged' : run.actual,
    status: reason === null ? 'pass' : 'fail', expected, reason, events: r.eventsChecked,
  };
}

/** The result of a case that could not run (`reason` says why). */
export function errorResult(c: SuiteCase, reason: string): Judged;
export function errorResult(c: SuiteCase, reason: string, wallMs: number): CaseResult;
export function errorResult(c: SuiteCase, reason: string, wallMs?: number): Judged | CaseResult {
  const r: Judged = {
    ...base(c), status: 'error', expected: c.mode === 'record' ? describeExpectation(c.expect) : replayExpected(c),
    actual: 'error', outcome: null, icount: null, title: null, crashType: null, reason, consoleTail: [], events: null,
  };
  return wallMs === undefined ? r : { ...r, trace: null, wallMs };
}

/** Moves (or copies, across file systems) a trace into the keep directory. */
function keep(from: string, keepDir: string, name: string, move: boolean): string {
  const to = join(keepDir, `${name}.zst`);
  if (move) {
    try {
      renameSync(from, to);
      return to;
    } catch {
      // EXDEV (another file system): copy below.
    }
  }
  copyFileSync(from, to);
  if (move) rmSync(from, { force: true });
  return to;
}

/** Runs one case; never throws. */
export async function runCase(c: SuiteCase, opts: CaseRunOptions): Promise<CaseResult> {
  const start = performance.now();
  const tracePath = c.mode === 'record' ? join(opts.workDir, `${c.index}-${c.name}.zst`) : c.trace;
  let r: Judged;
  try {
    r = c.mode === 'record' ? await recordCase(c, tracePath) : await replayCase(c);
  } catch (e) {
    r = errorResult(c, e instanceof Error ? e.message.split('\n')[0] : String(e));
  }
  let trace: string | null = null;
  try {
    // A failing case keeps its trace (a cut-short one too: the reader recovers it) for `replay --until-panic`.
    if (r.status !== 'pass' && opts.keepDir !== null) trace = keep(tracePath, opts.keepDir, c.name, c.mode === 'record');
    else if (c.mode === 'record') rmSync(tracePath, { force: true });
  } catch (e) {
    // Nothing was recorded (the image did not load) or the keep directory is unwritable.
    if (r.status === 'pass') r = { ...r, status: 'error', reason: `cannot clean up ${tracePath}: ${(e as Error).message}` };
  }
  return { ...r, trace, wallMs: Math.round(performance.now() - start) };
}

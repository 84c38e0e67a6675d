/**
 * Runs a suite: picks the shard, runs its cases on worker threads, and gathers the results in
 * suite order into a SuiteReport.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadSuite } from './load.js';
import { runInWorkers } from './pool.js';
import { summarize, type SuiteReport } from './report.js';
import type { CaseResult } from './result.js';
import type { ResolvedSuite, SuiteCase } from './schema.js';
import { selectShard, type Shard } from './shard.js';

export interface SuiteRunOptions {
  /** Worker threads (default: the number of CPUs). The results do not depend on it. */
  jobs?: number;
  /** Run only this part of the suite. */
  shard?: Shard | null;
  /** Keep the traces of cases that do not pass in this directory (created if missing). */
  keepTraces?: string | null;
  onStart?: (c: SuiteCase) => void;
  onResult?: (r: CaseResult) => void;
}

/** The default --jobs: one worker per CPU. */
export function defaultJobs(): number {
  return availableParallelism();
}

/** Runs `suite` (or one shard of it) and reports every case in suite order. */
export async function runSuite(suite: ResolvedSuite, opts: SuiteRunOptions = {}): Promise<SuiteReport> {
  const start = performance.now();
  const shard = opts.shard ?? null;
  const cases = selectShard(suite.cases, shard);
  const keepDir = opts.keepTraces == null ? null : resolve(opts.keepTraces);
  if (keepDir !== null) mkdirSync(keepDir, { recursive: true });
  const workDir = mkdtempSync(join(tmpdir(), 'kreplay-suite-'));
  let results: CaseResult[];
  try {
    results = await runInWorkers(cases, { jobs: opts.jobs ?? defaultJobs(), workDir, keepDir, onStart: opts.onStart, onResult: opts.onResult });
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
  return {
    suite: suite.name, file: suite.file, shard: shard === null ? null : `${shard.index}/${shard.count}`, totalCases: suite.cases.length,
    cases: results, ...summarize(results), wallMs: Math.round(performance.now() - start),
  };
}

/** loadSuite + runSuite. */
export async function runSuiteFile(file: string, opts: SuiteRunOptions = {}): Promise<SuiteReport> {
  return runSuite(loadSuite(file), opts);
}

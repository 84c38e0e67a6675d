import { closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Argv } from 'yargs';
import { ProgressBar } from '../../harness/suite/progress.js';
import {
  defaultJobs, formatSuiteTable, junitXml, loadSuite, parseShard, runSuite, selectShard, SuiteError, type Shard,
} from '../../harness/suite/index.js';
import { EXIT_BAD_INPUT, UsageError } from '../errors.js';

export const command = 'suite <suite>';
export const describe = 'run a CI regression suite (docs/suite.md): every case recorded or replayed in parallel; exit 0 only if all pass';

export function builder(y: Argv) {
  return y
    .positional('suite', { type: 'string', describe: 'suite file (JSON, see docs/suite.md)', demandOption: true })
    .option('jobs', { alias: 'j', type: 'number', describe: 'cases run in parallel, one worker thread each (default: number of CPUs)' })
    .option('junit', { type: 'string', describe: 'write a JUnit XML report to this file' })
    .option('json', { type: 'boolean', default: false, describe: 'print the results as one JSON object instead of the table' })
    .option('keep-traces', { type: 'string', describe: 'keep the traces of failing cases in this directory' })
    .option('shard', { type: 'string', describe: 'run only part I of N of the suite (I/N, 1-based), for CI matrices' });
}

interface SuiteArgs {
  suite: string;
  jobs?: number;
  junit?: string;
  json: boolean;
  'keep-traces'?: string;
  shard?: string;
}

/** Checks that the JUnit file can be written before the suite runs, not after. */
function writable(path: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    closeSync(openSync(path, 'a'));
  } catch (e) {
    throw new UsageError(`--junit ${path}: cannot write (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
}

export async function handler(a: SuiteArgs): Promise<number> {
  const jobs = a.jobs ?? defaultJobs();
  if (!Number.isInteger(jobs) || jobs < 1) throw new UsageError(`--jobs must be a positive integer, got ${a.jobs}`);
  let shard: Shard | null = null;
  if (a.shard !== undefined) {
    shard = parseShard(a.shard);
    if (shard === null) throw new UsageError(`--shard ${a.shard}: expected I/N with 1 <= I <= N, e.g. 2/4`);
  }
  if (a.junit !== undefined) writable(a.junit);
  let suite;
  try {
    suite = loadSuite(a.suite);
  } catch (e) {
    if (!(e instanceof SuiteError)) throw e;
    process.stderr.write(`kreplay: ${e.message}\n`);
    return EXIT_BAD_INPUT;
  }
  const bar = process.stderr.isTTY ? new ProgressBar(selectShard(suite.cases, shard).length, process.stderr) : null;
  let report;
  try {
    report = await runSuite(suite, {
      jobs, shard, keepTraces: a['keep-traces'] ?? null,
      onStart: (c) => bar?.start(c), onResult: (r) => bar?.finish(r),
    });
  } finally {
    bar?.end();
  }
  if (a.junit !== undefined) writeFileSync(a.junit, junitXml(report));
  process.stdout.write(a.json ? `${JSON.stringify(report)}\n` : formatSuiteTable(report, jobs));
  return report.exitCode;
}

/**
 * Runs suite cases on worker threads, `jobs` at a time. Each worker takes the next case as soon
 * as it is free, so the order cases finish in depends on the machine; results are stored by the
 * case's position and returned in suite order, so nothing printed depends on scheduling.
 */
import { Worker } from 'node:worker_threads';
import { errorResult, type CaseRunOptions } from './case-runner.js';
import type { CaseResult } from './result.js';
import type { SuiteCase } from './schema.js';
import type { WorkerRequest } from './worker.js';

export interface PoolOptions extends CaseRunOptions {
  /** Worker threads (at most one per case). */
  jobs: number;
  /** Called when a worker starts a case (progress display). */
  onStart?: (c: SuiteCase) => void;
  /** Called as each case finishes, in completion order (progress display only). */
  onResult?: (r: CaseResult) => void;
}

/**
 * The worker script. Cases always run the compiled harness: next to this module in dist/, and
 * also when this module itself is loaded from src/ (vitest runs the TypeScript sources).
 */
export function workerScript(): URL {
  return import.meta.url.endsWith('.ts')
    ? new URL('../../../dist/harness/suite/worker.js', import.meta.url)
    : new URL('./worker.js', import.meta.url);
}

/** Runs every case; resolves with their results in the order of `cases`. A worker that dies fails only its case. */
export function runInWorkers(cases: readonly SuiteCase[], opts: PoolOptions): Promise<CaseResult[]> {
  const results: CaseResult[] = new Array(cases.length);
  const options: CaseRunOptions = { workDir: opts.workDir, keepDir: opts.keepDir };
  let next = 0;
  let done = 0;
  return new Promise((resolveAll) => {
    if (cases.length === 0) {
      resolveAll([]);
      return;
    }
    const finish = (at: number, r: CaseResult): void => {
      results[at] = r;
      done++;
      opts.onResult?.(r);
      if (done === cases.length) resolveAll(results);
    };
    const startWorker = (): void => {
      const worker = new Worker(workerScript());
      let current: number | null = null;
      let startedAt = 0;
      const give = (): void => {
        if (next >= cases.length) {
          current = null;
          void worker.terminate();
          return;
        }
        current = next++;
        startedAt = Date.now();
        opts.onStart?.(cases[current]);
        worker.postMessage({ case: cases[current], options } satisfies WorkerRequest);
      };
      const lost = (why: string): void => {
        if (current === null) return;
        const at = current;
        current = null;
        finish(at, errorResult(cases[at], `the worker running this case died: ${why}`, Date.now() - startedAt));
      };
      worker.on('message', (r: CaseResult) => {
        if (current === null) return;
        const at = current;
        give();
        finish(at, r);
      });
      worker.on('error', (e) => lost(e.message.split('\n')[0]));
      worker.on('exit', (code) => {
        lost(`exit code ${code}`);
        if (next < cases.length) startWorker();
      });
      give();
    };
    for (let k = 0; k < Math.max(1, Math.min(opts.jobs, cases.length)); k++) startWorker();
  });
}

/**
 * Worker thread entry for the suite pool (pool.ts): runs the cases it is sent, one at a time,
 * and posts each result back. Loaded from dist/ (compiled), never from the TypeScript sources.
 */
import { parentPort } from 'node:worker_threads';
import { runCase, type CaseRunOptions } from './case-runner.js';
import type { SuiteCase } from './schema.js';

/** Main thread -> worker. */
export interface WorkerRequest {
  case: SuiteCase;
  options: CaseRunOptions;
}

const port = parentPort;
if (port === null) throw new Error('suite worker: must run in a worker thread');
port.on('message', (m: WorkerRequest) => {
  void runCase(m.case, m.options).then((result) => port.postMessage(result));
});

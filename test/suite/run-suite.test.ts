import { describe, expect, it } from 'vitest';
import { formatSuiteTable, loadSuite, runSuite } from '../../src/harness/suite/index.js';
import { workerScript } from '../../src/harness/suite/pool.js';
import { repo } from '../helpers/cli.js';

describe('runSuite from the library', () => {
  it('runs cases on workers from dist/ even when called from the TypeScript sources', () => {
    expect(workerScript().pathname).toBe(repo('dist/harness/suite/worker.js'));
  });

  it('returns results in suite order whatever the number of workers', async () => {
    const suite = loadSuite(repo('test/suite/fixtures/mixed.suite.json'));
    const order: string[] = [];
    const r = await runSuite(suite, { jobs: 4, onResult: (c) => order.push(c.name) });
    expect(r.cases.map((c) => c.name)).toEqual(suite.cases.map((c) => c.name));
    expect([...order].sort()).toEqual(suite.cases.map((c) => c.name).sort());
    expect(r.summary).toEqual({ ran: 8, passed: 5, failed: 2, errors: 1 });
    expect(r.exitCode).toBe(1);
    expect(r.cases.find((c) => c.name === 'echo-panic')).toMatchObject({
      status: 'pass', actual: 'panic', title: 'kernel panic: echo: panic requested by input', crashType: 'kernel-panic', reason: null,
    });
    expect(r.cases.find((c) => c.name === 'golden-hello')).toMatchObject({ mode: 'replay', status: 'pass', expected: 'replay + exit 0', actual: 'exit 0' });
    expect(formatSuiteTable(r, 4)).toMatch(/^mixed: 8 cases: 5 passed, 2 failed, 1 error in [\d.]+s with 4 jobs$/m);
  });
});

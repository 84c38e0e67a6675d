import { describe, expect, it } from 'vitest';
import { ProgressBar } from '../../src/harness/suite/progress.js';
import type { CaseResult } from '../../src/harness/suite/result.js';
import type { SuiteCase } from '../../src/harness/suite/schema.js';

describe('progress bar', () => {
  it('redraws one line in place with done/total, failures and running cases, and clears it at the end', () => {
    const writes: string[] = [];
    const out = { columns: 100, write: (s: string) => writes.push(s) } as unknown as NodeJS.WriteStream;
    const bar = new ProgressBar(4, out);
    bar.start({ name: 'alpha' } as SuiteCase);
    bar.start({ name: 'beta' } as SuiteCase);
    bar.finish({ name: 'alpha', status: 'fail' } as CaseResult);
    bar.end();
    expect(writes.every((w) => w.startsWith('\r\x1b[2K') && !w.includes('\n'))).toBe(true);
    expect(writes.at(-2)).toMatch(/^\r\x1b\[2K\[#{5}\.{15}\] 1\/4 1 failed \d+s {2}beta$/);
    expect(writes.at(-1)).toBe('\r\x1b[2K');
  });
});

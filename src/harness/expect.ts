import type { Outcome } from '../machine/outcome.js';
import { panicTitle } from './panic-report.js';

/**
 * What a good build does, for `check` and `bisect builds` (`--expect`):
 *   no-panic      (default) good unless it panics or triple-faults
 *   panic         good only if it panics
 *   exit:N        good only if it exits with code N
 *   title:REGEX   good unless it panics with a title matching REGEX (other panics are good:
 *                 you are hunting that one crash)
 * An outcome the emulator cannot judge (an unsupported instruction) is "cannot test".
 */
export type Expectation =
  | { kind: 'no-panic' }
  | { kind: 'panic' }
  | { kind: 'exit'; code: number }
  | { kind: 'title'; re: RegExp; source: string };

export type Verdict = 'good' | 'bad' | 'skip';

export function parseExpectation(s: string): Expectation {
  if (s === 'no-panic' || s === 'panic') return { kind: s };
  const exit = /^exit:(\d+)$/.exec(s);
  if (exit !== null) return { kind: 'exit', code: Number(exit[1]) };
  if (s.startsWith('title:')) {
    const source = s.slice('title:'.length);
    try {
      return { kind: 'title', re: new RegExp(source), source };
    } catch (e) {
      throw new Error(`--expect ${s}: not a valid regular expression (${(e as Error).message})`);
    }
  }
  throw new Error(`--expect ${s}: use no-panic, panic, exit:N or title:REGEX`);
}

export function describeExpectation(e: Expectation): string {
  switch (e.kind) {
    case 'no-panic': return 'no panic';
    case 'panic': return 'a panic';
    case 'exit': return `exit code ${e.code}`;
    case 'title': return `no panic titled /${e.source}/`;
  }
}

/** Good, bad, or cannot test, for one run's outcome. */
export function judge(o: Outcome, e: Expectation): Verdict {
  if (o.kind === 'unsupported') return 'skip';
  switch (e.kind) {
    case 'no-panic': return o.kind === 'panic' || o.kind === 'triple-fault' ? 'bad' : 'good';
    case 'panic': return o.kind === 'panic' ? 'good' : 'bad';
    case 'exit': return o.kind === 'exit' && o.code === e.code ? 'good' : 'bad';
    case 'title': return o.kind === 'panic' && e.re.test(panicTitle(o.message) ?? '') ? 'bad' : 'good';
  }
}

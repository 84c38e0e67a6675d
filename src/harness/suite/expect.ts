/**
 * Judging a run against its expectation, and saying both in words for the table, JUnit and JSON.
 */
import type { Outcome } from '../../machine/outcome.js';
import type { Expectation } from './schema.js';

/** Outcome kinds `no-panic` accepts: the run ended without crashing (or ran out its budget). */
const NOT_A_CRASH = new Set<Outcome['kind']>(['exit', 'shutdown', 'halted', 'reset', 'timeout']);

/** `exit 0`, `panic`, `panic /timer/ before 60000000`, `no-panic`, `triple-fault`. */
export function describeExpectation(e: Expectation | null): string {
  if (e === null) return '';
  switch (e.kind) {
    case 'exit': return `exit ${e.code}`;
    case 'no-panic': return 'no-panic';
    case 'outcome': return e.outcome;
    case 'panic': return ['panic', e.title !== null ? `/${e.title}/` : '', e.before !== null ? `before ${e.before}` : ''].filter((s) => s !== '').join(' ');
  }
}

/** `exit 3`, `panic`, `timeout`, ... */
export function describeActual(o: Outcome): string {
  return o.kind === 'exit' ? `exit ${o.code}` : o.kind;
}

/** Why `o` (crash title `title`) does not meet `e`, or null when it does. */
export function judge(e: Expectation, o: Outcome, title: string | null): string | null {
  const got = `got ${describeActual(o)}${title !== null ? ` (${title})` : ''}`;
  switch (e.kind) {
    case 'exit':
      return o.kind === 'exit' && o.code === e.code ? null : `expected exit ${e.code}, ${got}`;
    case 'outcome':
      return o.kind === e.outcome ? null : `expected ${e.outcome}, ${got}`;
    case 'no-panic':
      return NOT_A_CRASH.has(o.kind) ? null : `expected no panic, ${got}`;
    case 'panic': {
      if (o.kind !== 'panic') return `expected a panic, ${got}`;
      if (e.title !== null && (title === null || !new RegExp(e.title).test(title))) {
        return `expected a panic titled /${e.title}/, got ${title === null ? 'a panic without a title' : `"${title}"`}`;
      }
      if (e.before !== null && o.icount >= e.before) return `expected a panic before insn ${e.before}, it happened at insn ${o.icount}`;
      return null;
    }
  }
}

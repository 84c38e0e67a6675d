import { describe, expect, it } from 'vitest';
import type { Outcome } from '../../src/machine/outcome.js';
import { describeExpectation, judge } from '../../src/harness/suite/expect.js';

const at = { icount: 1000, eip: 0x100000 };
const exit = (code: number): Outcome => ({ kind: 'exit', code, ...at });
const panic: Outcome = { kind: 'panic', source: 'pvpanic', bits: 1, message: 'Kernel panic - not syncing: boom', ...at };

describe('judging a run against its expectation', () => {
  it('exit N', () => {
    expect(judge({ kind: 'exit', code: 0 }, exit(0), null)).toBeNull();
    expect(judge({ kind: 'exit', code: 0 }, exit(3), null)).toBe('expected exit 0, got exit 3');
    expect(judge({ kind: 'exit', code: 0 }, panic, 'kernel panic: boom')).toBe('expected exit 0, got panic (kernel panic: boom)');
  });

  it('panic, with a title and a deadline', () => {
    expect(judge({ kind: 'panic', title: null, before: null }, panic, null)).toBeNull();
    expect(judge({ kind: 'panic', title: '^kernel panic: bo', before: 1001 }, panic, 'kernel panic: boom')).toBeNull();
    expect(judge({ kind: 'panic', title: 'bang', before: null }, panic, 'kernel panic: boom')).toBe('expected a panic titled /bang/, got "kernel panic: boom"');
    expect(judge({ kind: 'panic', title: null, before: 1000 }, panic, null)).toBe('expected a panic before insn 1000, it happened at insn 1000');
    expect(judge({ kind: 'panic', title: null, before: null }, exit(0), null)).toBe('expected a panic, got exit 0');
  });

  it('no-panic accepts any end but a crash', () => {
    const e = { kind: 'no-panic' } as const;
    for (const o of [exit(7), { kind: 'timeout', budget: 5, ...at }, { kind: 'halted', interruptsEnabled: false, ...at }, { kind: 'reset', source: 'i8042', ...at }] as Outcome[]) {
      expect(judge(e, o, null)).toBeNull();
    }
    expect(judge(e, panic, 'kernel panic: boom')).toBe('expected no panic, got panic (kernel panic: boom)');
    expect(judge(e, { kind: 'triple-fault', detail: '#GP while delivering #DF', ...at }, 'triple fault in f')).toBe('expected no panic, got triple-fault (triple fault in f)');
  });

  it('says each expectation in words', () => {
    expect(describeExpectation({ kind: 'panic', title: 'x', before: 5 })).toBe('panic /x/ before 5');
    expect(describeExpectation({ kind: 'outcome', outcome: 'reset' })).toBe('reset');
    expect(describeExpectation(null)).toBe('');
  });
});

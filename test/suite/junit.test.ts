import { describe, expect, it } from 'vitest';
import { junitXml } from '../../src/harness/suite/junit.js';
import type { SuiteReport } from '../../src/harness/suite/report.js';
import type { CaseResult } from '../../src/harness/suite/result.js';
import { xmlAttr, xmlText } from '../../src/harness/suite/xml.js';
import { checkXml } from './xml-check.js';

const base: CaseResult = {
  name: 'c', index: 0, mode: 'record', status: 'pass', expected: 'exit 0', actual: 'exit 0', outcome: { kind: 'exit', code: 0, icount: 10, eip: 0 },
  icount: 10, title: null, crashType: null, reason: null, consoleTail: [], trace: null, events: 5, wallMs: 1234,
};

function report(cases: CaseResult[], shard: string | null = null): SuiteReport {
  const failed = cases.filter((c) => c.status === 'fail').length;
  const errors = cases.filter((c) => c.status === 'error').length;
  return {
    suite: 's', file: '/x/s.suite.json', shard, totalCases: cases.length, cases,
    summary: { ran: cases.length, passed: cases.length - failed - errors, failed, errors }, exitCode: failed + errors > 0 ? 1 : 0, wallMs: 2000,
  };
}

describe('XML escaping', () => {
  it('writes characters XML 1.0 forbids as visible escapes, and escapes markup', () => {
    const all = Array.from({ length: 0x100 }, (_, k) => String.fromCharCode(k)).join('') + '\ud800\ufffe\uffff\u{1f600}';
    const text = xmlText(all);
    expect(checkXml(`<a>${text}</a>`).problems).toEqual([]);
    expect(text.startsWith('\\x00\\x01\\x02\\x03\\x04\\x05\\x06\\x07\\x08\t\n\\x0b\\x0c&#13;\\x0e')).toBe(true);
    expect(text).toContain('&amp;');
    expect(text).toContain('&lt;');
    expect(text).toContain('\\u{d800}\\u{fffe}\\u{ffff}\u{1f600}');
    const attr = xmlAttr('say "hi"\n\tto <you> & me\r');
    expect(attr).toBe('say &quot;hi&quot;&#10;&#9;to &lt;you&gt; &amp; me&#13;');
    expect(checkXml(`<a b="${xmlAttr(all)}"/>`).problems).toEqual([]);
  });
});

describe('JUnit report', () => {
  it('one testcase per case: failure (expected vs actual + title), error, system-out', () => {
    const xml = junitXml(report([
      { ...base, consoleTail: ['hello', 'bye\x1b[0m'] },
      {
        ...base, name: 'p', status: 'fail', actual: 'panic', title: 'kernel panic: boom', crashType: 'kernel-panic', trace: '/k/p.zst',
        outcome: { kind: 'panic', source: 'pvpanic', bits: 1, message: null, icount: 99, eip: 0 }, icount: 99,
        reason: 'expected exit 0, got panic (kernel panic: boom)', consoleTail: ['Kernel panic - not syncing: boom'],
      },
      { ...base, name: 'e', status: 'error', actual: 'error', outcome: null, icount: null, reason: 'x.elf: no such file' },
    ], '2/3'));
    expect(checkXml(xml).problems).toEqual([]);
    expect(xml).toBe([
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<testsuites name="kreplay suite s" tests="3" failures="1" errors="1" skipped="0" time="2.000">',
      '  <testsuite name="s" tests="3" failures="1" errors="1" skipped="0" time="2.000">',
      '    <properties>',
      '      <property name="suite-file" value="/x/s.suite.json"/>',
      '      <property name="shard" value="2/3"/>',
      '    </properties>',
      '    <testcase name="c" classname="kreplay.s" time="1.234">',
      '      <system-out>hello',
      'bye\\x1b[0m',
      '</system-out>',
      '    </testcase>',
      '    <testcase name="p" classname="kreplay.s" time="1.234">',
      '      <failure message="expected exit 0, got panic at insn 99: kernel panic: boom" type="panic">expected: exit 0',
      'actual:   panic at insn 99',
      'title:    kernel panic: boom (kernel-panic)',
      'reason:   expected exit 0, got panic (kernel panic: boom)',
      'trace:    /k/p.zst',
      'look closer: kreplay replay /k/p.zst --until-panic</failure>',
      '      <system-out>Kernel panic - not syncing: boom',
      '</system-out>',
      '    </testcase>',
      '    <testcase name="e" classname="kreplay.s" time="1.234">',
      '      <error message="x.elf: no such file" type="error">expected: exit 0',
      'actual:   error',
      'reason:   x.elf: no such file</error>',
      '    </testcase>',
      '  </testsuite>',
      '</testsuites>',
      '',
    ].join('\n'));
  });

  it('a passing case without console output is an empty element', () => {
    expect(junitXml(report([base]))).toContain('    <testcase name="c" classname="kreplay.s" time="1.234"/>\n');
  });
});

/**
 * JUnit XML for CI systems (Jenkins, GitLab, GitHub test reporters, ...): one <testcase> per
 * case, a <failure> (expected vs actual, and the crash title) for a case that did not meet its
 * expectation, an <error> for one that could not run, and the last console lines as
 * <system-out>. Each shard writes a complete file whose <testsuite> holds only its own cases, so
 * the shards' files together (CI systems accept several) hold the whole suite exactly once.
 */
import type { SuiteReport } from './report.js';
import type { CaseResult } from './result.js';
import { xmlAttr, xmlText } from './xml.js';

const seconds = (ms: number): string => (ms / 1000).toFixed(3);

/** The failure text: what was expected, what happened, the title, and how to look closer. */
export function failureDetails(c: CaseResult): string {
  const lines = [
    `expected: ${c.expected}`,
    `actual:   ${c.actual}${c.icount !== null ? ` at insn ${c.icount}` : ''}`,
  ];
  if (c.title !== null) lines.push(`title:    ${c.title}${c.crashType !== null ? ` (${c.crashType})` : ''}`);
  if (c.reason !== null) lines.push(`reason:   ${c.reason}`);
  if (c.trace !== null) lines.push(`trace:    ${c.trace}`, `look closer: kreplay replay ${c.trace}${c.outcome?.kind === 'panic' ? ' --until-panic' : ''}`);
  return lines.join('\n');
}

function testcase(c: CaseResult, classname: string): string {
  const open = `    <testcase name="${xmlAttr(c.name)}" classname="${xmlAttr(classname)}" time="${seconds(c.wallMs)}">`;
  const body: string[] = [];
  if (c.status !== 'pass') {
    const tag = c.status === 'error' ? 'error' : 'failure';
    // One line a CI summary shows: expected vs actual and the crash title (the body says why).
    const message = c.status === 'error' ? c.reason ?? 'could not run'
      : `expected ${c.expected}, got ${c.actual}${c.icount !== null ? ` at insn ${c.icount}` : ''}${c.title !== null ? `: ${c.title}` : ''}`;
    body.push(`      <${tag} message="${xmlAttr(message)}" type="${xmlAttr(c.actual)}">${xmlText(failureDetails(c))}</${tag}>`);
  }
  if (c.consoleTail.length > 0) body.push(`      <system-out>${xmlText(`${c.consoleTail.join('\n')}\n`)}</system-out>`);
  return body.length === 0 ? `${open.slice(0, -1)}/>` : [open, ...body, '    </testcase>'].join('\n');
}

/** The report as a JUnit XML document. */
export function junitXml(r: SuiteReport): string {
  const counts = `tests="${r.summary.ran}" failures="${r.summary.failed}" errors="${r.summary.errors}" skipped="0" time="${seconds(r.wallMs)}"`;
  const classname = `kreplay.${r.suite}`;
  const props = [`      <property name="suite-file" value="${xmlAttr(r.file)}"/>`];
  if (r.shard !== null) props.push(`      <property name="shard" value="${xmlAttr(r.shard)}"/>`);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${xmlAttr(`kreplay suite ${r.suite}`)}" ${counts}>`,
    `  <testsuite name="${xmlAttr(r.suite)}" ${counts}>`,
    '    <properties>',
    ...props,
    '    </properties>',
    ...r.cases.map((c) => testcase(c, classname)),
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

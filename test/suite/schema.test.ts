import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSuite, resolveSuite, SuiteError } from '../../src/harness/suite/index.js';
import { kreplay, repo } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'kreplay-suite-schema-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const HELLO = repo('guests/hello/hello.elf');

function problems(json: unknown): string[] {
  try {
    resolveSuite(json, join(dir, 'x.suite.json'));
  } catch (e) {
    if (e instanceof SuiteError) return e.problems.map((p) => `${p.where}: ${p.field}: ${p.message}`);
    throw e;
  }
  return [];
}

describe('suite schema', () => {
  it('resolves paths against the suite file and applies defaults', () => {
    const s = loadSuite(repo('test/suite/fixtures/mixed.suite.json'));
    expect(s.name).toBe('mixed');
    expect(s.cases).toHaveLength(8);
    const hello = s.cases[0];
    expect(hello).toMatchObject({ mode: 'record', name: 'hello', image: HELLO, cmdline: 'greeting=mixed', expect: { kind: 'exit', code: 0 } });
    expect(hello.mode === 'record' && hello.settings).toEqual({ maxInsns: 200000000, memMiB: 32, nsPerInsn: 1, rtcEpoch: 946684800 });
    expect(s.cases[5].mode === 'record' && s.cases[5].settings.maxInsns).toBe(500000);
    expect(s.cases[7]).toMatchObject({ mode: 'replay', trace: repo('traces/hello.zst'), expect: { kind: 'exit', code: 0 } });
  });

  it.each([
    ['"panic"', 'panic', { kind: 'panic', title: null, before: null }],
    ['"no-panic"', 'no-panic', { kind: 'no-panic' }],
    ['{"exit": 3}', { exit: 3 }, { kind: 'exit', code: 3 }],
    ['{"panic": true}', { panic: true }, { kind: 'panic', title: null, before: null }],
    ['{"panic": {title, before}}', { panic: { title: '^kernel panic', before: 10 } }, { kind: 'panic', title: '^kernel panic', before: 10 }],
    ['{"outcome": "halted"}', { outcome: 'halted' }, { kind: 'outcome', outcome: 'halted' }],
  ])('expect %s', (_, expectation, parsed) => {
    const s = resolveSuite({ cases: [{ name: 'a', image: HELLO, expect: expectation }] }, join(dir, 'x.json'));
    expect(s.cases[0].expect).toEqual(parsed);
  });

  it('the example in docs/suite.md is a valid suite', () => {
    const doc = readFileSync(repo('docs/suite.md'), 'utf8');
    const example = JSON.parse(/```json\n([\s\S]*?)```/.exec(doc)![1]) as { cases: Record<string, unknown>[] };
    // Its files are the user's; stand ours in for them.
    for (const c of example.cases) {
      if ('image' in c) c.image = HELLO;
      if ('serialIn' in c) c.serialIn = repo('test/fixtures/guests/echo-panic.txt');
      if ('replay' in c) c.replay = repo('traces/hello.zst');
    }
    const s = resolveSuite(example, join(dir, 'kernel.suite.json'));
    expect(s.cases.map((c) => c.expect?.kind ?? null)).toEqual(['exit', 'panic', 'no-panic', 'outcome', null, 'panic']);
  });

  it('names the case and the field of every problem', () => {
    expect(problems({
      cases: [
        { name: 'ok', image: HELLO, expect: 'panic' },
        { name: 'typo', image: HELLO, expects: 'panic' },
        { name: 'badre', image: HELLO, expect: { panic: { title: '(' } } },
        { name: 'ok', image: HELLO, expect: { exit: -1 } },
        { name: 'missing', image: 'nope.elf', expect: 'no-panic', mem: 1 },
        { name: 'both', image: HELLO, replay: 'x.zst', expect: 'panic' },
        { name: 'replay-with-cmdline', replay: repo('traces/hello.zst'), cmdline: 'x' },
        { name: 'bad outcome', image: HELLO, expect: { outcome: 'crashed' } },
      ],
    })).toEqual([
      'case 2 "typo": expects: unknown field (known: name, about, image, cmdline, serialIn, serialText, expect, replay, maxInsns, mem, nsPerInsn, rtcEpoch)',
      'case 2 "typo": expect: missing: say what the guest must do ("panic", "no-panic", {"exit": N}, ...)',
      'case 3 "badre": expect.panic.title: invalid regular expression: Invalid regular expression: /(/: Unterminated group',
      'case 4 "ok": name: another case has the same name; names must be unique',
      'case 4 "ok": expect.exit: must be an integer from 0 to 4294967295, got -1',
      `case 5 "missing": image: nope.elf: no such file (looked for ${join(dir, 'nope.elf')})`,
      'case 5 "missing": mem: must be an integer from 2 to 3072, got 1',
      'case 6 "both": image: a case needs either "image" (a guest to record) or "replay" (a golden trace), not both or neither',
      'case 7 "replay-with-cmdline": cmdline: not allowed with "replay": the trace holds the whole configuration and its inputs',
      'case 8 "bad outcome": name: must be 1-100 characters of letters, digits and . _ + = @ -, starting with a letter or digit; got "bad outcome"',
      'case 8 "bad outcome": expect.outcome: must be one of exit, panic, shutdown, triple-fault, reset, halted, timeout, unsupported, got "crashed"',
    ]);
  });

  it('checks the top level', () => {
    expect(problems({ cases: [] })).toEqual(['suite: cases: must be a non-empty array of cases']);
    expect(problems({ name: 7, defaults: { mem: 64, budget: 1 }, cases: [{ name: 'a', image: HELLO, expect: 'panic' }], extra: 1 })).toEqual([
      'suite: extra: unknown field (known: name, about, defaults, cases)',
      'suite: name: must be a non-empty string',
      'suite: defaults.budget: unknown field (known: maxInsns, mem, nsPerInsn, rtcEpoch)',
    ]);
    expect(problems([1, 2])).toEqual(['suite: (file): must be a JSON object with a "cases" array']);
  });

  it('the CLI prints every problem and exits 2; unreadable and non-JSON files too', () => {
    const bad = join(dir, 'bad.suite.json');
    writeFileSync(bad, JSON.stringify({ cases: [{ name: 'echo', image: HELLO, expect: { panic: { title: '[' } } }, { name: 'x', image: HELLO }] }));
    const r = kreplay(['suite', bad]);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe([
      `kreplay: ${bad}: invalid suite (2 problems):`,
      '  case 1 "echo": expect.panic.title: invalid regular expression: Invalid regular expression: /[/: Unterminated character class',
      '  case 2 "x": expect: missing: say what the guest must do ("panic", "no-panic", {"exit": N}, ...)',
      '',
    ].join('\n'));
    expect(r.stdout).toBe('');
    const notJson = join(dir, 'notjson.json');
    writeFileSync(notJson, '{ "cases": [ }');
    const n = kreplay(['suite', notJson]);
    expect(n.status).toBe(2);
    expect(n.stderr).toMatch(/^kreplay: .*notjson\.json: invalid suite:\n {2}suite: \(file\): not valid JSON: /);
    const missing = kreplay(['suite', join(dir, 'missing.json')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/suite: \(file\): no such file/);
  });
});

/**
 * Reading and validating a suite file. Every problem is collected (not just the first), each
 * naming its case and field, so one edit fixes them all. Relative paths resolve against the
 * suite file's directory, and the files they name must exist: a typo fails before anything runs.
 */
import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { DEFAULT_MACHINE_CONFIG } from '../../machine/machine.js';
import type { OutcomeKind } from '../../machine/outcome.js';
import { DEFAULT_MAX_INSNS } from '../run.js';
import {
  EXPECTABLE_OUTCOMES, SuiteError, type CaseSettings, type Expectation, type ResolvedSuite, type SuiteCase, type SuiteProblem,
} from './schema.js';

const SUITE_KEYS = new Set(['name', 'about', 'defaults', 'cases']);
const SETTING_KEYS = ['maxInsns', 'mem', 'nsPerInsn', 'rtcEpoch'] as const;
const CASE_KEYS = new Set(['name', 'about', 'image', 'cmdline', 'serialIn', 'serialText', 'expect', 'replay', ...SETTING_KEYS]);
const NAME = /^[A-Za-z0-9][\w.+=@-]{0,99}$/;

type Json = unknown;
const isObject = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Collects problems for one place (the suite, or one case). */
class Problems {
  constructor(private readonly list: SuiteProblem[], private readonly where: string) {}
  add(field: string, message: string): void {
    this.list.push({ where: this.where, field, message });
  }
}

function existingFile(dir: string, value: Json, field: string, p: Problems, what: string): string | null {
  if (typeof value !== 'string' || value === '') {
    p.add(field, `must be a path (a non-empty string) to ${what}, relative to the suite file`);
    return null;
  }
  const path = resolve(dir, value);
  let isFile = false;
  try {
    isFile = statSync(path).isFile();
  } catch {
    p.add(field, `${value}: no such file (looked for ${path})`);
    return null;
  }
  if (!isFile) p.add(field, `${value}: not a regular file`);
  return isFile ? path : null;
}

function integer(v: Json, field: string, p: Problems, min: number, max: number): number | null {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    p.add(field, `must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
    return null;
  }
  return v;
}

function settings(obj: Record<string, Json>, base: CaseSettings, prefix: string, p: Problems): CaseSettings {
  const s = { ...base };
  if ('maxInsns' in obj) s.maxInsns = integer(obj.maxInsns, `${prefix}maxInsns`, p, 1, Number.MAX_SAFE_INTEGER) ?? s.maxInsns;
  if ('mem' in obj) s.memMiB = integer(obj.mem, `${prefix}mem`, p, 2, 3072) ?? s.memMiB;
  if ('rtcEpoch' in obj) s.rtcEpoch = integer(obj.rtcEpoch, `${prefix}rtcEpoch`, p, -(2 ** 40), 2 ** 40) ?? s.rtcEpoch;
  if ('nsPerInsn' in obj) {
    const v = obj.nsPerInsn;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) p.add(`${prefix}nsPerInsn`, `must be a positive number, got ${JSON.stringify(v)}`);
    else s.nsPerInsn = v;
  }
  return s;
}

/** Parses `expect` (see docs/suite.md for the forms). */
function parseExpectation(v: Json, p: Problems): Expectation | null {
  const forms = '"panic", "no-panic", {"exit": N}, {"panic": {"title": REGEX, "before": ICOUNT}} or {"outcome": KIND}';
  if (v === 'panic') return { kind: 'panic', title: null, before: null };
  if (v === 'no-panic') return { kind: 'no-panic' };
  if (!isObject(v) || Object.keys(v).length !== 1) {
    p.add('expect', `must be one of ${forms}, got ${JSON.stringify(v)}`);
    return null;
  }
  const [key] = Object.keys(v);
  const val = v[key];
  switch (key) {
    case 'exit': {
      const code = integer(val, 'expect.exit', p, 0, 0xffffffff);
      return code === null ? null : { kind: 'exit', code };
    }
    case 'outcome':
      if (typeof val !== 'string' || !EXPECTABLE_OUTCOMES.includes(val as OutcomeKind)) {
        p.add('expect.outcome', `must be one of ${EXPECTABLE_OUTCOMES.join(', ')}, got ${JSON.stringify(val)}`);
        return null;
      }
      return { kind: 'outcome', outcome: val as OutcomeKind };
    case 'panic': {
      if (val === true) return { kind: 'panic', title: null, before: null };
      if (!isObject(val)) {
        p.add('expect.panic', `must be true or an object with optional "title" (a regular expression) and "before" (an icount), got ${JSON.stringify(val)}`);
        return null;
      }
      let ok = true;
      for (const k of Object.keys(val)) if (k !== 'title' && k !== 'before') { p.add(`expect.panic.${k}`, 'unknown field (expected "title" or "before")'); ok = false; }
      let title: string | null = null;
      if ('title' in val) {
        if (typeof val.title !== 'string') { p.add('expect.panic.title', 'must be a regular expression (a string)'); ok = false; }
        else {
          try {
            new RegExp(val.title);
            title = val.title;
          } catch (e) {
            p.add('expect.panic.title', `invalid regular expression: ${(e as Error).message}`);
            ok = false;
          }
        }
      }
      const before = 'before' in val ? integer(val.before, 'expect.panic.before', p, 1, Number.MAX_SAFE_INTEGER) : null;
      if ('before' in val && before === null) ok = false;
      return ok ? { kind: 'panic', title, before } : null;
    }
    default:
      p.add(`expect.${key}`, `unknown expectation; use ${forms}`);
      return null;
  }
}

function parseCase(raw: Json, index: number, dir: string, defaults: CaseSettings, names: Set<string>, list: SuiteProblem[]): SuiteCase | null {
  const label = isObject(raw) && typeof raw.name === 'string' ? `case ${index + 1} "${raw.name}"` : `case ${index + 1}`;
  const p = new Problems(list, label);
  const before = list.length;
  if (!isObject(raw)) {
    p.add('(case)', `must be an object, got ${JSON.stringify(raw)}`);
    return null;
  }
  for (const k of Object.keys(raw)) if (!CASE_KEYS.has(k)) p.add(k, `unknown field (known: ${[...CASE_KEYS].join(', ')})`);
  const name = raw.name;
  if (typeof name !== 'string' || !NAME.test(name)) {
    p.add('name', `must be 1-100 characters of letters, digits and . _ + = @ -, starting with a letter or digit; got ${JSON.stringify(name)}`);
  } else if (names.has(name)) {
    p.add('name', 'another case has the same name; names must be unique');
  } else {
    names.add(name);
  }
  if ('replay' in raw === 'image' in raw) {
    p.add('image', 'a case needs either "image" (a guest to record) or "replay" (a golden trace), not both or neither');
    return null;
  }
  const expect = 'expect' in raw ? parseExpectation(raw.expect, p) : null;
  if ('replay' in raw) {
    for (const k of ['cmdline', 'serialIn', 'serialText', ...SETTING_KEYS]) {
      if (k in raw) p.add(k, 'not allowed with "replay": the trace holds the whole configuration and its inputs');
    }
    const trace = existingFile(dir, raw.replay, 'replay', p, 'a trace (*.zst)');
    if (list.length > before || trace === null || typeof name !== 'string') return null;
    return { mode: 'replay', name, index, trace, traceLabel: raw.replay as string, expect };
  }
  const image = existingFile(dir, raw.image, 'image', p, 'a kernel image');
  if (!('expect' in raw)) p.add('expect', `missing: say what the guest must do (${'"panic", "no-panic", {"exit": N}, ...'})`);
  if ('cmdline' in raw && typeof raw.cmdline !== 'string') p.add('cmdline', 'must be a string');
  if ('serialIn' in raw && 'serialText' in raw) p.add('serialText', 'give "serialIn" (a file) or "serialText" (inline), not both');
  const serialInFile = 'serialIn' in raw ? existingFile(dir, raw.serialIn, 'serialIn', p, 'a file of serial input') : null;
  if ('serialText' in raw && typeof raw.serialText !== 'string') p.add('serialText', 'must be a string');
  const s = settings(raw, defaults, '', p);
  if (list.length > before || image === null || expect === null || typeof name !== 'string') return null;
  return {
    mode: 'record', name, index, image, imageLabel: raw.image as string, cmdline: (raw.cmdline as string | undefined) ?? '',
    serialInFile, serialText: (raw.serialText as string | undefined) ?? null, settings: s, expect,
  };
}

/** Validates a parsed suite (`file` locates relative paths); throws SuiteError listing every problem. */
export function resolveSuite(json: Json, file: string): ResolvedSuite {
  const path = resolve(file);
  const dir = dirname(path);
  const list: SuiteProblem[] = [];
  const top = new Problems(list, 'suite');
  if (!isObject(json)) throw new SuiteError(file, [{ where: 'suite', field: '(file)', message: 'must be a JSON object with a "cases" array' }]);
  for (const k of Object.keys(json)) if (!SUITE_KEYS.has(k)) top.add(k, `unknown field (known: ${[...SUITE_KEYS].join(', ')})`);
  if ('name' in json && (typeof json.name !== 'string' || json.name === '')) top.add('name', 'must be a non-empty string');
  let defaults: CaseSettings = { maxInsns: DEFAULT_MAX_INSNS, ...DEFAULT_MACHINE_CONFIG };
  if ('defaults' in json) {
    if (!isObject(json.defaults)) top.add('defaults', 'must be an object');
    else {
      for (const k of Object.keys(json.defaults)) if (!(SETTING_KEYS as readonly string[]).includes(k)) top.add(`defaults.${k}`, `unknown field (known: ${SETTING_KEYS.join(', ')})`);
      defaults = settings(json.defaults, defaults, 'defaults.', top);
    }
  }
  const cases: SuiteCase[] = [];
  if (!Array.isArray(json.cases) || json.cases.length === 0) {
    top.add('cases', 'must be a non-empty array of cases');
  } else {
    const names = new Set<string>();
    json.cases.forEach((c, i) => {
      const parsed = parseCase(c, i, dir, defaults, names, list);
      if (parsed !== null) cases.push(parsed);
    });
  }
  if (list.length > 0) throw new SuiteError(file, list);
  const name = typeof json.name === 'string' ? json.name : basename(path).replace(/(\.suite)?\.json$/, '');
  return { name, file: path, cases };
}

/** Reads and validates a suite file; throws SuiteError (unreadable, not JSON, or invalid). */
export function loadSuite(file: string): ResolvedSuite {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new SuiteError(file, [{ where: 'suite', field: '(file)', message: code === 'ENOENT' ? 'no such file' : `cannot read (${code ?? String(e)})` }]);
  }
  let json: Json;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new SuiteError(file, [{ where: 'suite', field: '(file)', message: `not valid JSON: ${(e as Error).message}` }]);
  }
  return resolveSuite(json, file);
}

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repo } from '../helpers/cli.js';

/**
 * Rule 1 of the house: nothing that runs the guest may read host time, host randomness or the
 * environment. These layers are checked textually; harness and cli may (e.g. for progress bars).
 */
const GUARDED = ['src/cpu', 'src/machine', 'src/devices', 'src/loader', 'src/trace'];
const BANNED = /\b(Date\s*\.\s*now|new\s+Date\b|performance\s*\.\s*now|process\s*\.\s*hrtime|Math\s*\.\s*random|crypto\s*\.\s*(?:random|getRandom)|randomBytes|randomUUID|setTimeout|setInterval|setImmediate|process\s*\.\s*env)\b/;

function files(dir: string): string[] {
  let out: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const n of names) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) out = out.concat(files(p));
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

describe('determinism: no host time, randomness or environment below src/harness', () => {
  it('finds no banned API in the emulation layers', () => {
    const hits: string[] = [];
    for (const d of GUARDED) {
      for (const f of files(repo(d))) {
        readFileSync(f, 'utf8').split('\n').forEach((line, n) => {
          const code = line.replace(/\/\/.*$/, '');
          if (BANNED.test(code)) hits.push(`${f}:${n + 1}: ${line.trim()}`);
        });
      }
    }
    expect(hits).toEqual([]);
  });

  it('the check itself catches a banned call', () => {
    expect(BANNED.test('const t = Date.now();')).toBe(true);
    expect(BANNED.test('x = Math.random()')).toBe(true);
    expect(BANNED.test('const v = process.env.HOME')).toBe(true);
  });
});

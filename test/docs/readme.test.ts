import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { kreplay, repo } from '../helpers/cli.js';

/**
 * House rule 4: every claim in the README is a command that works. Each `npx kreplay ...` or
 * `npx replay ...` line in a sh block that ends with `# exit N` is run and must exit with N.
 */
const readme = readFileSync(repo('README.md'), 'utf8');
const blocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
const commands = blocks.flatMap((b) => b.split('\n'))
  .map((l) => /^npx (kreplay|replay) (.*?)\s+# exit (\d+)( \(needs guests\/linux\/cache\))?$/.exec(l))
  .filter((m): m is RegExpExecArray => m !== null)
  .map((m) => ({ bin: m[1], args: m[2], exit: Number(m[3]), needsLinux: m[4] !== undefined }));
const haveLinux = existsSync(repo('guests/linux/cache/vmlinux'));

function splitArgs(s: string): string[] {
  return [...s.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]);
}

describe('README commands', () => {
  it('finds the documented commands', () => {
    expect(commands.length).toBeGreaterThan(10);
  });
  for (const c of commands) {
    it.skipIf(c.needsLinux && !haveLinux)(`${c.bin} ${c.args} exits ${c.exit}`, () => {
      const r = kreplay(splitArgs(c.args), { bin: c.bin === 'replay' ? 'dist/cli/replay.js' : 'dist/cli/kreplay.js', timeoutMs: 600_000 });
      expect(r.status, r.stderr).toBe(c.exit);
    });
  }
});

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';

/** Repository root (tests run from anywhere). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs the compiled CLI (npm test builds dist first) with `args`, from the repository root. */
export function kreplay(args: string[], opts: { input?: string | Uint8Array; bin?: string; timeoutMs?: number } = {}): CliResult {
  const r = spawnSync(process.execPath, [resolve(ROOT, opts.bin ?? 'dist/cli/kreplay.js'), ...args], {
    cwd: ROOT,
    input: opts.input,
    encoding: 'latin1',
    timeout: opts.timeoutMs ?? 300_000,
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Absolute path of a file in the repository. */
export function repo(path: string): string {
  return resolve(ROOT, path);
}

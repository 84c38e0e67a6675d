#!/usr/bin/env node
/**
 * `npm run demo`: the quick start's main job. Records the bundled panicking guest into
 * traces/demo.zst, then replays the trace to the panic and prints the report. Exits 0 when both
 * steps did what they should (the guest panicked, the replay reached the same panic).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const cli = resolve(root, 'dist/cli/kreplay.js');
const step = (title: string, args: string[], want: number): boolean => {
  process.stdout.write(`\n$ kreplay ${args.join(' ')}    # ${title}\n`);
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, stdio: 'inherit' });
  if (r.status !== want) process.stderr.write(`demo: expected exit code ${want}, got ${r.status}\n`);
  return r.status === want;
};
const ok = step('record the panicking guest', ['record', 'guests/panic-timer/panic-timer.elf', '-o', 'traces/demo.zst'], 1)
  && step('replay it to the panic', ['replay', 'traces/demo.zst', '--until-panic'], 1);
process.exitCode = ok ? 0 : 1;

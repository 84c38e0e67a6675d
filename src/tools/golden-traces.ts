#!/usr/bin/env node
/**
 * `npm run traces`: (re)records every golden trace listed in traces/golden.json into
 * traces/<name>.zst. Recording is deterministic, so an unchanged emulator rewrites identical
 * files; a changed file means the emulator's behaviour on that guest changed.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { recordGuest } from '../harness/record.js';
import { readGoldenManifest } from './golden.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
let failed = 0;
for (const g of readGoldenManifest(root)) {
  const out = resolve(root, 'traces', `${g.name}.zst`);
  const r = await recordGuest({
    image: new Uint8Array(readFileSync(resolve(root, g.image))),
    imageName: g.image,
    cmdline: g.append ?? '',
    serialIn: g.serialIn === undefined ? undefined : new Uint8Array(readFileSync(resolve(root, g.serialIn))),
    maxInsns: g.maxInsns,
    out,
  });
  const ok = r.outcome.kind === g.expect.kind && (g.expect.code === undefined || (r.outcome.kind === 'exit' && r.outcome.code === g.expect.code));
  if (!ok) failed++;
  process.stdout.write(`${ok ? 'ok  ' : 'FAIL'} traces/${g.name}.zst: ${r.outcome.kind} at insn ${r.outcome.icount}, ${r.events} events, ${r.bytes} bytes\n`);
}
process.exitCode = failed === 0 ? 0 : 1;

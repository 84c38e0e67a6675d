import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** One golden trace: how to record it and what its outcome must be. */
export interface GoldenSpec {
  name: string;
  image: string;
  append?: string;
  serialIn?: string;
  maxInsns?: number;
  expect: { kind: string; code?: number };
}

/** Reads traces/golden.json (paths in it are relative to `root`). */
export function readGoldenManifest(root: string): GoldenSpec[] {
  const m = JSON.parse(readFileSync(resolve(root, 'traces/golden.json'), 'utf8')) as { traces: GoldenSpec[] };
  return m.traces;
}

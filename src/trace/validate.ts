/**
 * Checks for decoded msgpack maps: a damaged or foreign frame is reported with the field at fault,
 * never trusted. Each check throws a plain Error naming the field; callers turn it into a
 * TraceError that names the frame.
 */

export type Dict = Record<string, unknown>;

export function isMap(v: unknown): v is Dict {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

export function map(m: Dict, key: string, path: string): Dict {
  const v = m[key];
  if (!isMap(v)) throw new Error(`${path}${key} is missing or not a map`);
  return v;
}

export function str(m: Dict, key: string, path: string): string {
  const v = m[key];
  if (typeof v !== 'string') throw new Error(`${path}${key} is missing or not a string`);
  return v;
}

export function bool(m: Dict, key: string, path: string): boolean {
  const v = m[key];
  if (typeof v !== 'boolean') throw new Error(`${path}${key} is missing or not a boolean`);
  return v;
}

/** A finite number. */
export function num(m: Dict, key: string, path: string): number {
  const v = m[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${path}${key} is missing or not a number`);
  return v;
}

/** An integer in [0, 2^53). */
export function uint(m: Dict, key: string, path: string): number {
  const v = m[key];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new Error(`${path}${key} is missing or not an integer >= 0`);
  return v;
}

export function bytes(m: Dict, key: string, path: string): Uint8Array {
  const v = m[key];
  if (!(v instanceof Uint8Array)) throw new Error(`${path}${key} is missing or not bytes`);
  return v;
}

export function strings(m: Dict, key: string, path: string): string[] {
  const v = m[key];
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) throw new Error(`${path}${key} is missing or not a list of strings`);
  return v as string[];
}

/** An outcome: null or a map (its fields belong to src/machine/outcome.ts). */
export function outcomeOrNull(m: Dict, key: string, path: string): object | null {
  const v = m[key];
  if (v === null) return null;
  if (!isMap(v)) throw new Error(`${path}${key} is missing or not a map`);
  return v;
}

/** Per-kind event counts: names to integers. */
export function counts(m: Dict, key: string, path: string): Record<string, number> {
  const v = map(m, key, path);
  for (const k of Object.keys(v)) uint(v, k, `${path}${key}.`);
  return v as Record<string, number>;
}

import type { SymbolTable } from '../loader/index.js';
import type { TraceEvent } from '../trace/schema.js';
import { TraceReader } from '../trace/reader.js';
import { initZstd } from '../trace/zstd.js';
import { SymbolTable as Symbols } from '../loader/index.js';

export interface TraceDiff {
  /** Events equal in both traces before the first difference. */
  commonPrefix: number;
  /** The first differing events (null on a side that ended there). Both null: identical streams. */
  a: TraceEvent | null;
  b: TraceEvent | null;
  symbolsA: SymbolTable | null;
  symbolsB: SymbolTable | null;
  /** Header fields that differ (config, inputs, image), as `field: a -> b`. */
  headerDifferences: string[];
  outcomeA: unknown;
  outcomeB: unknown;
  nsPerInsn: number;
}

function sameEvent(x: TraceEvent, y: TraceEvent): boolean {
  return x.kind === y.kind && x.icount === y.icount && x.addr === y.addr && x.size === y.size && x.value === y.value;
}

function flat(o: unknown, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  if (o !== null && typeof o === 'object' && !ArrayBuffer.isView(o) && !Array.isArray(o)) {
    for (const [k, v] of Object.entries(o)) for (const [kk, vv] of flat(v, prefix === '' ? k : `${prefix}.${k}`)) out.set(kk, vv);
  } else out.set(prefix, ArrayBuffer.isView(o) ? `<${(o as Uint8Array).length} bytes>` : JSON.stringify(o));
  return out;
}

/**
 * The first event where two traces of the same guest and inputs differ (different builds or
 * configs), streaming both; EIPs are named with each trace's own symbols.
 */
export async function diffTraces(pathA: string, pathB: string): Promise<TraceDiff> {
  await initZstd();
  const ra = TraceReader.open(pathA);
  const rb = TraceReader.open(pathB);
  const sym = (r: TraceReader): SymbolTable | null => {
    const d = r.symbols();
    return d === null ? null : Symbols.fromData(d as never);
  };
  const ha = flat({ ...ra.header, tool: undefined }), hb = flat({ ...rb.header, tool: undefined });
  const headerDifferences: string[] = [];
  for (const k of new Set([...ha.keys(), ...hb.keys()])) if (ha.get(k) !== hb.get(k)) headerDifferences.push(`${k}: ${ha.get(k) ?? '-'} -> ${hb.get(k) ?? '-'}`);
  const ia = ra.events()[Symbol.iterator](), ib = rb.events()[Symbol.iterator]();
  let n = 0;
  let a: TraceEvent | null = null, b: TraceEvent | null = null;
  for (;;) {
    const x = ia.next(), y = ib.next();
    a = x.done ? null : x.value;
    b = y.done ? null : y.value;
    if (a === null || b === null || !sameEvent(a, b)) break;
    n++;
  }
  return { commonPrefix: n, a, b, symbolsA: sym(ra), symbolsB: sym(rb), headerDifferences, outcomeA: ra.outcome, outcomeB: rb.outcome, nsPerInsn: ra.header.machine.nsPerInsn };
}

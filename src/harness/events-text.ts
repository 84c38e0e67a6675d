import type { SymbolTable } from '../loader/index.js';
import { EVENT, EVENT_NAMES, type TraceEvent } from '../trace/schema.js';
import { describeEip } from './describe.js';

const hex = (v: number, w: number): string => `0x${(v >>> 0).toString(16).padStart(w, '0')}`;

/** One event as a line: `insn 1234 port-out 0x3f8/1 = 0x41 eip=0x00101234 <serial_putc+0x12>`. */
export function formatEvent(e: TraceEvent, symbols: SymbolTable | null): string {
  const name = (EVENT_NAMES[e.kind] ?? `kind-${e.kind}`).padEnd(12);
  let what: string;
  switch (e.kind) {
    case EVENT.PORT_IN: case EVENT.PORT_OUT: what = `${hex(e.addr, 4)}/${e.size} = ${hex(e.value, e.size * 2)}`; break;
    case EVENT.MMIO_READ: case EVENT.MMIO_WRITE: what = `${hex(e.addr, 8)}/${e.size} = ${hex(e.value, e.size * 2)}`; break;
    case EVENT.INTERRUPT: what = `vector ${hex(e.value, 2)}`; break;
    case EVENT.SERIAL_INPUT: what = `byte ${hex(e.value, 2)}${e.value >= 0x20 && e.value < 0x7f ? ` '${String.fromCharCode(e.value)}'` : ''}`; break;
    case EVENT.PVPANIC: what = `bits ${hex(e.value, 2)}`; break;
    case EVENT.DEBUG_EXIT: what = `code ${e.value}`; break;
    default: what = `value ${hex(e.value, 8)}`;
  }
  return `insn ${String(e.icount).padStart(12)}  ${name} ${what.padEnd(24)} eip=${describeEip(e.eip, symbols)}`;
}

/** The same event as plain JSON-friendly data. */
export function eventJson(e: TraceEvent, symbols: SymbolTable | null): Record<string, unknown> {
  return { kind: EVENT_NAMES[e.kind] ?? e.kind, icount: e.icount, addr: e.addr, size: e.size, value: e.value, eip: e.eip, symbol: symbols?.format(e.eip) ?? null };
}

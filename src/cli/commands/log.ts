import type { Argv } from 'yargs';
import { eventJson, formatEvent } from '../../harness/events-text.js';
import { SymbolTable } from '../../loader/index.js';
import { TraceReader } from '../../trace/reader.js';
import { EVENT_NAMES } from '../../trace/schema.js';
import { initZstd } from '../../trace/zstd.js';
import { UsageError } from '../errors.js';

export const command = 'log <trace>';
export const describe = 'print the events of a trace, streamed, optionally filtered';

export function builder(y: Argv) {
  return y
    .positional('trace', { type: 'string', describe: 'trace file (*.zst)', demandOption: true })
    .option('kind', { type: 'string', array: true, describe: `event kinds to show (${Object.values(EVENT_NAMES).join(', ')})` })
    .option('port', { type: 'string', array: true, describe: 'ports to show (e.g. 0x3f8); MMIO addresses too' })
    .option('from', { type: 'number', describe: 'first icount to show' })
    .option('to', { type: 'number', describe: 'last icount to show' })
    .option('json', { type: 'boolean', default: false, describe: 'one JSON object per line' });
}

function parseNumber(s: string, flag: string): number {
  const v = Number(s);
  if (!Number.isInteger(v) || v < 0) throw new UsageError(`--${flag} ${s}: expected a number such as 1016 or 0x3f8`);
  return v;
}

export async function handler(a: { trace: string; kind?: string[]; port?: string[]; from?: number; to?: number; json: boolean }): Promise<number> {
  const kindByName = new Map(Object.entries(EVENT_NAMES).map(([k, n]) => [n, Number(k)]));
  const kinds = a.kind?.flatMap((k) => k.split(',')).map((k) => {
    const v = kindByName.get(k);
    if (v === undefined) throw new UsageError(`--kind ${k}: unknown event kind; use one of ${[...kindByName.keys()].join(', ')}`);
    return v;
  });
  const ports = a.port?.flatMap((p) => p.split(',')).map((p) => parseNumber(p, 'port'));
  await initZstd();
  const reader = TraceReader.open(a.trace);
  const data = reader.symbols();
  const symbols = data === null ? null : SymbolTable.fromData(data as never);
  const kindSet = kinds === undefined ? null : new Set(kinds);
  const portSet = ports === undefined ? null : new Set(ports);
  const lines: string[] = [];
  const flush = (): void => {
    if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`);
    lines.length = 0;
  };
  for (const e of reader.events({ fromIcount: a.from, toIcount: a.to })) {
    if (kindSet !== null && !kindSet.has(e.kind)) continue;
    if (portSet !== null && !portSet.has(e.addr)) continue;
    if (a.from !== undefined && e.icount < a.from) continue;
    if (a.to !== undefined && e.icount > a.to) break;
    lines.push(a.json ? JSON.stringify(eventJson(e, symbols)) : formatEvent(e, symbols));
    if (lines.length >= 4096) flush();
  }
  flush();
  if (reader.recovery !== null) process.stderr.write(`note: ${reader.recovery.message}\n`);
  return 0;
}

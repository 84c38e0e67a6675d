import { statSync } from 'node:fs';
import type { Argv } from 'yargs';
import { describeOutcome } from '../../harness/describe.js';
import { SymbolTable } from '../../loader/index.js';
import type { Outcome } from '../../machine/outcome.js';
import { formatVirtualTime } from '../../machine/units.js';
import { TraceReader } from '../../trace/reader.js';
import { EVENT, EVENT_NAMES } from '../../trace/schema.js';
import { initZstd } from '../../trace/zstd.js';

export const command = 'inspect <trace>';
export const describe = 'summarise a trace: header, event counts by kind and port, chunks, outcome, size';

export function builder(y: Argv) {
  return y
    .positional('trace', { type: 'string', describe: 'trace file (*.zst)', demandOption: true })
    .option('json', { type: 'boolean', default: false, describe: 'print the summary as one JSON object' });
}

const hex = (v: number, w = 4): string => `0x${v.toString(16).padStart(w, '0')}`;

export async function handler(a: { trace: string; json: boolean }): Promise<number> {
  await initZstd();
  const reader = TraceReader.open(a.trace);
  const h = reader.header;
  const byKind: Record<string, number> = {};
  const byPort = new Map<number, { in: number; out: number }>();
  let events = 0;
  let lastIcount = 0;
  for (const e of reader.events()) {
    events++;
    lastIcount = e.icount;
    const name = EVENT_NAMES[e.kind] ?? `kind-${e.kind}`;
    byKind[name] = (byKind[name] ?? 0) + 1;
    if (e.kind === EVENT.PORT_IN || e.kind === EVENT.PORT_OUT) {
      let c = byPort.get(e.addr);
      if (c === undefined) byPort.set(e.addr, (c = { in: 0, out: 0 }));
      if (e.kind === EVENT.PORT_IN) c.in++;
      else c.out++;
    }
  }
  const size = statSync(a.trace).size;
  const outcome = reader.outcome as Outcome | null;
  const symbolsData = reader.symbols();
  const symbols = symbolsData === null ? null : SymbolTable.fromData(symbolsData as never);
  const ports = [...byPort].sort((x, y) => x[0] - y[0]).map(([port, c]) => ({ port, ...c }));
  const summary = {
    file: a.trace, bytes: size, events, bytesPerEvent: events > 0 ? size / events : null,
    bytesPer1000Insns: lastIcount > 0 ? (size * 1000) / lastIcount : null,
    header: { ...h, inputs: { ...h.inputs, serialIn: h.inputs.serialIn === null ? null : `${h.inputs.serialIn.length} bytes` } },
    byKind, byPort: ports, chunks: reader.chunks, checkpoints: reader.checkpoints, outcome, recovery: reader.recovery,
  };
  if (a.json) {
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return 0;
  }
  const out: string[] = [];
  out.push(`trace:     ${a.trace} (${size} bytes, format ${h.version.major}.${h.version.minor}, recorded by kreplay ${h.tool})`);
  out.push(`image:     ${h.image.name} (${h.image.size} bytes, sha256 ${h.image.sha256.slice(0, 16)}..., ${h.image.embedded ? 'embedded' : `not embedded: ${h.image.path}`})${h.symbols ? ', symbols' : ''}`);
  out.push(`machine:   ${h.machine.memMiB} MiB RAM, ${h.machine.nsPerInsn} ns/insn, RTC epoch ${h.machine.rtcEpoch}, devices ${h.machine.devices.join(' ')}`);
  out.push(`cmdline:   '${h.cmdline}'   budget: ${h.maxInsns} insns`);
  out.push(`inputs:    serial ${h.inputs.serialIn === null ? 'none' : `${h.inputs.serialIn.length} bytes (${h.inputs.policy})`}`);
  out.push(`outcome:   ${outcome === null ? '(none: the recording was cut short)' : describeOutcome(outcome, symbols, h.machine.nsPerInsn)}`);
  out.push(`events:    ${events} over ${lastIcount} insns (${formatVirtualTime(lastIcount * h.machine.nsPerInsn)}), ${(size / Math.max(1, events)).toFixed(2)} bytes/event, ${((size * 1000) / Math.max(1, lastIcount)).toFixed(3)} bytes per 1000 insns`);
  out.push(`chunks:    ${reader.chunks.length}${reader.checkpoints.length > 0 ? `, checkpoints: ${reader.checkpoints.length}` : ''}`);
  if (reader.recovery !== null) out.push(`recovery:  ${reader.recovery.message}`);
  out.push('', 'by kind:');
  for (const [k, n] of Object.entries(byKind)) out.push(`  ${k.padEnd(14)} ${String(n).padStart(10)}`);
  if (ports.length > 0) {
    out.push('', 'by port:       in        out');
    for (const p of ports) out.push(`  ${hex(p.port)}  ${String(p.in).padStart(9)}  ${String(p.out).padStart(9)}`);
  }
  out.push('', 'chunks:  seq        icount range              events');
  for (const c of reader.chunks) out.push(`  ${String(c.seq).padStart(5)}  ${String(c.icountFrom).padStart(12)}-${String(c.icountTo).padEnd(12)} ${String(c.count).padStart(9)}`);
  process.stdout.write(`${out.join('\n')}\n`);
  return 0;
}

import type { Argv } from 'yargs';
import { describeOutcome } from '../../harness/describe.js';
import { buildPanicReport, formatPanicReport } from '../../harness/panic-report.js';
import { formatDivergence, replayTrace, type ReplayResult } from '../../harness/replay.js';
import { exitCodeFor } from '../../machine/outcome.js';
import { eventJson } from '../../harness/events-text.js';
import { ConsoleWriter } from '../io.js';

/** Exit code of `replay --until-panic` when the trace holds no panic. */
export const EXIT_NO_PANIC = 6;

export const command = 'replay <trace>';
export const describe = 're-execute a recorded guest from its trace, checking every event; --until-panic prints the panic report';

export function builder(y: Argv) {
  return y
    .positional('trace', { type: 'string', describe: 'trace file (*.zst)', demandOption: true })
    .option('until-panic', { type: 'boolean', default: false, describe: 'stop at the panic and print when and why it happened' })
    .option('json', { type: 'boolean', default: false, describe: 'print the result (and the panic report) as one JSON object' })
    .option('console', { type: 'boolean', default: false, describe: 'stream the guest console to stdout while replaying' })
    .option('image', { type: 'string', describe: 'the guest image, for traces recorded with --no-embed' });
}

interface ReplayArgs {
  trace: string;
  'until-panic': boolean;
  json: boolean;
  console: boolean;
  image?: string;
}

function divergenceJson(r: ReplayResult): Record<string, unknown> | null {
  const d = r.divergence;
  if (d === null) return null;
  return {
    icount: d.icount, eip: d.eip, message: d.message,
    expected: d.expected && eventJson(d.expected, r.symbols), actual: d.actual && eventJson(d.actual, r.symbols),
    lastMatched: d.lastMatched.map((e) => eventJson(e, r.symbols)),
  };
}

export async function handler(a: ReplayArgs): Promise<number> {
  const out = a.console && !a.json ? new ConsoleWriter() : null;
  const r = await replayTrace(a.trace, { untilPanic: a['until-panic'], image: a.image, onConsole: out?.write, onSlice: () => out?.flush() });
  out?.flush();
  const ns = r.reader.header.machine.nsPerInsn;
  const notes: string[] = [];
  if (r.reader.recovery !== null) notes.push(`note: ${r.reader.recovery.message}`);

  const panic = r.status !== 'diverged' && r.outcome.kind === 'panic' ? r.outcome : null;
  const report = a['until-panic'] && panic !== null ? buildPanicReport(panic, r.machine, r.console, r.symbols, r.lastEvents, r.position) : null;
  let code: number;
  if (r.status === 'diverged') code = 5;
  else if (a['until-panic']) code = panic !== null ? 1 : EXIT_NO_PANIC;
  else code = r.status === 'end-of-trace' ? 0 : exitCodeFor(r.outcome);

  if (a.json) {
    process.stdout.write(`${JSON.stringify({
      status: r.status, exitCode: code, outcome: r.outcome, recordedOutcome: r.recordedOutcome,
      summary: describeOutcome(r.outcome, r.symbols, ns), eventsChecked: r.eventsChecked,
      divergence: divergenceJson(r), panicReport: report, recovery: r.reader.recovery,
    })}\n`);
    return code;
  }
  for (const n of notes) process.stderr.write(`${n}\n`);
  if (r.status === 'diverged' && r.divergence !== null) {
    process.stderr.write(`${formatDivergence(r.divergence, r.symbols, ns).join('\n')}\n`);
    return code;
  }
  if (report !== null && panic !== null) {
    process.stdout.write(`${formatPanicReport(report, r.symbols, r.lastEvents)}\n`);
  } else if (a['until-panic']) {
    process.stderr.write(`no panic in this trace: it ends with ${describeOutcome(r.recordedOutcome ?? r.outcome, r.symbols, ns)}\n`);
    return code;
  }
  const what = r.status === 'end-of-trace' ? 'replayed the recovered part of the recording' : 'replay matches the recording';
  process.stderr.write(`${describeOutcome(r.outcome, r.symbols, ns)}\n${what}: ${r.eventsChecked} events checked\n`);
  return code;
}

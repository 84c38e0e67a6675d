import type { Argv } from 'yargs';
import { describeOutcome } from '../../harness/describe.js';
import { buildPanicReport, formatPanicReport } from '../../harness/panic-report.js';
import { formatDivergence, replayTrace, type ReplayResult } from '../../harness/replay.js';
import { exitCodeFor } from '../../machine/outcome.js';
import { eventJson } from '../../harness/events-text.js';
import { ConsoleWriter } from '../io.js';
import { UsageError } from '../errors.js';
import { seekTrace } from '../../harness/seek.js';
import { buildStateReport, formatStateReport } from '../../harness/state-report.js';

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
    .option('image', { type: 'string', describe: 'the guest image, for traces recorded with --no-embed' })
    .option('jit', { type: 'boolean', default: false, describe: 'compile hot code blocks to JavaScript (same results)' })
    .option('to', { alias: 'seek', type: 'number', describe: 'stop at instruction N (from the nearest checkpoint) and print the machine state there' });
}

interface ReplayArgs {
  jit: boolean;
  to?: number;
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

async function seekHandler(a: ReplayArgs, to: number): Promise<number> {
  if (!Number.isSafeInteger(to) || to < 0) throw new UsageError(`--to ${to}: expected an instruction count (an integer >= 0)`);
  const s = await seekTrace(a.trace, to, { image: a.image });
  const session = s.session;
  const ns = session.header.machine.nsPerInsn;
  const from = s.checkpoint === null ? 'boot' : `checkpoint ${s.checkpoint} (insn ${session.reader.checkpoints[s.checkpoint].icount})`;
  if (!s.reached) {
    const o = s.outcome!;
    if (a.json) process.stdout.write(`${JSON.stringify({ reached: false, outcome: o, divergence: session.divergence })}\n`);
    else process.stderr.write(`the run ends before insn ${to}: ${describeOutcome(o, session.symbols, ns)}\n`);
    return o.kind === 'diverged' ? 5 : EXIT_NO_PANIC;
  }
  const report = buildStateReport(session.machine, session.symbols);
  if (a.json) {
    process.stdout.write(`${JSON.stringify({ reached: true, icount: to, fromCheckpoint: s.checkpoint, replayedInsns: s.replayedInsns, state: report })}\n`);
    return 0;
  }
  process.stdout.write(`${formatStateReport(report, session.symbols, ns).join('\n')}\n`);
  process.stderr.write(`replayed ${s.replayedInsns} instructions from ${from}\n`);
  return 0;
}

export async function handler(a: ReplayArgs): Promise<number> {
  if (a.to !== undefined) return seekHandler(a, a.to);
  const out = a.console && !a.json ? new ConsoleWriter() : null;
  const r = await replayTrace(a.trace, { untilPanic: a['until-panic'], image: a.image, jit: a.jit, onConsole: out?.write, onSlice: () => out?.flush() });
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

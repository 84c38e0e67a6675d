import { basename } from 'node:path';
import type { Argv } from 'yargs';
import { bisectBuilds, type BuildRun } from '../../harness/bisect-builds.js';
import { bisectConsole, bisectWatch, parseWatch } from '../../harness/bisect-time.js';
import { describeEip, describeOutcome, describeWhen } from '../../harness/describe.js';
import { describeExpectation, parseExpectation } from '../../harness/expect.js';
import { formatStateReport } from '../../harness/state-report.js';
import { ReplaySession } from '../../harness/replay.js';
import { UsageError } from '../errors.js';
import { machineFromArgs, withRunOptions, type RunArgs } from '../options.js';

export const command = 'bisect <mode>';
export const describe = 'bisect in time (the first instruction where a condition holds) or across builds (the first bad build)';

const hexBytes = (b: Uint8Array): string => `0x${[...b].reverse().map((x) => x.toString(16).padStart(2, '0')).join('')}`;

interface TimeArgs { trace: string; watch?: string; value?: string; console?: string; exhaustive: boolean; json: boolean; image?: string }

async function bisectTime(a: TimeArgs): Promise<number> {
  if ((a.watch === undefined) === (a.console === undefined)) throw new UsageError('bisect time: give exactly one of --watch ADDR[:SIZE] or --console REGEX');
  if (a.console !== undefined) {
    let re: RegExp;
    try {
      re = new RegExp(a.console);
    } catch (e) {
      throw new UsageError(`--console ${a.console}: not a valid regular expression (${(e as Error).message})`);
    }
    const { hit, session } = await bisectConsole(a.trace, re, { image: a.image });
    const ns = session.header.machine.nsPerInsn;
    if (a.json) {
      process.stdout.write(`${JSON.stringify({ found: hit !== null, hit })}\n`);
      return hit === null ? 1 : 0;
    }
    if (hit === null) {
      process.stderr.write(`bisect time: the console never matches /${a.console}/ in this trace\n`);
      return 1;
    }
    process.stdout.write(`bisect time: the console first matches /${a.console}/ at ${describeWhen(hit.icount, ns)} eip=${describeEip(hit.eip, session.symbols)}\n  line: ${hit.line}\n\n`);
    process.stdout.write(`machine state right after that write, ${formatStateReport(hit.state, session.symbols, ns).join('\n')}\n`);
    return 0;
  }
  const peek = await ReplaySession.open(a.trace, { image: a.image });
  let watch;
  try {
    watch = parseWatch(a.watch!, peek.symbols);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  peek.reader.close();
  let value: number | undefined;
  if (a.value !== undefined) {
    value = Number(a.value);
    if (!Number.isInteger(value)) throw new UsageError(`--value ${a.value}: expected a number such as 0xdeadbeef`);
  }
  let r;
  try {
    r = await bisectWatch(a.trace, watch, { value, exhaustive: a.exhaustive, image: a.image });
  } catch (e) {
    if (e instanceof Error && e.message.startsWith('--watch')) throw new UsageError(e.message);
    throw e;
  }
  const ns = r.session.header.machine.nsPerInsn;
  const what = `${watch.label} (0x${watch.addr.toString(16).padStart(8, '0')}, ${watch.size} byte${watch.size === 1 ? '' : 's'})`;
  const search = {
    checkpointsScanned: r.checkpointsScanned, startCheckpoint: r.startCheckpoint, startIcount: r.startIcount, replayedInsns: r.replayedInsns,
  };
  if (a.json) {
    process.stdout.write(`${JSON.stringify({
      found: r.hit !== null, watch, phys: r.phys, search,
      hit: r.hit === null ? null : { icount: r.hit.icount, eip: r.hit.eip, symbol: r.session.symbols?.format(r.hit.eip) ?? null, old: hexBytes(r.hit.oldBytes), new: hexBytes(r.hit.newBytes), state: r.hit.state },
    })}\n`);
    return r.hit === null ? 1 : 0;
  }
  const how = `searched: ${r.checkpointsScanned} checkpoints inspected without executing, then ${r.replayedInsns} instructions replayed from ${r.startCheckpoint === null ? 'boot' : `checkpoint ${r.startCheckpoint} at ${describeWhen(r.startIcount, ns)}`}`;
  if (r.hit === null) {
    process.stderr.write(`bisect time: no instruction ${value === undefined ? 'changes' : `sets to ${a.value}`} ${what}\n${how}\n`);
    return 1;
  }
  process.stdout.write(`bisect time: the first instruction that ${value === undefined ? 'changes' : `sets to ${a.value}`} ${what}\n`);
  process.stdout.write(`  at ${describeWhen(r.hit.icount, ns)} eip=${describeEip(r.hit.eip, r.session.symbols)}\n`);
  process.stdout.write(`  old ${hexBytes(r.hit.oldBytes)} -> new ${hexBytes(r.hit.newBytes)}\n  ${how}\n\n`);
  process.stdout.write(`machine state right after that instruction, ${formatStateReport(r.hit.state, r.session.symbols, ns).join('\n')}\n`);
  return 0;
}

interface BuildsArgs extends RunArgs { images: string[]; expect: string }

function buildsHandler(a: BuildsArgs): number {
  const { machine, maxInsns, serialIn } = machineFromArgs(a);
  let expect;
  try {
    expect = parseExpectation(a.expect);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const ns = machine.nsPerInsn;
  const describeRun = (r: BuildRun): string => `${describeOutcome(r.outcome, null, ns)}${r.title !== null ? ` [title: ${r.title}]` : ''}`;
  const log: string[] = [];
  const result = bisectBuilds(a.images, expect, { cmdline: a.append, serialIn, maxInsns, machine }, (r) => {
    if (!a.json) process.stderr.write(`tested ${basename(r.image)}: ${r.verdict}\n`);
  });
  if (a.json) {
    process.stdout.write(`${JSON.stringify({
      expect: describeExpectation(expect), firstBad: result.firstBad === null ? null : a.images[result.firstBad], problem: result.problem,
      runs: result.runs.map((r) => ({ image: r.image, verdict: r.verdict, outcome: r.outcome, title: r.title })),
    })}\n`);
    return result.firstBad === null ? 1 : 0;
  }
  log.push(`# good = ${describeExpectation(expect)}; runs are deterministic, so one run per build decides it (no retries)`);
  const first = result.runs.find((r) => r.index === 0), last = result.runs.find((r) => r.index === a.images.length - 1);
  if (last !== undefined) log.push(`# bad: [${last.image}] ${describeRun(last)}`);
  if (first !== undefined) log.push(`# good: [${first.image}] ${describeRun(first)}`);
  log.push(`git bisect start '${a.images[a.images.length - 1]}' '${a.images[0]}'`);
  for (const r of result.runs.filter((x) => x.index !== 0 && x.index !== a.images.length - 1)) {
    log.push(`# ${r.verdict}: [${r.image}] ${describeRun(r)}`);
    log.push(`git bisect ${r.verdict === 'skip' ? 'skip' : r.verdict} '${r.image}'`);
  }
  if (result.firstBad === null) {
    log.push(`# cannot decide: ${result.problem}`);
    process.stdout.write(`${log.join('\n')}\n`);
    return 1;
  }
  const bad = result.runs.find((r) => r.index === result.firstBad)!;
  log.push(`# first bad build: [${bad.image}] ${describeRun(bad)}`);
  log.push(`# ${result.runs.length} runs for ${a.images.length} builds`);
  process.stdout.write(`${log.join('\n')}\n`);
  return 0;
}

export function builder(y: Argv) {
  return y
    .command('time <trace>', 'find the first instruction that changes a watched word (or at which the console matches)', (t) => t
      .positional('trace', { type: 'string', demandOption: true, describe: 'trace file (*.zst)' })
      .option('watch', { type: 'string', describe: 'ADDR[:SIZE]: a number, SYMBOL or SYMBOL+OFFSET of the image' })
      .option('value', { type: 'string', describe: 'find the first instruction that makes the watched bytes equal this value' })
      .option('console', { type: 'string', describe: 'find the first instruction after which a console line matches this regex' })
      .option('exhaustive', { type: 'boolean', default: false, describe: 'replay from the start with the watchpoint armed (also finds changes undone between checkpoints)' })
      .option('image', { type: 'string', describe: 'the guest image, for traces recorded with --no-embed' })
      .option('json', { type: 'boolean', default: false }), async (a) => { process.exitCode = await bisectTime(a as unknown as TimeArgs); })
    .command('builds <images..>', 'find the first bad build among images ordered oldest (good) to newest (bad)', (b) => withRunOptions(b
      .positional('images', { type: 'string', array: true, demandOption: true, describe: 'kernel images, oldest first' })
      .option('expect', { type: 'string', default: 'no-panic', describe: 'what a good build does: no-panic, panic, exit:N or title:REGEX' })), (a) => { process.exitCode = buildsHandler(a as unknown as BuildsArgs); })
    .demandCommand(1, 'bisect time TRACE ... or bisect builds IMAGE...');
}

export function handler(): number | undefined {
  return undefined;
}

import type { Argv } from 'yargs';
import { describeEip, describeWhen } from '../../harness/describe.js';
import { diffTraces } from '../../harness/diff.js';
import { eventJson, formatEvent } from '../../harness/events-text.js';

export const command = 'diff <a> <b>';
export const describe = 'the first event where two traces differ (same guest and inputs, different builds or configs)';

export function builder(y: Argv) {
  return y
    .positional('a', { type: 'string', demandOption: true, describe: 'first trace' })
    .positional('b', { type: 'string', demandOption: true, describe: 'second trace' })
    .option('json', { type: 'boolean', default: false });
}

export async function handler(a: { a: string; b: string; json: boolean }): Promise<number> {
  const d = await diffTraces(a.a, a.b);
  const same = d.a === null && d.b === null;
  if (a.json) {
    process.stdout.write(`${JSON.stringify({
      identical: same, commonPrefix: d.commonPrefix, headerDifferences: d.headerDifferences,
      a: d.a && eventJson(d.a, d.symbolsA), b: d.b && eventJson(d.b, d.symbolsB), outcomeA: d.outcomeA, outcomeB: d.outcomeB,
    })}\n`);
    return same ? 0 : 1;
  }
  const out: string[] = [];
  for (const h of d.headerDifferences) out.push(`header: ${h}`);
  if (same) {
    out.push(`the traces have the same ${d.commonPrefix} events`);
  } else {
    out.push(`first difference after ${d.commonPrefix} common events, at ${describeWhen(Math.min(d.a?.icount ?? Infinity, d.b?.icount ?? Infinity), d.nsPerInsn)}:`);
    out.push(`  ${a.a}: ${d.a === null ? '(trace ends)' : formatEvent(d.a, d.symbolsA)}`);
    out.push(`  ${a.b}: ${d.b === null ? '(trace ends)' : formatEvent(d.b, d.symbolsB)}`);
    if (d.a !== null && d.b !== null && d.a.eip !== d.b.eip) out.push(`  eip: ${describeEip(d.a.eip, d.symbolsA)} vs ${describeEip(d.b.eip, d.symbolsB)}`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
  return same ? 0 : 1;
}

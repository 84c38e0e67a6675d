import { describeEip, describeOutcome } from '../harness/describe.js';
import type { RunResult } from '../harness/run.js';
import type { Machine } from '../machine/machine.js';
import { exitCodeFor } from '../machine/outcome.js';

/** Unmapped ports the guest touched, as one summary line (null when there were none). */
export function unmappedSummary(m: Machine): string | null {
  if (m.ports.unmapped.size === 0) return null;
  const parts = [...m.ports.unmapped].map(([p, c]) => `0x${p.toString(16)} (${c.reads} read${c.reads === 1 ? '' : 's'}, ${c.writes} write${c.writes === 1 ? '' : 's'})`);
  return `unmapped ports (read as all ones, writes ignored): ${parts.join(', ')}`;
}

/** `run --json`: the outcome, where and when, and the console, as one plain object. */
export function outcomeJson(r: RunResult): Record<string, unknown> {
  const ns = r.machine.config.nsPerInsn;
  return {
    outcome: r.outcome,
    summary: describeOutcome(r.outcome, r.symbols, ns),
    exitCode: exitCodeFor(r.outcome),
    icount: r.outcome.icount,
    virtualNs: r.outcome.icount * ns,
    eip: r.outcome.eip,
    symbol: describeEip(r.outcome.eip, r.symbols),
    console: r.console.text(),
    unmappedPorts: [...r.machine.ports.unmapped].map(([port, c]) => ({ port, ...c })),
  };
}

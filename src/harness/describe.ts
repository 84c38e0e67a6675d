import type { SymbolTable } from '../loader/index.js';
import type { Outcome } from '../machine/outcome.js';
import { formatVirtualTime } from '../machine/units.js';
import { pvpanicBitNames } from '../devices/pvpanic.js';

/** `0x00101234 <timer_tick+0x1c>`, or just the address without symbols. */
export function describeEip(eip: number, symbols: SymbolTable | null): string {
  const hex = `0x${(eip >>> 0).toString(16).padStart(8, '0')}`;
  const sym = symbols?.format(eip >>> 0) ?? null;
  return sym === null ? hex : `${hex} <${sym}>`;
}

/** `insn 1234567 (1.234567 ms)`: when something happened, in instructions and virtual time. */
export function describeWhen(icount: number, nsPerInsn: number): string {
  return `insn ${icount} (${formatVirtualTime(icount * nsPerInsn)})`;
}

/**
 * The one-line summary of an outcome that `run`, `record` and `replay` print on stderr, e.g.
 * `panic: PANICKED at insn 1234567 (1.234567 ms) eip=0x00101234 <timer_tick+0x1c>: Kernel panic - not syncing: ...`
 */
export function describeOutcome(o: Outcome, symbols: SymbolTable | null, nsPerInsn: number): string {
  const at = `at ${describeWhen(o.icount, nsPerInsn)} eip=${describeEip(o.eip, symbols)}`;
  switch (o.kind) {
    case 'exit': return `exit: code ${o.code} ${at}`;
    case 'shutdown': return `shutdown: pvpanic SHUTDOWN ${at}`;
    case 'panic': {
      const what = o.source === 'pvpanic' ? pvpanicBitNames(o.bits).map((n) => n.toUpperCase().replace('-', '_')).join('|') || `bits 0x${o.bits.toString(16)}` : 'console';
      return `panic: ${what} ${at}${o.message !== null ? `: ${o.message}` : ''}`;
    }
    case 'triple-fault': return `triple-fault: ${o.detail} ${at}`;
    case 'reset': return `reset: requested via ${o.source} ${at}`;
    case 'halted': return `halted: HLT with interrupts ${o.interruptsEnabled ? 'enabled and nothing left to wake the CPU' : 'disabled'} ${at}`;
    case 'timeout': return `timeout: instruction budget of ${o.budget} exhausted ${at}`;
    case 'unsupported': return `unsupported: ${o.detail} ${at} bytes=[${o.bytes.map((b) => b.toString(16).padStart(2, '0')).join(' ')}]`;
    case 'diverged': return `diverged: ${o.detail} ${at}`;
  }
}

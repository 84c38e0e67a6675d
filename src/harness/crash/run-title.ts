/**
 * The crash title of a whole run: what the console says, or else what the outcome says (a pvpanic
 * write with no message, a triple fault, an instruction the emulator lacks). The suite, the panic
 * report and the vitest matchers all title runs through here, so they always agree.
 */
import { pvpanicBitNames } from '../../devices/pvpanic.js';
import type { SymbolTable } from '../../loader/index.js';
import type { Outcome } from '../../machine/outcome.js';
import { baseFunction, sanitizeTitle } from './normalize.js';
import { parseCrashTitle, type CrashTitle } from './parse.js';

/** A symbolizer for parseCrashTitle over an image's symbol table. */
export function symbolizerFor(symbols: SymbolTable | null): (addr: number) => string | null {
  return (addr) => symbols?.lookup(addr)?.name ?? null;
}

function fromOutcome(title: string, type: CrashTitle['type']): CrashTitle {
  return { title: sanitizeTitle(title), type, corrupted: false, line: 0, header: '' };
}

/**
 * Titles a run from its console text and outcome: the console's crash report when it has one;
 * for a panic without one, its message or pvpanic bits; `triple fault in FUNC` and
 * `unsupported: ... in FUNC` for those outcomes; null for a run that did not crash.
 */
export function crashTitleForRun(outcome: Outcome, consoleText: string, symbols: SymbolTable | null): CrashTitle | null {
  const symbolize = symbolizerFor(symbols);
  const fromConsole = parseCrashTitle(consoleText, { symbolize });
  if (fromConsole !== null) return fromConsole;
  const where = (): string => {
    const name = symbolize(outcome.eip);
    return name === null ? '' : ` in ${baseFunction(name)}`;
  };
  switch (outcome.kind) {
    case 'panic': {
      // The console's tail may have scrolled past the panic line; the outcome kept it.
      if (outcome.message !== null) return parseCrashTitle(outcome.message, { symbolize }) ?? fromOutcome(outcome.message, 'kernel-panic');
      const names = pvpanicBitNames(outcome.bits).map((n) => n.toUpperCase().replace('-', '_'));
      return fromOutcome(`pvpanic: ${names.join('|') || `bits 0x${outcome.bits.toString(16)}`}`, 'pvpanic');
    }
    case 'triple-fault': return fromOutcome(`triple fault${where()}`, 'triple-fault');
    case 'unsupported': return fromOutcome(`unsupported: ${outcome.detail}${where()}`, 'unsupported');
    default: return null;
  }
}

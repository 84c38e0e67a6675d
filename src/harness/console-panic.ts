import { KERNEL_PANIC } from './crash/patterns.js';

/**
 * Recognises a guest's panic announcement on the console, for guests without pvpanic (or before
 * their pvpanic write). Deliberately narrow: only lines that mean the kernel has given up.
 * The crash-title parser (crash/patterns.ts) owns the panic line's pattern; titles of other
 * reports (oopses, warnings) come from the console afterwards and never end a run.
 */
const PANIC_PATTERNS: readonly RegExp[] = [
  KERNEL_PANIC,
  /^\s*(?:\[[ \d.]+\]\s*)?(?:---\[ )?end Kernel panic/,
];

/** The panic line (trimmed) if `line` announces a panic, else null. */
export function detectPanicLine(line: string): string | null {
  for (const re of PANIC_PATTERNS) {
    const m = re.exec(line);
    if (m !== null) {
      const at = line.indexOf('Kernel panic');
      return (at >= 0 ? line.slice(at) : line).trim();
    }
  }
  return null;
}

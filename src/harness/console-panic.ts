/**
 * Recognises a guest's panic announcement on the console, for guests without pvpanic (or before
 * their pvpanic write). Deliberately narrow: only lines that mean the kernel has given up.
 * The crash-title parser builds on the same patterns.
 */
const PANIC_PATTERNS: readonly RegExp[] = [
  /Kernel panic - not syncing: ?(.*)$/,
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

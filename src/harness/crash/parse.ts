/**
 * Console output -> crash title and type, in the spirit of syzkaller's report titles: one short
 * line a human can triage, with everything that varies between runs (addresses, offsets, counts,
 * line numbers) taken out so reports of the same bug deduplicate.
 */
import { OOPS_WINDOW_LINES } from './frames.js';
import { cleanLine, sanitizeTitle } from './normalize.js';
import { CRASH_HEADERS, type CrashHeader, type CrashType, type Severity } from './patterns.js';

export type { CrashType } from './patterns.js';

/** A crash found on a console. */
export interface CrashTitle {
  /** e.g. `BUG: unable to handle page fault in ext4_readdir`, `kernel panic: VFS: Unable to mount root fs`. */
  title: string;
  type: CrashType;
  /**
   * The report was damaged (interleaved with other output, cut short, or only its final panic
   * line survived), so the title may be less precise than it would have been.
   */
  corrupted: boolean;
  /** 1-based line of the console where the report starts (0 when the title does not come from the console). */
  line: number;
  /** That line, cleaned (no timestamp or control characters). */
  header: string;
}

export interface CrashParseOptions {
  /**
   * Names the function containing a guest address (our guests print addresses, not symbols);
   * without it such titles name no function.
   */
  symbolize?: (addr: number) => string | null;
}

interface Found {
  header: CrashHeader;
  match: RegExpExecArray;
  index: number;
  merged: boolean;
}

function firstHeader(text: string): CrashHeader | null {
  return CRASH_HEADERS.find((h) => h.pattern.test(text)) ?? null;
}

/**
 * Finds the crash a console log reports and titles it; null when there is none.
 *
 * When a log holds several reports, the first fatal one wins (an oops before the `Kernel panic -
 * not syncing: Fatal exception` it causes; a KASAN report before the crash it predicts); warnings
 * are the title only when nothing fatal follows them, or when the panic that follows only says a
 * warning was fatal (`panic_on_warn set`).
 */
export function parseCrashTitle(consoleText: string, opts: CrashParseOptions = {}): CrashTitle | null {
  const symbolize = opts.symbolize ?? (() => null);
  const raw = consoleText.split(/\r\n|\n|\r/);
  const lines = raw.map(cleanLine);
  const found: Found[] = [];
  for (let i = 0; i < lines.length; i++) {
    const header = firstHeader(lines[i].text);
    if (header === null) continue;
    found.push({ header, match: header.pattern.exec(lines[i].text)!, index: i, merged: lines[i].merged });
    // The first fatal report is the answer; nothing after it can change that.
    if (header.severity === 'fatal') break;
  }
  const chosen = pick(found);
  if (chosen === null) return null;
  const after = lines.slice(chosen.index + 1, chosen.index + 1 + OOPS_WINDOW_LINES).map((l) => l.text);
  const parts = chosen.header.title({ match: chosen.match, after, symbolize });
  return {
    title: sanitizeTitle(parts.title),
    type: chosen.header.type,
    corrupted: (parts.corrupted ?? false) || chosen.merged,
    line: chosen.index + 1,
    header: lines[chosen.index].text.trim(),
  };
}

function pick(found: readonly Found[]): Found | null {
  const bySeverity = (s: Severity): Found | undefined => found.find((f) => f.header.severity === s);
  return bySeverity('fatal') ?? found[0] ?? null;
}

/**
 * Cleaning console lines and titles. Serial consoles carry printk timestamps, log levels, ANSI
 * colours and line noise; titles must not carry addresses, offsets or counts that change from one
 * run or build to the next, or two reports of the same bug would not deduplicate.
 */

/** A title is cut here: a corrupted or interleaved line can be arbitrarily long. */
export const MAX_TITLE_LENGTH = 120;

const ANSI_ESCAPE = /\x1b\[[0-9;?]*[ -/]*[@-~]/g;
// Everything below 0x20 but TAB, and DEL; the console is decoded as Latin-1, so bytes above 0x7f
// are letters of some code page and stay.
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/g;
/** `<4>[   12.345678][    T1] ` at the start of a line: log level, printk time, caller id. */
const PRINTK_PREFIX = /^\s*(?:<\d{1,2}>)?(?:\[\s*\d+\.\d+\])?(?:\[\s*[CT]\d+\])?\s?/;
/** A printk timestamp in the middle of a line: two CPUs' output merged into one line. */
const INNER_TIMESTAMP = /\s?\[\s*\d+\.\d{3,}\](?:\[\s*[CT]\d+\])?\s?/g;

export interface CleanLine {
  /** The line without prefix, escapes and control characters. */
  text: string;
  /** A timestamp was found (and cut) inside the line: it is two messages run together. */
  merged: boolean;
}

/** Strips a console line down to the message a kernel printed. */
export function cleanLine(raw: string): CleanLine {
  let text = raw.replace(ANSI_ESCAPE, '').replace(CONTROL, '').replace(/\t/g, ' ');
  text = text.replace(PRINTK_PREFIX, '');
  let merged = false;
  text = text.replace(INNER_TIMESTAMP, () => {
    merged = true;
    return ' ';
  });
  return { text: text.trimEnd(), merged };
}

/**
 * Makes a title stable across runs and builds, as syzkaller does for its report titles:
 * `func+0x1c/0x30` -> `func`; addresses -> ADDR (0x and 6+ hex digits; 6+ hex digits with a
 * decimal digit among them, so words such as "decade" survive; 8+ decimal digits); other numbers
 * of 5+ digits -> NUM;
 * `file.c:123[:45]` -> `file.c:LINE`; `CPU#3` -> CPU. Control characters go, runs of spaces
 * collapse, and the title is cut at MAX_TITLE_LENGTH (at a word boundary when it can).
 */
export function sanitizeTitle(title: string): string {
  let t = title.replace(ANSI_ESCAPE, '').replace(CONTROL, '').replace(/\t/g, ' ');
  t = t.replace(/([A-Za-z_][\w.]*)\+0x[0-9a-f]+(?:\/0x[0-9a-f]+)?/g, '$1');
  // An address is 0x-prefixed, has a hex letter, or is as long as a printed pointer (8+ digits);
  // a shorter run of decimal digits is a count or an id.
  t = t.replace(/(^|[^A-Za-z0-9_])(0x)?([0-9a-fA-F]{5,})(?![A-Za-z0-9_])/g, (m, before: string, ox: string | undefined, digits: string) => {
    if (ox !== undefined) return digits.length >= 6 ? `${before}ADDR` : m;
    if (!/[0-9]/.test(digits)) return m;
    if (/[a-fA-F]/.test(digits)) return digits.length >= 6 ? `${before}ADDR` : m;
    return `${before}${digits.length >= 8 ? 'ADDR' : 'NUM'}`;
  });
  t = t.replace(/(\.[A-Za-z]{1,3}):\d+(?::\d+)?/g, '$1:LINE');
  t = t.replace(/CPU#\d+/g, 'CPU');
  t = t.replace(/ {2,}/g, ' ').trim();
  if (t.length <= MAX_TITLE_LENGTH) return t;
  // Cut at a word boundary when there is one in the last quarter, so no half word is left.
  const cut = t.lastIndexOf(' ', MAX_TITLE_LENGTH);
  return (cut > MAX_TITLE_LENGTH * 0.75 ? t.slice(0, cut) : t.slice(0, MAX_TITLE_LENGTH)).trimEnd();
}

/**
 * The function part of a symbol as kernels print it: `lookup_open.isra.0+0x94b/0x1360` ->
 * `lookup_open` (compiler clones such as .isra/.constprop/.cold are the same source function).
 */
export function baseFunction(symbol: string): string {
  const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(symbol);
  return m === null ? symbol : m[0];
}

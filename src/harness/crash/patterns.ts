/**
 * The crash headers kreplay recognises on a console, and how each becomes a title. The forms are
 * Linux's (as printed by arch/x86 traps, mm/fault, panic, lib/bug, kasan and ubsan, in their old
 * and new wordings) plus our guests' own lines (guests/lib/panic.c, guests/lib/idt.c). Titles
 * follow syzkaller's conventions, so they read the way kernel developers expect.
 */
import { guiltyFunction } from './frames.js';
import { baseFunction } from './normalize.js';

/** What kind of crash a title describes. */
export type CrashType =
  | 'kernel-panic'
  | 'page-fault'
  | 'null-pointer-dereference'
  | 'general-protection-fault'
  | 'kernel-bug'
  | 'bug'
  | 'lockup'
  | 'divide-error'
  | 'invalid-opcode'
  | 'double-fault'
  | 'warning'
  | 'kasan'
  | 'ubsan'
  | 'oops'
  | 'guest-exception'
  /** The run-level kinds below come from the outcome, not from the console. */
  | 'pvpanic'
  | 'triple-fault'
  | 'unsupported';

/**
 * - fatal: the kernel died here (or a sanitizer found the memory bug that kills it).
 * - warning: a report the kernel survives (WARNING, most `BUG:` lines); the title only when
 *   nothing fatal follows.
 * - consequence: a panic that only says an earlier report was fatal (`Fatal exception`,
 *   `panic_on_warn set`); the earlier report is the title.
 */
export type Severity = 'fatal' | 'warning' | 'consequence';

/** What a header's title function sees. */
export interface HeaderContext {
  /** The match of the header's pattern on the cleaned header line. */
  match: RegExpExecArray;
  /** The cleaned lines after the header (the oops's own lines, maybe interleaved with others). */
  after: readonly string[];
  /** Symbol name for a guest address, when the image's symbols are known. */
  symbolize: (addr: number) => string | null;
}

export interface TitleParts {
  title: string;
  /** The report lacks a part the title needs (e.g. no IP line or call trace to name the function). */
  corrupted?: boolean;
}

export interface CrashHeader {
  /** Matched against each cleaned console line (anywhere in it: interleaving can put text before). */
  pattern: RegExp;
  type: CrashType;
  severity: Severity;
  title: (c: HeaderContext) => TitleParts;
}

/** `Kernel panic - not syncing: ` as the kernel and our guests print it; console-panic.ts shares it. */
export const KERNEL_PANIC = /Kernel panic - not syncing: ?(.*)$/;
/** The line Linux prints when a panic is over: `---[ end Kernel panic - not syncing: X ]---`. */
export const END_KERNEL_PANIC = /---\[ end Kernel panic - not syncing: ?(.*?)(?: \]---)?\s*$/;

/** `<prefix> in FUNC`, or the prefix alone (corrupted) when the report names no function. */
function inFunction(prefix: string, after: readonly string[], skip?: (fn: string) => boolean): TitleParts {
  const fn = guiltyFunction(after, skip);
  return fn === null ? { title: prefix, corrupted: true } : { title: `${prefix} in ${fn}` };
}

/** Our guests' default exception handler: `unhandled exception #UD invalid opcode in do_ud2`. */
function guestException(name: string, eipHex: string, symbolize: (addr: number) => string | null): TitleParts {
  const fn = symbolize(Number.parseInt(eipHex, 16));
  return { title: `unhandled exception ${name.trim()}${fn !== null ? ` in ${baseFunction(fn)}` : ''}` };
}

const W = '(?:^|[^A-Za-z0-9_])';

/**
 * In priority order: when one line fits several headers, the first wins (specific forms before
 * generic ones, e.g. `Oops: general protection fault` is a GPF, not a bare Oops).
 */
export const CRASH_HEADERS: readonly CrashHeader[] = [
  {
    // A panic that only announces that an earlier oops or warning was fatal.
    pattern: /Kernel panic - not syncing: ?(Fatal exception(?: in interrupt)?|panic_on_warn set|kasan\.fault=panic set|softlockup: hung tasks|hung_task: blocked tasks)/,
    type: 'kernel-panic',
    severity: 'consequence',
    title: (c) => ({ title: `kernel panic: ${c.match[1]}`, corrupted: true }),
  },
  {
    // guests/lib/idt.c: default_exception_handler's first line.
    pattern: /^exception \d+ \(([^)]*)\) err=0x[0-9a-fA-F]+ eip=0x([0-9a-fA-F]+) cr2=0x/,
    type: 'guest-exception',
    severity: 'fatal',
    title: (c) => guestException(c.match[1], c.match[2], c.symbolize),
  },
  {
    // ...and its panic line, for logs where the first line was lost.
    pattern: /Kernel panic - not syncing: unhandled exception \d+ \(([^)]*)\) at eip=0x([0-9a-fA-F]+)/,
    type: 'guest-exception',
    severity: 'fatal',
    title: (c) => guestException(c.match[1], c.match[2], c.symbolize),
  },
  {
    // CONFIG_STACKPROTECTOR: the function is named, with its module (`foo_ioctl+0x1f2/0x200 [foo]`).
    pattern: /Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in: ?([A-Za-z_][\w.]*)/,
    type: 'kernel-panic',
    severity: 'fatal',
    title: (c) => ({ title: `kernel panic: stack is corrupted in ${baseFunction(c.match[1])}` }),
  },
  {
    pattern: KERNEL_PANIC,
    type: 'kernel-panic',
    severity: 'fatal',
    title: (c) => ({ title: `kernel panic: ${c.match[1].trim()}` }),
  },
  {
    pattern: END_KERNEL_PANIC,
    type: 'kernel-panic',
    severity: 'fatal',
    title: (c) => ({ title: `kernel panic: ${c.match[1].trim()}` }),
  },
  {
    pattern: /BUG: KASAN: double-free(?: or invalid-free)? in ([A-Za-z_][\w.]*)|BUG: KASAN: invalid-free in ([A-Za-z_][\w.]*)/,
    type: 'kasan',
    severity: 'fatal',
    title: (c) => ({ title: `KASAN: invalid-free in ${baseFunction(c.match[1] ?? c.match[2])}` }),
  },
  {
    // `BUG: KASAN: slab-use-after-free in func+0x1/0x2`, then `Read of size 8 at addr ...`.
    pattern: /BUG: KASAN: ([a-z-]+) in ([A-Za-z_][\w.]*)/,
    type: 'kasan',
    severity: 'fatal',
    title: (c) => {
      const access = c.after.slice(0, 10).map((l) => /\b(Read|Write) of size \d+/.exec(l)).find((m) => m !== null);
      const fn = baseFunction(c.match[2]);
      return access === undefined
        ? { title: `KASAN: ${c.match[1]} in ${fn}`, corrupted: true }
        : { title: `KASAN: ${c.match[1]} ${access[1]} in ${fn}` };
    },
  },
  {
    pattern: /BUG: (?:unable to handle (?:kernel )?page fault for address|[Uu]nable to handle kernel paging request at)/,
    type: 'page-fault',
    severity: 'fatal',
    title: (c) => inFunction('BUG: unable to handle page fault', c.after),
  },
  {
    pattern: /BUG: (?:unable to handle kernel NULL pointer dereference|kernel NULL pointer dereference)/,
    type: 'null-pointer-dereference',
    severity: 'fatal',
    title: (c) => inFunction('BUG: kernel NULL pointer dereference', c.after),
  },
  {
    // The second half of the header is a separate printk and may never have made it out.
    pattern: /BUG: [Uu]nable to handle kernel/,
    type: 'page-fault',
    severity: 'fatal',
    title: (c) => ({ ...inFunction('BUG: unable to handle kernel', c.after), corrupted: true }),
  },
  {
    pattern: /BUG: soft lockup/,
    type: 'lockup',
    severity: 'warning',
    title: (c) => inFunction('BUG: soft lockup', c.after),
  },
  {
    pattern: /kernel BUG at ([^\s!]+)/,
    type: 'kernel-bug',
    severity: 'fatal',
    title: (c) => ({ title: `kernel BUG at ${c.match[1]}` }),
  },
  {
    // Old `general protection fault: 0000 [#1] SMP`, new `..., probably for non-canonical address 0x...: 0000`.
    pattern: /general protection fault(?:: [0-9a-f]{4}|, )/,
    type: 'general-protection-fault',
    severity: 'fatal',
    title: (c) => inFunction('general protection fault', c.after),
  },
  {
    pattern: /divide error: [0-9a-f]{4}/,
    type: 'divide-error',
    severity: 'fatal',
    title: (c) => inFunction('divide error', c.after),
  },
  {
    pattern: /invalid opcode: [0-9a-f]{4}/,
    type: 'invalid-opcode',
    severity: 'fatal',
    title: (c) => inFunction('invalid opcode', c.after),
  },
  {
    // x86-64 `PANIC: double fault, error_code: 0x0`, then die("double fault") prints `double fault: 0000 [#1]`.
    pattern: /PANIC: double fault|double fault: [0-9a-f]{4}/,
    type: 'double-fault',
    severity: 'fatal',
    title: (c) => inFunction('double fault', c.after),
  },
  {
    // `UBSAN: shift-out-of-bounds in net/core/x.c:12:34`; old kernels: `UBSAN: Undefined behaviour in FILE:LINE:COL`.
    pattern: /UBSAN: ([A-Za-z-]+(?: [a-z]+)?) in ([\w./-]+)/,
    type: 'ubsan',
    severity: 'fatal',
    title: (c) => {
      const kind = c.match[1] === 'Undefined behaviour' ? 'undefined-behaviour' : c.match[1];
      const fn = guiltyFunction(c.after, (f) => /ubsan|overflow/.test(f));
      if (fn !== null) return { title: `UBSAN: ${kind} in ${fn}` };
      return { title: `UBSAN: ${kind} in ${c.match[2].replace(/(?::\d+)+$/, '')}`, corrupted: true };
    },
  },
  {
    // `WARNING: CPU: 0 PID: 1 at kernel/foo.c:123 func+0x1c/0x30`; before 3.x `WARNING: at kernel/foo.c:123 func()`.
    pattern: new RegExp(`${W}WARNING: (?:.*? )?at [\\w./-]+:\\d+ ([A-Za-z_][\\w.]*)`),
    type: 'warning',
    severity: 'warning',
    title: (c) => ({ title: `WARNING in ${baseFunction(c.match[1])}` }),
  },
  {
    // Lockdep, RCU and other `WARNING: <what>` reports name what, not where.
    pattern: new RegExp(`${W}WARNING: (.+)$`),
    type: 'warning',
    severity: 'warning',
    title: (c) => {
      if (/^CPU: \d+ PID: \d+/.test(c.match[1])) return inFunction('WARNING', c.after);
      return { title: `WARNING: ${c.match[1]}` };
    },
  },
  {
    // Other `BUG: ...` reports (sleeping in atomic context, bad page state, ...).
    pattern: new RegExp(`${W}BUG: (.+)$`),
    type: 'bug',
    severity: 'warning',
    title: (c) => ({ title: `BUG: ${c.match[1].replace(/[,!]\s.*$|!$/, '')}` }),
  },
  {
    // A bare oops header: the line naming the kind of oops was lost, or the kernel printed none.
    pattern: /Oops: (?:Oops: )?[0-9a-f]{4} \[#\d+\]|Oops\[#\d+\]|Internal error: Oops/,
    type: 'oops',
    severity: 'fatal',
    title: (c) => inFunction('Oops', c.after),
  },
];

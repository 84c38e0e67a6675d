/**
 * Finding the guilty function of an oops: the instruction pointer line (x86-64 `RIP:`, i386
 * `EIP:` in its old and new forms) or, when that names no function, the first interesting frame
 * of the call trace. Lines from other CPUs or tasks may be interleaved with the oops, so lines
 * that fit no form are skipped rather than ending the search.
 */
import { baseFunction } from './normalize.js';

/** How far past the header an oops's own lines are looked for. */
export const OOPS_WINDOW_LINES = 80;

const FUNC = String.raw`[A-Za-z_][A-Za-z0-9_.]*`;
/** What follows a function name in a frame: `+0x1c/0x30`, ` (file.c:12)` or ` file.c:12`. */
const AFTER_FUNC = String.raw`(?:\+0x[0-9a-f]+(?:\/0x[0-9a-f]+)?|\s+\(|\s+[\w./-]+\.[A-Za-z]{1,3}:\d+)`;

/**
 * `RIP: 0010:func+0x12/0x30`, `EIP: func+0x2a/0x40`, `EIP: memset (arch/x86/...)`,
 * `EIP is at func+0x1c/0x30` (i386 before 4.x), `EIP: [<c10a1b2c>] func+0x1c/0x30 SS:ESP ...`,
 * `RIP: 0010:[<ffffffff8112d8a5>]  [<ffffffff8112d8a5>] func+0x35/0x90`, `IP: [<c1234567>] func+0x12/0x40`
 * (the page-fault line of kernels before 4.15), `RIP  [<ffffffff81234567>] func+0x12/0x40` (their summary line).
 */
const IP_LINE = new RegExp(String.raw`(?:^|\s)(?:(?:RIP|EIP|NIP|IP):|(?:RIP|EIP)(?=\s+\[<)|(?:PC|EIP|RIP) is at)\s*(?:[0-9a-f]{4}:)?(?:\[<[0-9a-f]+>\]\s*)*(${FUNC})(?:${AFTER_FUNC}|\s*$)`);
/** A call trace frame: ` func+0x12/0x34`, ` [<c10a1b2c>] func+0x1c/0x30`, ` func (fs/x.c:12)`. */
const FRAME_LINE = new RegExp(String.raw`^\s*(?:\[<[0-9a-f]+>\]\s*)*(\?\s+)?(${FUNC})${AFTER_FUNC}`);
const STACK_START = /(?:^|\s)(?:Call Trace:|Backtrace:|Call trace:)/;
const STACK_MARKER = /^\s*<\/?(?:IRQ|TASK|NMI|EOI|SOFTIRQ)>\s*$/;
/** The end of one oops: what follows belongs to something else. */
export const REPORT_END = /---\[ end (?:trace|Kernel panic)/;

/**
 * Frames that are the reporting machinery, not the bug: the oops/die path, exception entry,
 * sanitizer runtimes, warn/BUG helpers.
 */
const INFRASTRUCTURE = new RegExp(
  '^_*(?:' + [
    'dump_stack\\w*', 'show_stack\\w*', 'show_regs', 'panic', 'vpanic', '__warn\\w*', 'warn_slowpath\\w*', 'report_bug',
    'handle_bug', 'do_error_trap', 'do_trap\\w*', 'exc_\\w+', 'asm_exc_\\w+', 'invalid_op', 'do_invalid_op', 'do_divide_error',
    '__die\\w*', 'die', 'oops_\\w+', 'page_fault_oops', 'no_context', '__bad_area\\w*', 'bad_area\\w*', 'do_page_fault',
    'do_user_addr_fault', 'do_kern_addr_fault', 'kernelmode_fixup_or_oops', 'handle_page_fault', 'page_fault', 'error_code',
    'common_exception\\w*', 'kasan_\\w+', '__kasan_\\w+', '__asan_\\w+', 'check_memory_region\\w*', 'print_address_description\\w*',
    'print_report', 'ubsan_\\w+', '__ubsan_\\w+', 'kmsan_\\w+',
  ].join('|') + ')$',
);

/** The function named by the first instruction-pointer line of the window, or null. */
export function ipFunction(lines: readonly string[]): string | null {
  for (const line of lines) {
    if (REPORT_END.test(line)) return null;
    const m = IP_LINE.exec(line);
    if (m !== null) return baseFunction(m[1]);
  }
  return null;
}

/**
 * The first frame of the window's call trace that is not reporting machinery, not a `?`
 * (unreliable) frame and not skipped by `skip`; null without a call trace or frame.
 */
export function stackFunction(lines: readonly string[], skip: (fn: string) => boolean = () => false): string | null {
  let inStack = false;
  for (const line of lines) {
    if (REPORT_END.test(line)) return null;
    if (STACK_START.test(line)) {
      inStack = true;
      continue;
    }
    if (!inStack || STACK_MARKER.test(line)) continue;
    const m = FRAME_LINE.exec(line);
    if (m === null || m[1] !== undefined) continue;
    const fn = baseFunction(m[2]);
    if (INFRASTRUCTURE.test(fn) || skip(fn)) continue;
    return fn;
  }
  return null;
}

/** The guilty function: the IP line's function unless it is reporting machinery, else the call trace's. */
export function guiltyFunction(lines: readonly string[], skip?: (fn: string) => boolean): string | null {
  const ip = ipFunction(lines);
  if (ip !== null && !INFRASTRUCTURE.test(ip) && !(skip?.(ip) ?? false)) return ip;
  return stackFunction(lines, skip) ?? ip;
}

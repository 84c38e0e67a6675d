/**
 * Units of the virtual machine. The clock is the retired-instruction count (icount): a plain JS
 * number, exact up to 2^53, so it never wraps at 2^32. Virtual time in nanoseconds is
 * icount * nsPerInsn; nothing in the emulator ever looks at host time.
 */

/** Retired-instruction count: the machine's only clock. Integer, >= 0. */
export type Icount = number;

/** An I/O port number, 0..0xffff. */
export type Port = number;

export type { AccessSize } from '../cpu/buses.js';

/** Virtual nanoseconds for an icount, given the configured nanoseconds per instruction. */
export function virtualNs(icount: Icount, nsPerInsn: number): number {
  return icount * nsPerInsn;
}

/** "1.234567 ms" style rendering of virtual time, for reports. */
export function formatVirtualTime(ns: number): string {
  if (ns < 1e3) return `${ns} ns`;
  if (ns < 1e6) return `${(ns / 1e3).toFixed(3)} us`;
  if (ns < 1e9) return `${(ns / 1e6).toFixed(6)} ms`;
  return `${(ns / 1e9).toFixed(9)} s`;
}

import type { AccessSize } from '../cpu/buses.js';
import type { Clock } from '../machine/clock.js';
import type { Icount } from '../machine/units.js';

/**
 * Small helpers shared by the devices in this folder (not a device itself): byte-wide register
 * files, BCD, and turning a virtual-time deadline into an icount.
 */

/** A device whose registers are single bytes at consecutive ports. */
export interface ByteRegisters {
  readByte(port: number): number;
  writeByte(port: number, value: number): void;
}

/**
 * Reads `size` bytes starting at `port` from an 8-bit device occupying ports [base, end), the way
 * an ISA bus splits a wide access into byte cycles at consecutive ports (little-endian). Bytes that
 * fall outside the device read as 0xff, like unmapped ports.
 */
export function readSplit(dev: ByteRegisters, port: number, size: AccessSize, end: number): number {
  if (size === 1) return dev.readByte(port);
  let v = 0;
  for (let i = 0; i < size; i++) {
    const p = port + i;
    const b = p < end ? dev.readByte(p) & 0xff : 0xff;
    v |= b << (8 * i);
  }
  return v >>> 0;
}

/** Writes `size` bytes of `value` starting at `port` to an 8-bit device on [base, end); see readSplit. */
export function writeSplit(dev: ByteRegisters, port: number, size: AccessSize, value: number, end: number): void {
  if (size === 1) {
    dev.writeByte(port, value & 0xff);
    return;
  }
  for (let i = 0; i < size; i++) {
    const p = port + i;
    if (p < end) dev.writeByte(p, (value >>> (8 * i)) & 0xff);
  }
}

/** Binary 0..99 to packed BCD. */
export function toBcd(v: number): number {
  return ((Math.floor(v / 10) % 10) << 4) | v % 10;
}

/** Packed BCD to binary; nibbles above 9 are taken at face value (as a decade counter would). */
export function fromBcd(b: number): number {
  return (b >> 4) * 10 + (b & 0x0f);
}

/** Four-digit packed BCD (0..9999) to binary and back, for the 8254's decade mode. */
export function toBcd16(v: number): number {
  return (toBcd(Math.floor(v / 100) % 100) << 8) | toBcd(v % 100);
}
export function fromBcd16(b: number): number {
  return fromBcd((b >> 8) & 0xff) * 100 + fromBcd(b & 0xff);
}

/**
 * The first icount strictly after now at which virtual time (icount * nsPerInsn, computed exactly
 * as the Clock computes it) is >= `ns`. Strictly after now so a device can never arm a timer that
 * is already due and spin; the caller has handled anything due at the current icount.
 */
export function icountAtNs(clock: Clock, ns: number): Icount {
  const now = clock.now();
  const step = clock.nsPerInsn;
  let ic = Math.ceil(ns / step);
  // ns / step is rounded; correct by at most a step or two so the result agrees with icount * step.
  while (ic > now + 1 && (ic - 1) * step >= ns) ic--;
  while (ic * step < ns) ic++;
  return ic > now ? ic : now + 1;
}

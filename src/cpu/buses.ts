/**
 * The two buses the CPU talks to. The CPU knows nothing of devices or traces: the machine
 * implements these, and record/replay wraps the port and MMIO sides (DESIGN.md: the I/O seam).
 */

/** Width of a port or memory access in bytes. */
export type AccessSize = 1 | 2 | 4;

/** Port I/O, used by IN/OUT/INS/OUTS only. */
export interface IoBus {
  /** Reads `size` bytes from `port` (0..0xffff); the result is zero-extended. */
  read(port: number, size: AccessSize): number;
  /** Writes the low `size` bytes of `value` to `port`. */
  write(port: number, size: AccessSize, value: number): void;
}

/**
 * Physical memory. Guest RAM is the byte array [0, ram.length), which the CPU accesses directly
 * (its length is a multiple of 4 KiB). Every physical address at or above ram.length goes to the
 * MMIO side, access by access, never cached.
 */
export interface PhysicalMemory {
  readonly ram: Uint8Array;
  mmioRead(addr: number, size: AccessSize): number;
  mmioWrite(addr: number, size: AccessSize, value: number): void;
}

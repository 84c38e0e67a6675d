/**
 * Loader errors. Every problem with a guest image (unreadable file, wrong format, corrupt or
 * truncated data, an image that does not fit the machine) is reported as a LoaderError whose
 * message is one line saying what is wrong and what to do about it, so the CLI can print it as is.
 */

/**
 * What kind of problem a LoaderError reports, so callers (the CLI's exit codes, tests) can branch
 * without matching message text.
 */
export type LoaderErrorKind =
  /** The file could not be read (missing, a directory, no permission, empty, not a regular file). */
  | 'io'
  /** Not a format the loader knows: no multiboot header, or an ELF without one. */
  | 'not-multiboot'
  /** A multiboot header magic was found but its checksum is wrong. */
  | 'bad-checksum'
  /** An ELF of the wrong class, byte order, machine or type for multiboot v1 (e.g. ELF64, ARM). */
  | 'wrong-elf'
  /** The file ends before data its own headers point at. */
  | 'truncated'
  /** Headers that contradict themselves or the spec (beyond simply being cut short). */
  | 'corrupt'
  /** The header requires a boot loader feature kreplay cannot provide (e.g. a video mode). */
  | 'unsupported'
  /** A load option cannot be honoured (a command line with a NUL byte, or too long for the boot area). */
  | 'option'
  /** The image, or the machine, does not fit: a range outside RAM, in the PC hole, or over the boot area. */
  | 'placement';

/** A problem with a guest image; `message` is a single line: what is wrong, then what to do. */
export class LoaderError extends Error {
  override readonly name = 'LoaderError';

  constructor(
    readonly kind: LoaderErrorKind,
    message: string,
  ) {
    // One line is part of the contract (the CLI prints it after "error: "), so a stray newline in
    // an interpolated value (a file name, a command line) must not break it.
    super(message.replace(/\s*[\r\n]+\s*/g, ' '));
  }
}

/**
 * `0x`-prefixed lowercase hex of a non-negative integer, for messages. Not limited to 32 bits: an
 * end address such as 0x100000000 (one past 4 GiB) must print as itself, not wrapped to 0.
 */
export function hex(value: number): string {
  return `0x${value.toString(16)}`;
}

/** A half-open physical range for messages: "[0x100000, 0x104000)". */
export function rangeText(start: number, end: number): string {
  return `[${hex(start)}, ${hex(end)})`;
}

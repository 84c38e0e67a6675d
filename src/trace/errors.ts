/**
 * Trace errors. Every problem with a trace file (missing, not a trace, a newer format, corrupt or
 * cut short) and every misuse of the trace API is a TraceError whose message is one line saying
 * what is wrong, so the CLI can print it as is.
 */

/** What kind of problem a TraceError reports, so callers can branch without matching text. */
export type TraceErrorKind =
  /** The file does not exist. */
  | 'not-found'
  /** The file cannot be read or written (a directory, no permission, a failed write). */
  | 'io'
  /** The file is not a kreplay trace (text, an ELF, empty, a zstd file that is not ours). */
  | 'not-a-trace'
  /** A trace in a format this kreplay cannot read (a newer major version). */
  | 'version'
  /** A frame whose checksum, CRC or structure is wrong: the trace was damaged after it was written. */
  | 'corrupt'
  /** The trace ends before data it needs (a recording that was killed); see TraceReader.recovery. */
  | 'truncated'
  /** The API was misused: zstd not initialised, a frame over the size limit, icounts going back. */
  | 'usage';

/** A problem with a trace; `message` is a single line. */
export class TraceError extends Error {
  override readonly name = 'TraceError';

  constructor(
    readonly kind: TraceErrorKind,
    message: string,
  ) {
    // One line is part of the contract: a file name or a decoded string must not break it.
    super(message.replace(/\s*[\r\n]+\s*/g, ' '));
  }
}

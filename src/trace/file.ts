/**
 * Positional reads of a trace file and the decoding of one data frame (zstd, then msgpack, then a
 * map with a `kind`), with every failure a TraceError naming the file and the frame.
 */
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { TraceError } from './errors.js';
import { FRAME_MAX_BYTES, frameShapeAt } from './frames.js';
import { unpack } from './msgpack.js';
import { decompressFrame } from './zstd.js';
import { isMap, type Dict } from './validate.js';

/** An open trace file: its size at open time and reads at an offset. */
export class TraceFile {
  private fd: number | null;

  private constructor(
    readonly path: string,
    fd: number,
    readonly size: number,
  ) {
    this.fd = fd;
  }

  /** Opens `path` for reading; a missing file, a directory or an unreadable file is a TraceError. */
  static open(path: string): TraceFile {
    let fd: number;
    try {
      const st = statSync(path);
      if (st.isDirectory()) throw new TraceError('io', `${path} is a directory, not a trace file`);
      if (!st.isFile()) throw new TraceError('io', `${path} is not a regular file`);
      fd = openSync(path, 'r');
    } catch (e) {
      if (e instanceof TraceError) throw e;
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new TraceError('not-found', `${path}: no such file`);
      throw new TraceError('io', `cannot read ${path}: ${(e as Error).message}`);
    }
    return new TraceFile(path, fd, fstatSync(fd).size);
  }

  /** Up to `length` bytes at `offset` (fewer at the end of the file). */
  readAt(offset: number, length: number): Uint8Array {
    if (this.fd === null) throw new TraceError('usage', `${this.path}: the trace reader is closed`);
    const n = Math.max(0, Math.min(length, this.size - offset));
    const out = new Uint8Array(n);
    let done = 0;
    try {
      while (done < n) {
        const got = readSync(this.fd, out, done, n - done, offset + done);
        if (got === 0) break;
        done += got;
      }
    } catch (e) {
      throw new TraceError('io', `cannot read ${this.path}: ${(e as Error).message}`);
    }
    return done === n ? out : out.subarray(0, done);
  }

  close(): void {
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    closeSync(fd);
  }

  get closed(): boolean {
    return this.fd === null;
  }
}

/**
 * Reads, decompresses and decodes the data frame at [offset, offset + length), described as
 * `what` ("chunk 3 (icount 100..200)") in errors: TraceError('truncated') when the file ends
 * inside it, TraceError('corrupt') for anything else that is wrong.
 */
export function readDataFrame(file: TraceFile, offset: number, length: number, what: string): Dict {
  if (length > FRAME_MAX_BYTES) throw new TraceError('corrupt', `${file.path}: ${what} at byte ${offset} is corrupt: the index gives it ${length} bytes (at most ${FRAME_MAX_BYTES})`);
  if (offset + length > file.size) {
    throw new TraceError('truncated', `${file.path}: ${what} at byte ${offset} is incomplete: the file ends ${offset + length - file.size} bytes short of it`);
  }
  const bytes = file.readAt(offset, length);
  let content: Uint8Array;
  try {
    content = decompressFrame(bytes);
  } catch (e) {
    if (e instanceof TraceError && e.kind === 'corrupt') throw new TraceError('corrupt', `${file.path}: ${what} at byte ${offset} is corrupt: ${e.message}`);
    throw e;
  }
  const v = unpackOr(content, `${file.path}: ${what} at byte ${offset}`);
  if (!isMap(v) || typeof v.kind !== 'string') throw new TraceError('corrupt', `${file.path}: ${what} at byte ${offset} is corrupt: not a frame map`);
  return v;
}

function unpackOr(content: Uint8Array, what: string): unknown {
  try {
    return unpack(content, 'its content');
  } catch (e) {
    throw new TraceError('corrupt', `${what} is corrupt: ${(e as Error).message}`);
  }
}

/** The shape of the frame at `offset`, or the problem with it (for scanning). */
export function shapeAt(file: TraceFile, offset: number, maxSkippable: number): ReturnType<typeof frameShapeAt> {
  return frameShapeAt((o, n) => file.readAt(o, n), offset, file.size, maxSkippable);
}


/** A short description of what a non-trace file looks like, from its first bytes. */
export function describeStart(b: Uint8Array): string {
  if (b.length >= 4 && b[0] === 0x7f && b[1] === 0x45 && b[2] === 0x4c && b[3] === 0x46) return 'it is an ELF file';
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) return 'it is a gzip file';
  if (b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && b[2] === 3 && b[3] === 4) return 'it is a zip file';
  if (b.length > 0 && b.every((c) => c === 9 || c === 10 || c === 13 || (c >= 0x20 && c < 0x7f) || c >= 0x80)) return 'it looks like text';
  const hex = [...b.subarray(0, 4)].map((c) => c.toString(16).padStart(2, '0')).join(' ');
  return `it starts with bytes ${hex}, not a zstd frame`;
}

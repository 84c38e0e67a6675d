/**
 * Trace reader. Opening reads the header and the index (from the footer, or by reading every frame
 * when the footer is missing or damaged); events are read chunk by chunk on demand, each chunk
 * checked (zstd content checksum, then the body's CRC-32) before anything is decoded.
 *
 * A file cut short anywhere (a recorder that was killed) opens with `recovery` saying what was
 * kept; a damaged file gives a TraceError naming the frame. No other exception escapes, memory
 * stays at about one frame, and no input makes it loop.
 */
import { createHash } from 'node:crypto';
import { crc32 } from './checksum.js';
import { decodeChunkBody, eventAt } from './columns.js';
import { TraceError } from './errors.js';
import { describeStart, readDataFrame, shapeAt, TraceFile } from './file.js';
import { parseTrailer } from './footer.js';
import { isProblem, u32At } from './frames.js';
import { parseHeaderFrame } from './header.js';
import { unpack } from './msgpack.js';
import {
  TRAILER_FRAME_BYTES,
  ZSTD_MAGIC,
  type CheckpointInfo,
  type ChunkInfo,
  type EventColumns,
  type TraceEvent,
  type TraceHeader,
  type TraceRecovery,
} from './schema.js';
import { indexFromFooter, scanFrames, type EndInfo, type FramePos, type TraceIndex } from './trace-index.js';
import { bytes, uint } from './validate.js';
import { decompressFrame } from './zstd.js';

export { TraceError, type TraceErrorKind } from './errors.js';
export type { CheckpointInfo, ChunkInfo, EventColumns, TraceEvent, TraceHeader, TraceRecovery } from './schema.js';
export type { EndInfo } from './trace-index.js';

/** Range for TraceReader.events: both ends inclusive, either may be left out. */
export interface EventRange {
  fromIcount?: number;
  toIcount?: number;
}

export class TraceReader {
  /** The header (serial input resolved from its blob when it was stored as one). */
  readonly header: TraceHeader;
  /** The chunks, in order (seq 0, 1, 2, ...). */
  readonly chunks: readonly ChunkInfo[];
  /** Checkpoint frames (reserved for bisection), in order. */
  readonly checkpoints: readonly CheckpointInfo[];
  /** The run's outcome (footer, else end frame); null when the recording did not finish or had none. */
  readonly outcome: object | null;
  /** Set when the trace was cut short or damaged before its end: what was kept and what was lost. */
  readonly recovery: TraceRecovery | null;
  /** Problems that lost nothing (a missing or damaged index rebuilt by reading every frame). */
  readonly warnings: readonly string[];
  /** Events in the readable chunks. */
  readonly eventCount: number;
  /** Events per kind name, from the end frame; null when the recording did not finish. */
  readonly eventCountsByKind: Readonly<Record<string, number>> | null;
  /** File size in bytes. */
  readonly fileSize: number;

  private readonly file: TraceFile;
  private readonly index: TraceIndex;
  private imageCache: Uint8Array | null | undefined = undefined;
  private symbolsCache: unknown = undefined;

  private constructor(file: TraceFile) {
    this.file = file;
    this.fileSize = file.size;
    const path = file.path;
    const { parsed, headerLength } = readHeader(file);
    const warnings: string[] = [];
    let index: TraceIndex | null = null;
    let recovery: TraceRecovery | null = null;
    if (file.size >= headerLength + TRAILER_FRAME_BYTES) {
      const trailer = parseTrailer(file.readAt(file.size - TRAILER_FRAME_BYTES, TRAILER_FRAME_BYTES), file.size);
      if (trailer !== null) {
        try {
          index = indexFromFooter(file, trailer);
        } catch (e) {
          warnings.push(`${path}: the index footer is damaged (${(e as Error).message}); rebuilt the index by reading every frame`);
        }
      }
    }
    if (index === null) {
      const scan = scanFrames(file, headerLength);
      index = scan.index;
      const lastIcount = index.chunks.length > 0 ? index.chunks[index.chunks.length - 1].icountTo : 0;
      const events = index.chunks.reduce((n, c) => n + c.count, 0);
      const kept = `${index.chunks.length} chunk${index.chunks.length === 1 ? '' : 's'} (${events} events up to icount ${lastIcount})`;
      if (index.end !== null) {
        if (warnings.length === 0) warnings.push(`${path}: the index (footer and trailer) is missing or damaged; rebuilt it by reading every frame (all events and the outcome are intact)`);
        if (scan.extraAfterEnd) warnings.push(`${path}: frames after the end frame were ignored`);
      } else {
        const bytesLost = file.size - scan.goodEnd;
        let message: string;
        if (scan.stop === null) {
          message = `${path} was cut short (the recording did not finish): it ends after ${kept}, with no end frame or index; the outcome is unknown`;
        } else if (scan.stop.truncated) {
          message = `${path} was cut short (the recording did not finish): recovered ${kept}; the last ${bytesLost} bytes (an incomplete frame) are lost and the outcome is unknown`;
        } else {
          message = `${path}: the frame at byte ${scan.stop.offset} is damaged (${scan.stop.problem}); recovered the ${kept} before it; the ${bytesLost} bytes from there on are unread and the outcome is unknown`;
        }
        recovery = { complete: false, chunksRecovered: index.chunks.length, bytesLost, lastIcount, message };
      }
    }
    this.index = index;
    this.recovery = recovery;
    this.warnings = warnings;
    this.chunks = index.chunks;
    this.checkpoints = index.checkpoints.map((c) => c.info);
    this.outcome = index.end?.outcome ?? null;
    this.eventCount = index.chunks.reduce((n, c) => n + c.count, 0);
    this.eventCountsByKind = index.end?.eventCountsByKind ?? null;
    const header = parsed.header;
    if (parsed.serialInBlob !== null) {
      const data = this.readBlob(parsed.serialInBlob.name, 'the serial input');
      if (data.length !== parsed.serialInBlob.size) throw new TraceError('corrupt', `${path}: the serial input blob has ${data.length} bytes, the header says ${parsed.serialInBlob.size}`);
      header.inputs.serialIn = data;
    }
    this.header = header;
  }

  /**
   * Opens a trace (`await initZstd()` first). Throws TraceError: 'not-found', 'io' (a directory,
   * unreadable), 'not-a-trace' (saying what the file looks like), 'version' (a newer major
   * format), 'corrupt' or 'truncated' (a damaged or incomplete header).
   */
  static open(path: string): TraceReader {
    const file = TraceFile.open(path);
    try {
      return new TraceReader(file);
    } catch (e) {
      file.close();
      throw asTraceError(e, path);
    }
  }

  /** File path as given to open. */
  get path(): string {
    return this.file.path;
  }

  /** What the end frame (or footer) says about the whole run; null when the recording did not finish. */
  get end(): EndInfo | null {
    return this.index.end;
  }

  /** The embedded image (checked against the header's size and sha256), or null when not embedded. */
  image(): Uint8Array | null {
    if (this.imageCache !== undefined) return this.imageCache;
    const h = this.header.image;
    if (!h.embedded) return (this.imageCache = null);
    const data = this.guard(() => this.readBlob('image', 'the embedded image'));
    if (data.length !== h.size || createHash('sha256').update(data).digest('hex') !== h.sha256) {
      throw new TraceError('corrupt', `${this.path}: the embedded image does not match the header's size and sha256`);
    }
    return (this.imageCache = data);
  }

  /** An extra input stored by the writer's blobs.extra (null when the trace has none by that name). */
  extraBlob(name: string): Uint8Array | null {
    if (!this.index.blobs.has(`extra:${name}`)) return null;
    return this.guard(() => this.readBlob(`extra:${name}`, `the ${name} blob`));
  }

  /** The symbol table data as recorded (SymbolTable.fromData reads it), or null when there is none. */
  symbols(): unknown | null {
    if (this.symbolsCache !== undefined) return this.symbolsCache;
    if (!this.header.symbols) return (this.symbolsCache = null);
    const data = this.guard(() => this.readBlob('symbols', 'the symbol table'));
    return (this.symbolsCache = this.guard(() => unpack(data, `${this.path}: the symbol table`)));
  }

  /** The events of chunk `seq` as columns. Checks the chunk; a damaged one is TraceError naming it and its icount range. */
  readChunkColumns(seq: number): EventColumns {
    const info = this.chunkInfo(seq);
    return this.guard(() => {
      const what = `chunk ${seq} (icount ${info.icountFrom}..${info.icountTo})`;
      const f = readDataFrame(this.file, info.offset, info.length, what);
      const bad = (why: string): never => {
        throw new TraceError('corrupt', `${this.path}: ${what} at byte ${info.offset} is corrupt: ${why}`);
      };
      if (f.kind !== 'chunk') bad(`it is a '${String(f.kind)}' frame`);
      let body: Uint8Array;
      let crc: number;
      try {
        if (uint(f, 'seq', '') !== seq || uint(f, 'icountFrom', '') !== info.icountFrom || uint(f, 'icountTo', '') !== info.icountTo || uint(f, 'count', '') !== info.count) {
          bad('it does not match the index');
        }
        body = bytes(f, 'body', '');
        crc = uint(f, 'crc32', '');
      } catch (e) {
        if (e instanceof TraceError) throw e;
        return bad((e as Error).message);
      }
      if (crc32(body) !== crc) bad('CRC-32 mismatch');
      let decoded: unknown;
      try {
        decoded = unpack(body, 'the body');
        return decodeChunkBody(decoded, info.count, info.icountFrom, info.icountTo);
      } catch (e) {
        return bad((e as Error).message);
      }
    });
  }

  /** The events of chunk `seq` (see readChunkColumns). */
  readChunk(seq: number): TraceEvent[] {
    const c = this.readChunkColumns(seq);
    const out: TraceEvent[] = new Array<TraceEvent>(c.count);
    for (let i = 0; i < c.count; i++) {
      out[i] = eventAt(c, i);
    }
    return out;
  }

  /**
   * The events with fromIcount <= icount <= toIcount, in order, read one chunk at a time (chunks
   * outside the range are not read). Throws TraceError when it reaches a damaged chunk.
   */
  *events(range: EventRange = {}): Generator<TraceEvent, void, undefined> {
    const from = range.fromIcount ?? 0;
    const to = range.toIcount ?? Number.MAX_SAFE_INTEGER;
    for (const info of this.chunks) {
      if (info.icountTo < from) continue;
      if (info.icountFrom > to) return;
      const c = this.readChunkColumns(info.seq);
      for (let i = 0; i < c.count; i++) {
        const ic = c.icount[i];
        if (ic < from) continue;
        if (ic > to) return;
        yield eventAt(c, i);
      }
    }
  }

  /** The state stored by checkpoint `seq` (reserved for bisection). */
  checkpointState(seq: number): Uint8Array {
    const c = this.index.checkpoints.find((x) => x.info.seq === seq);
    if (c === undefined) throw new TraceError('usage', `${this.path}: no checkpoint ${seq} (the trace has ${this.checkpoints.length})`);
    return this.guard(() => {
      const parts: Uint8Array[] = [];
      let total = 0;
      let expected: number | null = null;
      c.parts.forEach((pos, i) => {
        const what = `checkpoint ${seq} part ${i}`;
        const f = readDataFrame(this.file, pos.offset, pos.length, what);
        try {
          if (f.kind !== 'checkpoint' || uint(f, 'seq', '') !== seq || uint(f, 'part', '') !== i) throw new Error('it does not match the index');
          expected = uint(f, 'size', '');
          const d = bytes(f, 'state', '');
          parts.push(d);
          total += d.length;
        } catch (e) {
          throw new TraceError('corrupt', `${this.path}: ${what} at byte ${pos.offset} is corrupt: ${(e as Error).message}`);
        }
      });
      if (expected !== total) throw new TraceError(this.recovery !== null ? 'truncated' : 'corrupt', `${this.path}: checkpoint ${seq} is incomplete (${total} of ${String(expected)} bytes)`);
      return concat(parts, total);
    });
  }

  /** Closes the file; later reads throw TraceError('usage'). */
  close(): void {
    this.file.close();
  }

  private chunkInfo(seq: number): ChunkInfo {
    const info = this.chunks[seq]?.seq === seq ? this.chunks[seq] : this.chunks.find((c) => c.seq === seq);
    if (info === undefined) throw new TraceError('usage', `${this.path}: no chunk ${seq} (the trace has ${this.chunks.length})`);
    return info;
  }

  /** Every part of blob `name`, in order, concatenated. */
  private readBlob(name: string, what: string): Uint8Array {
    const b = this.index.blobs.get(name);
    const parts: Uint8Array[] = [];
    let total = 0;
    let count: number | null = b?.count ?? null;
    let size: number | null = null;
    const missing = (): never => {
      const cut = this.recovery !== null;
      throw new TraceError(cut ? 'truncated' : 'corrupt', `${this.path}: ${what} is incomplete${cut ? ': the trace was cut short' : ' (a blob frame is missing)'}`);
    };
    for (let i = 0; count === null || i < count; i++) {
      const pos: FramePos | undefined = b?.parts[i];
      if (pos === undefined) return missing();
      const f = readDataFrame(this.file, pos.offset, pos.length, `${what} (blob '${name}' part ${i})`);
      try {
        if (f.kind !== 'blob' || f.name !== name || uint(f, 'part', '') !== i) throw new Error('it does not match the index');
        const parts_ = uint(f, 'parts', '');
        const size_ = uint(f, 'size', '');
        if ((count !== null && parts_ !== count) || (size !== null && size_ !== size)) throw new Error('its parts disagree on the blob size');
        count = parts_;
        size = size_;
        const d = bytes(f, 'data', '');
        parts.push(d);
        total += d.length;
      } catch (e) {
        throw new TraceError('corrupt', `${this.path}: ${what} (blob '${name}' part ${i}) at byte ${pos.offset} is corrupt: ${(e as Error).message}`);
      }
    }
    if (size === null || total !== size) missing();
    return concat(parts, total);
  }

  /** Runs a read, turning anything that is not a TraceError into one (a damaged file must never surface as another exception). */
  private guard<T>(f: () => T): T {
    try {
      return f();
    } catch (e) {
      throw asTraceError(e, this.path);
    }
  }
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function asTraceError(e: unknown, path: string): TraceError {
  if (e instanceof TraceError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return new TraceError('corrupt', `${path}: the trace is damaged (${msg.split('\n')[0].slice(0, 160)})`);
}

/** Reads and checks the header frame at offset 0. */
function readHeader(file: TraceFile): { parsed: ReturnType<typeof parseHeaderFrame>; headerLength: number } {
  const path = file.path;
  if (file.size === 0) throw new TraceError('not-a-trace', `${path} is empty, not a kreplay trace`);
  const start = file.readAt(0, 64);
  if (start.length < 4 || u32At(start, 0) !== ZSTD_MAGIC) throw new TraceError('not-a-trace', `${path} is not a kreplay trace (${describeStart(start)})`);
  const shape = shapeAt(file, 0, 0);
  if (isProblem(shape)) {
    if (shape.truncated) throw new TraceError('truncated', `${path} is cut short inside its header frame (${file.size} bytes): nothing can be read from it`);
    throw new TraceError('not-a-trace', `${path} is not a kreplay trace, or its header is damaged (${shape.problem})`);
  }
  if (shape.type !== 'zstd') throw new TraceError('not-a-trace', `${path} is not a kreplay trace (it does not start with a zstd frame)`);
  let content: Uint8Array;
  try {
    content = decompressFrame(file.readAt(0, shape.length));
  } catch (e) {
    if (e instanceof TraceError && e.kind === 'corrupt') throw new TraceError('corrupt', `${path}: the trace header frame is corrupt (${e.message})`);
    throw e;
  }
  let v: unknown;
  try {
    v = unpack(content, 'the header');
  } catch {
    throw new TraceError('not-a-trace', `${path} is a zstd file but not a kreplay trace (its first frame is not a kreplay header)`);
  }
  return { parsed: parseHeaderFrame(v, path), headerLength: shape.length };
}

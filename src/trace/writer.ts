/**
 * Streaming trace writer. Memory stays bounded however long the run: events go into preallocated
 * columns (no allocation per event) and leave as a chunk frame every CHUNK_MAX_EVENTS events, or
 * whenever the recorder calls flushChunk. Every write is synchronous and lands in the file at
 * once, so a recorder that is killed leaves a file the reader recovers up to the last chunk.
 *
 * Layout written: header frame, blob frames (image, symbols, serial-in), then chunk and checkpoint
 * frames as they come, then at finish() the end frame, the footer and the trailer
 * (docs/trace-format.md).
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import { crc32 } from './checksum.js';
import { ChunkEncoder, newPendingColumns, putEvent, type PendingColumns } from './columns.js';
import { TraceError } from './errors.js';
import { footerFrame, trailerFrame } from './footer.js';
import { checkHeaderInput, headerFrame, SERIAL_IN_BLOB } from './header.js';
import { bin, pack } from './msgpack.js';
import {
  BLOB_PART_BYTES,
  CHUNK_MAX_EVENTS,
  DEFAULT_ZSTD_LEVEL,
  eventName,
  FRAME_MAX_CONTENT,
  SERIAL_IN_INLINE_MAX,
  type BlobFrame,
  type CheckpointFrame,
  type ChunkFrame,
  type EndFrame,
  type FrameIndexEntry,
  type TraceHeaderInput,
} from './schema.js';
import { compressFrame } from './zstd.js';

export type { TraceHeaderInput } from './schema.js';

/** Big things stored after the header. */
export interface TraceBlobs {
  /** The guest image; give it exactly when header.image.embedded is true. */
  image?: Uint8Array;
  /** The symbol table's plain data (msgpack-encodable); give it exactly when header.symbols is true. */
  symbols?: unknown;
  /**
   * Further named inputs a run needs (a Linux setup header, an initrd): stored as blobs named
   * `extra:<name>`, read back with TraceReader.extraBlob(name).
   */
  extra?: Record<string, Uint8Array>;
}

export interface TraceWriterOptions {
  /** zstd level of every data frame, 1-9 (default 3). */
  level?: number;
}

/** Room in a chunk frame for everything but the body. */
const CHUNK_FRAME_OVERHEAD = 256;

export class TraceWriter {
  private readonly cols: PendingColumns = newPendingColumns();
  private readonly encoder = new ChunkEncoder();
  private readonly byKind = new Float64Array(256);
  private readonly frames: FrameIndexEntry[] = [];
  private pending = 0;
  private offset = 0;
  private events = 0;
  private lastIcountValue = 0;
  private chunkSeq = 0;
  private checkpointSeq = 0;
  private fd: number | null;
  private broken: TraceError | null = null;

  private constructor(
    readonly path: string,
    fd: number,
    private readonly level: number,
  ) {
    this.fd = fd;
  }

  /**
   * Creates (or truncates) `path` and writes the header and blob frames. `await initZstd()` first.
   * Throws TraceError('usage') for an inconsistent header or blobs, TraceError('io') when the file
   * cannot be written.
   */
  static create(path: string, header: TraceHeaderInput, blobs: TraceBlobs = {}, options: TraceWriterOptions = {}): TraceWriter {
    checkHeaderInput(header);
    const level = options.level ?? DEFAULT_ZSTD_LEVEL;
    if (!Number.isInteger(level) || level < 1 || level > 9) throw new TraceError('usage', `zstd level ${level} is not 1-9`);
    const image = blobs.image;
    if (image !== undefined && !(image instanceof Uint8Array)) throw new TraceError('usage', 'blobs.image must be a Uint8Array');
    if ((image !== undefined) !== header.image.embedded) {
      throw new TraceError('usage', header.image.embedded ? 'header.image.embedded is true but no image was given' : 'an image was given but header.image.embedded is false');
    }
    if (image !== undefined) {
      if (image.length !== header.image.size) throw new TraceError('usage', `header.image.size is ${header.image.size} but the image has ${image.length} bytes`);
      if (createHash('sha256').update(image).digest('hex') !== header.image.sha256) throw new TraceError('usage', 'header.image.sha256 is not the sha256 of the image');
    }
    const hasSymbols = blobs.symbols !== undefined && blobs.symbols !== null;
    if (hasSymbols !== header.symbols) {
      throw new TraceError('usage', header.symbols ? 'header.symbols is true but no symbols were given' : 'symbols were given but header.symbols is false');
    }
    const headerBytes = pack(headerFrame(header));
    if (headerBytes.length > FRAME_MAX_CONTENT) throw new TraceError('usage', `the trace header is ${headerBytes.length} bytes (limit ${FRAME_MAX_CONTENT}); keep extra small`);
    let fd: number;
    try {
      fd = openSync(path, 'w');
    } catch (e) {
      throw new TraceError('io', `cannot create ${path}: ${(e as Error).message}`);
    }
    const w = new TraceWriter(path, fd, level);
    try {
      w.writeFrame(headerBytes, { kind: 'header' });
      if (image !== undefined) w.writeBlob('image', image);
      if (hasSymbols) w.writeBlob('symbols', pack(blobs.symbols));
      for (const [name, data] of Object.entries(blobs.extra ?? {})) {
        if (!(data instanceof Uint8Array)) throw new TraceError('usage', `blobs.extra.${name} must be a Uint8Array`);
        w.writeBlob(`extra:${name}`, data);
      }
      const serialIn = header.inputs.serialIn;
      if (serialIn !== null && serialIn.length > SERIAL_IN_INLINE_MAX) w.writeBlob(SERIAL_IN_BLOB, serialIn);
    } catch (e) {
      w.close();
      throw e;
    }
    return w;
  }

  /** Bytes written to the file so far. */
  get bytesWritten(): number {
    return this.offset;
  }

  /** Events appended so far. */
  /** icount of the last event appended (0 before any). */
  get lastIcount(): number {
    return this.lastIcountValue;
  }

  get eventCount(): number {
    return this.events;
  }

  /**
   * Appends one event (see TraceEvent for the fields). icounts must not decrease and must be
   * integers below 2^53; addr, value and eip are stored as u32, kind and size as u8. No allocation;
   * every CHUNK_MAX_EVENTS events a chunk frame is written.
   */
  append(kind: number, icount: number, addr: number, size: number, value: number, eip: number): void {
    if (this.fd === null) this.closedError();
    if (!(icount >= this.lastIcountValue && icount <= Number.MAX_SAFE_INTEGER) || icount !== Math.floor(icount)) {
      throw new TraceError('usage', `append: icount ${icount} is not an integer >= the previous event's ${this.lastIcountValue}`);
    }
    if ((kind & 0xff) !== kind || (size & 0xff) !== size) throw new TraceError('usage', `append: kind ${kind} or size ${size} is not a byte`);
    const i = this.pending;
    putEvent(this.cols, i, kind, icount, addr, size, value, eip);
    this.lastIcountValue = icount;
    this.byKind[kind]++;
    this.events++;
    this.pending = i + 1;
    if (this.pending === CHUNK_MAX_EVENTS) this.flushChunk();
  }

  /** Writes the pending events (if any) as a chunk frame now. */
  flushChunk(): void {
    if (this.fd === null) this.closedError();
    if (this.pending === 0) return;
    this.writeChunks(0, this.pending);
    this.pending = 0;
  }

  /**
   * Reserved for bisection: ends the current chunk and stores a machine state taken at `icount`
   * (split over as many frames as it needs). Returns the checkpoint's index, the value a
   * CHECKPOINT event refers to (the caller appends that event if it wants one).
   */
  writeCheckpoint(icount: number, state: Uint8Array): number {
    if (!Number.isSafeInteger(icount) || icount < 0) throw new TraceError('usage', `writeCheckpoint: icount ${icount} is not an integer >= 0`);
    if (!(state instanceof Uint8Array)) throw new TraceError('usage', 'writeCheckpoint: state must be a Uint8Array');
    this.flushChunk();
    const seq = this.checkpointSeq++;
    const parts = Math.max(1, Math.ceil(state.length / BLOB_PART_BYTES));
    for (let part = 0; part < parts; part++) {
      const frame: CheckpointFrame = {
        kind: 'checkpoint', seq, icount, part, parts, size: state.length,
        state: bin(state.subarray(part * BLOB_PART_BYTES, (part + 1) * BLOB_PART_BYTES)),
      };
      this.writeFrame(pack(frame), { kind: 'checkpoint', seq, part, icount });
    }
    return seq;
  }

  /**
   * Ends the trace: the last chunk, the end frame (event counts and `outcome`), the footer and
   * the trailer; then closes the file. The recorder appends the OUTCOME event first.
   * `outcome` is the run's Outcome (plain data) or null.
   */
  finish(outcome: object | null): void {
    if (outcome !== null && (typeof outcome !== 'object' || Array.isArray(outcome) || ArrayBuffer.isView(outcome))) {
      throw new TraceError('usage', 'finish: outcome must be a plain object or null');
    }
    this.flushChunk();
    const eventCountsByKind: Record<string, number> = {};
    for (let k = 0; k < 256; k++) if (this.byKind[k] > 0) eventCountsByKind[eventName(k)] = this.byKind[k];
    const oc = outcome === null ? undefined : (outcome as { icount?: unknown }).icount;
    const icountEnd = typeof oc === 'number' && Number.isSafeInteger(oc) && oc >= this.lastIcountValue ? oc : this.lastIcountValue;
    const end: EndFrame = { kind: 'end', eventCount: this.events, eventCountsByKind, icountEnd, outcome };
    this.writeFrame(pack(end), { kind: 'end' });
    const footerAt = this.offset;
    const { frame, crc } = footerFrame({ frames: this.frames, eventCount: this.events, eventCountsByKind, outcome, icountEnd });
    this.write(frame);
    this.write(trailerFrame(footerAt, frame.length, crc));
    this.close();
  }

  /**
   * Writes the pending events as a chunk and closes the file without finishing it: the file reads
   * as a recording that was cut short, with every event appended so far. For a recorder that stops
   * on an error; a no-op after finish or close.
   */
  close(): void {
    if (this.fd === null) return;
    try {
      if (this.pending > 0) this.flushChunk();
    } finally {
      const fd = this.fd;
      this.fd = null;
      if (fd !== null) {
        try {
          closeSync(fd);
        } catch (e) {
          throw new TraceError('io', `cannot close ${this.path}: ${(e as Error).message}`);
        }
      }
    }
  }

  private closedError(): never {
    throw this.broken ?? new TraceError('usage', `${this.path}: the trace writer is closed`);
  }

  /** Chunk frames for pending events [start, end), halved until each body fits a frame. */
  private writeChunks(start: number, end: number): void {
    const body = this.encoder.encode(this.cols, start, end);
    if (body.length + CHUNK_FRAME_OVERHEAD > FRAME_MAX_CONTENT && end - start > 1) {
      const mid = start + Math.ceil((end - start) / 2);
      this.writeChunks(start, mid);
      this.writeChunks(mid, end);
      return;
    }
    const seq = this.chunkSeq++;
    const icountFrom = this.cols.icount[start];
    const icountTo = this.cols.icount[end - 1];
    const count = end - start;
    const frame: ChunkFrame = { kind: 'chunk', seq, icountFrom, icountTo, count, crc32: crc32(body), body: bin(body) };
    this.writeFrame(pack(frame), { kind: 'chunk', seq, icountFrom, icountTo, count });
  }

  private writeBlob(name: string, data: Uint8Array): void {
    const parts = Math.max(1, Math.ceil(data.length / BLOB_PART_BYTES));
    for (let part = 0; part < parts; part++) {
      const frame: BlobFrame = { kind: 'blob', name, part, parts, size: data.length, data: bin(data.subarray(part * BLOB_PART_BYTES, (part + 1) * BLOB_PART_BYTES)) };
      this.writeFrame(pack(frame), { kind: 'blob', name, part });
    }
  }

  /** Compresses one frame's content, writes it, and records it in the index. */
  private writeFrame(content: Uint8Array, entry: Omit<FrameIndexEntry, 'offset' | 'length'>): void {
    const frame = compressFrame(content, this.level);
    const offset = this.offset;
    this.write(frame);
    this.frames.push({ kind: entry.kind, offset, length: frame.length, ...rest(entry) });
  }

  private write(bytes: Uint8Array): void {
    if (this.fd === null) this.closedError();
    let done = 0;
    try {
      while (done < bytes.length) done += writeSync(this.fd, bytes, done, bytes.length - done);
    } catch (e) {
      this.broken = new TraceError('io', `cannot write ${this.path}: ${(e as Error).message}`);
      this.offset += done;
      const fd = this.fd;
      this.fd = null;
      try {
        closeSync(fd);
      } catch {
        // Already failing; the write error is the one to report.
      }
      throw this.broken;
    }
    this.offset += bytes.length;
  }
}

/** The entry's fields other than kind, in a fixed order (the footer's bytes must not vary). */
function rest(e: Omit<FrameIndexEntry, 'offset' | 'length'>): Partial<FrameIndexEntry> {
  const out: Partial<FrameIndexEntry> = {};
  if (e.seq !== undefined) out.seq = e.seq;
  if (e.icountFrom !== undefined) out.icountFrom = e.icountFrom;
  if (e.icountTo !== undefined) out.icountTo = e.icountTo;
  if (e.count !== undefined) out.count = e.count;
  if (e.name !== undefined) out.name = e.name;
  if (e.part !== undefined) out.part = e.part;
  if (e.icount !== undefined) out.icount = e.icount;
  return out;
}

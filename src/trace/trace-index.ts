/**
 * Where every frame of a trace is: built from the footer when the file has a valid one, otherwise
 * rebuilt by reading the frames one after another from the header on (a recording that was killed,
 * or a damaged footer). The scan stops at the first frame it cannot use and says why.
 */
import { crc32 } from './checksum.js';
import { TraceError } from './errors.js';
import { checkFooter, type TrailerInfo } from './footer.js';
import { readDataFrame, shapeAt, type TraceFile } from './file.js';
import { isProblem, u32At } from './frames.js';
import { unpack } from './msgpack.js';
import {
  CHUNK_MAX_EVENTS,
  FOOTER_MAGIC,
  FOOTER_MAX_BYTES,
  TRAILER_MAGIC,
  type ChunkInfo,
  type CheckpointInfo,
} from './schema.js';
import { bytes, counts, outcomeOrNull, str, uint, type Dict } from './validate.js';

export interface FramePos {
  offset: number;
  length: number;
}

/** What the end frame (or the footer) says about the whole run. */
export interface EndInfo {
  eventCount: number;
  eventCountsByKind: Record<string, number>;
  icountEnd: number;
  outcome: object | null;
}

export interface TraceIndex {
  /** Blob parts by name, indexed by part number (holes where a part is missing). */
  blobs: Map<string, { parts: FramePos[]; count: number | null }>;
  chunks: ChunkInfo[];
  checkpoints: { info: CheckpointInfo; parts: FramePos[] }[];
  /** null when the event stream has no end frame (the recording did not finish). */
  end: EndInfo | null;
}

/** Where a scan stopped before the end of the file, and why. */
export interface ScanStop {
  offset: number;
  problem: string;
  /** The file ends inside the frame (rather than the frame being damaged). */
  truncated: boolean;
}

function emptyIndex(): TraceIndex {
  return { blobs: new Map(), chunks: [], checkpoints: [], end: null };
}

function addBlobPart(ix: TraceIndex, name: string, part: number, parts: number | null, pos: FramePos): void {
  let b = ix.blobs.get(name);
  if (b === undefined) ix.blobs.set(name, (b = { parts: [], count: parts }));
  b.parts[part] = pos;
}

function addCheckpointPart(ix: TraceIndex, seq: number, icount: number, size: number | null, pos: FramePos): void {
  let c = ix.checkpoints.find((x) => x.info.seq === seq);
  if (c === undefined) {
    c = { info: { seq, icount, offset: pos.offset, length: 0, size }, parts: [] };
    ix.checkpoints.push(c);
  }
  c.info.length += pos.length;
  c.parts.push(pos);
}

/** The index from a footer the trailer points at; throws Error when the footer is unusable. */
export function indexFromFooter(file: TraceFile, t: TrailerInfo): TraceIndex {
  const raw = file.readAt(t.footerOffset, t.footerLength);
  if (raw.length !== t.footerLength || u32At(raw, 0) !== FOOTER_MAGIC || u32At(raw, 4) !== t.footerLength - 8) {
    throw new Error('the trailer does not point at a footer frame');
  }
  if (t.footerLength - 8 > FOOTER_MAX_BYTES) throw new Error('the footer is implausibly large');
  const payload = raw.subarray(8);
  if (crc32(payload) !== t.footerCrc) throw new Error('its CRC-32 does not match');
  let v: unknown;
  try {
    v = unpack(payload, 'the footer');
  } catch (e) {
    throw new Error((e as Error).message);
  }
  const f = checkFooter(v, t.footerOffset);
  const ix = emptyIndex();
  for (const e of f.frames) {
    const pos = { offset: e.offset, length: e.length };
    if (e.kind === 'blob') addBlobPart(ix, e.name!, e.part!, null, pos);
    else if (e.kind === 'chunk') ix.chunks.push({ seq: e.seq!, offset: e.offset, length: e.length, icountFrom: e.icountFrom!, icountTo: e.icountTo!, count: e.count! });
    else if (e.kind === 'checkpoint') addCheckpointPart(ix, e.seq!, e.icount!, null, pos);
  }
  ix.end = { eventCount: f.eventCount, eventCountsByKind: f.eventCountsByKind, icountEnd: f.icountEnd, outcome: f.outcome };
  return ix;
}

/** The result of reading frames one by one. */
export interface ScanResult {
  index: TraceIndex;
  /** End of the last frame that was read intact. */
  goodEnd: number;
  /** Why the scan stopped before the end of the file; null when it reached the footer or the end. */
  stop: ScanStop | null;
  /** Intact frames after the end frame that are neither footer nor trailer (ignored). */
  extraAfterEnd: boolean;
}

/**
 * Reads every frame from `from` (just after the header) to the footer or the end of the file and
 * rebuilds the index. Chunks are checked (zstd checksum and body CRC) on the way; the scan stops at
 * the first frame that is incomplete or damaged. Memory: one frame at a time.
 */
export function scanFrames(file: TraceFile, from: number): ScanResult {
  const ix = emptyIndex();
  let at = from;
  let nextChunk = 0;
  let lastIcount = 0;
  let extraAfterEnd = false;
  while (at < file.size) {
    const shape = shapeAt(file, at, FOOTER_MAX_BYTES);
    if (isProblem(shape)) return { index: ix, goodEnd: at, stop: { offset: at, problem: shape.problem, truncated: shape.truncated }, extraAfterEnd };
    if (shape.type === 'skippable') {
      // Our footer or trailer: the data frames are over. Unknown skippable frames are skipped.
      if (shape.magic === FOOTER_MAGIC || shape.magic === TRAILER_MAGIC) return { index: ix, goodEnd: at, stop: null, extraAfterEnd };
      at += shape.length;
      continue;
    }
    let f: Dict;
    try {
      f = readDataFrame(file, at, shape.length, 'frame');
      if (ix.end !== null) {
        extraAfterEnd = true;
      } else if (f.kind === 'chunk') {
        const seq = uint(f, 'seq', '');
        const icountFrom = uint(f, 'icountFrom', '');
        const icountTo = uint(f, 'icountTo', '');
        const count = uint(f, 'count', '');
        if (seq !== nextChunk) throw new Error(`chunk ${seq} where chunk ${nextChunk} was due`);
        if (icountFrom < lastIcount || icountTo < icountFrom || count < 1 || count > CHUNK_MAX_EVENTS) throw new Error(`chunk ${seq} has an impossible icount range or count`);
        if (crc32(bytes(f, 'body', '')) !== uint(f, 'crc32', '')) throw new Error(`chunk ${seq} (icount ${icountFrom}..${icountTo}): CRC-32 mismatch`);
        ix.chunks.push({ seq, offset: at, length: shape.length, icountFrom, icountTo, count });
        nextChunk++;
        lastIcount = icountTo;
      } else if (f.kind === 'blob') {
        const part = uint(f, 'part', '');
        addBlobPart(ix, str(f, 'name', ''), part, uint(f, 'parts', ''), { offset: at, length: shape.length });
      } else if (f.kind === 'checkpoint') {
        addCheckpointPart(ix, uint(f, 'seq', ''), uint(f, 'icount', ''), uint(f, 'size', ''), { offset: at, length: shape.length });
      } else if (f.kind === 'end') {
        ix.end = { eventCount: uint(f, 'eventCount', ''), eventCountsByKind: counts(f, 'eventCountsByKind', ''), icountEnd: uint(f, 'icountEnd', ''), outcome: outcomeOrNull(f, 'outcome', '') };
      } else if (f.kind === 'header') {
        throw new Error('a second header frame');
      }
      // Other kinds come from a newer minor version: skipped.
    } catch (e) {
      const problem = e instanceof TraceError ? e.message.replace(`${file.path}: frame at byte ${at} is `, '') : (e as Error).message;
      return { index: ix, goodEnd: at, stop: { offset: at, problem, truncated: false }, extraAfterEnd };
    }
    at += shape.length;
  }
  return { index: ix, goodEnd: at, stop: null, extraAfterEnd };
}

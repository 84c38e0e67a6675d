/**
 * Frame structure without decoding: where a zstd or skippable frame ends, read from its header
 * and block headers (RFC 8878). The reader uses it to find frame boundaries when it has no index,
 * and decompressFrame uses it to refuse a frame before it reaches the wasm decoder, whose fixed
 * heap must never be asked for more than FRAME_MAX_CONTENT.
 */
import { FRAME_MAX_CONTENT, SKIPPABLE_MAGIC_MAX, SKIPPABLE_MAGIC_MIN, ZSTD_MAGIC } from './schema.js';

/** Reads `length` bytes at `offset` (fewer at the end of the data). */
export type ReadAt = (offset: number, length: number) => Uint8Array;

/** A frame's extent and what its header says. */
export type FrameShape =
  | {
      type: 'zstd';
      offset: number;
      /** Whole frame, header to checksum. */
      length: number;
      /** Decompressed size from the header. */
      contentSize: number;
      /** The frame ends with a content checksum (XXH64). */
      checksum: boolean;
    }
  | {
      type: 'skippable';
      offset: number;
      length: number;
      magic: number;
      /** Payload bytes (length - 8). */
      contentSize: number;
    };

/** Why a frame could not be delimited. `truncated`: the data ends inside it. */
export interface FrameProblem {
  problem: string;
  truncated: boolean;
}

/** Largest compressed frame accepted: incompressible FRAME_MAX_CONTENT plus block headers and slack. */
export const FRAME_MAX_BYTES = FRAME_MAX_CONTENT + 64 * 1024;
/** Largest zstd block content (RFC 8878: Block_Maximum_Size). */
const BLOCK_MAX = 128 * 1024;

export function u32At(b: Uint8Array, p: number): number {
  return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
}

/**
 * The shape of the frame at `offset` of data `end` bytes long. A zstd frame must be one kreplay
 * can decode: a known content size of at most FRAME_MAX_CONTENT, no dictionary. Skippable frames
 * are delimited by their length field only (`maxSkippable` caps it).
 */
export function frameShapeAt(read: ReadAt, offset: number, end: number, maxSkippable: number): FrameShape | FrameProblem {
  const avail = end - offset;
  if (avail < 4) return { problem: `${avail} stray bytes where a frame should start`, truncated: true };
  const head = read(offset, Math.min(avail, 18));
  const magic = u32At(head, 0);
  if (magic >= SKIPPABLE_MAGIC_MIN && magic <= SKIPPABLE_MAGIC_MAX) {
    if (head.length < 8) return { problem: 'the data ends inside a skippable frame header', truncated: true };
    const size = u32At(head, 4);
    if (size > maxSkippable) return { problem: `a skippable frame claims ${size} bytes (more than ${maxSkippable})`, truncated: false };
    if (8 + size > avail) return { problem: `the data ends inside a skippable frame (${avail} of ${8 + size} bytes)`, truncated: true };
    return { type: 'skippable', offset, length: 8 + size, magic, contentSize: size };
  }
  if (magic !== ZSTD_MAGIC) return { problem: `no frame magic (found ${magic.toString(16).padStart(8, '0')})`, truncated: false };
  if (head.length < 5) return { problem: 'the data ends inside a zstd frame header', truncated: true };
  const fhd = head[4];
  const fcsFlag = fhd >> 6;
  const singleSegment = (fhd >> 5) & 1;
  const checksum = ((fhd >> 2) & 1) === 1;
  const dictFlag = fhd & 3;
  if (fhd & 0x08) return { problem: 'zstd frame header has its reserved bit set', truncated: false };
  if (dictFlag !== 0) return { problem: 'zstd frame needs a dictionary', truncated: false };
  if (fcsFlag === 0 && singleSegment === 0) return { problem: 'zstd frame does not record its content size', truncated: false };
  const fcsBytes = [singleSegment ? 1 : 0, 2, 4, 8][fcsFlag];
  const headerLen = 5 + (singleSegment ? 0 : 1) + fcsBytes;
  if (head.length < headerLen) return { problem: 'the data ends inside a zstd frame header', truncated: true };
  const f = 5 + (singleSegment ? 0 : 1);
  let contentSize: number;
  switch (fcsBytes) {
    case 1: contentSize = head[f]; break;
    case 2: contentSize = (head[f] | (head[f + 1] << 8)) + 256; break;
    case 4: contentSize = u32At(head, f); break;
    default: contentSize = u32At(head, f) + u32At(head, f + 4) * 0x100000000; break;
  }
  if (contentSize > FRAME_MAX_CONTENT) return { problem: `zstd frame holds ${contentSize} bytes (more than the ${FRAME_MAX_CONTENT} kreplay writes)`, truncated: false };
  // Walk the blocks: 3-byte little-endian headers (last flag, type, size).
  let p = offset + headerLen;
  let produced = 0;
  for (;;) {
    if (end - p < 3) return { problem: `the data ends inside a zstd frame (at a block header, ${p - offset} bytes in)`, truncated: true };
    const bh = read(p, 3);
    const v = bh[0] | (bh[1] << 8) | (bh[2] << 16);
    const last = v & 1;
    const type = (v >> 1) & 3;
    const size = v >>> 3;
    if (type === 3) return { problem: 'zstd frame has a block of reserved type', truncated: false };
    if (size > BLOCK_MAX) return { problem: 'zstd frame has an oversized block', truncated: false };
    const stored = type === 1 ? 1 : size;
    produced += type === 2 ? 0 : size;
    p += 3 + stored;
    if (p - offset > FRAME_MAX_BYTES || produced > contentSize) return { problem: 'zstd frame is larger than its header says', truncated: false };
    if (p > end) return { problem: `the data ends inside a zstd frame (${end - offset} of at least ${p - offset} bytes)`, truncated: true };
    if (last) break;
  }
  if (checksum) {
    p += 4;
    if (p > end) return { problem: 'the data ends inside a zstd frame checksum', truncated: true };
  }
  return { type: 'zstd', offset, length: p - offset, contentSize, checksum };
}

/** True when `x` is a FrameProblem. */
export function isProblem(x: FrameShape | FrameProblem): x is FrameProblem {
  return 'problem' in x;
}

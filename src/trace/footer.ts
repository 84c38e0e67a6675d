/**
 * The index at the end of a trace: the footer (a skippable frame holding msgpack of every frame's
 * place and the run's totals) and the fixed-size trailer after it that says where the footer is,
 * so a reader finds the index from the end of the file without scanning.
 *
 * Trailer frame (TRAILER_FRAME_BYTES = 36 bytes, always the file's last bytes):
 *   u32 LE TRAILER_MAGIC, u32 LE 28 (payload length), then the payload:
 *   0  8 bytes ASCII TRAILER_SIGNATURE
 *   8  u64 LE  footer frame offset
 *   16 u32 LE  footer frame length (its 8-byte skippable header included)
 *   20 u32 LE  CRC-32 of the footer payload
 *   24 u32 LE  CRC-32 of payload bytes 0..23
 */
import { crc32 } from './checksum.js';
import { u32At } from './frames.js';
import { pack } from './msgpack.js';
import {
  CHUNK_MAX_EVENTS,
  FOOTER_MAGIC,
  TRAILER_FRAME_BYTES,
  TRAILER_MAGIC,
  TRAILER_PAYLOAD_BYTES,
  TRAILER_SIGNATURE,
  type Footer,
  type FrameIndexEntry,
} from './schema.js';
import { counts, isMap, outcomeOrNull, str, uint, type Dict } from './validate.js';

function putU32(b: Uint8Array, p: number, v: number): void {
  b[p] = v & 0xff;
  b[p + 1] = (v >>> 8) & 0xff;
  b[p + 2] = (v >>> 16) & 0xff;
  b[p + 3] = (v >>> 24) & 0xff;
}

/** A skippable frame with `magic` around `payload`. */
export function skippableFrame(magic: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + payload.length);
  putU32(out, 0, magic);
  putU32(out, 4, payload.length);
  out.set(payload, 8);
  return out;
}

/** The footer frame and the CRC-32 of its payload (which the trailer records). */
export function footerFrame(f: Footer): { frame: Uint8Array; crc: number } {
  const payload = pack({
    frames: f.frames,
    eventCount: f.eventCount,
    eventCountsByKind: f.eventCountsByKind,
    outcome: f.outcome,
    icountEnd: f.icountEnd,
  });
  return { frame: skippableFrame(FOOTER_MAGIC, payload), crc: crc32(payload) };
}

/** The trailer frame for a footer frame at `offset`, `length` bytes long. */
export function trailerFrame(offset: number, length: number, footerCrc: number): Uint8Array {
  const p = new Uint8Array(TRAILER_PAYLOAD_BYTES);
  for (let i = 0; i < 8; i++) p[i] = TRAILER_SIGNATURE.charCodeAt(i);
  putU32(p, 8, offset >>> 0);
  putU32(p, 12, Math.floor(offset / 0x100000000));
  putU32(p, 16, length);
  putU32(p, 20, footerCrc);
  putU32(p, 24, crc32(p.subarray(0, 24)));
  return skippableFrame(TRAILER_MAGIC, p);
}

/** Where the trailer says the footer is. */
export interface TrailerInfo {
  footerOffset: number;
  footerLength: number;
  footerCrc: number;
}

/**
 * Reads the trailer from the file's last TRAILER_FRAME_BYTES; null when they are not a valid
 * trailer (no index: a recording that did not finish, or damage).
 */
export function parseTrailer(t: Uint8Array, fileSize: number): TrailerInfo | null {
  if (t.length !== TRAILER_FRAME_BYTES) return null;
  if (u32At(t, 0) !== TRAILER_MAGIC || u32At(t, 4) !== TRAILER_PAYLOAD_BYTES) return null;
  const p = t.subarray(8);
  for (let i = 0; i < 8; i++) if (p[i] !== TRAILER_SIGNATURE.charCodeAt(i)) return null;
  if (crc32(p.subarray(0, 24)) !== u32At(p, 24)) return null;
  const footerOffset = u32At(p, 8) + u32At(p, 12) * 0x100000000;
  const footerLength = u32At(p, 16);
  if (footerLength < 8 || footerOffset + footerLength + TRAILER_FRAME_BYTES !== fileSize) return null;
  return { footerOffset, footerLength, footerCrc: u32At(p, 20) };
}

/**
 * Checks a decoded footer against the file: frames contiguous from byte 0 to the footer, the
 * header first, chunk seqs 0, 1, 2, ... with sane icount ranges, counts that add up. Throws Error
 * with the first inconsistency.
 */
export function checkFooter(v: unknown, footerOffset: number): Footer {
  if (!isMap(v)) throw new Error('not a map');
  const list = v.frames;
  if (!Array.isArray(list) || list.length === 0) throw new Error('frames is missing or empty');
  const frames: FrameIndexEntry[] = [];
  let at = 0;
  let chunkSeq = 0;
  let events = 0;
  let lastIcount = 0;
  for (let i = 0; i < list.length; i++) {
    const e: unknown = list[i];
    const path = `frames[${i}].`;
    if (!isMap(e)) throw new Error(`frames[${i}] is not a map`);
    const entry: FrameIndexEntry = { kind: str(e, 'kind', path), offset: uint(e, 'offset', path), length: uint(e, 'length', path) };
    if (entry.offset !== at || entry.length === 0) throw new Error(`frames[${i}] is not where the previous frame ends`);
    at += entry.length;
    if (i === 0 && entry.kind !== 'header') throw new Error('the first frame is not the header');
    copyOptional(e, entry, path);
    frames.push(entry);
    if (entry.kind === 'chunk') {
      const { seq, icountFrom, icountTo, count } = entry;
      if (seq !== chunkSeq) throw new Error(`chunk ${String(seq)} is out of order (expected ${chunkSeq})`);
      if (icountFrom === undefined || icountTo === undefined || count === undefined) throw new Error(`chunk ${seq} lacks its icount range or count`);
      if (icountFrom < lastIcount || icountTo < icountFrom || count < 1 || count > CHUNK_MAX_EVENTS) throw new Error(`chunk ${seq} has an impossible range or count`);
      lastIcount = icountTo;
      events += count;
      chunkSeq++;
    } else if (entry.kind === 'blob') {
      if (entry.name === undefined || entry.part === undefined) throw new Error(`frames[${i}] (a blob) lacks name or part`);
    } else if (entry.kind === 'checkpoint') {
      if (entry.seq === undefined || entry.part === undefined || entry.icount === undefined) throw new Error(`frames[${i}] (a checkpoint) lacks seq, part or icount`);
    }
  }
  if (at !== footerOffset) throw new Error('the frames do not end where the footer starts');
  const footer: Footer = {
    frames,
    eventCount: uint(v, 'eventCount', ''),
    eventCountsByKind: counts(v, 'eventCountsByKind', ''),
    outcome: outcomeOrNull(v, 'outcome', ''),
    icountEnd: uint(v, 'icountEnd', ''),
  };
  if (footer.eventCount !== events) throw new Error(`eventCount ${footer.eventCount} is not the chunks' total ${events}`);
  return footer;
}

function copyOptional(e: Dict, entry: FrameIndexEntry, path: string): void {
  for (const k of ['seq', 'icountFrom', 'icountTo', 'count', 'part', 'icount'] as const) {
    if (e[k] !== undefined) entry[k] = uint(e, k, path);
  }
  if (e.name !== undefined) entry.name = str(e, 'name', path);
}

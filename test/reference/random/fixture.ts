/**
 * The random-case fixture (test/fixtures/reference/random.krnd.br): no inputs (the runner
 * rebuilds them from the seed), per case 16 bits of the digest of the native result, and per
 * (row, slice) a hash of the inputs and one of the full 32-bit digests. One brotli buffer:
 *
 *   "KRND" | u32 version | u32 header bytes | header JSON | u16 digest16[caseCount] | u32 slices[rows * RESIDUES * 2]
 *
 * digest16 is in row order (header.rows), case k of a row at rowStart + k. slices[(row * RESIDUES
 * + j) * 2] is the input hash of the row's cases with k mod RESIDUES = j, [.. + 1] the hash of
 * their 32-bit digests (both seeded with the row index, see outcome.ts mix).
 */
import { brotliCompressSync, brotliDecompressSync, constants as zc } from 'node:zlib';
import type { HostEnv } from './env.js';

export const MAGIC = 'KRND';
export const VERSION = 1;

export interface RandomHeader {
  format: 'kreplay-random-instructions';
  version: number;
  generator: string;
  seed: number;
  residues: number;
  hostCpu: string;
  qemu: string;
  env: HostEnv;
  rows: Array<{ key: string; group: string; count: number }>;
  excluded: Array<{ key: string; reason: string }>;
  caseCount: number;
}

export interface RandomFixture {
  header: RandomHeader;
  digest16: Uint16Array;
  slices: Uint32Array;
  /** Index of each row's first case. */
  rowStart: Uint32Array;
}

export function encodeRandom(header: RandomHeader, digest16: Uint16Array, slices: Uint32Array): Buffer {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const pre = Buffer.alloc(12);
  pre.write(MAGIC, 0, 'latin1');
  pre.writeUInt32LE(VERSION, 4);
  pre.writeUInt32LE(json.length, 8);
  const raw = Buffer.concat([pre, json, Buffer.from(digest16.buffer, digest16.byteOffset, digest16.byteLength),
    Buffer.from(slices.buffer, slices.byteOffset, slices.byteLength)]);
  return brotliCompressSync(raw, { params: { [zc.BROTLI_PARAM_QUALITY]: 11, [zc.BROTLI_PARAM_LGWIN]: 24, [zc.BROTLI_PARAM_SIZE_HINT]: raw.length } });
}

export function decodeRandom(file: Uint8Array): RandomFixture {
  const raw = brotliDecompressSync(file);
  if (raw.toString('latin1', 0, 4) !== MAGIC) throw new Error('not a random instruction fixture');
  const version = raw.readUInt32LE(4);
  if (version !== VERSION) throw new Error(`random fixture version ${version}, this reader knows ${VERSION}`);
  const n = raw.readUInt32LE(8);
  const header = JSON.parse(raw.toString('utf8', 12, 12 + n)) as RandomHeader;
  let off = 12 + n;
  const copy = (bytes: number) => { const b = new Uint8Array(bytes); b.set(raw.subarray(off, off + bytes)); off += bytes; return b.buffer; };
  const digest16 = new Uint16Array(copy(2 * header.caseCount));
  const slices = new Uint32Array(copy(4 * header.rows.length * header.residues * 2));
  const rowStart = new Uint32Array(header.rows.length + 1);
  header.rows.forEach((r, i) => { rowStart[i + 1] = rowStart[i]! + r.count; });
  return { header, digest16, slices, rowStart };
}

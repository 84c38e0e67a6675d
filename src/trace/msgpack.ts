/**
 * msgpack for the trace format, with every option spelled out so the encoding is deterministic:
 * plain msgpack maps in insertion order (no record/structure extension, no shared state between
 * calls), integers in the smallest msgpack int that holds them (integers past 2^32 as float64,
 * exact to 2^53), and moreTypes on both sides so typed arrays in `extra`, outcomes or symbol data
 * come back typed. Byte strings the format defines (chunk bodies, blob data) are written as plain
 * msgpack `bin` (see `bin`), so any msgpack library can read them.
 */
import { Packr, Unpackr } from 'msgpackr';
import { TraceError } from './errors.js';

const packr = new Packr({
  moreTypes: true,
  useRecords: false,
  structuredClone: false,
  variableMapSize: true,
  useFloat32: 0,
  useTimestamp32: false,
  bundleStrings: false,
  sequential: false,
});

const unpackr = new Unpackr({
  moreTypes: true,
  useRecords: false,
  structuredClone: false,
  mapsAsObjects: true,
  int64AsType: 'number',
  bundleStrings: false,
  sequential: false,
});

/** msgpack of `value` (a fresh copy: msgpackr reuses its output buffer between calls). */
export function pack(value: unknown): Uint8Array {
  const out = packr.pack(value);
  return new Uint8Array(out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength));
}

/** Decodes exactly one msgpack value filling `data`; anything else is TraceError('corrupt', `what` ...). */
export function unpack(data: Uint8Array, what: string): unknown {
  try {
    return unpackr.unpack(data);
  } catch (e) {
    throw new TraceError('corrupt', `${what} is not valid msgpack (${(e as Error).message.split('\n')[0].slice(0, 80)})`);
  }
}

/** A view of `u8` that msgpackr encodes as msgpack `bin` (a Buffer) rather than its typed-array extension. */
export function bin(u8: Uint8Array): Buffer {
  return Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
}

/**
 * The header frame: built from what the recorder knows, parsed back with every field checked, and
 * the version gate (a reader refuses a newer major version before looking at anything else).
 */
import { basename } from 'node:path';
import { TraceError } from './errors.js';
import { bin } from './msgpack.js';
import {
  FORMAT_MAJOR,
  FORMAT_MINOR,
  SERIAL_IN_INLINE_MAX,
  TRACE_MAGIC,
  type HeaderFrame,
  type TraceHeader,
  type TraceHeaderInput,
} from './schema.js';
import { bool, isMap, map, num, str, strings, uint, type Dict } from './validate.js';

/** Name of the blob that holds serial input too big for the header. */
export const SERIAL_IN_BLOB = 'serial-in';

/** Checks the recorder's header input; a mistake is TraceError('usage') naming the field. */
export function checkHeaderInput(h: TraceHeaderInput): void {
  const bad = (why: string): never => {
    throw new TraceError('usage', `trace header: ${why}`);
  };
  if (!isMap(h)) bad('not an object');
  if (typeof h.tool !== 'string') bad('tool must be a string');
  const m = h.machine;
  if (!isMap(m)) bad('machine must be an object');
  if (!Number.isSafeInteger(m.memMiB) || m.memMiB <= 0) bad('machine.memMiB must be an integer > 0');
  if (typeof m.nsPerInsn !== 'number' || !(m.nsPerInsn > 0) || !Number.isFinite(m.nsPerInsn)) bad('machine.nsPerInsn must be a number > 0');
  if (typeof m.rtcEpoch !== 'number' || !Number.isFinite(m.rtcEpoch)) bad('machine.rtcEpoch must be a number');
  if (!Array.isArray(m.devices) || !m.devices.every((d) => typeof d === 'string')) bad('machine.devices must be a list of strings');
  if (typeof h.cmdline !== 'string') bad('cmdline must be a string');
  if (!Number.isSafeInteger(h.maxInsns) || h.maxInsns < 0) bad('maxInsns must be an integer >= 0');
  if (!isMap(h.inputs)) bad('inputs must be an object');
  if (h.inputs.serialIn !== null && !(h.inputs.serialIn instanceof Uint8Array)) bad('inputs.serialIn must be a Uint8Array or null');
  if (typeof h.inputs.policy !== 'string') bad('inputs.policy must be a string');
  const i = h.image;
  if (!isMap(i)) bad('image must be an object');
  if (typeof i.name !== 'string') bad('image.name must be a string');
  if (!Number.isSafeInteger(i.size) || i.size < 0) bad('image.size must be an integer >= 0');
  if (typeof i.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(i.sha256)) bad('image.sha256 must be 64 lowercase hex digits');
  if (typeof i.embedded !== 'boolean') bad('image.embedded must be a boolean');
  if (i.path !== undefined && typeof i.path !== 'string') bad('image.path must be a string when given');
  if (typeof h.symbols !== 'boolean') bad('symbols must be a boolean');
  if (!isMap(h.extra)) bad('extra must be an object');
}

/** The header frame's map, keys in their fixed order (magic and version first, always). */
export function headerFrame(h: TraceHeaderInput): HeaderFrame {
  const serialIn = h.inputs.serialIn;
  const image: HeaderFrame['image'] = { name: basename(h.image.name), size: h.image.size, sha256: h.image.sha256, embedded: h.image.embedded };
  // The path only matters when the image is not in the trace; recording it otherwise would make
  // the same run's trace differ between checkouts.
  if (!h.image.embedded && h.image.path !== undefined) image.path = h.image.path;
  return {
    magic: TRACE_MAGIC,
    version: { major: FORMAT_MAJOR, minor: FORMAT_MINOR },
    kind: 'header',
    tool: h.tool,
    machine: { memMiB: h.machine.memMiB, nsPerInsn: h.machine.nsPerInsn, rtcEpoch: h.machine.rtcEpoch, devices: [...h.machine.devices] },
    cmdline: h.cmdline,
    maxInsns: h.maxInsns,
    inputs: {
      serialIn: serialIn === null ? null : serialIn.length > SERIAL_IN_INLINE_MAX ? { blob: SERIAL_IN_BLOB, size: serialIn.length } : bin(serialIn),
      policy: h.inputs.policy,
    },
    image,
    symbols: h.symbols,
    extra: h.extra,
  };
}

/** A parsed header; serialIn still to be read from its blob when `serialInBlob` is set. */
export interface ParsedHeader {
  header: TraceHeader;
  serialInBlob: { name: string; size: number } | null;
}

/**
 * Reads a decoded header frame. Not a kreplay header: TraceError('not-a-trace'); a newer major
 * version: TraceError('version'); a kreplay header with a bad field: TraceError('corrupt').
 */
export function parseHeaderFrame(v: unknown, file: string): ParsedHeader {
  if (!isMap(v) || v.magic !== TRACE_MAGIC) {
    throw new TraceError('not-a-trace', `${file} is a zstd file but not a kreplay trace (its first frame is not a kreplay header)`);
  }
  const ver = v.version;
  if (!isMap(ver) || !Number.isSafeInteger(ver.major) || !Number.isSafeInteger(ver.minor)) {
    throw new TraceError('corrupt', `${file}: the trace header is corrupt (no format version)`);
  }
  const major = ver.major as number;
  const minor = ver.minor as number;
  if (major > FORMAT_MAJOR) {
    throw new TraceError('version', `${file}: trace format ${major}.${minor} is newer than this kreplay (reads ${FORMAT_MAJOR}.x); upgrade kreplay`);
  }
  if (major < FORMAT_MAJOR) {
    throw new TraceError('version', `${file}: trace format ${major}.${minor} is older than any this kreplay reads (${FORMAT_MAJOR}.x)`);
  }
  try {
    return readFields(v, major, minor);
  } catch (e) {
    throw new TraceError('corrupt', `${file}: the trace header is corrupt (${(e as Error).message})`);
  }
}

function readFields(v: Dict, major: number, minor: number): ParsedHeader {
  if (v.kind !== 'header') throw new Error('kind is not "header"');
  const machine = map(v, 'machine', '');
  const inputs = map(v, 'inputs', '');
  const image = map(v, 'image', '');
  const extra = map(v, 'extra', '');
  const s = inputs.serialIn;
  let serialIn: Uint8Array | null = null;
  let serialInBlob: ParsedHeader['serialInBlob'] = null;
  if (s instanceof Uint8Array) serialIn = new Uint8Array(s);
  else if (isMap(s)) serialInBlob = { name: str(s, 'blob', 'inputs.serialIn.'), size: uint(s, 'size', 'inputs.serialIn.') };
  else if (s !== null) throw new Error('inputs.serialIn is not bytes, null or a blob reference');
  const img: TraceHeader['image'] = {
    name: str(image, 'name', 'image.'),
    size: uint(image, 'size', 'image.'),
    sha256: str(image, 'sha256', 'image.'),
    embedded: bool(image, 'embedded', 'image.'),
  };
  if (image.path !== undefined) img.path = str(image, 'path', 'image.');
  const header: TraceHeader = {
    magic: TRACE_MAGIC,
    version: { major, minor },
    tool: str(v, 'tool', ''),
    machine: {
      memMiB: uint(machine, 'memMiB', 'machine.'),
      nsPerInsn: num(machine, 'nsPerInsn', 'machine.'),
      rtcEpoch: num(machine, 'rtcEpoch', 'machine.'),
      devices: strings(machine, 'devices', 'machine.'),
    },
    cmdline: str(v, 'cmdline', ''),
    maxInsns: uint(v, 'maxInsns', ''),
    inputs: { serialIn, policy: str(inputs, 'policy', 'inputs.') },
    image: img,
    symbols: bool(v, 'symbols', ''),
    extra,
  };
  if (!(header.machine.nsPerInsn > 0)) throw new Error('machine.nsPerInsn is not > 0');
  return { header, serialInBlob };
}

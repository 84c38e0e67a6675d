/**
 * The trace format, version 1.0: every constant, tag and field, with its rule beside it.
 * docs/trace-format.md describes the same layout for readers in other languages; keep them equal.
 *
 * Compatibility rules:
 * - Numeric tags (event kinds, outcome codes, skippable-frame magics) are never reused or renumbered.
 * - A minor version only adds: new map keys, new frame kinds, new event kinds, new skippable frames.
 *   A 1.x reader ignores map keys, frame kinds and skippable frames it does not know.
 * - Anything else (a column's meaning, a transform, a field's type) bumps the major version, and a
 *   reader refuses a major version newer than its own.
 * - `magic` and `version` are the first two keys of the header frame in every major version, so
 *   any reader can tell which version it is looking at.
 */
import type { OutcomeKind } from '../machine/outcome.js';

/** Value of the header's `magic` key. */
export const TRACE_MAGIC = 'kreplay-trace';
/** Format major version this code writes and reads (it refuses greater majors). */
export const FORMAT_MAJOR = 1;
/** Format minor version this code writes (it reads every 1.x). */
export const FORMAT_MINOR = 0;

// ---------------------------------------------------------------------------------------------
// Event kinds

/** Event kinds (the `kind` column). Tags are permanent: never reuse or renumber one. */
export const EVENT = {
  /** `in` from a port: addr = port, size = 1/2/4, value = what the device returned. */
  PORT_IN: 1,
  /** `out` to a port: addr = port, size = 1/2/4, value = what the CPU wrote. */
  PORT_OUT: 2,
  /** MMIO read: addr = physical address, size = 1/2/4, value = what the device returned. */
  MMIO_READ: 3,
  /** MMIO write: addr = physical address, size = 1/2/4, value = what the CPU wrote. */
  MMIO_WRITE: 4,
  /** External interrupt delivered to the CPU: value = vector; addr = size = 0. */
  INTERRUPT: 5,
  /** A byte the UART accepted from the serial input: value = the byte, size = 1, addr = 0. */
  SERIAL_INPUT: 6,
  /** pvpanic signal: value = the bits the guest wrote; addr = size = 0. */
  PVPANIC: 7,
  /** isa-debug-exit signal: value = the code the guest wrote; addr = size = 0. */
  DEBUG_EXIT: 8,
  /** The run's last event: value = OUTCOME_CODE of its kind, eip = where it happened; addr = size = 0. */
  OUTCOME: 9,
  /** Reserved for bisection: value = index (seq) of a checkpoint frame taken at this icount. */
  CHECKPOINT: 10,
} as const;

/** One of the EVENT tags. */
export type EventKind = (typeof EVENT)[keyof typeof EVENT];

/** Display names of the event kinds (CLI filters and the footer's eventCountsByKind use them). */
export const EVENT_NAMES: Record<number, string> = {
  [EVENT.PORT_IN]: 'port-in',
  [EVENT.PORT_OUT]: 'port-out',
  [EVENT.MMIO_READ]: 'mmio-read',
  [EVENT.MMIO_WRITE]: 'mmio-write',
  [EVENT.INTERRUPT]: 'interrupt',
  [EVENT.SERIAL_INPUT]: 'serial-input',
  [EVENT.PVPANIC]: 'pvpanic',
  [EVENT.DEBUG_EXIT]: 'debug-exit',
  [EVENT.OUTCOME]: 'outcome',
  [EVENT.CHECKPOINT]: 'checkpoint',
};

/** Name of an event kind; unknown kinds (from a newer minor version) are `kind-N`. */
export function eventName(kind: number): string {
  return EVENT_NAMES[kind] ?? `kind-${kind}`;
}

/**
 * The value of an OUTCOME event for each outcome kind (src/machine/outcome.ts). Codes are
 * permanent: never reuse or renumber one; a new outcome kind takes the next free code.
 */
export const OUTCOME_CODE = {
  exit: 1,
  panic: 2,
  shutdown: 3,
  'triple-fault': 4,
  reset: 5,
  halted: 6,
  timeout: 7,
  unsupported: 8,
  diverged: 9,
} as const satisfies Record<OutcomeKind, number>;

/** The OUTCOME event value for an outcome kind. */
export function outcomeCode(kind: OutcomeKind): number {
  return OUTCOME_CODE[kind];
}

/** The outcome kind an OUTCOME event value stands for, or null for a code this version does not know. */
export function outcomeKindOf(code: number): OutcomeKind | null {
  for (const [k, v] of Object.entries(OUTCOME_CODE)) if (v === code) return k as OutcomeKind;
  return null;
}

// ---------------------------------------------------------------------------------------------
// Limits and on-disk constants

/** Most events in one chunk; the writer ends a chunk when it holds this many. */
export const CHUNK_MAX_EVENTS = 65_536;
/**
 * Most bytes a zstd frame may hold (its decompressed content). zstd-codec's wasm heap is a fixed
 * 16 MiB, so every frame, written or read, stays within this; readers refuse larger frames.
 */
export const FRAME_MAX_CONTENT = 1 << 20;
/** Bytes of blob or checkpoint data per frame: the limit less room for the frame's other keys. */
export const BLOB_PART_BYTES = FRAME_MAX_CONTENT - 1024;
/** Serial input up to this size sits in the header; larger input goes in the blob 'serial-in'. */
export const SERIAL_IN_INLINE_MAX = 64 * 1024;
/** Default zstd level of data frames (1-9 are allowed). */
export const DEFAULT_ZSTD_LEVEL = 3;

/** zstd frame magic (little-endian u32 at the start of every data frame). */
export const ZSTD_MAGIC = 0xfd2fb528;
/** Skippable frames: magic 0x184D2A50..0x184D2A5F, then u32 LE payload length, then the payload. */
export const SKIPPABLE_MAGIC_MIN = 0x184d2a50;
export const SKIPPABLE_MAGIC_MAX = 0x184d2a5f;
/** Skippable frame holding the footer (msgpack Footer). Permanent tag. */
export const FOOTER_MAGIC = 0x184d2a5b;
/** Skippable frame holding the trailer, always the file's last TRAILER_FRAME_BYTES. Permanent tag. */
export const TRAILER_MAGIC = 0x184d2a5c;
/** Trailer payload size: signature(8) footerOffset(u64) footerLength(u32) footerCrc(u32) trailerCrc(u32). */
export const TRAILER_PAYLOAD_BYTES = 28;
/** Whole trailer frame: 8-byte skippable header + payload. */
export const TRAILER_FRAME_BYTES = 8 + TRAILER_PAYLOAD_BYTES;
/** First 8 bytes of the trailer payload. */
export const TRAILER_SIGNATURE = 'KRPLYIDX';
/** Most bytes of footer payload a reader accepts (about 4 million chunks, 2.7e11 events). */
export const FOOTER_MAX_BYTES = 256 << 20;

// ---------------------------------------------------------------------------------------------
// The header (first frame)

/** The virtual PC, as recorded. */
export interface TraceMachine {
  /** Guest RAM in MiB (integer > 0). */
  memMiB: number;
  /** Virtual nanoseconds per retired instruction (> 0). */
  nsPerInsn: number;
  /** RTC time at icount 0, Unix seconds. */
  rtcEpoch: number;
  /** Names of the devices on the board, in wiring order. */
  devices: string[];
}

/** The run's inputs (everything else is deterministic). */
export interface TraceInputs {
  /** Bytes offered to COM1's receiver, or null for none. */
  serialIn: Uint8Array | null;
  /** Name of the policy that paced serialIn (e.g. 'paced-at-line-rate-after-rx-enable'). */
  policy: string;
}

/** The guest image the run booted. */
export interface TraceImage {
  /** Base name of the image file (never a directory path: traces are portable). */
  name: string;
  /** Size in bytes. */
  size: number;
  /** SHA-256 of the image, 64 lowercase hex digits. */
  sha256: string;
  /** True when the image is stored in the trace (blob 'image'). */
  embedded: boolean;
  /** Where the image was, when not embedded (as the recorder was given it). */
  path?: string;
}

/** The trace header as TraceReader returns it. Plain data. */
export interface TraceHeader {
  /** Always TRACE_MAGIC. */
  magic: string;
  /** Format version of the file. */
  version: { major: number; minor: number };
  /** Version of the kreplay that recorded the trace (replay boots the guest as that version did). */
  tool: string;
  machine: TraceMachine;
  /** Kernel command line. */
  cmdline: string;
  /** Instruction budget of the recording. */
  maxInsns: number;
  inputs: TraceInputs;
  image: TraceImage;
  /** True when the image's symbol table is stored (blob 'symbols'). */
  symbols: boolean;
  /** Free-form data for later issues; values are plain data (msgpack, moreTypes). */
  extra: Record<string, unknown>;
}

/** What the recorder gives TraceWriter.create: the header without the fields the writer fills. */
export type TraceHeaderInput = Omit<TraceHeader, 'magic' | 'version'>;

// ---------------------------------------------------------------------------------------------
// Events

/** One event, as the reader returns it. */
export interface TraceEvent {
  /** An EVENT tag. */
  kind: number;
  /** Retired instructions before the event (integer, exact to 2^53). */
  icount: number;
  /** Port or physical address (u32); 0 for events that are not accesses. */
  addr: number;
  /** Access size in bytes (1, 2, 4); 0 for events that are not accesses (1 for serial input). */
  size: number;
  /** Value read or written, vector, byte, bits, code or outcome code (u32). */
  value: number;
  /** EIP of the instruction at which the event happened (u32). */
  eip: number;
}

/** One chunk's events as parallel columns (no object per event). */
export interface EventColumns {
  count: number;
  kind: Uint8Array;
  icount: Float64Array;
  addr: Uint32Array;
  size: Uint8Array;
  value: Uint32Array;
  eip: Uint32Array;
}

// ---------------------------------------------------------------------------------------------
// Frames (each data frame is one zstd frame holding one msgpack map with a `kind` key)

/** Header frame: always the first frame of the file. */
export interface HeaderFrame {
  magic: string;
  version: { major: number; minor: number };
  /** 'header'. */
  kind: 'header';
  tool: string;
  machine: TraceMachine;
  cmdline: string;
  maxInsns: number;
  /** serialIn is the bytes, null, or { blob: 'serial-in', size } when it is stored as a blob. */
  inputs: { serialIn: Uint8Array | null | { blob: string; size: number }; policy: string };
  image: TraceImage;
  symbols: boolean;
  extra: Record<string, unknown>;
}

/** Blob frame: one part of a named byte string too big for the header. */
export interface BlobFrame {
  kind: 'blob';
  /** 'image' (the guest image), 'symbols' (msgpack of the symbol table data), 'serial-in'. */
  name: string;
  /** 0-based part number; parts are written in order, right after the header. */
  part: number;
  /** Number of parts (>= 1). */
  parts: number;
  /** Total size of the blob in bytes (all parts). */
  size: number;
  /** This part's bytes (at most BLOB_PART_BYTES). */
  data: Uint8Array;
}

/** Chunk frame: up to CHUNK_MAX_EVENTS consecutive events. */
export interface ChunkFrame {
  kind: 'chunk';
  /** 0, 1, 2, ... in file order, no gaps. */
  seq: number;
  /** icount of the chunk's first event. */
  icountFrom: number;
  /** icount of the chunk's last event (>= icountFrom). */
  icountTo: number;
  /** Number of events (1..CHUNK_MAX_EVENTS). */
  count: number;
  /** CRC-32 (ISO-HDLC, as zlib) of `body`. */
  crc32: number;
  /** msgpack of a ChunkBody. */
  body: Uint8Array;
}

/**
 * A chunk's events, one column per field, transformed so zstd finds the repetition (see
 * src/trace/columns.ts for the measurements behind the choice). n = count.
 */
export interface ChunkBody {
  /** Column transform version: 1 (the only one in format 1.x). */
  codec: number;
  /** n bytes: the kind of each event. */
  kind: Uint8Array;
  /** n unsigned LEB128 varints: icount - previous event's icount (the first is icount - icountFrom, i.e. 0). */
  icountDelta: Uint8Array;
  /** 4n bytes: byte planes (all low bytes, then byte 1s, 2s, 3s) of addr XOR the previous addr of the same kind in this chunk (0 before the first). */
  addr: Uint8Array;
  /** n bytes: access size. */
  size: Uint8Array;
  /** 4n bytes: byte planes of value (untransformed). */
  value: Uint8Array;
  /** 4n bytes: byte planes of eip XOR the previous eip of the same kind in this chunk (0 before the first). */
  eip: Uint8Array;
}

/** Checkpoint frame (reserved for the bisection issue): one part of a machine state. */
export interface CheckpointFrame {
  kind: 'checkpoint';
  /** Checkpoint index, 0, 1, 2, ... in file order (a CHECKPOINT event's value). */
  seq: number;
  /** icount at which the state was taken. */
  icount: number;
  /** 0-based part number and number of parts (a state may exceed one frame). */
  part: number;
  parts: number;
  /** Total state size in bytes. */
  size: number;
  /** This part's bytes (at most BLOB_PART_BYTES); the format of the state belongs to the machine. */
  state: Uint8Array;
}

/** End frame: written by TraceWriter.finish after the last chunk; marks a complete event stream. */
export interface EndFrame {
  kind: 'end';
  /** Events in the trace. */
  eventCount: number;
  /** Events per kind, keyed by eventName(kind). */
  eventCountsByKind: Record<string, number>;
  /** icount at which the run ended: the outcome's icount, else the last event's, else 0. */
  icountEnd: number;
  /** The run's outcome (src/machine/outcome.ts), or null. */
  outcome: object | null;
}

/** One frame in the footer's index. */
export interface FrameIndexEntry {
  /** The frame's `kind` ('header', 'blob', 'chunk', 'checkpoint', 'end'). */
  kind: string;
  /** Byte offset of the frame in the file. */
  offset: number;
  /** Length of the frame in bytes. */
  length: number;
  /** chunk and checkpoint: their seq. */
  seq?: number;
  /** chunk: as in the chunk frame. */
  icountFrom?: number;
  icountTo?: number;
  count?: number;
  /** blob: name; blob and checkpoint: part. */
  name?: string;
  part?: number;
  /** checkpoint: icount. */
  icount?: number;
}

/** Footer: payload of the FOOTER_MAGIC skippable frame (plain msgpack, not compressed). */
export interface Footer {
  /** Every data frame of the file, in file order. */
  frames: FrameIndexEntry[];
  /** As in the end frame. */
  eventCount: number;
  eventCountsByKind: Record<string, number>;
  outcome: object | null;
  icountEnd: number;
}

// ---------------------------------------------------------------------------------------------
// What the reader reports

/** A chunk as the index lists it. */
export interface ChunkInfo {
  seq: number;
  offset: number;
  length: number;
  icountFrom: number;
  icountTo: number;
  count: number;
}

/** A checkpoint as the index lists it (all its parts). */
export interface CheckpointInfo {
  seq: number;
  icount: number;
  /** Offset of its first frame. */
  offset: number;
  /** Bytes of all its frames. */
  length: number;
  /** State size in bytes; null when the index does not say (a rebuilt index always does). */
  size: number | null;
}

/** What was lost when a trace was cut short (or damaged before its end frame). */
export interface TraceRecovery {
  complete: false;
  /** Chunks read intact. */
  chunksRecovered: number;
  /** Bytes of the file that could not be used. */
  bytesLost: number;
  /** icount of the last recovered event (0 when none). */
  lastIcount: number;
  /** One line for the user: what happened and what was kept. */
  message: string;
}

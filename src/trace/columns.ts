/**
 * The chunk body codec: a chunk's events as columns, transformed so zstd finds the repetition.
 *
 * Transforms (codec 1), chosen by measurement on synthetic streams (test/trace/size.test.ts prints
 * the current figures; numbers below are bytes/event after zstd level 3, 400k events):
 *
 *                          raw u32 LE   byte planes   planes + same-kind XOR (chosen)
 *   UART polling stream        0.33        0.29          0.19
 *   mixed port/MMIO/IRQ        3.74        3.71          3.69
 *   sparse, huge deltas        9.82        9.78          9.39
 *
 * - icount: delta from the previous event as unsigned LEB128 varints (deltas of a polling loop are
 *   one repeated byte; a delta of 2^40 costs 6 bytes);
 * - addr and eip: XOR with the previous event of the same kind (a polling loop's port and EIP
 *   become zeros), then split into byte planes (all byte 0s, then byte 1s, ...: the high bytes of
 *   ports and kernel addresses become long runs);
 * - value: byte planes only (values rarely repeat per kind in a useful way);
 * - kind and size: raw bytes.
 * Prediction state resets at each chunk, so a chunk decodes alone. Considered and not taken:
 * predicting addr and value from the last event at the same EIP (a hash table per event) saved 11%
 * on the mixed stream but cost 4% on the sparse one.
 */
import { bin, pack } from './msgpack.js';
import { CHUNK_MAX_EVENTS, type ChunkBody, type EventColumns, type TraceEvent } from './schema.js';

/** The column transform this code writes and reads. */
export const CHUNK_CODEC = 1;

/** The writer's pending events: parallel columns, capacity CHUNK_MAX_EVENTS. */
export type PendingColumns = Omit<EventColumns, 'count'>;

/** Stores one event in row `i` of the columns. */
export function putEvent(c: PendingColumns, i: number, kind: number, icount: number, addr: number, size: number, value: number, eip: number): void {
  c.kind[i] = kind;
  c.icount[i] = icount;
  c.addr[i] = addr;
  c.size[i] = size;
  c.value[i] = value;
  c.eip[i] = eip;
}

/** Row `i` of the columns as an event object. */
export function eventAt(c: PendingColumns, i: number): TraceEvent {
  return { kind: c.kind[i], icount: c.icount[i], addr: c.addr[i], size: c.size[i], value: c.value[i], eip: c.eip[i] };
}

export function newPendingColumns(capacity: number = CHUNK_MAX_EVENTS): PendingColumns {
  return {
    kind: new Uint8Array(capacity),
    icount: new Float64Array(capacity),
    addr: new Uint32Array(capacity),
    size: new Uint8Array(capacity),
    value: new Uint32Array(capacity),
    eip: new Uint32Array(capacity),
  };
}

/** Encodes chunk bodies with scratch space allocated once (one encoder per writer). */
export class ChunkEncoder {
  private readonly varints = new Uint8Array(CHUNK_MAX_EVENTS * 8);
  private readonly addrPlanes = new Uint8Array(CHUNK_MAX_EVENTS * 4);
  private readonly valuePlanes = new Uint8Array(CHUNK_MAX_EVENTS * 4);
  private readonly eipPlanes = new Uint8Array(CHUNK_MAX_EVENTS * 4);
  private readonly lastAddr = new Uint32Array(256);
  private readonly lastEip = new Uint32Array(256);

  /** msgpack of the ChunkBody for events [start, end) of `c` (end - start <= CHUNK_MAX_EVENTS). */
  encode(c: PendingColumns, start: number, end: number): Uint8Array {
    const n = end - start;
    this.lastAddr.fill(0);
    this.lastEip.fill(0);
    let vp = 0;
    let prev = c.icount[start];
    for (let i = 0; i < n; i++) {
      const j = start + i;
      const k = c.kind[j];
      // icount delta, LEB128; exact past 2^32 (division, not shifts)
      let d = c.icount[j] - prev;
      prev = c.icount[j];
      while (d >= 0x80) {
        this.varints[vp++] = (d % 0x80) | 0x80;
        d = Math.floor(d / 0x80);
      }
      this.varints[vp++] = d;
      const a = (c.addr[j] ^ this.lastAddr[k]) >>> 0;
      this.lastAddr[k] = c.addr[j];
      const e = (c.eip[j] ^ this.lastEip[k]) >>> 0;
      this.lastEip[k] = c.eip[j];
      const v = c.value[j];
      planes(this.addrPlanes, n, i, a);
      planes(this.valuePlanes, n, i, v);
      planes(this.eipPlanes, n, i, e);
    }
    const body: ChunkBody = {
      codec: CHUNK_CODEC,
      kind: bin(c.kind.subarray(start, end)),
      icountDelta: bin(this.varints.subarray(0, vp)),
      addr: bin(this.addrPlanes.subarray(0, 4 * n)),
      size: bin(c.size.subarray(start, end)),
      value: bin(this.valuePlanes.subarray(0, 4 * n)),
      eip: bin(this.eipPlanes.subarray(0, 4 * n)),
    };
    return pack(body);
  }
}

function planes(out: Uint8Array, n: number, i: number, v: number): void {
  out[i] = v & 0xff;
  out[n + i] = (v >>> 8) & 0xff;
  out[2 * n + i] = (v >>> 16) & 0xff;
  out[3 * n + i] = v >>> 24;
}

function unplane(p: Uint8Array, n: number, i: number): number {
  return (p[i] | (p[n + i] << 8) | (p[2 * n + i] << 16) | (p[3 * n + i] << 24)) >>> 0;
}

/**
 * Decodes a chunk body (already msgpack-decoded) of `count` events starting at `icountFrom` and
 * checks it against the frame's icountTo. Throws Error with the reason when the body does not
 * add up (the caller names the chunk).
 */
export function decodeChunkBody(body: unknown, count: number, icountFrom: number, icountTo: number): EventColumns {
  if (typeof body !== 'object' || body === null) throw new Error('the body is not a map');
  const b = body as Partial<Record<keyof ChunkBody, unknown>>;
  if (b.codec !== CHUNK_CODEC) throw new Error(`unknown column codec ${String(b.codec)}`);
  const col = (name: keyof ChunkBody, len: number): Uint8Array => {
    const v = b[name];
    if (!(v instanceof Uint8Array)) throw new Error(`column ${name} is missing`);
    if (len >= 0 && v.length !== len) throw new Error(`column ${name} has ${v.length} bytes, expected ${len}`);
    return v;
  };
  const n = count;
  const kindIn = col('kind', n);
  const deltas = col('icountDelta', -1);
  const addrIn = col('addr', 4 * n);
  const sizeIn = col('size', n);
  const valueIn = col('value', 4 * n);
  const eipIn = col('eip', 4 * n);
  const out: EventColumns = {
    count: n,
    kind: new Uint8Array(kindIn),
    icount: new Float64Array(n),
    addr: new Uint32Array(n),
    size: new Uint8Array(sizeIn),
    value: new Uint32Array(n),
    eip: new Uint32Array(n),
  };
  const lastAddr = new Uint32Array(256);
  const lastEip = new Uint32Array(256);
  let p = 0;
  let ic = icountFrom;
  for (let i = 0; i < n; i++) {
    let d = 0;
    let scale = 1;
    for (let len = 0; ; len++) {
      if (p >= deltas.length) throw new Error('column icountDelta ends early');
      if (len === 8) throw new Error('an icount delta is longer than 8 bytes');
      const byte = deltas[p++];
      d += (byte & 0x7f) * scale;
      scale *= 0x80;
      if ((byte & 0x80) === 0) break;
    }
    ic += d;
    if (ic > Number.MAX_SAFE_INTEGER) throw new Error('icount passes 2^53');
    out.icount[i] = ic;
    const k = kindIn[i];
    const a = (unplane(addrIn, n, i) ^ lastAddr[k]) >>> 0;
    lastAddr[k] = a;
    out.addr[i] = a;
    const e = (unplane(eipIn, n, i) ^ lastEip[k]) >>> 0;
    lastEip[k] = e;
    out.eip[i] = e;
    out.value[i] = unplane(valueIn, n, i);
  }
  if (p !== deltas.length) throw new Error(`column icountDelta has ${deltas.length - p} bytes left over`);
  if (n > 0 && ic !== icountTo) throw new Error(`events end at icount ${ic}, the frame says ${icountTo}`);
  return out;
}

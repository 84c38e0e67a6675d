import type { TraceEvent } from '../trace/schema.js';

/** The last N events seen, in order, without allocating per event (parallel typed arrays). */
export class EventRing {
  private readonly kind: Uint8Array;
  private readonly icount: Float64Array;
  private readonly addr: Uint32Array;
  private readonly size: Uint8Array;
  private readonly value: Uint32Array;
  private readonly eip: Uint32Array;
  private next = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    this.kind = new Uint8Array(capacity);
    this.icount = new Float64Array(capacity);
    this.addr = new Uint32Array(capacity);
    this.size = new Uint8Array(capacity);
    this.value = new Uint32Array(capacity);
    this.eip = new Uint32Array(capacity);
  }

  push(kind: number, icount: number, addr: number, size: number, value: number, eip: number): void {
    const k = this.next;
    this.kind[k] = kind;
    this.icount[k] = icount;
    this.addr[k] = addr;
    this.size[k] = size;
    this.value[k] = value;
    this.eip[k] = eip;
    this.next = (k + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
  }

  /** Oldest first. */
  toArray(): TraceEvent[] {
    const out: TraceEvent[] = [];
    for (let j = 0; j < this.count; j++) {
      const k = (this.next - this.count + j + this.capacity) % this.capacity;
      out.push({ kind: this.kind[k], icount: this.icount[k], addr: this.addr[k], size: this.size[k], value: this.value[k], eip: this.eip[k] });
    }
    return out;
  }
}

import { eventAt, newPendingColumns, putEvent, type PendingColumns } from '../trace/columns.js';
import type { TraceEvent } from '../trace/schema.js';

/** The last N events seen, in order, without allocating per event (the trace's column layout). */
export class EventRing {
  private readonly cols: PendingColumns;
  private next = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    this.cols = newPendingColumns(capacity);
  }

  push(kind: number, icount: number, addr: number, size: number, value: number, eip: number): void {
    const k = this.next;
    putEvent(this.cols, k, kind, icount, addr, size, value, eip);
    this.next = (k + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
  }

  /** Oldest first. */
  toArray(): TraceEvent[] {
    const out: TraceEvent[] = [];
    for (let j = 0; j < this.count; j++) out.push(eventAt(this.cols, (this.next - this.count + j + this.capacity) % this.capacity));
    return out;
  }
}

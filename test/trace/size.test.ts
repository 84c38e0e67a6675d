import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TraceReader } from '../../src/trace/reader.js';
import { EVENT, type TraceEvent } from '../../src/trace/schema.js';
import { initZstd } from '../../src/trace/zstd.js';
import { headerFor, ioMix, portHeavy, sparse, tempDir, writeTrace } from './helpers.js';

/** A guest that polls the UART's LSR thousands of times per character (a slow line, a fast CPU). */
function uartPolling(n: number): TraceEvent[] {
  const ev: TraceEvent[] = [];
  let ic = 10_000;
  let c = 0;
  while (ev.length < n) {
    for (let i = 0; i < 2170 && ev.length < n; i++) {
      ic += 4;
      ev.push({ kind: EVENT.PORT_IN, icount: ic, addr: 0x3fd, size: 1, value: i === 2169 ? 0x60 : 0x00, eip: 0x101a34 });
    }
    ic += 3;
    if (ev.length < n) ev.push({ kind: EVENT.PORT_OUT, icount: ic, addr: 0x3f8, size: 1, value: 0x41 + (c++ % 26), eip: 0x101a3c });
  }
  return ev;
}

const tmp = tempDir();
beforeAll(() => initZstd());
afterAll(() => tmp.cleanup());

describe('trace size (measured, printed; only the round trip is asserted)', () => {
  const streams: [string, (n: number) => TraceEvent[], number][] = [
    ['UART polling, thousands of polls per char', uartPolling, 1_000_000],
    ['console output (20-60 polls per char, timer IRQs)', (n) => portHeavy(n), 1_000_000],
    ['mixed devices, random values', (n) => ioMix(n), 300_000],
    ['sparse: rare events, huge icount deltas', (n) => sparse(n), 100_000],
  ];
  const rows: string[] = [];

  for (const [name, gen, count] of streams) {
    it(name, () => {
      const events = gen(count);
      const sizes: string[] = [];
      for (const level of [1, 3, 9]) {
        const p = join(tmp.dir, `${count}-${level}.zst`);
        writeTrace(p, events, { header: headerFor(null), blobs: {}, options: { level } });
        const r = TraceReader.open(p);
        const chunkBytes = r.chunks.reduce((s, c) => s + c.length, 0);
        sizes.push(`level ${level}: ${(chunkBytes / count).toFixed(3)} B/event (file ${(statSync(p).size / count).toFixed(3)})`);
        if (level === 3) {
          let i = 0;
          for (const e of r.events()) {
            const w = events[i++];
            if (e.icount !== w.icount || e.kind !== w.kind || e.addr !== w.addr || e.value !== w.value || e.eip !== w.eip || e.size !== w.size) {
              expect(e).toEqual(w);
            }
          }
          expect(i).toBe(count);
        }
        r.close();
      }
      rows.push(`${name.padEnd(52)} ${String(count).padStart(9)} events  ${sizes.join('  ')}`);
    });
  }

  afterAll(() => {
    process.stdout.write(`\ntrace bytes per event (chunk frames only; file = whole file incl. header and index):\n${rows.join('\n')}\n\n`);
  });
});

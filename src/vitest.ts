/**
 * `import 'kreplay/vitest'` (in a test file or a vitest setupFiles entry) adds kreplay's matchers
 * to vitest's `expect`:
 *
 *   expect(await runGuest({ image })).toPanic({ title: /tick budget/, before: 60_000_000 });
 *   expect(await runGuest({ image })).toExitWith(0);
 *   expect(await replayTrace('golden.zst')).toReplayCleanly();
 *
 * vitest is a peer dependency: only this entry point needs it.
 */
import { expect } from 'vitest';
import { checkExit, checkPanic, checkReplayClean, type PanicExpectation } from './harness/matchers.js';

export type { PanicExpectation } from './harness/matchers.js';

/** The matchers kreplay adds (typed into vitest's `expect` by the declaration below). */
export interface KreplayMatchers<R = unknown> {
  /** The run panicked; with `title`, its crash title matches (RegExp) or contains (string) it; with `before`, at icount < before. */
  toPanic(expected?: PanicExpectation): R;
  /** The guest exited through isa-debug-exit with this code. */
  toExitWith(code: number): R;
  /** A replay result matched its recording to the end (no divergence, not cut short). */
  toReplayCleanly(): R;
}

declare module 'vitest' {
  // Merged declarations must repeat vitest's own type parameter exactly, `any` default included.
  interface Matchers<T = any> extends KreplayMatchers<T> {}
}

expect.extend({
  toPanic: (received: unknown, expected?: PanicExpectation) => checkPanic(received, expected),
  toExitWith: (received: unknown, code: number) => checkExit(received, code),
  toReplayCleanly: (received: unknown) => checkReplayClean(received),
});

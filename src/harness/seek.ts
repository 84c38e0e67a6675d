import type { Outcome } from '../machine/outcome.js';
import { checkpointFor } from './checkpoint.js';
import { ReplaySession, type ReplayOptions } from './replay.js';

export interface SeekResult {
  session: ReplaySession;
  /** True when the replay stopped at the requested icount (false: the run ended first). */
  reached: boolean;
  /** The outcome when the run ended before the requested icount. */
  outcome: Outcome | null;
  /** Instructions actually re-executed (from the checkpoint used). */
  replayedInsns: number;
  /** The checkpoint the replay started from (index into reader.checkpoints), or null (boot). */
  checkpoint: number | null;
}

/**
 * Replays a trace to instruction `icount` (the machine stops before executing it) from the
 * nearest checkpoint at or before it, checking events on the way as any replay does.
 */
export async function seekTrace(tracePath: string, icount: number, opts: ReplayOptions = {}): Promise<SeekResult> {
  const session = await ReplaySession.open(tracePath, opts);
  const checkpoint = checkpointFor(session.reader, icount);
  session.start(checkpoint);
  const from = session.machine.cpu.icount;
  const out = session.run(icount);
  const replayedInsns = session.machine.cpu.icount - from;
  if (out !== null) return { session, reached: false, outcome: session.result(out).outcome, replayedInsns, checkpoint };
  return { session, reached: true, outcome: null, replayedInsns, checkpoint };
}

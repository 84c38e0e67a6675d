import { basename } from 'node:path';
import type { Outcome } from '../machine/outcome.js';
import { readImageFile } from '../loader/index.js';
import { judge, type Expectation, type Verdict } from './expect.js';
import { panicTitle } from './panic-report.js';
import { runGuest, type RunOptions } from './run.js';

export interface BuildRun {
  index: number;
  image: string;
  verdict: Verdict;
  outcome: Outcome;
  title: string | null;
}

export interface BuildBisection {
  /** Index of the first bad build, or null when the search could not decide. */
  firstBad: number | null;
  runs: BuildRun[];
  /** A problem with the premise (first build not good, last not bad, a build that cannot be tested). */
  problem: string | null;
}

/**
 * Finds the first bad build among `images` (oldest first; the first is taken to be good and the
 * last bad, and both are checked) with O(log n) runs. A run is a pure function of the image and
 * inputs, so one run per build decides it: there is nothing flaky to retry.
 */
export function bisectBuilds(images: string[], expect: Expectation, run: Omit<RunOptions, 'image' | 'imageName'>, onRun?: (r: BuildRun) => void): BuildBisection {
  const runs: BuildRun[] = [];
  const cache = new Map<number, BuildRun>();
  const test = (index: number): BuildRun => {
    const known = cache.get(index);
    if (known !== undefined) return known;
    const image = images[index];
    const r = runGuest({ ...run, image: readImageFile(image), imageName: image });
    const br: BuildRun = {
      index, image, verdict: judge(r.outcome, expect), outcome: r.outcome,
      title: r.outcome.kind === 'panic' ? panicTitle(r.outcome.message) : null,
    };
    cache.set(index, br);
    runs.push(br);
    onRun?.(br);
    return br;
  };
  if (images.length < 2) return { firstBad: null, runs, problem: 'give at least two builds, oldest (good) first, newest (bad) last' };
  const first = test(0);
  if (first.verdict !== 'good') return { firstBad: null, runs, problem: `the first build ${basename(first.image)} is not good (${first.verdict})` };
  const last = test(images.length - 1);
  if (last.verdict !== 'bad') return { firstBad: null, runs, problem: `the last build ${basename(last.image)} is not bad (${last.verdict})` };
  let good = 0, bad = images.length - 1;
  while (bad - good > 1) {
    let mid = (good + bad) >> 1;
    let r = test(mid);
    // A build that cannot be tested is skipped, as git bisect does: try its neighbours.
    for (let d = 1; r.verdict === 'skip'; d++) {
      const candidates = [mid + d, mid - d].filter((c) => c > good && c < bad && !cache.has(c));
      if (candidates.length === 0) return { firstBad: null, runs, problem: `builds between ${basename(images[good])} and ${basename(images[bad])} cannot be tested` };
      mid = candidates[0];
      r = test(mid);
    }
    if (r.verdict === 'good') good = mid;
    else bad = mid;
  }
  return { firstBad: bad, runs, problem: null };
}

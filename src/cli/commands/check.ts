import type { Argv } from 'yargs';
import { describeOutcome } from '../../harness/describe.js';
import { describeExpectation, judge, parseExpectation } from '../../harness/expect.js';
import { runGuest } from '../../harness/run.js';
import { LoaderError, readImageFile } from '../../loader/index.js';
import { UsageError } from '../errors.js';
import { machineFromArgs, withRunOptions, type RunArgs } from '../options.js';

/** `git bisect run` exit codes. */
export const CHECK_GOOD = 0, CHECK_BAD = 1, CHECK_SKIP = 125;

export const command = 'check <image>';
export const describe = 'run a build and exit 0 good, 1 bad, 125 cannot test: `git bisect run kreplay check kernel.elf` works';

export function builder(y: Argv) {
  return withRunOptions(y
    .positional('image', { type: 'string', demandOption: true, describe: 'kernel image' })
    .option('expect', { type: 'string', default: 'no-panic', describe: 'what a good build does: no-panic, panic, exit:N or title:REGEX' }));
}

export function handler(a: RunArgs & { image: string; expect: string }): number {
  let expect;
  try {
    expect = parseExpectation(a.expect);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { machine, maxInsns, serialIn } = machineFromArgs(a);
  let image: Uint8Array;
  try {
    image = readImageFile(a.image);
    const r = runGuest({ image, imageName: a.image, cmdline: a.append, serialIn, maxInsns, machine });
    const verdict = judge(r.outcome, expect);
    process.stderr.write(`${verdict === 'skip' ? 'cannot test' : verdict} (good = ${describeExpectation(expect)}): ${describeOutcome(r.outcome, r.symbols, machine.nsPerInsn)}\n`);
    return verdict === 'good' ? CHECK_GOOD : verdict === 'bad' ? CHECK_BAD : CHECK_SKIP;
  } catch (e) {
    // A build that does not even load cannot be judged: git bisect should skip it.
    if (e instanceof LoaderError) {
      process.stderr.write(`cannot test: ${e.message}\n`);
      return CHECK_SKIP;
    }
    throw e;
  }
}

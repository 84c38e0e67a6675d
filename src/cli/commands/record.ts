import type { Argv } from 'yargs';
import { readImageFile } from '../../loader/index.js';
import { describeOutcome } from '../../harness/describe.js';
import { recordGuest } from '../../harness/record.js';
import { exitCodeFor } from '../../machine/outcome.js';
import { ConsoleWriter } from '../io.js';
import { UsageError } from '../errors.js';
import { DEFAULT_CHECKPOINT_INSNS } from '../../harness/checkpoint.js';
import { linuxFromArgs, machineFromArgs, withRunOptions, type RunArgs } from '../options.js';
import { isBzImage } from '../../loader/linux-boot.js';
import { outcomeJson, unmappedSummary } from '../report-json.js';

export const command = 'record <image>';
export const describe = 'run a guest like `run` and record every port access, input and the outcome into a trace';

export function builder(y: Argv) {
  return withRunOptions(
    y.positional('image', { type: 'string', describe: 'multiboot kernel image', demandOption: true })
      .option('o', { alias: 'output', type: 'string', describe: 'trace file to write (*.zst)', demandOption: true })
      .option('embed', { type: 'boolean', default: true, describe: 'embed the image in the trace (--no-embed stores its sha256 and path)' })
      .option('checkpoint-every', { type: 'number', default: DEFAULT_CHECKPOINT_INSNS, describe: 'write a full machine checkpoint every N instructions (0: none); seeks replay at most N' }),
  );
}

export async function handler(a: RunArgs & { image: string; o: string; embed: boolean; 'checkpoint-every': number }): Promise<number> {
  const every = a['checkpoint-every'];
  if (!Number.isSafeInteger(every) || every < 0) throw new UsageError(`--checkpoint-every ${every}: expected an instruction count (0 for none)`);
  const image = readImageFile(a.image);
  const linux = linuxFromArgs(a, image);
  const { machine, maxInsns, serialIn } = machineFromArgs(a, linux !== undefined || isBzImage(image));
  const out = a.json ? null : new ConsoleWriter();
  const r = await recordGuest({
    image, imageName: a.image, cmdline: a.append, serialIn, maxInsns, machine, linux, jit: a.jit, out: a.o, embed: a.embed, checkpointEvery: every,
    onConsole: out?.write, onSlice: () => out?.flush(),
  });
  out?.flush();
  if (a.json) {
    process.stdout.write(`${JSON.stringify({ ...outcomeJson(r), trace: { path: a.o, events: r.events, bytes: r.bytes } })}\n`);
  } else {
    process.stderr.write(`${describeOutcome(r.outcome, r.symbols, machine.nsPerInsn)}\n`);
    const unmapped = unmappedSummary(r.machine);
    if (unmapped !== null) process.stderr.write(`${unmapped}\n`);
    process.stderr.write(`recorded ${r.events} events and ${r.checkpoints} checkpoints into ${a.o} (${r.bytes} bytes)\n`);
  }
  return exitCodeFor(r.outcome);
}

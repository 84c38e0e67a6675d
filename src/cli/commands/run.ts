import type { Argv } from 'yargs';
import { readImageFile } from '../../loader/index.js';
import { describeOutcome } from '../../harness/describe.js';
import { runGuest } from '../../harness/run.js';
import { exitCodeFor } from '../../machine/outcome.js';
import { outcomeJson, unmappedSummary } from '../report-json.js';
import { ConsoleWriter } from '../io.js';
import { linuxFromArgs, machineFromArgs, withRunOptions, type RunArgs } from '../options.js';
import { isBzImage } from '../../loader/linux-boot.js';

export const command = 'run <image>';
export const describe = 'run a guest kernel to its outcome, streaming its serial console';

export function builder(y: Argv) {
  return withRunOptions(y.positional('image', { type: 'string', describe: 'multiboot kernel image (ELF or a.out kludge)', demandOption: true }));
}

export function handler(a: RunArgs & { image: string }): number {
  const image = readImageFile(a.image);
  const linux = linuxFromArgs(a, image);
  const { machine, maxInsns, serialIn } = machineFromArgs(a, linux !== undefined || isBzImage(image));
  const out = a.json ? null : new ConsoleWriter();
  const r = runGuest({
    image, imageName: a.image, cmdline: a.append, serialIn, maxInsns, machine, linux, jit: a.jit,
    onConsole: out?.write, onSlice: () => out?.flush(),
  });
  out?.flush();
  if (a.json) {
    process.stdout.write(`${JSON.stringify(outcomeJson(r))}\n`);
  } else {
    process.stderr.write(`${describeOutcome(r.outcome, r.symbols, machine.nsPerInsn)}\n`);
    const unmapped = unmappedSummary(r.machine);
    if (unmapped !== null) process.stderr.write(`${unmapped}\n`);
  }
  return exitCodeFor(r.outcome);
}

/** The `kreplay` command line: yargs commands, one module each under commands/. */
import yargs from 'yargs';
import { LoaderError } from '../loader/index.js';
import { TraceError } from '../trace/reader.js';
import { TOOL_VERSION } from '../version.js';
import { EXIT_BAD_INPUT, UsageError } from './errors.js';
import * as bisect from './commands/bisect.js';
import * as check from './commands/check.js';
import * as diff from './commands/diff.js';
import * as inspect from './commands/inspect.js';
import * as log from './commands/log.js';
import * as record from './commands/record.js';
import * as replay from './commands/replay.js';
import * as run from './commands/run.js';
import * as suite from './commands/suite.js';

type Handler = (args: never) => number | Promise<number>;

/** Wraps a command handler: its return value becomes the exit code; bad input is one line + exit 2. */
function wrap(h: Handler) {
  return async (args: unknown): Promise<void> => {
    process.exitCode = await h(args as never);
  };
}

/** Prints one line for anything the user can fix, a short internal-error line otherwise. */
export function reportError(e: unknown): number {
  if (e instanceof UsageError || e instanceof LoaderError || e instanceof TraceError) {
    process.stderr.write(`kreplay: ${e.message}\n`);
    return EXIT_BAD_INPUT;
  }
  const msg = e instanceof Error ? e.message : String(e);
  process.stderr.write(`kreplay: internal error: ${msg.split('\n')[0]} (please report it)\n`);
  if (process.env.KREPLAY_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
  return 70;
}

/** Parses `argv` (without node and script) and runs the command; sets process.exitCode. */
export async function main(argv: string[]): Promise<void> {
  const parser = yargs(argv)
    .scriptName('kreplay')
    .version(TOOL_VERSION)
    .command(run.command, run.describe, run.builder, wrap(run.handler))
    .command(record.command, record.describe, record.builder, wrap(record.handler))
    .command(replay.command, replay.describe, replay.builder, wrap(replay.handler))
    .command(inspect.command, inspect.describe, inspect.builder, wrap(inspect.handler))
    .command(log.command, log.describe, log.builder, wrap(log.handler))
    .command(suite.command, suite.describe, suite.builder, wrap(suite.handler))
    .command(bisect.command, bisect.describe, bisect.builder)
    .command(check.command, check.describe, check.builder, wrap(check.handler))
    .command(diff.command, diff.describe, diff.builder, wrap(diff.handler))
    .demandCommand(1, 'name a command; see kreplay --help')
    .strict()
    .recommendCommands()
    .wrap(Math.min(110, process.stdout.columns ?? 110))
    .fail((msg, err) => {
      if (err) throw err;
      throw new UsageError(`${msg.split('\n')[0]} (see kreplay --help)`);
    });
  try {
    await parser.parseAsync();
  } catch (e) {
    process.exitCode = reportError(e);
  }
}

#!/usr/bin/env node
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { LoaderError } from '../loader/index.js';
import { TOOL_VERSION } from '../version.js';
import { EXIT_BAD_INPUT, UsageError } from './errors.js';
import * as run from './commands/run.js';

type Handler = (args: never) => number | Promise<number>;

/** Wraps a command handler: its return value becomes the exit code; bad input is one line + exit 2. */
function wrap(h: Handler) {
  return async (args: unknown): Promise<void> => {
    process.exitCode = await h(args as never);
  };
}

/** Prints one line for anything the user can fix, a short internal-error line otherwise. */
export function reportError(e: unknown): number {
  if (e instanceof UsageError || e instanceof LoaderError) {
    process.stderr.write(`kreplay: ${e.message}\n`);
    return EXIT_BAD_INPUT;
  }
  const msg = e instanceof Error ? e.message : String(e);
  process.stderr.write(`kreplay: internal error: ${msg.split('\n')[0]} (please report it)\n`);
  if (process.env.KREPLAY_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
  return 70;
}

export async function main(argv: string[]): Promise<void> {
  const parser = yargs(argv)
    .scriptName('kreplay')
    .version(TOOL_VERSION)
    .command(run.command, run.describe, run.builder, wrap(run.handler))
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

await main(hideBin(process.argv));

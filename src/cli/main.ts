#!/usr/bin/env node
// The `brook` command: `serve` starts a broker; every other command is a Kafka client (through
// src/client) that works against any Kafka-compatible cluster. program.ts declares the commands,
// their options and help (commander); each command's code is imported when it runs, so
// `brook --help` and a failing flag never load the client, and `brook topic list` loads only
// what it uses. Exit codes: 0 success, 1 failure, 2 usage error.

import { CommanderError } from 'commander';
import { ExitCode } from '../startup-error.js';
import { buildProgram, version } from './program.js';

async function main(argv: readonly string[]): Promise<void> {
  const program = buildProgram();
  if (argv.length === 0) {
    process.stderr.write(program.helpInformation());
    process.exitCode = 2;
    return;
  }
  // Answered here rather than by commander's .version(), which would read package.json on every run.
  if (argv.length === 1 && (argv[0] === '-v' || argv[0] === '--version')) {
    process.stdout.write(`${version()}\n`);
    return;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    // Help ends with a CommanderError too; only real usage errors fail.
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.help') {
      process.exitCode = err.code === 'commander.help' ? 2 : 0;
      return;
    }
    process.exitCode = 2;
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  // Not a failure the user can fix (those are one line): a bug, with its stack trace.
  process.stderr.write(`brook: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(ExitCode.INTERNAL);
});

import { Option, type Command } from 'commander';
import type { KafkaClient } from '../client/kafka-client.js';
import { UsageError } from './usage-error.js';
import type { OutputFormat } from './output.js';

/**
 * The options every client command shares: where the cluster is (-b/--brokers, default
 * localhost:9092 or BROOK_BROKERS), how long to wait, and the output format. The client is
 * imported only when a command runs, so `--help` never pays for it.
 */

export interface ClientFlags {
  brokers: string;
  timeout: string;
  clientId?: string;
}

export interface FormatFlags {
  format: string;
}

const clientCommands = new Set<Command>();
const formatCommands = new Set<Command>();

/** Marks a command as a client: addSharedOptions() gives it -b/--brokers, --timeout, --client-id. */
export function withClientOptions(cmd: Command): Command {
  clientCommands.add(cmd);
  return cmd;
}

/** Marks a command as printing a table or JSON: addSharedOptions() gives it --format. */
export function withFormatOption(cmd: Command): Command {
  formatCommands.add(cmd);
  return cmd;
}

/**
 * Adds the shared options to the marked commands, after their own options, so that each
 * command's help lists what is particular to it first.
 */
export function addSharedOptions(): void {
  for (const cmd of formatCommands) cmd.addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'));
  for (const cmd of clientCommands) addClientOptions(cmd);
  formatCommands.clear();
  clientCommands.clear();
}

function addClientOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('-b, --brokers <host:port,...>', 'bootstrap brokers').env('BROOK_BROKERS').default('localhost:9092').helpGroup('Cluster options:'))
    .addOption(new Option('--timeout <ms>', 'give up on a connection or request after this long').default('10000').helpGroup('Cluster options:'))
    .addOption(new Option('--client-id <id>', 'client id sent with every request').default('brook-cli').helpGroup('Cluster options:'));
}


export function outputFormat(flags: FormatFlags): OutputFormat {
  return flags.format === 'json' ? 'json' : 'table';
}

export async function openClient(flags: ClientFlags): Promise<KafkaClient> {
  const timeout = positiveInt(flags.timeout, '--timeout');
  const brokers = flags.brokers.split(',').map((b) => b.trim()).filter((b) => b !== '');
  if (brokers.length === 0) throw new UsageError('-b/--brokers needs at least one host:port');
  const { KafkaClient: Client, parseAddress } = await import('../client/kafka-client.js');
  for (const b of brokers) {
    try {
      parseAddress(b);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }
  return new Client({ brokers, clientId: flags.clientId ?? 'brook-cli', connectTimeoutMs: timeout, requestTimeoutMs: timeout });
}

export function positiveInt(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${flag} expects a positive integer, got '${text}'`);
  return n;
}

export function nonNegativeInt(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${flag} expects a non-negative integer, got '${text}'`);
  return n;
}

/** `name=value` (the value may contain '='). */
export function parseAssignment(text: string, flag: string): [string, string] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new UsageError(`${flag} expects name=value, got '${text}'`);
  return [text.slice(0, eq).trim(), text.slice(eq + 1)];
}

/** Collects a repeatable option's values (commander's accumulator). */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

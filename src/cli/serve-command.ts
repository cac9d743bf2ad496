// `brook serve [flags]`: parses its flags, loads the configuration (flags, --set, BROOK_*
// environment, --config file) and runs the broker (./serve.ts). main.ts registers the command
// and hands it every argument after `serve`. Exit codes are ExitCode in ../startup-error.ts.

import { parseArgs } from 'node:util';
import { ConfigException } from '../config/config-def.js';
import { loadBrokerConfig } from '../config/load-broker-config.js';
import type { BrokerConfig } from '../config/broker-config.js';
import { ExitCode } from '../startup-error.js';
import { serveHelp } from './help.js';
import { serve as runBroker } from './serve.js';

// Checked here so that a typo is a usage error; the broker's logger takes the same names.
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const LOG_FORMATS = ['pretty', 'json'];

class UsageError extends Error {}

export async function serveCommand(args: readonly string[]): Promise<number> {
  let config: BrokerConfig;
  let logLevel: string;
  let logFormat: string | undefined;
  try {
    const { values } = parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string', short: 'p' },
        host: { type: 'string', short: 'H' },
        'data-dir': { type: 'string', short: 'd' },
        'metrics-port': { type: 'string' },
        config: { type: 'string', short: 'c' },
        set: { type: 'string', short: 's', multiple: true },
        'log-level': { type: 'string' },
        'log-format': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help === true) {
      process.stdout.write(serveHelp());
      return 0;
    }
    // The CLI logs the broker's life cycle by default; the embedded API only warnings.
    logLevel = oneOf(values['log-level'] ?? nonEmpty(process.env.BROOK_LOG_LEVEL) ?? 'info', LOG_LEVELS, 'log level');
    const format = values['log-format'] ?? nonEmpty(process.env.BROOK_LOG_FORMAT);
    logFormat = format === undefined ? undefined : oneOf(format, LOG_FORMATS, 'log format');
    config = loadBrokerConfig({
      ...(values.config === undefined ? {} : { file: values.config }),
      env: process.env,
      sets: (values.set ?? []).map(parseSet),
      flags: {
        ...(values.port === undefined ? {} : { port: values.port }),
        ...(values.host === undefined ? {} : { host: values.host }),
        ...(values['data-dir'] === undefined ? {} : { dataDir: values['data-dir'] }),
        ...(values['metrics-port'] === undefined ? {} : { metricsPort: values['metrics-port'] }),
      },
    });
  } catch (error) {
    if (error instanceof ConfigException) {
      process.stderr.write(`brook: ${error.message}\n`);
      return ExitCode.CONFIG;
    }
    if (error instanceof UsageError || isParseArgsError(error)) {
      process.stderr.write(`brook serve: ${(error as Error).message}\nRun 'brook serve --help' for usage.\n`);
      return ExitCode.USAGE;
    }
    throw error;
  }
  return runBroker(config, { logLevel, ...(logFormat === undefined ? {} : { logFormat }) });
}

function parseSet(assignment: string): readonly [string, string] {
  const eq = assignment.indexOf('=');
  if (eq <= 0) throw new UsageError(`--set expects name=value, got '${assignment}'`);
  return [assignment.slice(0, eq).trim(), assignment.slice(eq + 1)] as const;
}

function oneOf(value: string, allowed: readonly string[], what: string): string {
  const v = value.trim().toLowerCase();
  if (!allowed.includes(v)) throw new UsageError(`${what} must be one of ${allowed.join(', ')}, got '${value}'`);
  return v;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === '' ? undefined : value;
}

function isParseArgsError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}

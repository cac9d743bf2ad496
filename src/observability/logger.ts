/**
 * The broker's logger. Logs go to stderr, never stdout: stdout is the program's own output (the
 * CLI's banner, a client command's results) and must stay parseable. Two formats:
 * - `json`: one object per line with `level` as a name ("info") and `time` as ISO 8601 UTC, for
 *   log collectors and `jq`;
 * - `pretty`: one human-readable line per record (pino-pretty), colored on a terminal.
 * The default picks `pretty` when stderr is a terminal and `json` otherwise.
 *
 * pino-pretty runs in-process as a plain stream, not as a pino transport: a transport is a
 * worker thread, which an embedded broker would leave running and which loses lines written
 * just before process.exit().
 */
import pino, { type DestinationStream, type Logger } from 'pino';
import { createRequire } from 'node:module';
import type PinoPretty from 'pino-pretty';
import type { LogFormat } from './log-options.js';

export interface LoggerOptions {
  /** pino level name: fatal, error, warn, info, debug, trace or silent. */
  readonly level: string;
  /** Default: pretty when stderr is a terminal, json otherwise. */
  readonly format?: LogFormat;
  /** Where lines go; default stderr (synchronous writes, so nothing is lost at exit). */
  readonly destination?: DestinationStream | NodeJS.WritableStream;
}

export function defaultLogFormat(): LogFormat {
  return process.stderr.isTTY === true ? 'pretty' : 'json';
}

export function createLogger(opts: LoggerOptions): Logger {
  const format = opts.format ?? defaultLogFormat();
  if (format === 'pretty') return pino({ level: opts.level }, opts.destination ? prettyStream(opts.destination, false) : stderrStream('pretty'));
  const json = { level: opts.level, formatters: { level: (label: string) => ({ level: label }) }, timestamp: pino.stdTimeFunctions.isoTime };
  return pino(json, opts.destination ?? stderrStream('json'));
}

// Loaded on first use: pino-pretty and its dependencies cost about as much to import as pino
// itself, which a broker logging JSON (tests, services) need not pay.
const require = createRequire(import.meta.url);

function prettyStream(destination: number | DestinationStream | NodeJS.WritableStream, colorize: boolean): DestinationStream {
  const pinoPretty = require('pino-pretty') as typeof PinoPretty;
  return pinoPretty({ destination, sync: true, colorize, singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' });
}

// One synchronous stream on fd 2 per format for every broker in the process, rather than one
// per logger, each with its own buffer and exit handler.
const stderrStreams = new Map<LogFormat, DestinationStream>();
function stderrStream(format: LogFormat): DestinationStream {
  let s = stderrStreams.get(format);
  if (!s) {
    s = format === 'pretty' ? prettyStream(2, process.stderr.isTTY === true) : pino.destination({ dest: 2, sync: true });
    stderrStreams.set(format, s);
  }
  return s;
}

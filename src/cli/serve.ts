// The body of `brook serve` once its configuration is loaded: start the broker through the
// embedded API, print what recovery did and the bootstrap address, run until SIGINT or SIGTERM,
// stop cleanly. Start-up failures the operator can fix print one line and exit with their code
// (ExitCode in ../startup-error.ts, README "Exit codes").

import type { BrokerConfig } from '../config/broker-config.js';
import { ExitCode, isStartupError } from '../startup-error.js';

/** The part of a recovery summary the banner reports (see RecoverySummary in storage). */
export interface RecoveryReport {
  readonly logs: number;
  readonly records: number;
  readonly cleanShutdown: boolean;
  readonly segmentsRecovered: number;
  readonly logsTruncated: number;
  readonly bytesTruncated: number;
  readonly recordsDropped: number;
  readonly segmentsDeleted: number;
  readonly durationMs: number;
}

interface RunningBroker {
  readonly bootstrap: string;
  readonly recovery?: RecoveryReport;
  /** Base URL of /metrics, /healthz and /readyz; null or absent without metrics.port. */
  readonly metricsUrl?: string | null;
  stop(): Promise<StopReport | void>;
}

/** What the broker's stop flushed (see StopSummary in ../broker.ts). */
export interface StopReport {
  readonly logs: number;
  readonly records: number;
  readonly durationMs: number;
}

/** How the broker logs (checked by the command line). */
export interface ServeOptions {
  readonly logLevel: string;
  readonly logFormat?: string;
}

type StartBroker = (options: { config: BrokerConfig } & ServeOptions) => Promise<RunningBroker>;

const SIGNAL_EXIT: Record<'SIGINT' | 'SIGTERM', number> = { SIGINT: ExitCode.SIGINT, SIGTERM: ExitCode.SIGTERM };

/** Runs a broker until a signal stops it; resolves to the process exit code. */
export async function serve(config: BrokerConfig, options: ServeOptions): Promise<number> {
  for (const warning of config.warnings) process.stderr.write(`brook: warning: ${warning}\n`);

  // A signal before the broker is up ends the process at once: startup (recovery included) is
  // crash-safe, so there is nothing to finish, and recovering a large log can take a while.
  // The data directory's lock is released by its exit hook.
  let started = false;
  let stopRequested: ((signal: NodeJS.Signals) => void) | undefined;
  const stopSignal = new Promise<NodeJS.Signals>((resolve) => (stopRequested = resolve));
  const onSignal = (signal: 'SIGINT' | 'SIGTERM'): void => {
    if (!started) {
      process.stderr.write(`brook: ${signal} received while starting; exiting\n`);
      process.exit(SIGNAL_EXIT[signal]);
    }
    stopRequested?.(signal);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  let broker: RunningBroker;
  try {
    const startBroker = await loadStartBroker();
    broker = await startBroker({ config, ...options });
  } catch (error) {
    if (!isStartupError(error)) throw error;
    process.stderr.write(`brook: ${error.message}\n`);
    return error.exitCode;
  }
  started = true;
  if (broker.recovery && broker.recovery.logs > 0) process.stdout.write(`${recoveryLine(broker.recovery)}\n`);
  process.stdout.write(`Brook is listening on ${broker.bootstrap} (data in ${config.logDirs.join(', ')})
`);
  if (broker.metricsUrl) process.stdout.write(`Metrics on ${broker.metricsUrl}/metrics, health on /healthz and /readyz
`);

  const signal = await stopSignal;
  process.stderr.write(`brook: ${signal} received, stopping (send it again to exit at once)\n`);
  // A second signal means the operator does not want to wait for a clean stop.
  const force = (): void => process.exit(ExitCode.SIGINT);
  process.once('SIGINT', force);
  process.once('SIGTERM', force);
  const stopped = await broker.stop();
  process.stderr.write(stopped ? `brook: ${stopLine(stopped)}\n` : 'brook: stopped\n');
  // Everything should be closed now; if a handle lingers, say so rather than hang forever.
  setTimeout(() => {
    process.stderr.write('brook: warning: handles still open 5 s after stop; exiting\n');
    process.exit(0);
  }, 5000).unref();
  return ExitCode.OK;
}

/**
 * One line: "Brook recovered 12 logs (3456 records) in 0.41 s; cut 812 bytes (10 records) from 1
 * log and deleted 1 segment (see the warnings above)". "loaded" after a clean shutdown, when
 * nothing had to be validated.
 */
export function recoveryLine(r: RecoveryReport): string {
  const verb = r.segmentsRecovered === 0 && r.bytesTruncated === 0 ? 'loaded' : 'recovered';
  const time = r.durationMs < 1000 ? `${Math.round(r.durationMs)} ms` : `${(r.durationMs / 1000).toFixed(2)} s`;
  let line = `Brook ${verb} ${plural(r.logs, 'log')} (${plural(r.records, 'record')}) in ${time}`;
  if (r.segmentsRecovered > 0) line += `, ${plural(r.segmentsRecovered, 'segment')} validated`;
  if (r.bytesTruncated > 0 || r.segmentsDeleted > 0) {
    line += `; cut ${plural(r.bytesTruncated, 'byte')} (${plural(r.recordsDropped, 'record')}) from ${plural(r.logsTruncated, 'log')}`;
    if (r.segmentsDeleted > 0) line += ` and deleted ${plural(r.segmentsDeleted, 'segment')}`;
    line += ' (see the warnings logged above)';
  }
  return line;
}

/** "stopped: flushed 12 logs (340 records not yet fsynced) in 45 ms". */
export function stopLine(s: StopReport): string {
  const time = s.durationMs < 1000 ? `${Math.round(s.durationMs)} ms` : `${(s.durationMs / 1000).toFixed(2)} s`;
  return `stopped: flushed ${plural(s.logs, 'log')} (${plural(s.records, 'record')} not yet fsynced) in ${time}`;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

// Loaded on demand: --help and configuration errors never pay for (or depend on) the broker.
async function loadStartBroker(): Promise<StartBroker> {
  const specifier = '../index.js';
  const loaded: unknown = await import(specifier);
  const start = (loaded as { startBroker?: unknown }).startBroker;
  if (typeof start !== 'function') throw new Error('../index.js does not export startBroker');
  return start as StartBroker;
}

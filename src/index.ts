// Brook's embedded API: start a broker in-process (tests, dev servers), get its bootstrap
// address, stop it. Several brokers may run in one process, each with its own data dir.
import { BrokerConfig } from './config/broker-config.js';
import { loadBrokerConfig } from './config/load-broker-config.js';
import { createBroker, type Broker } from './broker.js';
import { createLogger } from './observability/logger.js';
import { parseLogFormat, parseLogLevel, type LogFormat } from './observability/log-options.js';

export interface StartBrokerOptions {
  /** TCP port; 0 picks a free one. Default 9092. */
  port?: number;
  /** Interface to listen on. Default localhost. */
  host?: string;
  /** Where the log lives. Default ./data. */
  dataDir?: string;
  /**
   * Port of the HTTP endpoint with /metrics (Prometheus), /healthz and /readyz (metrics.port);
   * 0 picks a free one (see Broker.metricsUrl). Default: no endpoint.
   */
  metricsPort?: number;
  /** Any broker setting by its Kafka name, e.g. { 'num.partitions': 3 }. */
  settings?: Record<string, string | number | boolean | readonly string[]>;
  /**
   * fatal, error, warn, info (the broker's life cycle: start, recovery, replay, topics, stop),
   * debug (also one line per request) or silent. Default: BROOK_LOG_LEVEL, else 'warn'.
   */
  logLevel?: string;
  /**
   * Logs go to stderr, as `json` lines or `pretty` (human-readable) lines. Default:
   * BROOK_LOG_FORMAT, else pretty when stderr is a terminal and json otherwise.
   */
  logFormat?: LogFormat;
  /** An already loaded configuration (the CLI's path); the options above are then ignored. */
  config?: BrokerConfig;
}

export type { Broker, LogFormat };
export type { StopSummary } from './broker.js';
export type { RecoverySummary } from './storage/log-manager.js';
/**
 * startBroker rejects with a StartupError when the port is busy or the data directory is locked
 * by another broker or unusable: `kind`, `exitCode` and a one-line `message` saying what to do.
 */
export { StartupError, isStartupError, ExitCode, type StartupErrorKind } from './startup-error.js';
export type { GroupInspection } from './coordinator/group/group-inspector.js';
export type { BrokerControl, FailOptions, DelayOptions, DropOptions, Outage } from './control/broker-control.js';
export type { ControlRule, RequestMatch } from './control/control-rule.js';
export type { ProduceRecord, ProducedRecord, ConsumedRecord, ReadOptions, RecordBytes } from './control/test-data.js';
export type { LagOptions, GroupStateOptions } from './control/group-waits.js';
/** What a control helper throws: a message naming the call and Kafka's error, and `errorCode`. */
export { ControlError } from './control/test-data.js';
export type { ProducerInspection } from './cluster/producer-inspection.js';
export type { TransactionInspection } from './coordinator/transaction/transaction-inspection.js';

export async function startBroker(options: StartBrokerOptions = {}): Promise<Broker> {
  const config =
    options.config ??
    loadBrokerConfig({
      ...(options.settings ? { overrides: options.settings } : {}),
      flags: {
        ...(options.port !== undefined ? { port: String(options.port) } : {}),
        ...(options.host !== undefined ? { host: options.host } : {}),
        ...(options.dataDir !== undefined ? { dataDir: options.dataDir } : {}),
        ...(options.metricsPort !== undefined ? { metricsPort: options.metricsPort } : {}),
      },
    });
  const level = parseLogLevel(options.logLevel, 'logLevel') ?? parseLogLevel(process.env.BROOK_LOG_LEVEL, 'BROOK_LOG_LEVEL') ?? 'warn';
  const format = parseLogFormat(options.logFormat, 'logFormat') ?? parseLogFormat(process.env.BROOK_LOG_FORMAT, 'BROOK_LOG_FORMAT');
  const log = createLogger({ level, ...(format ? { format } : {}) });
  return createBroker(config, log);
}

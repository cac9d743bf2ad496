// Brook's embedded API: start a broker in-process (tests, dev servers), get its bootstrap
// address, stop it. Several brokers may run in one process, each with its own data dir.
import pino from 'pino';
import { BrokerConfig } from './config/broker-config.js';
import { loadBrokerConfig } from './config/load-broker-config.js';
import { createBroker, type Broker } from './broker.js';

export interface StartBrokerOptions {
  /** TCP port; 0 picks a free one. Default 9092. */
  port?: number;
  /** Interface to listen on. Default localhost. */
  host?: string;
  /** Where the log lives. Default ./data. */
  dataDir?: string;
  /** Any broker setting by its Kafka name, e.g. { 'num.partitions': 3 }. */
  settings?: Record<string, string | number | boolean | readonly string[]>;
  /** pino log level; default 'warn'. */
  logLevel?: string;
  /** An already loaded configuration (the CLI's path); the options above are then ignored. */
  config?: BrokerConfig;
}

export type { Broker };
export type { GroupInspection } from './coordinator/group/group-inspector.js';

export async function startBroker(options: StartBrokerOptions = {}): Promise<Broker> {
  const config =
    options.config ??
    loadBrokerConfig({
      ...(options.settings ? { overrides: options.settings } : {}),
      flags: {
        ...(options.port !== undefined ? { port: String(options.port) } : {}),
        ...(options.host !== undefined ? { host: options.host } : {}),
        ...(options.dataDir !== undefined ? { dataDir: options.dataDir } : {}),
      },
    });
  const log = pino({ level: options.logLevel ?? process.env.BROOK_LOG_LEVEL ?? 'warn' });
  return createBroker(config, log);
}

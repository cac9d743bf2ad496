// Assembles a BrokerConfig from its sources, lowest precedence first:
//   defaults < properties file (--config) < BROOK_* environment < --set name=value
//            < programmatic overrides < flags (--port, --host, --data-dir).
// Every name must be a Kafka setting Brook defines: a typo is an error, not a silent default.
// Settings Kafka needs but a single Brook node does not (threads, KRaft quorum, replication
// factors of internal topics, ...) are accepted and reported in `warnings`.

import { readFileSync } from 'node:fs';
import { ConfigException, configError, formatValue, parseValue } from './config-def.js';
import type { ConfigDef } from './config-def.js';
import { BROKER_CONFIGS, BrokerConfig, unknownConfigMessage } from './broker-config.js';
import { formatListener, parseListeners, parseSecurityProtocolMap, splitCsv } from './listeners.js';
import { parseProperties } from './properties.js';

export interface BrokerFlags {
  /** Port of the first (non-controller) listener. */
  readonly port?: number | string;
  /** Host of the first (non-controller) listener; '' binds every interface. */
  readonly host?: string;
  /** Sets log.dirs. */
  readonly dataDir?: string;
  /** Sets metrics.port. */
  readonly metricsPort?: number | string;
}

export interface LoadBrokerConfigOptions {
  /** Path of a Java .properties file (Kafka's server.properties format). */
  readonly file?: string;
  /** Environment to read BROOK_<NAME> variables from; none are read when omitted. */
  readonly env?: NodeJS.ProcessEnv;
  /** --set name=value pairs, in order. */
  readonly sets?: Readonly<Record<string, string>> | readonly (readonly [string, string])[];
  /** Programmatic values (embedded use): strings, numbers, booleans or string arrays; null unsets. */
  readonly overrides?: Readonly<Record<string, unknown>>;
  readonly flags?: BrokerFlags;
}

export const ENV_PREFIX = 'BROOK_';
/** BROOK_* variables that configure the process rather than a broker setting. */
const PROCESS_ENV_VARS = new Set(['BROOK_LOG_LEVEL']);

/** The environment variable of a setting: BROOK_ + upper case, dots as underscores. */
export function envVarName(configName: string): string {
  return ENV_PREFIX + configName.toUpperCase().replace(/\./g, '_');
}

const ENV_NAMES: ReadonlyMap<string, string> = new Map([...BROKER_CONFIGS.keys()].map((name) => [envVarName(name), name]));

export function loadBrokerConfig(options: LoadBrokerConfigOptions = {}): BrokerConfig {
  const merged = new Map<string, string>();
  const warnings: string[] = [];
  const put = (name: string, value: string, where: string): void => {
    const def = BROKER_CONFIGS.get(name);
    if (def === undefined) throw configError(unknownConfigMessage(name, where));
    try {
      parseValue(def, value);
    } catch (error) {
      if (error instanceof ConfigException) throw configError(`${error.message} (from ${where})`);
      throw error;
    }
    merged.set(name, value);
  };

  if (options.file !== undefined) {
    let text: string;
    try {
      text = readFileSync(options.file, 'utf8');
    } catch (error) {
      throw configError(`Cannot read configuration file ${options.file}: ${(error as Error).message}`);
    }
    let properties: Map<string, string>;
    try {
      properties = parseProperties(text);
    } catch (error) {
      throw configError(`Cannot parse configuration file ${options.file}: ${(error as Error).message}`);
    }
    for (const [name, value] of properties) put(name, value, options.file);
  }

  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (!key.startsWith(ENV_PREFIX) || value === undefined) continue;
    const name = ENV_NAMES.get(key);
    if (name === undefined) {
      if (!PROCESS_ENV_VARS.has(key)) warnings.push(`environment variable ${key} does not name a Brook setting; ignored`);
      continue;
    }
    put(name, value, `environment variable ${key}`);
  }

  const sets = options.sets === undefined ? [] : Array.isArray(options.sets) ? options.sets : Object.entries(options.sets);
  for (const [name, value] of sets as readonly (readonly [string, string])[]) put(name, value, '--set');

  for (const [name, value] of Object.entries(options.overrides ?? {})) {
    if (value === null || value === undefined) {
      merged.delete(name);
      continue;
    }
    const def = BROKER_CONFIGS.get(name);
    if (def === undefined) throw configError(unknownConfigMessage(name, 'overrides'));
    put(name, overrideToString(def, value), 'overrides');
  }

  applyFlags(merged, options.flags ?? {});

  for (const name of merged.keys()) {
    if (BROKER_CONFIGS.get(name)?.ignored === true) warnings.push(`${name} is accepted for compatibility with Kafka but has no effect in Brook`);
  }
  return new BrokerConfig(merged, warnings);
}

function overrideToString(def: ConfigDef, value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return formatValue(def, value) ?? '';
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.join(',');
  throw configError(`Invalid value ${String(value)} for configuration ${def.name}: expected a string, number, boolean or string array`);
}

function applyFlags(merged: Map<string, string>, flags: BrokerFlags): void {
  if (flags.dataDir !== undefined) {
    if (flags.dataDir.trim() === '') throw configError('--data-dir must not be empty');
    merged.set('log.dirs', flags.dataDir);
  }
  if (flags.metricsPort !== undefined) merged.set('metrics.port', String(parsePort(flags.metricsPort)));
  if (flags.port === undefined && flags.host === undefined) return;

  const text = (name: string): string => merged.get(name) ?? formatValue(BROKER_CONFIGS.get(name) as ConfigDef, (BROKER_CONFIGS.get(name) as ConfigDef).default) ?? '';
  const protocols = parseSecurityProtocolMap(text('listener.security.protocol.map'));
  const listeners = parseListeners('listeners', splitCsv(text('listeners')), protocols);
  const controllerNames = new Set(splitCsv(text('controller.listener.names')).map((n) => n.toUpperCase()));
  const index = listeners.findIndex((l) => !controllerNames.has(l.name));
  if (index < 0) throw configError('listeners must contain at least one listener that is not a controller listener');

  const first = listeners[index] as (typeof listeners)[number];
  const port = flags.port === undefined ? first.port : parsePort(flags.port);
  const host = flags.host ?? first.host;
  listeners[index] = { ...first, host, port };
  merged.set('listeners', listeners.map(formatListener).join(','));
}

function parsePort(value: number | string): number {
  const port = typeof value === 'number' ? value : /^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw configError(`Invalid port ${String(value)}: must be an integer between 0 and 65535`);
  }
  return port;
}

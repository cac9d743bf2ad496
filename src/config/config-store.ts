// Resolved configuration for DescribeConfigs, CreateTopics and AlterConfigs: each value with its
// source and synonyms in Kafka's order, topic override validation with Kafka's INVALID_CONFIG
// messages, and the typed LogConfig of a topic. Brook has no dynamic broker configuration yet, so
// broker values come from two layers: static settings (file, environment, --set, flags) and
// defaults; the synonym walk is written over a list of layers so dynamic ones can slot in first.

import { ErrorCode } from '../protocol/errors.js';
import { configTypeId, formatValue, parseValue, ConfigException } from './config-def.js';
import type { ConfigDef, ConfigValue } from './config-def.js';
import { BROKER_CONFIG_DEFS } from './broker-config-defs.js';
import type { BrokerConfig } from './broker-config.js';
import { buildLogConfig } from './log-config.js';
import type { LogConfig } from './log-config.js';
import { brokerSynonyms, TOPIC_CONFIG_DEFS, TOPIC_CONFIG_SYNONYMS, TOPIC_CONFIGS, topicDefaultFromBroker } from './topic-config.js';

/** DescribeConfigs' ConfigSource ids (Kafka calls 1 TOPIC_CONFIG). */
export const ConfigSource = {
  UNKNOWN: 0,
  TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
  DYNAMIC_BROKER_LOGGER_CONFIG: 6,
  CLIENT_METRICS_CONFIG: 7,
  GROUP_CONFIG: 8,
} as const;
export type ConfigSourceId = (typeof ConfigSource)[keyof typeof ConfigSource];

export interface ConfigSynonym {
  readonly name: string;
  readonly value: string | null;
  readonly source: ConfigSourceId;
}

export interface ConfigEntry {
  readonly name: string;
  /** null when unset or sensitive. */
  readonly value: string | null;
  readonly readOnly: boolean;
  readonly source: ConfigSourceId;
  readonly sensitive: boolean;
  /** Where the value comes from, highest priority first (DescribeConfigs v1+ with IncludeSynonyms). */
  readonly synonyms: readonly ConfigSynonym[];
  /** DescribeConfigs' ConfigType id. */
  readonly type: number;
  readonly documentation: string;
}

/** An INVALID_CONFIG answer: Kafka's code and message. */
export interface ConfigError {
  readonly errorCode: number;
  readonly message: string;
}

export type TopicOverrides = ReadonlyMap<string, string> | Readonly<Record<string, string>>;

interface Layer {
  readonly values: ReadonlyMap<string, string>;
  readonly source: ConfigSourceId;
}

export class ConfigStore {
  /** The broker-level default of every topic setting (no topic override). */
  readonly topicDefaults: ReadonlyMap<string, ConfigValue>;
  /** LogConfig of a topic without overrides. */
  readonly defaultLogConfig: LogConfig;
  private readonly layers: readonly Layer[];

  constructor(readonly broker: BrokerConfig) {
    const statics = new Map([...broker.staticConfigs].map(([k, v]) => [k, v.trim()] as const));
    const defaults = new Map<string, string>();
    for (const def of BROKER_CONFIG_DEFS) {
      const text = formatValue(def, def.default);
      if (text !== null) defaults.set(def.name, text);
    }
    this.layers = [
      { values: statics, source: ConfigSource.STATIC_BROKER_CONFIG },
      { values: defaults, source: ConfigSource.DEFAULT_CONFIG },
    ];
    this.topicDefaults = new Map(TOPIC_CONFIG_DEFS.map((def) => [def.name, topicDefaultFromBroker(def.name, (n) => broker.get(n))]));
    this.defaultLogConfig = buildLogConfig((name) => this.topicDefaults.get(name) ?? null);
  }

  /** Every broker setting, sorted by name (DescribeConfigs for this broker's id). */
  describeBroker(): ConfigEntry[] {
    return BROKER_CONFIG_DEFS.map((def) => {
      const synonyms = this.synonymsOf(def.name, brokerSynonyms(def.name), def.sensitive);
      return entry(def, def.sensitive ? null : formatValue(def, this.broker.get(def.name)), synonyms, def.updateMode === 'read-only');
    });
  }

  /** Every topic setting, sorted by name, for a topic with these overrides. */
  describeTopic(overrides: TopicOverrides): ConfigEntry[] {
    const given = toMap(overrides);
    return TOPIC_CONFIG_DEFS.map((def) => {
      const value = def.sensitive ? null : formatValue(def, this.topicValue(def, given));
      const serverNames = TOPIC_CONFIG_SYNONYMS.get(def.name);
      const synonyms = serverNames === undefined ? [] : this.synonymsOf(serverNames[0] as string, brokerSynonyms(serverNames[0] as string), def.sensitive);
      if (given.has(def.name)) synonyms.unshift({ name: def.name, value, source: ConfigSource.TOPIC_CONFIG });
      return entry(def, value, synonyms, false);
    });
  }

  /** The typed log settings of a topic with these overrides (assumed valid). */
  logConfig(overrides: TopicOverrides): LogConfig {
    const given = toMap(overrides);
    if (given.size === 0) return this.defaultLogConfig;
    return buildLogConfig((name) => {
      const def = TOPIC_CONFIGS.get(name);
      return def === undefined ? null : this.topicValue(def, given);
    });
  }

  /**
   * Checks topic overrides as CreateTopics and (Incremental)AlterConfigs must: null values, unknown
   * names, unparsable or out-of-range values, and cross-setting rules. Returns null when valid.
   */
  validateTopicConfigs(configs: Iterable<readonly [string, string | null]> | Readonly<Record<string, string | null>>): ConfigError | null {
    const entries = Symbol.iterator in configs
      ? [...(configs as Iterable<readonly [string, string | null]>)]
      : Object.entries(configs as Record<string, string | null>);
    const nulls = entries.filter(([, value]) => value === null).map(([name]) => name);
    if (nulls.length > 0) return invalid(`Null value not supported for topic configs: ${nulls.join(',')}`);
    const unknown = entries.find(([name]) => !TOPIC_CONFIGS.has(name));
    if (unknown !== undefined) return invalid(`Unknown topic config name: ${unknown[0]}`);
    const parsed = new Map<string, ConfigValue>();
    try {
      for (const [name, value] of entries) parsed.set(name, parseValue(TOPIC_CONFIGS.get(name) as ConfigDef, value as string));
    } catch (error) {
      if (error instanceof ConfigException) return invalid(error.message);
      throw error;
    }
    const effective = (name: string): ConfigValue => (parsed.has(name) ? (parsed.get(name) as ConfigValue) : (this.topicDefaults.get(name) ?? null));
    const minLag = effective('min.compaction.lag.ms') as number;
    const maxLag = effective('max.compaction.lag.ms') as number;
    if (minLag > maxLag) {
      return invalid(`conflict topic config setting min.compaction.lag.ms (${formatLong(minLag)}) > max.compaction.lag.ms (${formatLong(maxLag)})`);
    }
    if (effective('remote.storage.enable') === true) {
      return invalid('Tiered Storage functionality is disabled in the broker. Topic cannot be configured with remote log storage.');
    }
    return null;
  }

  private topicValue(def: ConfigDef, overrides: ReadonlyMap<string, string>): ConfigValue {
    const raw = overrides.get(def.name);
    return raw === undefined ? (this.topicDefaults.get(def.name) ?? null) : parseValue(def, raw);
  }

  /**
   * Kafka's ConfigHelper.configSynonyms: walk the layers by priority, and within a layer the
   * synonym names by priority, then drop everything before the first entry named `name` (so an
   * unset log.retention.ms does not report log.retention.hours as its own source).
   */
  private synonymsOf(name: string, names: readonly string[], sensitive: boolean): ConfigSynonym[] {
    const all: ConfigSynonym[] = [];
    for (const layer of this.layers) {
      for (const n of names) {
        const value = layer.values.get(n);
        if (value !== undefined) all.push({ name: n, value: sensitive ? null : value, source: layer.source });
      }
    }
    const first = all.findIndex((s) => s.name === name);
    return first < 0 ? [] : all.slice(first);
  }
}

function entry(def: ConfigDef, value: string | null, synonyms: ConfigSynonym[], readOnly: boolean): ConfigEntry {
  return {
    name: def.name,
    value,
    readOnly,
    source: synonyms[0]?.source ?? ConfigSource.DEFAULT_CONFIG,
    sensitive: def.sensitive,
    synonyms,
    type: configTypeId(def),
    documentation: def.doc,
  };
}

function invalid(message: string): ConfigError {
  return { errorCode: ErrorCode.INVALID_CONFIG, message };
}

function formatLong(n: number): string {
  return n === Number.POSITIVE_INFINITY ? '9223372036854775807' : String(n);
}

function toMap(overrides: TopicOverrides): ReadonlyMap<string, string> {
  return overrides instanceof Map ? overrides : new Map(Object.entries(overrides));
}

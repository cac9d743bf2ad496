// Resolved configuration for DescribeConfigs, CreateTopics and AlterConfigs: each value with its
// source and synonyms in Kafka's order, topic override validation with Kafka's INVALID_CONFIG
// messages, and the typed LogConfig of a topic. Broker values come from four layers, highest
// first: this broker's dynamic settings (BROKER resource named by its node id), the cluster-wide
// dynamic defaults (resource ""), static settings (file, environment, --set, flags) and defaults.
// Dynamic broker and group settings are changed here (after Kafka's checks), saved in the data
// directory (DynamicConfigFile) and applied: `current` is rebuilt and every listener is told.

import { ErrorCode } from '../protocol/errors.js';
import { configTypeId, formatValue, parseValue, ConfigException } from './config-def.js';
import type { ConfigDef, ConfigValue } from './config-def.js';
import { BROKER_CONFIG_DEFS } from './broker-config-defs.js';
import { buildLogConfig } from './log-config.js';
import type { LogConfig } from './log-config.js';
import { brokerSynonyms, TOPIC_CONFIG_DEFS, TOPIC_CONFIG_SYNONYMS, TOPIC_CONFIGS, topicDefaultFromBroker } from './topic-config.js';
import { BROKER_CONFIGS, BrokerConfig } from './broker-config.js';
import { checkDynamicBrokerConfigs, checkReconfiguration, isKnownBrokerConfig, mergeBrokerProps } from './dynamic-broker-config.js';
import { NO_DYNAMIC_CONFIGS, type ConfigMap, type DynamicConfigFile, type DynamicConfigs } from './dynamic-config-file.js';
import { GROUP_CONFIG_DEFS, groupDefaults, groupSettings, validateGroupConfigs, type GroupSettings } from './group-config.js';

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
  private effective: BrokerConfig;
  private dynamic: DynamicConfigs;
  private layers: readonly Layer[] = [];
  private defaults: ReadonlyMap<string, ConfigValue> = new Map();
  private defaultLog!: LogConfig;
  private readonly listeners: (() => void)[] = [];
  /** Problems found with the saved dynamic configuration at startup. */
  readonly warnings: string[] = [];

  /**
   * @param broker the static configuration.
   * @param file where dynamic settings are kept; without it they live in memory only. Saved
   *   settings that no longer validate (a Brook upgrade, a hand edit) are not applied: `warnings`
   *   says which.
   */
  constructor(readonly broker: BrokerConfig, private readonly file?: DynamicConfigFile) {
    this.dynamic = this.loadValid(file?.load() ?? NO_DYNAMIC_CONFIGS);
    this.effective = broker;
    try {
      this.effective = this.build(this.dynamic);
    } catch (error) {
      if (!(error instanceof ConfigException)) throw error;
      this.warnings.push(`dynamic broker configuration in ${file?.path ?? 'memory'} ignored: ${error.message}`);
      this.dynamic = { brokers: {}, groups: this.dynamic.groups };
    }
    this.refresh();
  }

  /** The configuration the broker runs with: static settings with the dynamic ones applied. */
  get current(): BrokerConfig {
    return this.effective;
  }

  /** The broker-level default of every topic setting (no topic override). */
  get topicDefaults(): ReadonlyMap<string, ConfigValue> {
    return this.defaults;
  }

  /** LogConfig of a topic without overrides. */
  get defaultLogConfig(): LogConfig {
    return this.defaultLog;
  }

  /** Calls `listener` after every change of the dynamic broker configuration. */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Every broker setting, sorted by name (DescribeConfigs for this broker's id), custom ones last. */
  describeBroker(): ConfigEntry[] {
    const known = BROKER_CONFIG_DEFS.map((def) => {
      const synonyms = this.synonymsOf(def.name, brokerSynonyms(def.name), def.sensitive);
      return entry(def, def.sensitive ? null : formatValue(def, this.effective.get(def.name)), synonyms, def.updateMode === 'read-only');
    });
    const custom = new Set([...Object.keys(this.brokerDynamic('')), ...Object.keys(this.brokerDynamic(this.nodeName))].filter((n) => !isKnownBrokerConfig(n)));
    return [...known, ...[...custom].sort().map((name) => customEntry(name, this.synonymsOf(name, [name], true)))];
  }

  /** The cluster-wide dynamic defaults (DescribeConfigs for the BROKER resource ""). */
  describeBrokerDefaults(): ConfigEntry[] {
    return Object.keys(this.brokerDynamic('')).sort().map((name) => {
      const def = BROKER_CONFIGS.get(name);
      const synonyms = this.synonymsOf(name, brokerSynonyms(name), def?.sensitive ?? true).filter((s) => s.source === ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG);
      if (!def) return customEntry(name, synonyms);
      return entry(def, def.sensitive ? null : (this.brokerDynamic('')[name] ?? null), synonyms, def.updateMode === 'read-only');
    });
  }

  /** The dynamic settings saved for a BROKER resource ("" or a node id). */
  brokerDynamic(resourceName: string): ConfigMap {
    return this.dynamic.brokers[resourceName] ?? {};
  }

  /**
   * Replaces the dynamic settings of a BROKER resource ("" or this node's id) with `next`, after
   * Kafka's checks (INVALID_REQUEST with Kafka's message); unless validateOnly, saves and applies them.
   */
  alterBroker(resourceName: string, next: ConfigMap, validateOnly: boolean): ConfigError | null {
    const refused = checkDynamicBrokerConfigs(next, resourceName !== '');
    if (refused !== null) return { errorCode: ErrorCode.INVALID_REQUEST, message: refused };
    const dynamic: DynamicConfigs = { ...this.dynamic, brokers: { ...this.dynamic.brokers, [resourceName]: { ...next } } };
    let built: BrokerConfig;
    try {
      built = this.build(dynamic);
    } catch (error) {
      if (error instanceof ConfigException) return { errorCode: ErrorCode.INVALID_REQUEST, message: error.message };
      throw error;
    }
    const reconfigure = checkReconfiguration(this.effective, built);
    if (reconfigure !== null) return { errorCode: ErrorCode.INVALID_REQUEST, message: reconfigure };
    if (validateOnly) return null;
    const failed = this.save(dynamic);
    if (failed) return failed;
    this.effective = built;
    this.refresh();
    for (const listener of this.listeners) listener();
    return null;
  }

  /** The overrides saved for a group. */
  groupConfigs(groupId: string): ConfigMap {
    return this.dynamic.groups[groupId] ?? {};
  }

  /** A group's effective settings (its overrides over the broker's group settings). */
  groupSettings(groupId: string): GroupSettings {
    return groupSettings(this.groupConfigs(groupId), this.effective);
  }

  /** Every group setting of a group, sorted by name (DescribeConfigs for a GROUP resource). */
  describeGroup(groupId: string): ConfigEntry[] {
    const overrides = this.groupConfigs(groupId);
    const defaults = groupDefaults(this.effective);
    return GROUP_CONFIG_DEFS.map((def) => {
      const given = overrides[def.name];
      const value = given !== undefined ? formatValue(def, parseValue(def, given)) : String(defaults.get(def.name));
      const source = given !== undefined ? ConfigSource.GROUP_CONFIG : ConfigSource.DEFAULT_CONFIG;
      return entry(def, value, [{ name: def.name, value, source }], false);
    });
  }

  /** Replaces a group's overrides with `next` after Kafka's checks (INVALID_CONFIG); saves them unless validateOnly. */
  alterGroup(groupId: string, next: Readonly<Record<string, string | null>>, validateOnly: boolean): ConfigError | null {
    const invalid = validateGroupConfigs(next, this.effective);
    if (invalid) return invalid;
    if (validateOnly) return null;
    return this.save({ ...this.dynamic, groups: { ...this.dynamic.groups, [groupId]: { ...(next as ConfigMap) } } });
  }

  /** Drops, one by one, saved broker settings that would be refused today (Kafka's fromPersistentProps). */
  private loadValid(saved: DynamicConfigs): DynamicConfigs {
    const brokers: Record<string, ConfigMap> = {};
    for (const [resource, props] of Object.entries(saved.brokers)) {
      brokers[resource] = Object.fromEntries(Object.entries(props).filter(([name, value]) => {
        const refused = checkDynamicBrokerConfigs({ [name]: value }, resource !== '');
        if (refused !== null) this.warnings.push(`dynamic broker setting ${name} of resource "${resource}" ignored: ${refused}`);
        return refused === null;
      }));
    }
    return { brokers, groups: saved.groups };
  }

  private get nodeName(): string {
    return String(this.broker.nodeId);
  }

  /**
   * Saves, then applies; a file-system error (disk full) changes nothing and is answered
   * KAFKA_STORAGE_ERROR, as Kafka answers a storage exception, rather than failing the request.
   */
  private save(dynamic: DynamicConfigs): ConfigError | null {
    try {
      this.file?.save(dynamic);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException | null)?.code;
      if (!(err instanceof Error) || typeof code !== 'string' || !/^E[A-Z]+$/.test(code)) throw err;
      return { errorCode: ErrorCode.KAFKA_STORAGE_ERROR, message: `Cannot save the dynamic configuration: ${err.message}` };
    }
    this.dynamic = dynamic;
    return null;
  }

  /** The effective configuration for these dynamic settings (BrokerConfig validates the whole). */
  private build(dynamic: DynamicConfigs): BrokerConfig {
    const clusterDefault = dynamic.brokers[''] ?? {};
    const own = dynamic.brokers[this.nodeName] ?? {};
    if (Object.keys(clusterDefault).length === 0 && Object.keys(own).length === 0) return this.broker;
    return new BrokerConfig(mergeBrokerProps(this.broker.staticConfigs, clusterDefault, own), this.broker.warnings);
  }

  private refresh(): void {
    const statics = new Map([...this.broker.staticConfigs].map(([k, v]) => [k, v.trim()] as const));
    const defaults = new Map<string, string>();
    for (const def of BROKER_CONFIG_DEFS) {
      const text = formatValue(def, def.default);
      if (text !== null) defaults.set(def.name, text);
    }
    this.layers = [
      { values: new Map(Object.entries(this.brokerDynamic(this.nodeName))), source: ConfigSource.DYNAMIC_BROKER_CONFIG },
      { values: new Map(Object.entries(this.brokerDynamic(''))), source: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG },
      { values: statics, source: ConfigSource.STATIC_BROKER_CONFIG },
      { values: defaults, source: ConfigSource.DEFAULT_CONFIG },
    ];
    const effective = this.effective;
    this.defaults = new Map(TOPIC_CONFIG_DEFS.map((def) => [def.name, topicDefaultFromBroker(def.name, (n) => effective.get(n))]));
    this.defaultLog = buildLogConfig((name) => this.defaults.get(name) ?? null);
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
    if (given.size === 0) return this.defaultLog;
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
    const effective = (name: string): ConfigValue => (parsed.has(name) ? (parsed.get(name) as ConfigValue) : (this.defaults.get(name) ?? null));
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
    return raw === undefined ? (this.defaults.get(def.name) ?? null) : parseValue(def, raw);
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

/** A setting Brook does not define: Kafka shows it as sensitive (its type is unknown) and read-only. */
function customEntry(name: string, synonyms: ConfigSynonym[]): ConfigEntry {
  return {
    name,
    value: null,
    readOnly: true,
    source: synonyms[0]?.source ?? ConfigSource.DEFAULT_CONFIG,
    sensitive: true,
    synonyms,
    type: 0,
    documentation: '',
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

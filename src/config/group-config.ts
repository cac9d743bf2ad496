// Kafka 4.x group configs (GroupConfig): per-group overrides of the broker's group coordinator
// settings, set with (Incremental)AlterConfigs on a GROUP resource and shown by DescribeConfigs.
// consumer.session.timeout.ms and consumer.heartbeat.interval.ms apply to KIP-848 consumer groups;
// the share.* ones are accepted, validated and kept as Kafka does, but Brook has no share groups.
// A group's values are validated against the broker's bounds (group.consumer.min/max.*), with the
// broker's current consumer-group values filling what the group does not set, as Kafka's
// GroupConfigManager.validate does; every failure is INVALID_CONFIG with Kafka's message.

import { ErrorCode } from '../protocol/errors.js';
import { atLeast, ConfigException, define, indexDefs, parseValue } from './config-def.js';
import type { ConfigDef } from './config-def.js';
import type { BrokerConfig } from './broker-config.js';

/** The share-group bounds Kafka validates against (group.share.* broker settings, which Brook does not define). */
const SHARE_DEFAULTS = {
  sessionTimeoutMs: 45000,
  minSessionTimeoutMs: 45000,
  maxSessionTimeoutMs: 60000,
  heartbeatIntervalMs: 5000,
  minHeartbeatIntervalMs: 5000,
  maxHeartbeatIntervalMs: 15000,
  recordLockDurationMs: 30000,
  minRecordLockDurationMs: 15000,
  maxRecordLockDurationMs: 60000,
} as const;

export const GROUP_CONFIG_DEFS: readonly ConfigDef[] = [
  define({ name: 'consumer.heartbeat.interval.ms', type: 'int', default: 5000, validator: atLeast(1),
    doc: 'The heartbeat interval given to the members of this consumer group (overrides group.consumer.heartbeat.interval.ms).' }),
  define({ name: 'consumer.session.timeout.ms', type: 'int', default: 45000, validator: atLeast(1),
    doc: 'The timeout to detect failed members of this consumer group (overrides group.consumer.session.timeout.ms).' }),
  define({ name: 'share.heartbeat.interval.ms', type: 'int', default: SHARE_DEFAULTS.heartbeatIntervalMs, validator: atLeast(1), ignored: true,
    doc: 'The heartbeat interval given to the members of this share group. Brook has no share groups.' }),
  define({ name: 'share.record.lock.duration.ms', type: 'int', default: SHARE_DEFAULTS.recordLockDurationMs, validator: atLeast(1000), ignored: true,
    doc: 'The record acquisition lock duration of this share group. Brook has no share groups.' }),
  define({ name: 'share.session.timeout.ms', type: 'int', default: SHARE_DEFAULTS.sessionTimeoutMs, validator: atLeast(1), ignored: true,
    doc: 'The timeout to detect failed members of this share group. Brook has no share groups.' }),
];

export const GROUP_CONFIGS: ReadonlyMap<string, ConfigDef> = indexDefs(GROUP_CONFIG_DEFS);

/** A group's effective settings: its overrides over the broker's defaults. */
export interface GroupSettings {
  readonly consumerSessionTimeoutMs: number;
  readonly consumerHeartbeatIntervalMs: number;
  readonly shareSessionTimeoutMs: number;
  readonly shareHeartbeatIntervalMs: number;
  readonly shareRecordLockDurationMs: number;
}

/** The value every group has without an override (Kafka's extractGroupConfigMap). */
export function groupDefaults(broker: BrokerConfig): ReadonlyMap<string, number> {
  return new Map([
    ['consumer.session.timeout.ms', broker.groupConsumerSessionTimeoutMs],
    ['consumer.heartbeat.interval.ms', broker.groupConsumerHeartbeatIntervalMs],
    ['share.session.timeout.ms', SHARE_DEFAULTS.sessionTimeoutMs],
    ['share.heartbeat.interval.ms', SHARE_DEFAULTS.heartbeatIntervalMs],
    ['share.record.lock.duration.ms', SHARE_DEFAULTS.recordLockDurationMs],
  ]);
}

/** Parses valid overrides (see validateGroupConfigs) over the broker's defaults. */
export function groupSettings(overrides: Readonly<Record<string, string>>, broker: BrokerConfig): GroupSettings {
  const values = new Map(groupDefaults(broker));
  for (const [name, raw] of Object.entries(overrides)) {
    const def = GROUP_CONFIGS.get(name);
    if (def) values.set(name, parseValue(def, raw) as number);
  }
  const get = (name: string): number => values.get(name) as number;
  return {
    consumerSessionTimeoutMs: get('consumer.session.timeout.ms'),
    consumerHeartbeatIntervalMs: get('consumer.heartbeat.interval.ms'),
    shareSessionTimeoutMs: get('share.session.timeout.ms'),
    shareHeartbeatIntervalMs: get('share.heartbeat.interval.ms'),
    shareRecordLockDurationMs: get('share.record.lock.duration.ms'),
  };
}

/** Kafka's GroupConfigManager.validate for the resulting overrides of a group; null when valid. */
export function validateGroupConfigs(overrides: Readonly<Record<string, string | null>>, broker: BrokerConfig): { errorCode: number; message: string } | null {
  const invalid = (message: string) => ({ errorCode: ErrorCode.INVALID_CONFIG, message });
  const nulls = Object.entries(overrides).filter(([, v]) => v === null).map(([n]) => n);
  if (nulls.length > 0) return invalid(`Null value not supported for group configs: ${nulls.join(',')}`);
  const unknown = Object.keys(overrides).find((name) => !GROUP_CONFIGS.has(name));
  if (unknown !== undefined) return invalid(`Unknown group config name: ${unknown}`);
  let s: GroupSettings;
  try {
    for (const [name, raw] of Object.entries(overrides)) parseValue(GROUP_CONFIGS.get(name) as ConfigDef, raw as string);
    s = groupSettings(overrides as Record<string, string>, broker);
  } catch (error) {
    if (error instanceof ConfigException) return invalid(error.message);
    throw error;
  }
  const rules: [boolean, string][] = [
    [s.consumerHeartbeatIntervalMs < broker.groupConsumerMinHeartbeatIntervalMs, 'consumer.heartbeat.interval.ms must be greater than or equal to group.consumer.min.heartbeat.interval.ms'],
    [s.consumerHeartbeatIntervalMs > broker.groupConsumerMaxHeartbeatIntervalMs, 'consumer.heartbeat.interval.ms must be less than or equal to group.consumer.max.heartbeat.interval.ms'],
    [s.consumerSessionTimeoutMs < broker.groupConsumerMinSessionTimeoutMs, 'consumer.session.timeout.ms must be greater than or equal to group.consumer.min.session.timeout.ms'],
    [s.consumerSessionTimeoutMs > broker.groupConsumerMaxSessionTimeoutMs, 'consumer.session.timeout.ms must be less than or equal to group.consumer.max.session.timeout.ms'],
    [s.shareHeartbeatIntervalMs < SHARE_DEFAULTS.minHeartbeatIntervalMs, 'share.heartbeat.interval.ms must be greater than or equal to group.share.min.heartbeat.interval.ms'],
    [s.shareHeartbeatIntervalMs > SHARE_DEFAULTS.maxHeartbeatIntervalMs, 'share.heartbeat.interval.ms must be less than or equal to group.share.max.heartbeat.interval.ms'],
    [s.shareSessionTimeoutMs < SHARE_DEFAULTS.minSessionTimeoutMs, 'share.session.timeout.ms must be greater than or equal to group.share.min.session.timeout.ms'],
    [s.shareSessionTimeoutMs > SHARE_DEFAULTS.maxSessionTimeoutMs, 'share.session.timeout.ms must be less than or equal to group.share.max.session.timeout.ms'],
    [s.shareRecordLockDurationMs < SHARE_DEFAULTS.minRecordLockDurationMs, 'share.record.lock.duration.ms must be greater than or equal to group.share.min.record.lock.duration.ms'],
    [s.shareRecordLockDurationMs > SHARE_DEFAULTS.maxRecordLockDurationMs, 'share.record.lock.duration.ms must be less than or equal to group.share.max.record.lock.duration.ms'],
    [s.consumerSessionTimeoutMs <= s.consumerHeartbeatIntervalMs, 'consumer.session.timeout.ms must be greater than consumer.heartbeat.interval.ms'],
    [s.shareSessionTimeoutMs <= s.shareHeartbeatIntervalMs, 'share.session.timeout.ms must be greater than share.heartbeat.interval.ms'],
  ];
  const broken = rules.find(([failed]) => failed);
  return broken ? invalid(broken[1]) : null;
}

// What DescribeConfigs, AlterConfigs and IncrementalAlterConfigs share: Kafka's ConfigResource
// types, the checks Kafka's ConfigAdminManager runs before touching any resource (duplicate
// resources, duplicate keys, null values, the node id in a BROKER name), the topic alteration
// path of its controller (validate the resulting overrides, then check the topic exists, then
// apply), the same for dynamic BROKER settings and GROUP settings (ConfigStore checks and keeps
// them), and the one logger Brook exposes as a BROKER_LOGGER resource.
import type { BrokerContext } from './broker-context.js';
import { ErrorCode } from '../protocol/errors.js';
import { topicNameError } from '../cluster/topic-name.js';
import type { ConfigMap } from '../config/dynamic-config-file.js';

/** Kafka's ConfigResource.Type ids. */
export const ConfigResourceType = {
  UNKNOWN: 0,
  TOPIC: 2,
  BROKER: 4,
  BROKER_LOGGER: 8,
  CLIENT_METRICS: 16,
  GROUP: 32,
} as const;

export interface ApiError {
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

export const NO_ERROR: ApiError = { errorCode: ErrorCode.NONE, errorMessage: null };

export function invalidRequest(message: string): ApiError {
  return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: message };
}

/** Kafka's ConfigResource.Type names, for messages. */
export function resourceTypeName(type: number): string {
  for (const [name, id] of Object.entries(ConfigResourceType)) if (id === type) return name;
  return 'UNKNOWN';
}

/**
 * The per-resource answers of AlterConfigs and IncrementalAlterConfigs. A resource named twice
 * (same type and name) is answered INVALID_REQUEST "Each resource must appear at most once." in
 * every copy and none of them is touched, as Kafka's ConfigAdminManager does; `alter` handles the rest.
 */
export function alterEach<R extends { resourceType: number; resourceName: string }>(
  resources: readonly R[],
  alter: (r: R) => ApiError,
): { resourceType: number; resourceName: string; errorCode: number; errorMessage: string | null }[] {
  const first = new Map<string, number>();
  const duplicates = new Set<number>();
  resources.forEach((r, i) => {
    const key = `${r.resourceType}\u0000${r.resourceName}`;
    const seen = first.get(key);
    if (seen === undefined) first.set(key, i);
    else duplicates.add(seen).add(i);
  });
  return resources.map((r, i) => ({
    resourceType: r.resourceType,
    resourceName: r.resourceName,
    ...(duplicates.has(i) ? invalidRequest('Each resource must appear at most once.') : alter(r)),
  }));
}

/** ConfigAdminManager's shape checks of one resource's changes, in Kafka's order. */
export function checkChanges(configs: readonly { name: string; value: string | null; configOperation?: number }[]): ApiError | null {
  const names = new Set<string>();
  for (const c of configs) {
    if (names.has(c.name)) return invalidRequest('Error due to duplicate config keys');
    names.add(c.name);
  }
  const nulls = configs.filter((c) => c.value === null && c.configOperation !== AlterOp.DELETE).map((c) => c.name);
  if (nulls.length > 0) return invalidRequest(`Null value not supported for : ${nulls.join(', ')}`);
  return null;
}

/** IncrementalAlterConfigs operations (AlterConfigOp.OpType ids). */
export const AlterOp = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const;

/** A BROKER or BROKER_LOGGER resource must name this node (Kafka: validateResourceNameIsCurrentNodeId). */
export function checkNodeName(name: string, nodeId: number): ApiError | null {
  if (!/^[+-]?\d+$/.test(name) || !Number.isSafeInteger(Number(name))) return invalidRequest(`Node id must be an integer, but it is: ${name}`);
  if (Number(name) !== nodeId) return invalidRequest(`Unexpected broker id, expected ${nodeId}, but received ${name}`);
  return null;
}

/** What a change computes from a resource's current settings: its new settings, or the error. */
export type Computed = { overrides: Record<string, string> } | { error: ApiError };

/**
 * A change to a BROKER resource ('' = cluster default, else this node's id): `compute` turns the
 * saved dynamic settings into the new ones, which ConfigStore checks as Kafka's
 * ConfigAdminManager does (INVALID_REQUEST) and, unless validateOnly, saves and applies.
 */
export function alterBroker(broker: BrokerContext, name: string, compute: (current: ConfigMap) => Computed, validateOnly: boolean): ApiError {
  if (name !== '') {
    const err = checkNodeName(name, broker.nodeId);
    if (err) return err;
  }
  // "+1" and "01" name node 1 too: settings are kept under the canonical id.
  const key = name === '' ? '' : String(broker.nodeId);
  const next = compute(broker.configs.brokerDynamic(key));
  if ('error' in next) return next.error;
  const err = broker.configs.alterBroker(key, next.overrides, validateOnly);
  return err ? { errorCode: err.errorCode, errorMessage: err.message } : NO_ERROR;
}

/**
 * A change to a GROUP resource, as Kafka's controller makes it: the name must not be empty, the
 * resulting overrides are checked (INVALID_CONFIG, see group-config.ts) and replace the old ones.
 * The group need not exist: its settings wait for it.
 */
export function alterGroup(broker: BrokerContext, name: string, compute: (current: ConfigMap) => Computed, validateOnly: boolean): ApiError {
  if (name === '') return invalidRequest('Default group resources are not allowed.');
  const next = compute(broker.configs.groupConfigs(name));
  if ('error' in next) return next.error;
  const err = broker.configs.alterGroup(name, next.overrides, validateOnly);
  return err ? { errorCode: err.errorCode, errorMessage: err.message } : NO_ERROR;
}

/**
 * The controller's topic path (ConfigurationControlManager + ControllerConfigurationValidator):
 * the name is checked, then the resulting overrides are validated, then the topic must exist;
 * only then are the overrides replaced. `compute` turns the current overrides into the new ones.
 */
export function alterTopic(
  broker: BrokerContext,
  name: string,
  compute: (current: Readonly<Record<string, string>>) => Computed,
  validateOnly: boolean,
): ApiError {
  if (name === '') return invalidRequest('Default topic resources are not allowed.');
  const nameError = topicNameError(name);
  if (nameError) return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: nameError };
  const topic = broker.cluster.topic(name);
  const next = compute(topic?.configs ?? {});
  if ('error' in next) return next.error;
  const { overrides } = next;
  const invalid = broker.configs.validateTopicConfigs(overrides);
  if (invalid) return { errorCode: invalid.errorCode, errorMessage: invalid.message };
  if (!topic) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `The topic '${name}' does not exist.` };
  if (validateOnly) return NO_ERROR;
  const failed = broker.cluster.setTopicConfigs(name, overrides);
  return failed ? { errorCode: failed.errorCode, errorMessage: failed.errorMessage } : NO_ERROR;
}

/** Brook's one logger, under log4j's name for the root logger. */
export const ROOT_LOGGER = 'root';

/** log4j levels Kafka accepts (LogLevelConfig.VALID_LOG_LEVELS) and their pino names. */
const LEVELS: ReadonlyMap<string, string> = new Map([
  ['OFF', 'silent'],
  ['FATAL', 'fatal'],
  ['ERROR', 'error'],
  ['WARN', 'warn'],
  ['INFO', 'info'],
  ['DEBUG', 'debug'],
  ['TRACE', 'trace'],
]);

/** The root logger's level in log4j's words, for DescribeConfigs of a BROKER_LOGGER. */
export function rootLogLevel(broker: BrokerContext): string {
  for (const [log4j, pinoLevel] of LEVELS) if (pinoLevel === broker.log.level) return log4j;
  return broker.log.level.toUpperCase();
}

/** IncrementalAlterConfigs on a BROKER_LOGGER: Kafka's validateLogLevelConfigs, then the change. */
export function alterLoggers(broker: BrokerContext, name: string, configs: readonly { name: string; configOperation: number; value: string | null }[], validateOnly: boolean): ApiError {
  const err = checkNodeName(name, broker.nodeId);
  if (err) return err;
  let level: string | undefined;
  for (const c of configs) {
    if (c.configOperation === AlterOp.APPEND || c.configOperation === AlterOp.SUBTRACT) {
      const op = c.configOperation === AlterOp.APPEND ? 'APPEND' : 'SUBTRACT';
      return invalidRequest(`${op} operation is not allowed for the BROKER_LOGGER resource`);
    }
    if (c.configOperation !== AlterOp.SET && c.configOperation !== AlterOp.DELETE) {
      return invalidRequest(`Unknown operation type ${c.configOperation} is not allowed for the BROKER_LOGGER resource`);
    }
    if (c.name !== ROOT_LOGGER) return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: `Logger ${c.name} does not exist!` };
    if (c.configOperation === AlterOp.DELETE) return invalidRequest(`Removing the log level of the ${ROOT_LOGGER} logger is not allowed`);
    level = LEVELS.get(c.value ?? '');
    if (level === undefined || c.value === 'OFF') {
      return {
        errorCode: ErrorCode.INVALID_CONFIG,
        errorMessage: `Cannot set the log level of ${c.name} to ${c.value} as it is not a supported log level. Valid log levels are DEBUG, ERROR, FATAL, INFO, TRACE, WARN`,
      };
    }
  }
  if (!validateOnly && level !== undefined) broker.log.level = level;
  return NO_ERROR;
}

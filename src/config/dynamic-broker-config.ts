// Dynamic broker configuration with Kafka's rules (DynamicBrokerConfig): which settings may change
// while the broker runs (updateMode "per-broker" or "cluster-wide" in the definitions, as Kafka
// marks them), the checks of ConfigAdminManager.validateBrokerConfigChange in Kafka's order and
// wording, and how the layers merge: a dynamic value replaces its own name and every synonym of
// lower layers (DynamicBrokerConfig.overrideProps), so a dynamic log.retention.ms wins over a
// static log.retention.hours. Names Brook does not define are kept as custom settings, as Kafka
// keeps names that are not Kafka configs: stored and described, without effect.

import { BROKER_CONFIGS } from './broker-config.js';
import { ConfigException, parseValue } from './config-def.js';
import type { BrokerConfig } from './broker-config.js';
import { brokerSynonyms } from './topic-config.js';

/** Kafka's SslConfigs.RECONFIGURABLE_CONFIGS: dynamic only with a listener prefix (listener.name.X.), never bare. */
const LISTENER_PREFIXED_ONLY = new Set([
  'ssl.keystore.type', 'ssl.keystore.location', 'ssl.keystore.password', 'ssl.key.password', 'ssl.keystore.key',
  'ssl.keystore.certificate.chain', 'ssl.truststore.type', 'ssl.truststore.location', 'ssl.truststore.password',
  'ssl.truststore.certificates',
]);

/** Dynamic in Kafka, but Brook would have to close and reopen its listeners to apply them. */
const LISTENER_CONFIGS = new Set(['listeners', 'advertised.listeners', 'listener.security.protocol.map']);

/** Kafka's DynamicThreadPool settings: a change may at most halve or double the current count. */
const THREAD_POOLS = ['num.io.threads', 'num.recovery.threads.per.data.dir', 'background.threads', 'log.cleaner.threads'] as const;

/** Scala's Set.toString, which Kafka's messages print: "Set(a, b)". */
function scalaSet(names: readonly string[]): string {
  return `Set(${names.join(', ')})`;
}

/** True for a name Brook defines; others are custom settings. */
export function isKnownBrokerConfig(name: string): boolean {
  return BROKER_CONFIGS.has(name);
}

/**
 * Kafka's DynamicBrokerConfig.validateConfigs for one resource's resulting dynamic settings:
 * returns the INVALID_REQUEST message, or null. `perBroker` is false for the cluster default ("").
 */
export function checkDynamicBrokerConfigs(props: Readonly<Record<string, string>>, perBroker: boolean): string | null {
  const names = Object.keys(props);
  const readOnly = names.filter((n) => BROKER_CONFIGS.get(n)?.updateMode === 'read-only');
  if (readOnly.length > 0) return `Cannot update these configs dynamically: ${scalaSet(readOnly)}`;
  const bare = names.filter((n) => LISTENER_PREFIXED_ONLY.has(n));
  if (bare.length > 0) return `These security configs can be dynamically updated only per-listener using the listener prefix: ${scalaSet(bare)}`;
  try {
    for (const [name, raw] of Object.entries(props)) {
      const def = BROKER_CONFIGS.get(name);
      if (def) parseValue(def, raw);
    }
  } catch (error) {
    if (error instanceof ConfigException) return error.message;
    throw error;
  }
  if (!perBroker) {
    const perBrokerOnly = names.filter((n) => BROKER_CONFIGS.get(n)?.updateMode === 'per-broker');
    if (perBrokerOnly.length > 0) return `Cannot update these configs at default cluster level, broker id must be specified: ${scalaSet(perBrokerOnly)}`;
  }
  const listeners = names.filter((n) => LISTENER_CONFIGS.has(n));
  if (listeners.length > 0) {
    return `Brook cannot reopen its listeners while running: set ${scalaSet(listeners)} in the static configuration and restart`;
  }
  return null;
}

/**
 * The settings a broker runs with: static ones, overridden by the cluster default, overridden by
 * this broker's own, each replacing the synonyms of the layers below. Custom names are left out
 * (BrokerConfig refuses names it does not define).
 */
export function mergeBrokerProps(
  statics: ReadonlyMap<string, string>,
  clusterDefault: Readonly<Record<string, string>>,
  perBroker: Readonly<Record<string, string>>,
): Map<string, string> {
  const merged = new Map(statics);
  for (const layer of [clusterDefault, perBroker]) {
    for (const [name, value] of Object.entries(layer)) {
      if (!isKnownBrokerConfig(name)) continue;
      for (const synonym of brokerSynonyms(name)) merged.delete(synonym);
      merged.set(name, value);
    }
  }
  return merged;
}

/**
 * What Kafka's reconfigurables check beyond single values (processReconfiguration): thread pools
 * may at most halve or double. Returns Kafka's message ("Invalid dynamic configuration") or null.
 */
export function checkReconfiguration(current: BrokerConfig, next: BrokerConfig): string | null {
  // Kafka's LogCleaner.validateReconfiguration: cleaner threads cannot go to 0 while running.
  if ((next.get('log.cleaner.threads') as number) < 1 && next.get('log.cleaner.threads') !== current.get('log.cleaner.threads')) return 'Invalid dynamic configuration';
  for (const name of THREAD_POOLS) {
    const before = current.get(name) as number;
    const after = next.get(name) as number;
    if (after !== before && (after < before / 2 || after > before * 2)) return 'Invalid dynamic configuration';
  }
  return null;
}

import pino, { type Logger } from 'pino';
import { BrokerConfig } from './config/broker-config.js';
import { ConfigStore } from './config/config-store.js';
import { LogManager } from './storage/log-manager.js';
import { Cluster } from './cluster/cluster.js';
import type { TopicSettingsResolver } from './cluster/topic-settings.js';
import { Server } from './server/server.js';
import { handlers } from './handlers/registry.js';
import type { BrokerContext } from './handlers/broker-context.js';

export interface Broker {
  readonly bootstrap: string;
  readonly host: string;
  readonly port: number;
  readonly config: BrokerConfig;
  readonly cluster: Cluster;
  readonly context: BrokerContext;
  stop(): Promise<void>;
}

/**
 * The composition root: config -> storage -> cluster -> coordinators -> handlers -> server.
 * Nothing else wires layers together, so each can be built and tested alone.
 */
export async function createBroker(config: BrokerConfig, log: Logger = pino({ level: 'warn' })): Promise<Broker> {
  const configs = new ConfigStore(config);
  const settings: TopicSettingsResolver = {
    validate: (overrides) => configs.validateTopicConfigs(overrides),
    resolve: (overrides) => configs.logConfig(overrides),
  };
  const logs = await LogManager.open(config.dataDir);
  const cluster = await Cluster.open({ dataDir: config.dataDir, nodeId: config.nodeId, logs, settings });

  const advertised = { host: config.advertisedHost, port: config.advertisedPort };
  const context: BrokerContext = {
    nodeId: config.nodeId,
    advertised,
    cluster,
    config,
    configs,
    apiVersions: handlers.map((h) => ({ apiKey: h.apiKey, minVersion: h.minVersion, maxVersion: h.maxVersion })),
    log,
    async autoCreateTopic(name) {
      if (!config.autoCreateTopicsEnable || cluster.topic(name)) return;
      await cluster.createTopic(name, config.numPartitions, {});
    },
  };

  const server = new Server({
    host: config.host,
    port: config.port,
    handlers,
    broker: context,
    maxRequestBytes: config.socketRequestMaxBytes,
    maxConnections: config.maxConnections,
    log,
  });
  const port = await server.listen();
  Object.assign(advertised, config.advertisedAddress(port));

  // Background duties on Kafka's schedules: retention, recovery-point checkpoints.
  const timers = [
    setInterval(() => {
      const now = Date.now();
      for (const t of cluster.topics()) for (const p of t.partitions) p.log.enforceRetention(now);
    }, config.logRetentionCheckIntervalMs),
    setInterval(() => void logs.checkpoint().catch((err: unknown) => log.error({ err }, 'checkpoint failed')), finiteInterval(config.logFlushOffsetCheckpointIntervalMs)),
  ];
  for (const t of timers) t.unref();

  let stopping: Promise<void> | undefined;
  const host = config.host === '' ? advertised.host : config.host;
  return {
    bootstrap: `${host}:${port}`,
    host,
    port,
    config,
    cluster,
    context,
    stop() {
      stopping ??= (async () => {
        for (const t of timers) clearInterval(t);
        await server.close();
        await logs.close();
      })();
      return stopping;
    },
  };
}

/** Kafka uses Long.MAX_VALUE for "never"; a timer cannot, so cap it at a day. */
function finiteInterval(ms: number): number {
  return Number.isFinite(ms) ? Math.max(1, ms) : 86_400_000;
}

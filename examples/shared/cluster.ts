// Where an example's events live: an embedded Brook (the default: one process, a temp data dir,
// nothing to install) or any Kafka-compatible cluster given with --brokers. The example code
// never knows which: it gets bootstrap addresses and talks the Kafka protocol through
// @platformatic/kafka, as an application would.
//
// On a cluster that is not ours, earlier runs may have left topics and groups behind, so every
// topic and group name is prefixed with a run id there; on the embedded broker the names stay
// as the README shows them (order-events, inventory, ...).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Admin } from '@platformatic/kafka';
import { startBroker, type Broker } from '../../src/index.js';

export interface TopicSpec {
  name: string;
  partitions: number;
  /** Topic settings by Kafka name, e.g. { 'cleanup.policy': 'compact' }. */
  configs?: Record<string, string>;
}

export interface Cluster {
  readonly bootstrap: string[];
  /** The in-process broker, when the example started one. */
  readonly embedded: Broker | undefined;
  /** The name this run uses for a topic (prefixed on an external cluster). */
  topic(name: string): string;
  /** The name this run uses for a consumer group (prefixed on an external cluster). */
  group(name: string): string;
  /** Creates topics (by their unprefixed names) and waits until they can be used. */
  createTopics(specs: readonly TopicSpec[]): Promise<void>;
  /** The admin client, for offset resets and listings. */
  readonly admin: Admin;
  close(): Promise<void>;
}

/**
 * Embedded-broker settings: groups form as soon as the first member joins (Kafka waits 3 s by
 * default for more members to arrive, which only slows a demo) and short sessions are allowed.
 */
const EMBEDDED_SETTINGS = {
  'group.initial.rebalance.delay.ms': 0,
  'group.min.session.timeout.ms': 1000,
  'num.partitions': 4,
} as const;

export async function openCluster(example: string, brokers?: readonly string[]): Promise<Cluster> {
  let embedded: Broker | undefined;
  let dataDir: string | undefined;
  let bootstrap: string[];
  let prefix = '';
  if (brokers && brokers.length > 0) {
    bootstrap = [...brokers];
    prefix = `brook-example-${example}-${Date.now().toString(36)}.`;
  } else {
    dataDir = mkdtempSync(join(tmpdir(), `brook-example-${example}-`));
    embedded = await startBroker({ port: 0, dataDir, settings: EMBEDDED_SETTINGS });
    bootstrap = [embedded.bootstrap];
  }
  const admin = new Admin({ clientId: `${example}-admin`, bootstrapBrokers: bootstrap });
  return {
    bootstrap,
    embedded,
    admin,
    topic: (name) => `${prefix}${name}`,
    group: (name) => `${prefix}${name}`,
    async createTopics(specs) {
      for (const s of specs) {
        await admin.createTopics({
          topics: [`${prefix}${s.name}`],
          partitions: s.partitions,
          replicas: -1, // the cluster's default replication factor
          configs: Object.entries(s.configs ?? {}).map(([name, value]) => ({ name, value })),
        });
      }
      await admin.metadata({ topics: specs.map((s) => `${prefix}${s.name}`), forceUpdate: true });
    },
    async close() {
      await admin.close();
      if (embedded) await embedded.stop();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

// Broker settings and setup shared by the consumer-group tests. Groups form at once (no initial
// rebalance delay) and accept short sessions, so expiry and rebalances fit in a test's time.
// startGroupBroker is the embedded API (src/index.ts) on port 0 and a temp dir, with the topics
// created through kafkajs' admin as an application would.
import { rmSync } from 'node:fs';
import kafkajs, { type Kafka } from 'kafkajs';
import { startBroker, type Broker } from '../../src/index.js';
import { tempDir } from './broker.js';

/** Classic groups: rebalance without delay, sessions down to 1 s. */
export const FAST_CLASSIC_GROUPS = { 'group.initial.rebalance.delay.ms': 0, 'group.min.session.timeout.ms': 1000 } as const;

/** KIP-848 groups: 3 s sessions, heartbeats every 200 ms. */
export const FAST_CONSUMER_GROUPS = {
  'group.consumer.session.timeout.ms': 3000,
  'group.consumer.min.session.timeout.ms': 1000,
  'group.consumer.heartbeat.interval.ms': 200,
  'group.consumer.min.heartbeat.interval.ms': 100,
} as const;

export interface GroupBroker {
  broker: Broker;
  /** A kafkajs client (log level NOTHING) for producers the test needs. */
  kafka: Kafka;
  /** Stops the broker and removes its data dir. */
  stop(): Promise<void>;
}

/** An embedded broker with FAST_CLASSIC_GROUPS and `topics` (name -> partitions) created. */
export async function startGroupBroker(clientId: string, topics: Readonly<Record<string, number>>): Promise<GroupBroker> {
  const dir = tempDir(`brook-${clientId}-`);
  const broker = await startBroker({ port: 0, dataDir: dir, settings: FAST_CLASSIC_GROUPS });
  const kafka = new kafkajs.Kafka({ clientId, brokers: [broker.bootstrap], logLevel: kafkajs.logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: Object.entries(topics).map(([topic, numPartitions]) => ({ topic, numPartitions })) });
  await admin.disconnect();
  return {
    broker,
    kafka,
    async stop() {
      await broker.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

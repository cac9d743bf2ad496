import type { Logger } from 'pino';
import type { Cluster } from '../cluster/cluster.js';
import type { AppendFailureLog } from '../cluster/append-failure-log.js';
import type { BrokerConfig } from '../config/broker-config.js';
import type { ConfigStore } from '../config/config-store.js';
import type { GroupCoordinator } from '../coordinator/group/group-coordinator.js';
import type { OffsetsTopicLog } from '../coordinator/offsets-topic.js';
import type { TransactionCoordinator } from '../coordinator/transaction/transaction-coordinator.js';

export interface ApiVersionRange {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}

/** What request handlers may use of the broker; built by broker.ts, the composition root. */
export interface BrokerContext {
  readonly nodeId: number;
  /** The address clients are told to connect to (advertised.listeners). */
  readonly advertised: { host: string; port: number };
  readonly cluster: Cluster;
  /** The configuration in force: the static one with the dynamic broker settings applied. */
  readonly config: BrokerConfig;
  /** Describes, validates and changes broker, topic and group configs (DescribeConfigs, CreateTopics, AlterConfigs, ...). */
  readonly configs: ConfigStore;
  readonly groups: GroupCoordinator;
  /** The internal topic behind the group coordinator; FindCoordinator creates it on first use. */
  readonly offsetsTopic: OffsetsTopicLog;
  /** Producer ids (InitProducerId) and transactions (the transaction coordinator). */
  readonly transactions: TransactionCoordinator;
  readonly apiVersions: readonly ApiVersionRange[];
  readonly log: Logger;
  /** Failed appends and fsyncs: the first per partition in full, then counted. */
  readonly appendFailures: AppendFailureLog;
  /**
   * Auto-creates a topic when Kafka would; does nothing when auto.create.topics.enable is off.
   * Resolves to the error of a failed creation (KAFKA_STORAGE_ERROR on a full disk), else NONE.
   */
  autoCreateTopic(name: string): Promise<number>;
}

/**
 * Group coordinator settings. Field names follow Kafka's GroupCoordinatorConfig accessors; each
 * comment gives the broker property it comes from and Kafka 4.x's default.
 */
export interface GroupCoordinatorConfig {
  /** group.min.session.timeout.ms */
  classicGroupMinSessionTimeoutMs: number;
  /** group.max.session.timeout.ms */
  classicGroupMaxSessionTimeoutMs: number;
  /** group.initial.rebalance.delay.ms: wait for more members before the first rebalance of an empty group. */
  classicGroupInitialRebalanceDelayMs: number;
  /** group.max.size */
  classicGroupMaxSize: number;
  /** Not configurable in Kafka (5 minutes): how long a new member's JoinGroup may stay parked. */
  classicGroupNewMemberJoinTimeoutMs: number;
  /** group.consumer.session.timeout.ms */
  consumerGroupSessionTimeoutMs: number;
  /** group.consumer.heartbeat.interval.ms */
  consumerGroupHeartbeatIntervalMs: number;
  /** group.consumer.max.size */
  consumerGroupMaxSize: number;
  /** group.consumer.assignors, by short name; the first one is the default. */
  consumerGroupAssignors: readonly string[];
  /** offsets.retention.minutes, in milliseconds. */
  offsetsRetentionMs: number;
  /** offsets.retention.check.interval.ms */
  offsetsRetentionCheckIntervalMs: number;
  /** offset.metadata.max.bytes (Kafka compares the string's length in UTF-16 units, as we do). */
  offsetMetadataMaxSize: number;
  /**
   * A consumer group's own settings (Kafka's GroupConfig: consumer.session.timeout.ms,
   * consumer.heartbeat.interval.ms, set through AlterConfigs on the GROUP resource), read at each
   * heartbeat; without it every group uses the two broker-wide values above.
   */
  consumerGroupOverrides?: (groupId: string) => { consumerSessionTimeoutMs: number; consumerHeartbeatIntervalMs: number };
}

const INT32_MAX = 2147483647;

export const DEFAULT_GROUP_COORDINATOR_CONFIG: GroupCoordinatorConfig = {
  classicGroupMinSessionTimeoutMs: 6000,
  classicGroupMaxSessionTimeoutMs: 1_800_000,
  classicGroupInitialRebalanceDelayMs: 3000,
  classicGroupMaxSize: INT32_MAX,
  classicGroupNewMemberJoinTimeoutMs: 5 * 60 * 1000,
  consumerGroupSessionTimeoutMs: 45_000,
  consumerGroupHeartbeatIntervalMs: 5000,
  consumerGroupMaxSize: INT32_MAX,
  consumerGroupAssignors: ['uniform', 'range'],
  offsetsRetentionMs: 7 * 24 * 60 * 60 * 1000,
  offsetsRetentionCheckIntervalMs: 600_000,
  offsetMetadataMaxSize: 4096,
};

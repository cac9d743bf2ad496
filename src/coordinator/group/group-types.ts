/**
 * Domain types of the group coordinator: what handlers pass in and get back. They mirror the
 * fields of Kafka's request/response messages (camelCase) without being wire messages: versions,
 * throttling and encoding stay in src/handlers.
 */
import type { ErrorCode } from '../../protocol/errors.js';
import type { MarkerResult, TxnMarker } from '../../cluster/partition.js';

/** One key/value record of `__consumer_offsets`; value null is a tombstone. */
export interface GroupLogRecord {
  key: Buffer;
  value: Buffer | null;
  /** The producer of a transactional batch (a transactional offset commit); absent or -1 otherwise. */
  producerId?: number;
}

/** A COMMIT or ABORT marker in partition `partition` of `__consumer_offsets` (replay). */
export interface GroupLogMarker {
  marker: { partition: number; producerId: number; commit: boolean };
}

/** What a replay reads: records, and the markers that end transactional offset commits. */
export type GroupLogEntry = GroupLogRecord | GroupLogMarker;

/** The producer of a transactional offset commit. */
export interface TxnProducer {
  producerId: number;
  producerEpoch: number;
}

/**
 * Where the coordinator persists its state. Each call carries the records of one group only
 * (`groupId` is given so the caller can pick the `__consumer_offsets` partition). Appends must be
 * applied in call order; the promise resolves once the records are durable.
 */
export interface GroupLog {
  append(records: GroupLogRecord[], groupId: string): Promise<void>;
  /**
   * Appends transactional offset commits as one transactional batch of `producer`. Resolves to
   * NONE once durable, or to the partition's refusal (INVALID_PRODUCER_EPOCH for a fenced
   * producer); rejects as append does when the write fails.
   */
  appendTransactional(records: GroupLogRecord[], groupId: string, producer: TxnProducer): Promise<ErrorCode>;
  /** Writes a COMMIT/ABORT marker to partition `partition`, synchronously up to the OS write. */
  writeMarker(partition: number, marker: TxnMarker, now: number): MarkerResult;
  /** The partition holding the group (its markers end its transactional offset commits). */
  partitionFor(groupId: string): number;
}

export interface TopicMetadata {
  /** Topic id as the cluster spells it (opaque to the coordinator). */
  id: string;
  name: string;
  /** Number of partitions. */
  partitions: number;
}

/** Read-only view of the cluster's topics, injected by the broker. */
export interface TopicMetadataView {
  topicByName(name: string): TopicMetadata | undefined;
  topicById(id: string): TopicMetadata | undefined;
  /** All topic names; only needed for KIP-848 regex subscriptions. */
  topicNames?(): Iterable<string>;
  /**
   * A count that moves whenever a topic is created: groups subscribed by regex resolve their
   * regexes again when it has moved (Kafka's "metadata image with new topics"). Without it,
   * regexes are resolved only when a member brings a new one.
   */
  topicCreations?(): number;
}

/** Minimal logger (pino's methods fit). */
export interface GroupLogger {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

/** Who sent the request. */
export interface ClientInfo {
  clientId: string;
  clientHost: string;
}

// ---------------------------------------------------------------- classic protocol

export interface JoinGroupProtocol {
  name: string;
  metadata: Buffer;
}

export interface JoinGroupParams extends ClientInfo {
  groupId: string;
  /** "" for a new member. */
  memberId: string;
  groupInstanceId: string | null;
  sessionTimeoutMs: number;
  /** JoinGroup v0 has none: pass sessionTimeoutMs (Kafka does the same). */
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: JoinGroupProtocol[];
  reason: string | null;
  /** JoinGroup request version: v4+ requires the member-id handshake. */
  apiVersion: number;
}

export interface JoinGroupMember {
  memberId: string;
  groupInstanceId: string | null;
  metadata: Buffer;
}

export interface JoinGroupResult {
  errorCode: ErrorCode;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leader: string;
  skipAssignment: boolean;
  memberId: string;
  /** Filled for the leader only. */
  members: JoinGroupMember[];
}

export interface SyncGroupParams {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  /** null when the request version does not carry it (v0-4). */
  protocolType: string | null;
  protocolName: string | null;
  /** The leader's assignment; empty for followers. */
  assignments: { memberId: string; assignment: Buffer }[];
}

export interface SyncGroupResult {
  errorCode: ErrorCode;
  protocolType: string | null;
  protocolName: string | null;
  assignment: Buffer;
}

export interface HeartbeatParams {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
}

export interface LeaveGroupMemberParams {
  memberId: string;
  groupInstanceId: string | null;
  reason: string | null;
}

export interface LeaveGroupResult {
  /** Group-level error; when NONE, see each member's error. */
  errorCode: ErrorCode;
  members: { memberId: string; groupInstanceId: string | null; errorCode: ErrorCode }[];
}

// ---------------------------------------------------------------- KIP-848 consumer protocol

export interface TopicPartitions {
  topicId: string;
  partitions: number[];
}

export interface ConsumerGroupHeartbeatParams extends ClientInfo {
  groupId: string;
  /** v1: generated by the client; v0: "" on the first join, then the one the server returned. */
  memberId: string;
  /** 0 = join, -1 = leave, -2 = static member leaving temporarily. */
  memberEpoch: number;
  instanceId: string | null;
  rackId: string | null;
  /** -1 when unchanged since the last heartbeat. */
  rebalanceTimeoutMs: number;
  /** null when unchanged. */
  subscribedTopicNames: string[] | null;
  /** null when unchanged (v1+). */
  subscribedTopicRegex: string | null;
  serverAssignor: string | null;
  /** Partitions the member owns; null when unchanged. */
  topicPartitions: TopicPartitions[] | null;
  apiVersion: number;
}

export interface ConsumerGroupHeartbeatResult {
  errorCode: ErrorCode;
  errorMessage: string | null;
  memberId: string | null;
  memberEpoch: number;
  heartbeatIntervalMs: number;
  /** null when the assignment did not change and the request was not a full one. */
  assignment: TopicPartitions[] | null;
}

export interface DescribedTopicPartitions {
  topicId: string;
  topicName: string;
  partitions: number[];
}

export interface ConsumerGroupDescribedMember {
  memberId: string;
  instanceId: string | null;
  rackId: string | null;
  memberEpoch: number;
  clientId: string;
  clientHost: string;
  subscribedTopicNames: string[];
  subscribedTopicRegex: string | null;
  assignment: DescribedTopicPartitions[];
  targetAssignment: DescribedTopicPartitions[];
}

export interface ConsumerGroupDescription {
  errorCode: ErrorCode;
  errorMessage: string | null;
  groupId: string;
  groupState: string;
  groupEpoch: number;
  assignmentEpoch: number;
  assignorName: string;
  members: ConsumerGroupDescribedMember[];
}

// ---------------------------------------------------------------- offsets

export interface OffsetCommitPartition {
  partitionIndex: number;
  committedOffset: number;
  /** -1 when unknown. */
  committedLeaderEpoch: number;
  committedMetadata: string | null;
}

export interface OffsetCommitParams {
  groupId: string;
  /** Classic generation or KIP-848 member epoch; -1 for commits from outside the group. */
  generationIdOrMemberEpoch: number;
  memberId: string;
  groupInstanceId: string | null;
  /** OffsetCommit v2-v4 retention override, -1 otherwise. */
  retentionTimeMs: number;
  topics: { name: string; partitions: OffsetCommitPartition[] }[];
  apiVersion: number;
}

/** TxnOffsetCommit: offsets that become visible when the producer's transaction commits. */
export interface TxnOffsetCommitParams {
  groupId: string;
  producerId: number;
  producerEpoch: number;
  /** Classic generation or KIP-848 member epoch (v3+); -1 when not given. */
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  topics: { name: string; partitions: OffsetCommitPartition[] }[];
}

export interface OffsetCommitResult {
  topics: { name: string; partitions: { partitionIndex: number; errorCode: ErrorCode }[] }[];
}

export interface OffsetFetchGroupParams {
  groupId: string;
  /** null for all committed partitions of the group. */
  topics: { name: string; partitionIndexes: number[] }[] | null;
  /** v9+ KIP-848 members; null / -1 otherwise. */
  memberId: string | null;
  memberEpoch: number;
}

export interface OffsetFetchPartitionResult {
  partitionIndex: number;
  /** -1 when nothing is committed. */
  committedOffset: number;
  committedLeaderEpoch: number;
  metadata: string | null;
  errorCode: ErrorCode;
}

export interface OffsetFetchGroupResult {
  groupId: string;
  errorCode: ErrorCode;
  topics: { name: string; partitions: OffsetFetchPartitionResult[] }[];
}

export interface OffsetDeleteResult {
  errorCode: ErrorCode;
  topics: { name: string; partitions: { partitionIndex: number; errorCode: ErrorCode }[] }[];
}

// ---------------------------------------------------------------- admin

export interface ListedGroup {
  groupId: string;
  protocolType: string;
  groupState: string;
  groupType: 'classic' | 'consumer';
}

export interface ListGroupsResult {
  errorCode: ErrorCode;
  groups: ListedGroup[];
}

export interface DescribedGroupMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  memberMetadata: Buffer;
  memberAssignment: Buffer;
}

export interface DescribedGroup {
  errorCode: ErrorCode;
  errorMessage: string | null;
  groupId: string;
  groupState: string;
  protocolType: string;
  protocolData: string;
  members: DescribedGroupMember[];
}

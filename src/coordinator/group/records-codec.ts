/**
 * Brook's own key/value encoding of the group coordinator's records in `__consumer_offsets`.
 * Kafka's layout is not needed (nothing but Brook reads these records), but the shape follows it:
 * one key per piece of state so that compaction keeps only the latest value, and a null value
 * (tombstone) deletes it.
 *
 *   key   = int16 record type, string group id, type-specific key fields
 *   value = int16 value version (0 today), fields; later versions only append fields, so an
 *           older reader decodes the prefix it knows.
 *
 * Strings are int16-length UTF-8 (-1 = null), byte arrays int32-length, arrays int32 counts.
 */
import { Reader } from '../../protocol/primitives/reader.js';
import { Writer } from '../../protocol/primitives/writer.js';
import type { GroupLogRecord, TopicMetadata, TopicPartitions } from './group-types.js';

export const GroupRecordType = {
  OFFSET_COMMIT: 0,
  GROUP_METADATA: 1,
  CONSUMER_GROUP_METADATA: 2,
  CONSUMER_GROUP_MEMBER_METADATA: 3,
  CONSUMER_GROUP_TARGET_ASSIGNMENT_METADATA: 4,
  CONSUMER_GROUP_TARGET_ASSIGNMENT_MEMBER: 5,
  CONSUMER_GROUP_CURRENT_MEMBER_ASSIGNMENT: 6,
  CONSUMER_GROUP_REGULAR_EXPRESSION: 7,
} as const;

const KNOWN_RECORD_TYPES: ReadonlySet<number> = new Set(Object.values(GroupRecordType));

const VALUE_VERSION = 0;

export interface OffsetCommitValue {
  committedOffset: number;
  leaderEpoch: number;
  metadata: string;
  commitTimestampMs: number;
  /** -1 unless the commit carried an explicit retention (OffsetCommit v2-v4). */
  expireTimestampMs: number;
}

export interface GroupMetadataMemberValue {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  /** The member's metadata for the selected protocol. */
  subscription: Buffer;
  assignment: Buffer;
}

export interface GroupMetadataValue {
  protocolType: string;
  generationId: number;
  protocolName: string | null;
  leader: string | null;
  currentStateTimestampMs: number;
  members: GroupMetadataMemberValue[];
}

export interface ConsumerGroupMetadataValue {
  epoch: number;
  /** The subscribed topics as they were when the epoch was set (detects metadata changes). */
  subscriptionMetadata: TopicMetadata[];
}

export interface ConsumerGroupMemberMetadataValue {
  instanceId: string | null;
  rackId: string | null;
  clientId: string;
  clientHost: string;
  subscribedTopicNames: string[];
  subscribedTopicRegex: string | null;
  serverAssignor: string | null;
  rebalanceTimeoutMs: number;
}

export interface ConsumerGroupCurrentMemberAssignmentValue {
  memberEpoch: number;
  previousMemberEpoch: number;
  /** MemberState of consumer-group.ts. */
  state: number;
  assigned: TopicPartitions[];
  pendingRevocation: TopicPartitions[];
}

/** The topics a subscription regex matched, and when (Kafka's ConsumerGroupRegularExpressionValue). */
export interface RegularExpressionValue {
  topics: string[];
  /** When the resolution started (ms since the epoch): refreshes are at least 10 s apart. */
  timestampMs: number;
}

export interface TargetAssignmentMetadataValue {
  assignmentEpoch: number;
}

export interface TargetAssignmentMemberValue {
  partitions: TopicPartitions[];
}

type T = typeof GroupRecordType;

export type GroupRecord =
  | {
      type: T['OFFSET_COMMIT'];
      groupId: string;
      topic: string;
      partition: number;
      value: OffsetCommitValue | null;
      /** A transactional offset commit's producer (from its batch, not encoded in the record). */
      producerId?: number;
    }
  | { type: T['GROUP_METADATA']; groupId: string; value: GroupMetadataValue | null }
  | { type: T['CONSUMER_GROUP_METADATA']; groupId: string; value: ConsumerGroupMetadataValue | null }
  | { type: T['CONSUMER_GROUP_MEMBER_METADATA']; groupId: string; memberId: string; value: ConsumerGroupMemberMetadataValue | null }
  | { type: T['CONSUMER_GROUP_TARGET_ASSIGNMENT_METADATA']; groupId: string; value: TargetAssignmentMetadataValue | null }
  | { type: T['CONSUMER_GROUP_TARGET_ASSIGNMENT_MEMBER']; groupId: string; memberId: string; value: TargetAssignmentMemberValue | null }
  | {
      type: T['CONSUMER_GROUP_CURRENT_MEMBER_ASSIGNMENT'];
      groupId: string;
      memberId: string;
      value: ConsumerGroupCurrentMemberAssignmentValue | null;
    }
  | { type: T['CONSUMER_GROUP_REGULAR_EXPRESSION']; groupId: string; regex: string; value: RegularExpressionValue | null };

function writeArray<E>(w: Writer, list: readonly E[], writeOne: (w: Writer, e: E) => void): void {
  w.int32(list.length);
  for (const e of list) writeOne(w, e);
}
function readArray<E>(r: Reader, readOne: (r: Reader) => E): E[] {
  const n = r.arrayLength();
  const out: E[] = [];
  for (let i = 0; i < n; i++) out.push(readOne(r));
  return out;
}

/** One value layout: `write` and `read` sit side by side so that they cannot drift apart. */
interface ValueCodec<V> {
  write(w: Writer, v: V): void;
  read(r: Reader): V;
}

const topicPartitions: ValueCodec<TopicPartitions> = {
  write(w, tp) {
    w.string(tp.topicId);
    writeArray(w, tp.partitions, (w2, p) => w2.int32(p));
  },
  read: (r) => ({ topicId: r.string(), partitions: readArray(r, (r2) => r2.int32()) }),
};

// Object literals evaluate their properties in order: each `read` lists fields as `write` does.
const offsetCommitValue: ValueCodec<OffsetCommitValue> = {
  write(w, v) {
    w.int64(v.committedOffset);
    w.int32(v.leaderEpoch);
    w.string(v.metadata);
    w.int64(v.commitTimestampMs);
    w.int64(v.expireTimestampMs);
  },
  read: (r) => ({
    committedOffset: r.int64(),
    leaderEpoch: r.int32(),
    metadata: r.string(),
    commitTimestampMs: r.int64(),
    expireTimestampMs: r.int64(),
  }),
};

const groupMetadataMemberValue: ValueCodec<GroupMetadataMemberValue> = {
  write(w, m) {
    w.string(m.memberId);
    w.nullableString(m.groupInstanceId);
    w.string(m.clientId);
    w.string(m.clientHost);
    w.int32(m.rebalanceTimeoutMs);
    w.int32(m.sessionTimeoutMs);
    w.bytes(m.subscription);
    w.bytes(m.assignment);
  },
  read: (r) => ({
    memberId: r.string(),
    groupInstanceId: r.nullableString(),
    clientId: r.string(),
    clientHost: r.string(),
    rebalanceTimeoutMs: r.int32(),
    sessionTimeoutMs: r.int32(),
    // Copies: the record buffer may belong to a reused read buffer.
    subscription: Buffer.from(r.bytes()),
    assignment: Buffer.from(r.bytes()),
  }),
};

const groupMetadataValue: ValueCodec<GroupMetadataValue> = {
  write(w, v) {
    w.string(v.protocolType);
    w.int32(v.generationId);
    w.nullableString(v.protocolName);
    w.nullableString(v.leader);
    w.int64(v.currentStateTimestampMs);
    writeArray(w, v.members, groupMetadataMemberValue.write);
  },
  read: (r) => ({
    protocolType: r.string(),
    generationId: r.int32(),
    protocolName: r.nullableString(),
    leader: r.nullableString(),
    currentStateTimestampMs: r.int64(),
    members: readArray(r, groupMetadataMemberValue.read),
  }),
};

const consumerGroupMetadataValue: ValueCodec<ConsumerGroupMetadataValue> = {
  write(w, v) {
    w.int32(v.epoch);
    writeArray(w, v.subscriptionMetadata, (w2, t) => {
      w2.string(t.name);
      w2.string(t.id);
      w2.int32(t.partitions);
    });
  },
  read: (r) => ({
    epoch: r.int32(),
    subscriptionMetadata: readArray(r, (r2): TopicMetadata => ({ name: r2.string(), id: r2.string(), partitions: r2.int32() })),
  }),
};

const consumerGroupMemberMetadataValue: ValueCodec<ConsumerGroupMemberMetadataValue> = {
  write(w, v) {
    w.nullableString(v.instanceId);
    w.nullableString(v.rackId);
    w.string(v.clientId);
    w.string(v.clientHost);
    writeArray(w, v.subscribedTopicNames, (w2, name) => w2.string(name));
    w.nullableString(v.subscribedTopicRegex);
    w.nullableString(v.serverAssignor);
    w.int32(v.rebalanceTimeoutMs);
  },
  read: (r) => ({
    instanceId: r.nullableString(),
    rackId: r.nullableString(),
    clientId: r.string(),
    clientHost: r.string(),
    subscribedTopicNames: readArray(r, (r2) => r2.string()),
    subscribedTopicRegex: r.nullableString(),
    serverAssignor: r.nullableString(),
    rebalanceTimeoutMs: r.int32(),
  }),
};

const targetAssignmentMetadataValue: ValueCodec<TargetAssignmentMetadataValue> = {
  write: (w, v) => w.int32(v.assignmentEpoch),
  read: (r) => ({ assignmentEpoch: r.int32() }),
};

const targetAssignmentMemberValue: ValueCodec<TargetAssignmentMemberValue> = {
  write: (w, v) => writeArray(w, v.partitions, topicPartitions.write),
  read: (r) => ({ partitions: readArray(r, topicPartitions.read) }),
};

const currentMemberAssignmentValue: ValueCodec<ConsumerGroupCurrentMemberAssignmentValue> = {
  write(w, v) {
    w.int32(v.memberEpoch);
    w.int32(v.previousMemberEpoch);
    w.int8(v.state);
    writeArray(w, v.assigned, topicPartitions.write);
    writeArray(w, v.pendingRevocation, topicPartitions.write);
  },
  read: (r) => ({
    memberEpoch: r.int32(),
    previousMemberEpoch: r.int32(),
    state: r.int8(),
    assigned: readArray(r, topicPartitions.read),
    pendingRevocation: readArray(r, topicPartitions.read),
  }),
};

const regularExpressionValue: ValueCodec<RegularExpressionValue> = {
  write(w, v) {
    writeArray(w, v.topics, (w2, t) => w2.string(t));
    w.int64(v.timestampMs);
  },
  read: (r) => ({ topics: readArray(r, (r2) => r2.string()), timestampMs: r.int64() }),
};

function encodeKey(rec: GroupRecord): Buffer {
  const w = new Writer(64);
  w.int16(rec.type);
  w.string(rec.groupId);
  switch (rec.type) {
    case GroupRecordType.OFFSET_COMMIT:
      w.string(rec.topic);
      w.int32(rec.partition);
      break;
    case GroupRecordType.CONSUMER_GROUP_MEMBER_METADATA:
    case GroupRecordType.CONSUMER_GROUP_TARGET_ASSIGNMENT_MEMBER:
    case GroupRecordType.CONSUMER_GROUP_CURRENT_MEMBER_ASSIGNMENT:
      w.string(rec.memberId);
      break;
    case GroupRecordType.CONSUMER_GROUP_REGULAR_EXPRESSION:
      w.string(rec.regex);
      break;
    default:
      break;
  }
  return w.toBuffer();
}

function encodeValue(rec: GroupRecord): Buffer | null {
  if (rec.value === null) return null;
  const w = new Writer(128);
  w.int16(VALUE_VERSION);
  switch (rec.type) {
    case GroupRecordType.OFFSET_COMMIT:
      offsetCommitValue.write(w, rec.value);
      break;
    case GroupRecordType.GROUP_METADATA:
      groupMetadataValue.write(w, rec.value);
      break;
    case GroupRecordType.CONSUMER_GROUP_METADATA:
      consumerGroupMetadataValue.write(w, rec.value);
      break;
    case GroupRecordType.CONSUMER_GROUP_MEMBER_METADATA:
      consumerGroupMemberMetadataValue.write(w, rec.value);
      break;
    case GroupRecordType.CONSUMER_GROUP_TARGET_ASSIGNMENT_METADATA:
      targetAssignmentMetadataValue.write(w, rec.value);
      break;
    case GroupRecordType.CONSUMER_GROUP_TARGET_ASSIGNMENT_MEMBER:
      targetAssignmentMemberValue.write(w, rec.value);
      break;
    case GroupRecordType.CONSUMER_GROUP_CURRENT_MEMBER_ASSIGNMENT:
      currentMemberAssignmentValue.write(w, rec.value);
      break;
    case GroupRecordType.CONSUMER_GROUP_REGULAR_EXPRESSION:
      regularExpressionValue.write(w, rec.value);
      break;
  }
  return w.toBuffer();
}

export function encodeGroupRecord(rec: GroupRecord): GroupLogRecord {
  return { key: encodeKey(rec), value: encodeValue(rec) };
}

/** The group id a key belongs to, or undefined for a key this codec does not know. */
export function groupIdOfKey(key: Buffer): string | undefined {
  try {
    const r = new Reader(key);
    const type = r.int16();
    if (!KNOWN_RECORD_TYPES.has(type)) return undefined;
    return r.string();
  } catch {
    return undefined;
  }
}

/**
 * Decodes a record; undefined for a record type this version of Brook does not know (skipped at
 * replay, like Kafka skips unknown record types). Throws on a corrupt known record.
 */
export function decodeGroupRecord(key: Buffer, value: Buffer | null): GroupRecord | undefined {
  const k = new Reader(key);
  const type = k.int16();
  const groupId = k.string();
  const v = value === null ? null : new Reader(value);
  if (v !== null) v.int16(); // value version: fields only ever get appended
  const read = <V>(codec: ValueCodec<V>): V | null => (v === null ? null : codec.read(v));
  switch (type) {
    case GroupRecordType.OFFSET_COMMIT:
      return { type, groupId, topic: k.string(), partition: k.int32(), value: read(offsetCommitValue) };
    case GroupRecordType.GROUP_METADATA:
      return { type, groupId, value: read(groupMetadataValue) };
    case GroupRecordType.CONSUMER_GROUP_METADATA:
      return { type, groupId, value: read(consumerGroupMetadataValue) };
    case GroupRecordType.CONSUMER_GROUP_MEMBER_METADATA:
      return { type, groupId, memberId: k.string(), value: read(consumerGroupMemberMetadataValue) };
    case GroupRecordType.CONSUMER_GROUP_TARGET_ASSIGNMENT_METADATA:
      return { type, groupId, value: read(targetAssignmentMetadataValue) };
    case GroupRecordType.CONSUMER_GROUP_TARGET_ASSIGNMENT_MEMBER:
      return { type, groupId, memberId: k.string(), value: read(targetAssignmentMemberValue) };
    case GroupRecordType.CONSUMER_GROUP_CURRENT_MEMBER_ASSIGNMENT:
      return { type, groupId, memberId: k.string(), value: read(currentMemberAssignmentValue) };
    case GroupRecordType.CONSUMER_GROUP_REGULAR_EXPRESSION:
      return { type, groupId, regex: k.string(), value: read(regularExpressionValue) };
    default:
      return undefined;
  }
}

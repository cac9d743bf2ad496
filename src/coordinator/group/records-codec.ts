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
} as const;

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

type T = typeof GroupRecordType;

export type GroupRecord =
  | { type: T['OFFSET_COMMIT']; groupId: string; topic: string; partition: number; value: OffsetCommitValue | null }
  | { type: T['GROUP_METADATA']; groupId: string; value: GroupMetadataValue | null }
  | { type: T['CONSUMER_GROUP_METADATA']; groupId: string; value: ConsumerGroupMetadataValue | null }
  | { type: T['CONSUMER_GROUP_MEMBER_METADATA']; groupId: string; memberId: string; value: ConsumerGroupMemberMetadataValue | null }
  | { type: T['CONSUMER_GROUP_TARGET_ASSIGNMENT_METADATA']; groupId: string; value: { assignmentEpoch: number } | null }
  | { type: T['CONSUMER_GROUP_TARGET_ASSIGNMENT_MEMBER']; groupId: string; memberId: string; value: { partitions: TopicPartitions[] } | null }
  | {
      type: T['CONSUMER_GROUP_CURRENT_MEMBER_ASSIGNMENT'];
      groupId: string;
      memberId: string;
      value: ConsumerGroupCurrentMemberAssignmentValue | null;
    };

function writeStrings(w: Writer, list: readonly string[]): void {
  w.int32(list.length);
  for (const s of list) w.string(s);
}
function readStrings(r: Reader): string[] {
  const n = r.arrayLength();
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(r.string());
  return out;
}
function writeTopicPartitions(w: Writer, list: readonly TopicPartitions[]): void {
  w.int32(list.length);
  for (const tp of list) {
    w.string(tp.topicId);
    w.int32(tp.partitions.length);
    for (const p of tp.partitions) w.int32(p);
  }
}
function readTopicPartitions(r: Reader): TopicPartitions[] {
  const n = r.arrayLength();
  const out: TopicPartitions[] = [];
  for (let i = 0; i < n; i++) {
    const topicId = r.string();
    const pn = r.arrayLength();
    const partitions: number[] = [];
    for (let j = 0; j < pn; j++) partitions.push(r.int32());
    out.push({ topicId, partitions });
  }
  return out;
}

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
    case GroupRecordType.OFFSET_COMMIT: {
      const v = rec.value;
      w.int64(v.committedOffset);
      w.int32(v.leaderEpoch);
      w.string(v.metadata);
      w.int64(v.commitTimestampMs);
      w.int64(v.expireTimestampMs);
      break;
    }
    case GroupRecordType.GROUP_METADATA: {
      const v = rec.value;
      w.string(v.protocolType);
      w.int32(v.generationId);
      w.nullableString(v.protocolName);
      w.nullableString(v.leader);
      w.int64(v.currentStateTimestampMs);
      w.int32(v.members.length);
      for (const m of v.members) {
        w.string(m.memberId);
        w.nullableString(m.groupInstanceId);
        w.string(m.clientId);
        w.string(m.clientHost);
        w.int32(m.rebalanceTimeoutMs);
        w.int32(m.sessionTimeoutMs);
        w.bytes(m.subscription);
        w.bytes(m.assignment);
      }
      break;
    }
    case GroupRecordType.CONSUMER_GROUP_METADATA: {
      const v = rec.value;
      w.int32(v.epoch);
      w.int32(v.subscriptionMetadata.length);
      for (const t of v.subscriptionMetadata) {
        w.string(t.name);
        w.string(t.id);
        w.int32(t.partitions);
      }
      break;
    }
    case GroupRecordType.CONSUMER_GROUP_MEMBER_METADATA: {
      const v = rec.value;
      w.nullableString(v.instanceId);
      w.nullableString(v.rackId);
      w.string(v.clientId);
      w.string(v.clientHost);
      writeStrings(w, v.subscribedTopicNames);
      w.nullableString(v.subscribedTopicRegex);
      w.nullableString(v.serverAssignor);
      w.int32(v.rebalanceTimeoutMs);
      break;
    }
    case GroupRecordType.CONSUMER_GROUP_TARGET_ASSIGNMENT_METADATA:
      w.int32(rec.value.assignmentEpoch);
      break;
    case GroupRecordType.CONSUMER_GROUP_TARGET_ASSIGNMENT_MEMBER:
      writeTopicPartitions(w, rec.value.partitions);
      break;
    case GroupRecordType.CONSUMER_GROUP_CURRENT_MEMBER_ASSIGNMENT: {
      const v = rec.value;
      w.int32(v.memberEpoch);
      w.int32(v.previousMemberEpoch);
      w.int8(v.state);
      writeTopicPartitions(w, v.assigned);
      writeTopicPartitions(w, v.pendingRevocation);
      break;
    }
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
    if (type < 0 || type > 6) return undefined;
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
  switch (type) {
    case GroupRecordType.OFFSET_COMMIT: {
      const topic = k.string();
      const partition = k.int32();
      if (v === null) return { type, groupId, topic, partition, value: null };
      return {
        type,
        groupId,
        topic,
        partition,
        value: {
          committedOffset: v.int64(),
          leaderEpoch: v.int32(),
          metadata: v.string(),
          commitTimestampMs: v.int64(),
          expireTimestampMs: v.int64(),
        },
      };
    }
    case GroupRecordType.GROUP_METADATA: {
      if (v === null) return { type, groupId, value: null };
      const protocolType = v.string();
      const generationId = v.int32();
      const protocolName = v.nullableString();
      const leader = v.nullableString();
      const currentStateTimestampMs = v.int64();
      const n = v.arrayLength();
      const members: GroupMetadataMemberValue[] = [];
      for (let i = 0; i < n; i++) {
        members.push({
          memberId: v.string(),
          groupInstanceId: v.nullableString(),
          clientId: v.string(),
          clientHost: v.string(),
          rebalanceTimeoutMs: v.int32(),
          sessionTimeoutMs: v.int32(),
          // Copies: the record buffer may belong to a reused read buffer.
          subscription: Buffer.from(v.bytes()),
          assignment: Buffer.from(v.bytes()),
        });
      }
      return { type, groupId, value: { protocolType, generationId, protocolName, leader, currentStateTimestampMs, members } };
    }
    case GroupRecordType.CONSUMER_GROUP_METADATA: {
      if (v === null) return { type, groupId, value: null };
      const epoch = v.int32();
      const n = v.arrayLength();
      const subscriptionMetadata: TopicMetadata[] = [];
      for (let i = 0; i < n; i++) subscriptionMetadata.push({ name: v.string(), id: v.string(), partitions: v.int32() });
      return { type, groupId, value: { epoch, subscriptionMetadata } };
    }
    case GroupRecordType.CONSUMER_GROUP_MEMBER_METADATA: {
      const memberId = k.string();
      if (v === null) return { type, groupId, memberId, value: null };
      return {
        type,
        groupId,
        memberId,
        value: {
          instanceId: v.nullableString(),
          rackId: v.nullableString(),
          clientId: v.string(),
          clientHost: v.string(),
          subscribedTopicNames: readStrings(v),
          subscribedTopicRegex: v.nullableString(),
          serverAssignor: v.nullableString(),
          rebalanceTimeoutMs: v.int32(),
        },
      };
    }
    case GroupRecordType.CONSUMER_GROUP_TARGET_ASSIGNMENT_METADATA:
      return { type, groupId, value: v === null ? null : { assignmentEpoch: v.int32() } };
    case GroupRecordType.CONSUMER_GROUP_TARGET_ASSIGNMENT_MEMBER: {
      const memberId = k.string();
      return { type, groupId, memberId, value: v === null ? null : { partitions: readTopicPartitions(v) } };
    }
    case GroupRecordType.CONSUMER_GROUP_CURRENT_MEMBER_ASSIGNMENT: {
      const memberId = k.string();
      if (v === null) return { type, groupId, memberId, value: null };
      return {
        type,
        groupId,
        memberId,
        value: {
          memberEpoch: v.int32(),
          previousMemberEpoch: v.int32(),
          state: v.int8(),
          assigned: readTopicPartitions(v),
          pendingRevocation: readTopicPartitions(v),
        },
      };
    }
    default:
      return undefined;
  }
}

/**
 * The embedded "consumer" protocol of classic groups (ConsumerProtocolSubscription and
 * ConsumerProtocolAssignment, versions 0-3, non-flexible): the bytes a consumer puts in
 * JoinGroup's metadata and SyncGroup's assignments. The coordinator reads subscriptions to know
 * which topics a classic group consumes (offset expiration, OffsetDelete) and assignments for
 * introspection; the client writes both as a group member. Like Kafka, a newer version is parsed with the latest known layout.
 */
import { Reader } from './primitives/reader.js';
import { Writer } from './primitives/writer.js';

export const CONSUMER_PROTOCOL_TYPE = 'consumer';

export interface TopicPartitionList {
  topic: string;
  partitions: number[];
}

export interface ConsumerProtocolSubscription {
  version: number;
  topics: string[];
  userData: Buffer | null;
  ownedPartitions: TopicPartitionList[];
  generationId: number;
  rackId: string | null;
}

export interface ConsumerProtocolAssignment {
  version: number;
  assignedPartitions: TopicPartitionList[];
  userData: Buffer | null;
}

function readTopicPartitions(r: Reader): TopicPartitionList[] {
  const n = r.arrayLength();
  const out: TopicPartitionList[] = [];
  for (let i = 0; i < n; i++) {
    const topic = r.string();
    const pn = r.arrayLength();
    const partitions: number[] = [];
    for (let j = 0; j < pn; j++) partitions.push(r.int32());
    out.push({ topic, partitions });
  }
  return out;
}

function writeTopicPartitions(w: Writer, list: readonly TopicPartitionList[]): void {
  w.int32(list.length);
  for (const tp of list) {
    w.string(tp.topic);
    w.int32(tp.partitions.length);
    for (const p of tp.partitions) w.int32(p);
  }
}

/** Decodes a subscription; undefined when the bytes are not a consumer protocol subscription. */
export function decodeSubscription(buf: Buffer): ConsumerProtocolSubscription | undefined {
  try {
    const r = new Reader(buf);
    const version = r.int16();
    if (version < 0) return undefined;
    const n = r.arrayLength();
    const topics: string[] = [];
    for (let i = 0; i < n; i++) topics.push(r.string());
    const userData = r.nullableBytes();
    const sub: ConsumerProtocolSubscription = {
      version,
      topics,
      userData: userData === null ? null : Buffer.from(userData),
      ownedPartitions: [],
      generationId: -1,
      rackId: null,
    };
    // Fields of later versions are "ignorable": tolerate their absence at the end of the buffer.
    if (version >= 1 && r.remaining > 0) sub.ownedPartitions = readTopicPartitions(r);
    if (version >= 2 && r.remaining > 0) sub.generationId = r.int32();
    if (version >= 3 && r.remaining > 0) sub.rackId = r.nullableString();
    return sub;
  } catch {
    return undefined;
  }
}

export function encodeSubscription(sub: {
  version?: number;
  topics: string[];
  userData?: Buffer | null;
  ownedPartitions?: TopicPartitionList[];
  generationId?: number;
  rackId?: string | null;
}): Buffer {
  const version = sub.version ?? 3;
  const w = new Writer();
  w.int16(version);
  w.int32(sub.topics.length);
  for (const t of sub.topics) w.string(t);
  w.nullableBytes(sub.userData ?? null);
  if (version >= 1) writeTopicPartitions(w, sub.ownedPartitions ?? []);
  if (version >= 2) w.int32(sub.generationId ?? -1);
  if (version >= 3) w.nullableString(sub.rackId ?? null);
  return w.toBuffer();
}

/** Decodes an assignment; undefined when the bytes are empty or malformed. */
export function decodeAssignment(buf: Buffer): ConsumerProtocolAssignment | undefined {
  if (buf.length === 0) return undefined;
  try {
    const r = new Reader(buf);
    const version = r.int16();
    if (version < 0) return undefined;
    const assignedPartitions = readTopicPartitions(r);
    const userData = r.remaining > 0 ? r.nullableBytes() : null;
    return { version, assignedPartitions, userData: userData === null ? null : Buffer.from(userData) };
  } catch {
    return undefined;
  }
}

export function encodeAssignment(a: {
  version?: number;
  assignedPartitions: TopicPartitionList[];
  userData?: Buffer | null;
}): Buffer {
  const w = new Writer();
  w.int16(a.version ?? 3);
  writeTopicPartitions(w, a.assignedPartitions);
  w.nullableBytes(a.userData ?? null);
  return w.toBuffer();
}

// Fetch v4-17 (v0-3 need the pre-0.11 message formats). Whole batches are returned as slices
// of the log, never decoded. Long polling: a fetch with fewer than min.bytes parks until
// appends to its partitions bring enough bytes or max.wait.ms passes. max.bytes (capped by the
// broker's fetch.max.bytes) and partition max bytes are honoured, except that the first
// partition with data always returns at least one whole batch, as Kafka does. Fetch sessions (KIP-227) are not kept: every answer
// carries session id 0 ("no session"), so clients keep sending full fetch requests; a request
// for an existing session gets FETCH_SESSION_ID_NOT_FOUND. read_committed (isolation level 1)
// reads up to the last stable offset (the first offset of the earliest open transaction) and
// returns the aborted transactions overlapping what it read, so that consumers drop their records.
// An errored partition is answered as Kafka does: offsets -1 (unknown) and empty records, never
// null records: librdkafka reads the message-set size before the error code and takes -1 as a
// parse failure, so it would never see OFFSET_OUT_OF_RANGE and never apply auto.offset.reset.
// Aborted transactions are [] for the partitions KafkaApis refuses itself (unknown topic or
// partition) and null for the errors of the log read, as Kafka's two paths leave them.
import { defineHandler, type RequestContext } from './handler.js';
import { ErrorCode } from '../protocol/errors.js';
import { waitForAppends } from '../cluster/delayed-fetch.js';
import type { Partition } from '../cluster/partition.js';
import type { Topic } from '../cluster/cluster.js';
import type {
  FetchRequest,
  FetchResponse,
  FetchResponseFetchableTopicResponse,
  FetchResponsePartitionData,
} from '../protocol/messages/fetch.js';

const TOPIC_IDS_FROM = 13;

interface Resolved {
  readonly topic: Topic | undefined;
  readonly partitions: (Partition | undefined)[];
}

function resolve(req: FetchRequest, ctx: RequestContext): Resolved[] {
  const { cluster } = ctx.broker;
  return req.topics.map((t) => {
    const topic = ctx.apiVersion >= TOPIC_IDS_FROM ? cluster.topicById(t.topicId) : cluster.topic(t.topic);
    return { topic, partitions: t.partitions.map((p) => topic?.partitions[p.partition]) };
  });
}

const NO_RECORDS: readonly Buffer[] = [];

function erroredPartition(index: number, errorCode: number, beforeRead = false): FetchResponsePartitionData {
  return {
    partitionIndex: index,
    errorCode,
    highWatermark: -1,
    lastStableOffset: -1,
    logStartOffset: -1,
    abortedTransactions: beforeRead ? [] : null,
    preferredReadReplica: -1,
    records: NO_RECORDS,
  };
}

/** One pass over every requested partition; returns the response body and the bytes found. */
function readAll(req: FetchRequest, ctx: RequestContext, resolved: Resolved[]): { responses: FetchResponseFetchableTopicResponse[]; bytes: number; errors: boolean } {
  // fetch.max.bytes caps what a client may ask for, as Kafka does for consumers: every byte
  // read from disk for a response is held in memory until the client has read it.
  let remaining = Math.min(req.maxBytes, ctx.broker.config.fetchMaxBytes);
  let bytes = 0;
  let errors = false;
  const byId = ctx.apiVersion >= TOPIC_IDS_FROM;
  const responses = req.topics.map((t, ti): FetchResponseFetchableTopicResponse => {
    const { topic, partitions } = resolved[ti];
    const missing = byId ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    return {
      topic: t.topic,
      topicId: t.topicId,
      partitions: t.partitions.map((fp, pi): FetchResponsePartitionData => {
        const partition = partitions[pi];
        if (!topic || !partition) {
          errors = true;
          return erroredPartition(fp.partition, topic ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : missing, true);
        }
        if (fp.currentLeaderEpoch > partition.leaderEpoch) {
          errors = true;
          return erroredPartition(fp.partition, ErrorCode.UNKNOWN_LEADER_EPOCH);
        }
        const limit = Math.max(0, Math.min(fp.partitionMaxBytes, remaining));
        const r = partition.read(fp.fetchOffset, limit, bytes === 0, req.isolationLevel === 1);
        if (r.errorCode !== ErrorCode.NONE) {
          errors = true;
          return erroredPartition(fp.partition, r.errorCode);
        }
        bytes += r.size;
        remaining -= r.size;
        return {
          partitionIndex: fp.partition,
          errorCode: ErrorCode.NONE,
          highWatermark: r.highWatermark,
          lastStableOffset: partition.lastStableOffset,
          logStartOffset: r.logStartOffset,
          abortedTransactions: r.abortedTransactions && r.abortedTransactions.map((a) => ({ producerId: a.producerId, firstOffset: a.firstOffset })),
          preferredReadReplica: -1,
          records: r.records,
        };
      }),
    };
  });
  return { responses, bytes, errors };
}

export const fetchHandler = defineHandler<FetchRequest, FetchResponse>({
  apiKey: 1,
  name: 'Fetch',
  minVersion: 4,
  maxVersion: 17,
  onePerConnection: true,
  async handle(req, ctx) {
    if (req.sessionId !== 0) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND, sessionId: 0, responses: [] };
    }
    const resolved = resolve(req, ctx);
    let result = readAll(req, ctx, resolved);
    if (result.bytes < req.minBytes && req.maxWaitMs > 0 && !result.errors) {
      const watched = resolved.flatMap((r) => r.partitions.filter((p): p is Partition => p !== undefined));
      const deadline = Date.now() + req.maxWaitMs;
      while (watched.length > 0) {
        await waitForAppends(watched, req.minBytes - result.bytes, deadline - Date.now());
        result = readAll(req, ctx, resolved);
        // read_committed: the appends may all be inside open transactions; wait on for stable bytes.
        if (req.isolationLevel !== 1 || result.bytes >= req.minBytes || result.errors || Date.now() >= deadline) break;
      }
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId: 0, responses: result.responses };
  },
});

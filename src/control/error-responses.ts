// Answers built for an injected error, the way Kafka answers a request that failed as a whole
// (its AbstractRequest.getErrorResponse): every partition, topic, group or resource the request
// names carries the code. With a topic (and partition) filter, only the matching partitions
// fail and the rest of the request is handled normally, as when one partition of a produce has
// lost its leader. A failed request has no side effect: the handler never sees the failed part.
import { CLOSE_CONNECTION, NO_RESPONSE, type Handler, type HandlerResult, type RequestContext } from '../handlers/handler.js';
import { apiCodecs } from '../protocol/api-codecs.js';
import { inVersions } from '../protocol/schema/types.js';

type Body = Record<string, unknown>;
type Rows = Body[];

/** Which partitions fail; `topic` undefined means every partition. */
export interface PartitionFilter {
  readonly topic?: string;
  readonly partition?: number;
}

export function matchesPartition(filter: PartitionFilter, topic: string | undefined, partition: number): boolean {
  if (filter.topic === undefined) return true;
  return topic === filter.topic && (filter.partition === undefined || filter.partition === partition);
}

/**
 * A partition-addressed API: where its request and response keep topics and partitions, and
 * what a failed partition looks like in the response (Kafka's error defaults).
 */
interface PartitionShape {
  readonly reqTopics: string;
  readonly reqPartitions: string;
  readonly reqIndex: string;
  readonly resTopics: string;
  readonly resPartitions: string;
  readonly resIndex: string;
  /** The topic's name in a request topic (Fetch v13+ names it by id). */
  topicName(t: Body, ctx: RequestContext): string | undefined;
  /** The key joining request and response topics. */
  topicKey(t: Body, ctx: RequestContext): string;
  /** A response topic entry without partitions, from the request's. */
  errorTopic(t: Body): Body;
  errorPartition(index: number, code: number): Body;
  /** The response when no partition is left to handle. */
  empty(): Body;
  /** The request the handler gets for the partitions that do not fail. */
  remainder?(request: Body): Body;
  /** The answer when the whole request fails (no topic filter), when it differs from every partition failing. */
  failAll?(request: Body, ctx: RequestContext, code: number): Body;
}

const byName: Pick<PartitionShape, 'topicName' | 'topicKey' | 'errorTopic'> = {
  topicName: (t) => t.name as string,
  topicKey: (t) => t.name as string,
  errorTopic: (t) => ({ name: t.name }),
};

const FETCH_TOPIC_IDS_FROM = 13;

function fetchErrorPartition(partitionIndex: number, errorCode: number): Body {
  return { partitionIndex, errorCode, highWatermark: -1, lastStableOffset: -1, logStartOffset: -1, abortedTransactions: null, preferredReadReplica: -1, records: [] };
}

const SHAPES: ReadonlyMap<number, PartitionShape> = new Map<number, PartitionShape>([
  [0, { // Produce
    ...byName, reqTopics: 'topicData', reqPartitions: 'partitionData', reqIndex: 'index', resTopics: 'responses', resPartitions: 'partitionResponses', resIndex: 'index',
    errorPartition: (index, errorCode) => ({ index, errorCode, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1, recordErrors: [], errorMessage: null }),
    empty: () => ({ responses: [], throttleTimeMs: 0 }),
  }],
  [1, { // Fetch
    reqTopics: 'topics', reqPartitions: 'partitions', reqIndex: 'partition', resTopics: 'responses', resPartitions: 'partitions', resIndex: 'partitionIndex',
    topicName: (t, ctx) => (ctx.apiVersion >= FETCH_TOPIC_IDS_FROM ? ctx.broker.cluster.topicById(t.topicId as string)?.name : (t.topic as string)),
    topicKey: (t, ctx) => (ctx.apiVersion >= FETCH_TOPIC_IDS_FROM ? (t.topicId as string) : (t.topic as string)),
    errorTopic: (t) => ({ topic: t.topic, topicId: t.topicId }),
    errorPartition: fetchErrorPartition,
    empty: () => ({ throttleTimeMs: 0, errorCode: 0, sessionId: 0, responses: [] }),
    // Kafka answers at once when a partition has an error: no long poll for the others.
    remainder: (request) => ({ ...request, maxWaitMs: 0 }),
    // Kafka's whole-request error: the top-level code (v7+), and up to v12 also every partition.
    failAll: (request, ctx, errorCode) => ({
      throttleTimeMs: 0, errorCode, sessionId: 0,
      responses: ctx.apiVersion >= FETCH_TOPIC_IDS_FROM ? [] : (request.topics as Rows).map((t) => ({
        topic: t.topic, topicId: t.topicId,
        partitions: (t.partitions as Rows).map((p) => fetchErrorPartition(p.partition as number, errorCode)),
      })),
    }),
  }],
  [2, { // ListOffsets
    ...byName, reqTopics: 'topics', reqPartitions: 'partitions', reqIndex: 'partitionIndex', resTopics: 'topics', resPartitions: 'partitions', resIndex: 'partitionIndex',
    errorPartition: (partitionIndex, errorCode) => ({ partitionIndex, errorCode, oldStyleOffsets: [], timestamp: -1, offset: -1, leaderEpoch: -1 }),
    empty: () => ({ throttleTimeMs: 0, topics: [] }),
  }],
  [8, { // OffsetCommit
    ...byName, reqTopics: 'topics', reqPartitions: 'partitions', reqIndex: 'partitionIndex', resTopics: 'topics', resPartitions: 'partitions', resIndex: 'partitionIndex',
    errorPartition: (partitionIndex, errorCode) => ({ partitionIndex, errorCode }),
    empty: () => ({ throttleTimeMs: 0, topics: [] }),
  }],
  [21, { // DeleteRecords
    ...byName, reqTopics: 'topics', reqPartitions: 'partitions', reqIndex: 'partitionIndex', resTopics: 'topics', resPartitions: 'partitions', resIndex: 'partitionIndex',
    errorPartition: (partitionIndex, errorCode) => ({ partitionIndex, lowWatermark: -1, errorCode }),
    empty: () => ({ throttleTimeMs: 0, topics: [] }),
  }],
  [23, { // OffsetForLeaderEpoch
    reqTopics: 'topics', reqPartitions: 'partitions', reqIndex: 'partition', resTopics: 'topics', resPartitions: 'partitions', resIndex: 'partition',
    topicName: (t) => t.topic as string,
    topicKey: (t) => t.topic as string,
    errorTopic: (t) => ({ topic: t.topic }),
    errorPartition: (partition, errorCode) => ({ errorCode, partition, leaderEpoch: -1, endOffset: -1 }),
    empty: () => ({ throttleTimeMs: 0, topics: [] }),
  }],
]);

/** The APIs whose errors can be limited to a topic (and partition), for messages. */
export const TOPIC_FILTER_APIS = 'Produce, Fetch, ListOffsets, OffsetCommit, DeleteRecords, OffsetForLeaderEpoch and Metadata';

const METADATA = 3;

/** Read-only APIs answered by the handler with the code in every entry of its result lists. */
const OVERWRITTEN: ReadonlySet<number> = new Set([
  32, // DescribeConfigs: results
  75, // DescribeTopicPartitions: topics
]);

/** Per-resource answers built from the request alone, for APIs without a top-level error code. */
const BUILT: ReadonlyMap<number, (req: Body, code: number) => Body> = new Map<number, (req: Body, code: number) => Body>([
  [10, (req, errorCode) => ({ // FindCoordinator: v0-3 one key, v4+ a batch
    errorCode, errorMessage: null, nodeId: -1, host: '', port: -1,
    coordinators: (req.coordinatorKeys as string[]).map((key) => ({ key, nodeId: -1, host: '', port: -1, errorCode, errorMessage: null })),
  })],
  [9, (req, errorCode) => ({ // OffsetFetch: v0-1 per partition, v2-7 also top level, v8+ per group
    errorCode,
    topics: ((req.topics as Rows | null) ?? []).map((t) => ({ name: t.name, partitions: (t.partitionIndexes as number[]).map((partitionIndex) => ({ partitionIndex, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode })) })),
    groups: (req.groups as Rows).map((g) => ({ groupId: g.groupId, errorCode, topics: [] })),
  })],
  [15, (req, errorCode) => ({ groups: (req.groups as string[]).map((groupId) => ({ groupId, errorCode, groupState: '', protocolType: '', protocolData: '', members: [] })) })], // DescribeGroups
  [69, (req, errorCode) => ({ groups: (req.groupIds as string[]).map((groupId) => ({ groupId, errorCode, errorMessage: null, groupState: '', members: [] })) })], // ConsumerGroupDescribe
  [42, (req, errorCode) => ({ results: (req.groupsNames as string[]).map((groupId) => ({ groupId, errorCode })) })], // DeleteGroups
  [19, (req, errorCode) => ({ topics: (req.topics as Rows).map((t) => ({ name: t.name, errorCode, errorMessage: null, numPartitions: -1, replicationFactor: -1, configs: null })) })], // CreateTopics
  [20, (req, errorCode) => ({ // DeleteTopics: v0-5 names, v6+ names or ids
    responses: [...(req.topicNames as string[]).map((name): Body => ({ name })), ...(req.topics as Rows)].map((t) => ({ name: t.name ?? null, topicId: t.topicId, errorCode, errorMessage: null })),
  })],
  [37, (req, errorCode) => ({ results: (req.topics as Rows).map((t) => ({ name: t.name, errorCode, errorMessage: null })) })], // CreatePartitions
  [27, (req, errorCode) => ({ // WriteTxnMarkers: per marker, topic and partition
    markers: (req.markers as Rows).map((m) => ({
      producerId: m.producerId,
      topics: (m.topics as Rows).map((t) => ({ name: t.name, partitions: (t.partitionIndexes as number[]).map((partitionIndex) => ({ partitionIndex, errorCode })) })),
    })),
  })],
  [61, (req, errorCode) => ({ // DescribeProducers: per topic and partition
    throttleTimeMs: 0,
    topics: (req.topics as Rows).map((t) => ({ name: t.name, partitions: (t.partitionIndexes as number[]).map((partitionIndex) => ({ partitionIndex, errorCode, errorMessage: null, activeProducers: [] })) })),
  })],
  [24, (req, errorCode) => ({ // AddPartitionsToTxn: v0-3 per topic and partition, v4+ the top-level code
    throttleTimeMs: 0, errorCode, resultsByTransaction: [],
    resultsByTopicV3AndBelow: (req.v3AndBelowTopics as Rows).map((t) => ({ name: t.name, resultsByPartition: (t.partitions as number[]).map((partitionIndex) => ({ partitionIndex, partitionErrorCode: errorCode })) })),
  })],
  [28, (req, errorCode) => ({ // TxnOffsetCommit: per topic and partition
    throttleTimeMs: 0,
    topics: (req.topics as Rows).map((t) => ({ name: t.name, partitions: (t.partitions as Rows).map((p) => ({ partitionIndex: p.partitionIndex, errorCode })) })),
  })],
  [65, (req, errorCode) => ({ // DescribeTransactions: per transactional id
    throttleTimeMs: 0,
    transactionStates: (req.transactionalIds as string[]).map((transactionalId) => ({ errorCode, transactionalId, transactionState: '', transactionTimeoutMs: 0, transactionStartTimeMs: -1, producerId: -1, producerEpoch: -1, topics: [] })),
  })],
  [33, resourceErrors], // AlterConfigs
  [44, resourceErrors], // IncrementalAlterConfigs
]);

function resourceErrors(req: Body, errorCode: number): Body {
  return { responses: (req.resources as Rows).map((r) => ({ errorCode, errorMessage: null, resourceType: r.resourceType, resourceName: r.resourceName })) };
}

function hasTopLevelErrorCode(apiKey: number, version: number): boolean {
  return apiCodecs.schema(apiKey)?.response.fields.some((f) => f.name === 'errorCode' && inVersions(f.versions, version)) ?? false;
}

/** Whether an error can be injected into this API at all (checked when a rule is armed). */
export function canFail(handler: Handler): boolean {
  if (SHAPES.has(handler.apiKey) || BUILT.has(handler.apiKey) || OVERWRITTEN.has(handler.apiKey) || handler.apiKey === METADATA) return true;
  for (let v = handler.minVersion; v <= handler.maxVersion; v++) if (hasTopLevelErrorCode(handler.apiKey, v)) return true;
  return false;
}

/** APIs whose errors can be limited to one topic (and partition). */
export function acceptsTopicFilter(apiKey: number): boolean {
  return SHAPES.has(apiKey) || apiKey === METADATA;
}

/** Whether the request names a partition the filter selects (always true without a topic). */
export function requestTouches(apiKey: number, request: Body, ctx: RequestContext, filter: PartitionFilter): boolean {
  if (filter.topic === undefined) return true;
  if (apiKey === METADATA) {
    const topics = request.topics as Rows | null;
    return topics === null || topics.some((t) => t.name === filter.topic || (t.topicId !== undefined && ctx.broker.cluster.topicById(t.topicId as string)?.name === filter.topic));
  }
  const shape = SHAPES.get(apiKey);
  if (shape === undefined) return false;
  return (request[shape.reqTopics] as Rows).some((t) => {
    const name = shape.topicName(t, ctx);
    return (t[shape.reqPartitions] as Rows).some((p) => matchesPartition(filter, name, p[shape.reqIndex] as number));
  });
}

/** The answer to a request failed with `code` (see the file header). */
export function failRequest(handler: Handler, request: Body, ctx: RequestContext, code: number, filter: PartitionFilter): HandlerResult<unknown> {
  const shape = SHAPES.get(handler.apiKey);
  if (shape?.failAll !== undefined && filter.topic === undefined) return shape.failAll(request, ctx, code);
  if (shape !== undefined) return failPartitions(shape, handler, request, ctx, code, filter);
  if (handler.apiKey === METADATA) {
    return then(handler.handle(request as never, ctx), (res) => {
      for (const t of (res as Body).topics as Rows) {
        if (filter.topic === undefined || t.name === filter.topic) Object.assign(t, { errorCode: code, partitions: [] });
      }
      return res;
    });
  }
  const build = BUILT.get(handler.apiKey);
  if (build !== undefined) return build(request, code);
  if (hasTopLevelErrorCode(handler.apiKey, ctx.apiVersion)) return { errorCode: code };
  if (OVERWRITTEN.has(handler.apiKey)) {
    return then(handler.handle(request as never, ctx), (res) => {
      for (const value of Object.values(res as Body)) {
        if (Array.isArray(value)) for (const row of value as Rows) if (row !== null && typeof row === 'object' && 'errorCode' in row) row.errorCode = code;
      }
      return res;
    });
  }
  // This version of the API cannot carry an error: Kafka would close the connection too.
  return CLOSE_CONNECTION;
}

function failPartitions(shape: PartitionShape, handler: Handler, request: Body, ctx: RequestContext, code: number, filter: PartitionFilter): HandlerResult<unknown> {
  const topics = request[shape.reqTopics] as Rows;
  const failed = new Set<Body>();
  const kept: Rows = [];
  for (const t of topics) {
    const name = shape.topicName(t, ctx);
    const remaining = (t[shape.reqPartitions] as Rows).filter((p) => {
      if (!matchesPartition(filter, name, p[shape.reqIndex] as number)) return true;
      failed.add(p);
      return false;
    });
    if (remaining.length > 0) kept.push({ ...t, [shape.reqPartitions]: remaining });
  }
  // An acks=0 produce with a failed partition gets no answer and a closed connection (Kafka).
  if (handler.apiKey === 0 && request.acks === 0) {
    if (failed.size === 0) return handler.handle(request as never, ctx);
    if (kept.length > 0) void Promise.resolve(handler.handle({ ...request, [shape.reqTopics]: kept } as never, ctx)).catch(() => undefined);
    return CLOSE_CONNECTION;
  }
  let remainder: Body = { ...request, [shape.reqTopics]: kept };
  if (shape.remainder) remainder = shape.remainder(remainder);
  const handled: HandlerResult<unknown> = kept.length > 0 ? handler.handle(remainder as never, ctx) : shape.empty();
  return then(handled, (res) => {
    const answered = new Map<string, Body>();
    for (const t of (res as Body)[shape.resTopics] as Rows) {
      for (const p of t[shape.resPartitions] as Rows) answered.set(`${shape.topicKey(t, ctx)}\0${p[shape.resIndex] as number}`, p);
    }
    const merged = topics.map((t) => ({
      ...shape.errorTopic(t),
      ...((res as Body)[shape.resTopics] as Rows).find((r) => shape.topicKey(r, ctx) === shape.topicKey(t, ctx)),
      [shape.resPartitions]: (t[shape.reqPartitions] as Rows).map((p) => {
        const index = p[shape.reqIndex] as number;
        return failed.has(p) ? shape.errorPartition(index, code) : (answered.get(`${shape.topicKey(t, ctx)}\0${index}`) ?? shape.errorPartition(index, code));
      }),
    }));
    return { ...(res as Body), [shape.resTopics]: merged };
  });
}

/** Applies `f` to a handler's answer, synchronous or not; the special answers pass through. */
function then(result: HandlerResult<unknown>, f: (res: unknown) => unknown): HandlerResult<unknown> {
  const apply = (res: unknown): unknown => (res === NO_RESPONSE || res === CLOSE_CONNECTION ? res : f(res));
  return result instanceof Promise ? result.then(apply) : (apply(result) as HandlerResult<unknown>);
}

// FindCoordinator v0-6. This node coordinates everything: key type 0 (group) answers this node
// once `__consumer_offsets` exists, key type 1 (transaction) once `__transaction_state` exists
// (each created here on first use, as Kafka creates it on the first lookup; Kafka answers
// COORDINATOR_NOT_AVAILABLE meanwhile, Brook waits the few milliseconds creation takes, and
// answers COORDINATOR_NOT_AVAILABLE if creation fails, e.g. on a full disk). Key type 2 (share
// group) is INVALID_REQUEST, as Kafka answers with share groups disabled, and so is any other
// key type. v0-3 look up one `key` and answer at the top level;
// v4+ batch `coordinatorKeys` with one result each. The coordinator being loaded is not an error
// here: requests sent to it get COORDINATOR_LOAD_IN_PROGRESS. Every answer carries an error
// message, as Kafka's (Errors.message()): "NONE" for a found coordinator. A group whose
// `__consumer_offsets` partition is on an offline log directory has no coordinator:
// COORDINATOR_NOT_AVAILABLE, as Kafka answers for a partition without a leader; likewise a
// transactional id whose `__transaction_state` partition is offline.
import { defineHandler, type RequestContext } from './handler.js';
import { ErrorCode } from '../protocol/errors.js';
import { offsetsPartitionFor } from '../coordinator/offsets-topic.js';
import type {
  FindCoordinatorRequest,
  FindCoordinatorResponse,
  FindCoordinatorResponseCoordinator,
} from '../protocol/messages/find-coordinator.js';

const KEY_TYPE_GROUP = 0;
const KEY_TYPE_TRANSACTION = 1;
const BATCHED_FROM = 4;

interface Found {
  errorCode: ErrorCode;
  errorMessage: string | null;
  nodeId: number;
  host: string;
  port: number;
}

/** Kafka's Node.noNode(). */
function noNode(errorCode: ErrorCode, errorMessage: string): Found {
  return { errorCode, errorMessage, nodeId: -1, host: '', port: -1 };
}

/** The answer for each key (one lookup serves every key of a batch: only offline partitions differ). */
async function lookup(keyType: number, ctx: RequestContext): Promise<(key: string) => Found> {
  switch (keyType) {
    case KEY_TYPE_GROUP: {
      let topic;
      try {
        topic = await ctx.broker.offsetsTopic.topic();
      } catch (err) {
        // __consumer_offsets cannot be created (disk full): Kafka's answer while the topic is missing.
        if (typeof (err as { errorCode?: unknown }).errorCode !== 'number') throw err;
        const missing = noNode(ErrorCode.COORDINATOR_NOT_AVAILABLE, (err as Error).message);
        return () => missing;
      }
      const { nodeId, advertised } = ctx.broker;
      const found: Found = { errorCode: ErrorCode.NONE, errorMessage: 'NONE', nodeId, host: advertised.host, port: advertised.port };
      const unavailable = noNode(ErrorCode.COORDINATOR_NOT_AVAILABLE, 'The coordinator is not available.');
      return (key) => (topic.partitions[offsetsPartitionFor(key, topic.partitions.length)]?.offline ? unavailable : found);
    }
    case KEY_TYPE_TRANSACTION: {
      const { transactions, nodeId, advertised } = ctx.broker;
      const unavailable = noNode(ErrorCode.COORDINATOR_NOT_AVAILABLE, 'The coordinator is not available.');
      if ((await transactions.ensureStateTopic()) !== ErrorCode.NONE) return () => unavailable;
      const found: Found = { errorCode: ErrorCode.NONE, errorMessage: 'NONE', nodeId, host: advertised.host, port: advertised.port };
      return (key) => (transactions.isUnavailable(key) ? unavailable : found);
    }
    default: {
      const invalid = noNode(ErrorCode.INVALID_REQUEST, `Unsupported key type ${keyType}.`);
      return () => invalid;
    }
  }
}

export const findCoordinatorHandler = defineHandler<FindCoordinatorRequest, FindCoordinatorResponse>({
  apiKey: 10,
  name: 'FindCoordinator',
  minVersion: 0,
  maxVersion: 6,
  async handle(req, ctx) {
    const answerFor = await lookup(req.keyType, ctx);
    if (ctx.apiVersion < BATCHED_FROM) return { throttleTimeMs: 0, ...answerFor(req.key) };
    return {
      throttleTimeMs: 0,
      coordinators: req.coordinatorKeys.map((key): FindCoordinatorResponseCoordinator => ({ key, ...answerFor(key) })),
    };
  },
});

// DeleteTopics v0-6: by name (topicNames, v0-5; topics[].name, v6+) or by topic id (v6+), with
// Kafka 4's controller checks (ControllerApis.deleteTopics): delete.topic.enable=false refuses the
// whole request (TOPIC_DELETION_DISABLED, or INVALID_REQUEST before v3, which has no such code);
// an entry with neither or both of name and id, or a name or id given twice, is INVALID_REQUEST;
// unknown names are UNKNOWN_TOPIC_OR_PARTITION and unknown ids UNKNOWN_TOPIC_ID. Internal topics
// (__consumer_offsets, __transaction_state) are refused by the cluster (INVALID_TOPIC_EXCEPTION).
// Deletion is immediate, so timeoutMs is not needed. Results keep request order (Kafka shuffles
// them to hide which topics exist, which only matters with ACLs). Each result echoes the topic id
// (v6+). Not implemented: the controller mutation quota.
import { defineHandler } from './handler.js';
import { ErrorCode } from '../protocol/errors.js';
import { ZERO_UUID } from '../cluster/topic-name.js';
import type {
  DeleteTopicsRequest,
  DeleteTopicsResponse,
  DeleteTopicsResponseDeletableTopicResult,
} from '../protocol/messages/delete-topics.js';

type Result = DeleteTopicsResponseDeletableTopicResult;

function result(name: string | null, topicId: string, errorCode: number, errorMessage: string | null): Result {
  return { name, topicId, errorCode, errorMessage };
}

export const deleteTopicsHandler = defineHandler<DeleteTopicsRequest, DeleteTopicsResponse>({
  apiKey: 20,
  name: 'DeleteTopics',
  minVersion: 0,
  maxVersion: 6,
  async handle(req, ctx) {
    const { cluster, config } = ctx.broker;
    const entries = ctx.apiVersion >= 6 ? req.topics : req.topicNames.map((name) => ({ name, topicId: ZERO_UUID }));
    if (!config.deleteTopicEnable) {
      const code = ctx.apiVersion < 3 ? ErrorCode.INVALID_REQUEST : ErrorCode.TOPIC_DELETION_DISABLED;
      const message = ctx.apiVersion < 3 ? 'This version does not support topic deletion.' : 'Topic deletion is disabled.';
      return { throttleTimeMs: 0, responses: entries.map((e) => result(e.name, e.topicId, code, message)) };
    }

    const nameCount = new Map<string, number>();
    const idCount = new Map<string, number>();
    for (const e of entries) {
      if (e.name !== null && e.topicId === ZERO_UUID) nameCount.set(e.name, (nameCount.get(e.name) ?? 0) + 1);
      if (e.name === null && e.topicId !== ZERO_UUID) idCount.set(e.topicId, (idCount.get(e.topicId) ?? 0) + 1);
    }
    // Resolve everything before deleting anything, so a name and an id of the same topic collide.
    const targets = new Map<string, string>();
    const planned: (Result | { id: string; name: string })[] = [];
    const reported = new Set<string>();
    for (const e of entries) {
      if (e.name === null && e.topicId === ZERO_UUID) {
        planned.push(result(null, ZERO_UUID, ErrorCode.INVALID_REQUEST, 'Neither topic name nor id were specified.'));
      } else if (e.name !== null && e.topicId !== ZERO_UUID) {
        planned.push(result(e.name, e.topicId, ErrorCode.INVALID_REQUEST, 'You may not specify both topic name and topic id.'));
      } else if (e.name !== null) {
        if ((nameCount.get(e.name) ?? 0) > 1) {
          if (!reported.has(`n:${e.name}`)) planned.push(result(e.name, ZERO_UUID, ErrorCode.INVALID_REQUEST, 'Duplicate topic name.'));
          reported.add(`n:${e.name}`);
          continue;
        }
        const topic = cluster.topic(e.name);
        if (!topic) {
          planned.push(result(e.name, ZERO_UUID, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'This server does not host this topic-partition.'));
        } else if (targets.has(topic.id)) {
          planned.push(result(e.name, topic.id, ErrorCode.INVALID_REQUEST, 'The provided topic name maps to an ID that was already supplied.'));
          targets.delete(topic.id);
        } else {
          targets.set(topic.id, topic.name);
          planned.push({ id: topic.id, name: topic.name });
        }
      } else {
        if ((idCount.get(e.topicId) ?? 0) > 1) {
          if (!reported.has(`i:${e.topicId}`)) planned.push(result(null, e.topicId, ErrorCode.INVALID_REQUEST, 'Duplicate topic id.'));
          reported.add(`i:${e.topicId}`);
          continue;
        }
        const topic = cluster.topicById(e.topicId);
        if (!topic) {
          planned.push(result(null, e.topicId, ErrorCode.UNKNOWN_TOPIC_ID, 'This server does not host this topic ID.'));
        } else if (targets.has(topic.id)) {
          planned.push(result(topic.name, topic.id, ErrorCode.INVALID_REQUEST, 'The provided topic name maps to an ID that was already supplied.'));
          targets.delete(topic.id);
        } else {
          targets.set(topic.id, topic.name);
          planned.push({ id: topic.id, name: topic.name });
        }
      }
    }

    const responses: Result[] = [];
    for (const p of planned) {
      if ('errorCode' in p) {
        responses.push(p);
      } else if (!targets.has(p.id)) {
        // Named twice (by name and by id): both entries are refused and nothing is deleted.
        responses.push(result(p.name, p.id, ErrorCode.INVALID_REQUEST, 'The provided topic name maps to an ID that was already supplied.'));
      } else {
        const res = await cluster.deleteTopic(p.name);
        responses.push(result(p.name, p.id, res.errorCode, res.errorMessage));
      }
    }
    return { throttleTimeMs: 0, responses };
  },
});

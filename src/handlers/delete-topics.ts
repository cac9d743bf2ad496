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

    // Names and ids counted apart ("n:" and "i:" keys): an entry given twice is refused once.
    const keyOf = (e: { name: string | null; topicId: string }): string => (e.name !== null ? `n:${e.name}` : `i:${e.topicId}`);
    const counts = new Map<string, number>();
    for (const e of entries) {
      if ((e.name === null) !== (e.topicId === ZERO_UUID)) counts.set(keyOf(e), (counts.get(keyOf(e)) ?? 0) + 1);
    }
    // Resolve everything before deleting anything, so a name and an id of the same topic collide.
    const targets = new Set<string>();
    const planned: (Result | { id: string; name: string })[] = [];
    const reported = new Set<string>();
    for (const e of entries) {
      if (e.name === null && e.topicId === ZERO_UUID) {
        planned.push(result(null, ZERO_UUID, ErrorCode.INVALID_REQUEST, 'Neither topic name nor id were specified.'));
        continue;
      }
      if (e.name !== null && e.topicId !== ZERO_UUID) {
        planned.push(result(e.name, e.topicId, ErrorCode.INVALID_REQUEST, 'You may not specify both topic name and topic id.'));
        continue;
      }
      const key = keyOf(e);
      if ((counts.get(key) ?? 0) > 1) {
        if (!reported.has(key)) planned.push(result(e.name, e.topicId, ErrorCode.INVALID_REQUEST, e.name !== null ? 'Duplicate topic name.' : 'Duplicate topic id.'));
        reported.add(key);
        continue;
      }
      const topic = e.name !== null ? cluster.topic(e.name) : cluster.topicById(e.topicId);
      if (!topic) {
        planned.push(
          e.name !== null
            ? result(e.name, ZERO_UUID, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'This server does not host this topic-partition.')
            : result(null, e.topicId, ErrorCode.UNKNOWN_TOPIC_ID, 'This server does not host this topic ID.'),
        );
      } else if (targets.has(topic.id)) {
        planned.push(result(topic.name, topic.id, ErrorCode.INVALID_REQUEST, 'The provided topic name maps to an ID that was already supplied.'));
        targets.delete(topic.id);
      } else {
        targets.add(topic.id);
        planned.push({ id: topic.id, name: topic.name });
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

// Groups (c): OffsetCommit throughput from one connection, pipelined, committing into an empty
// group from outside (generation -1, member id ''), as admin tools and "assign" consumers do.
// Every commit is a write to __consumer_offsets, so this measures the coordinator's write path.
import type { OffsetCommitResponse } from '../src/protocol/messages/offset-commit.js';
import { errorName } from '../src/protocol/errors.js';
import { ApiKey, BenchClient } from './bench-client.js';
import type { BrokerProcess } from './broker-process.js';
import { pipeline } from './pipeline.js';

export interface CommitsResult {
  requestsPerSecond: number;
  commitsPerSecond: number;
  requests: number;
}

const TOPIC_PARTITIONS = 100;
const WINDOW = 64;
const MAX_MS = 15_000;

export async function groupCommits(
  broker: BrokerProcess,
  partitionsPerRequest: number,
  requests: number,
): Promise<CommitsResult> {
  const client = await BenchClient.connect(broker, 'bench-commits');
  try {
    const topic = 'group-commits';
    await client.createTopic(topic, TOPIC_PARTITIONS);
    const groupId = `bench-commits-${partitionsPerRequest}-${Date.now()}`;
    const version = client.version(ApiKey.OFFSET_COMMIT);
    const commit = async (i: number): Promise<void> => {
      const partitions = Array.from({ length: partitionsPerRequest }, (_, k) => ({
        partitionIndex: (i * partitionsPerRequest + k) % TOPIC_PARTITIONS,
        committedOffset: i,
        committedLeaderEpoch: -1,
        committedMetadata: '',
      }));
      const res = await client.request<OffsetCommitResponse>(
        ApiKey.OFFSET_COMMIT,
        { groupId, generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, topics: [{ name: topic, partitions }] },
        version,
      );
      for (const t of res.topics) {
        for (const p of t.partitions) {
          if (p.errorCode !== 0) throw new Error(`OffsetCommit ${t.name}-${p.partitionIndex}: ${errorName(p.errorCode)}`);
        }
      }
    };
    // Warm-up: creates the group and the offsets partition's segment, JITs both sides.
    await pipeline({ count: 200, window: WINDOW, maxMs: 5_000 }, commit);
    const r = await pipeline({ count: requests, window: WINDOW, maxMs: MAX_MS }, commit);
    return {
      requestsPerSecond: r.completed / r.seconds,
      commitsPerSecond: (r.completed * partitionsPerRequest) / r.seconds,
      requests: r.completed,
    };
  } finally {
    client.close();
  }
}

// DescribeLogDirs v0-4, as Kafka's ReplicaManager.describeLogDirs answers it: one result per
// directory of log.dirs (absolute paths). An online directory lists, per topic, the asked-for
// partitions it holds with their size in bytes on disk, offsetLag 0 (the log end offset is the
// high watermark) and isFutureKey false (no replica moves between directories); topics left
// without a partition are omitted, and topics null asks for every partition. v4 adds the file
// system's total and usable bytes. A directory that is offline (its disk failed) answers
// KAFKA_STORAGE_ERROR with no topics and -1 bytes. v3+ carries a top-level error code (always
// NONE: no ACLs).
import { statfsSync } from 'node:fs';
import { defineHandler } from './handler.js';
import { ErrorCode } from '../protocol/errors.js';
import type {
  DescribeLogDirsRequest,
  DescribeLogDirsResponse,
  DescribeLogDirsResponseDescribeLogDirsResult,
  DescribeLogDirsResponseDescribeLogDirsTopic,
} from '../protocol/messages/describe-log-dirs.js';
import type { LogDirDescription } from '../storage/log-manager.js';

/** Kafka's adjustForLargeFileSystems: a size that overflowed a long reads as Long.MAX_VALUE. */
function space(dir: string): { totalBytes: number; usableBytes: number } {
  const s = statfsSync(dir);
  // Byte counts stay below 2^53 (8 PiB), so plain numbers are exact.
  return { totalBytes: s.blocks * s.bsize, usableBytes: s.bavail * s.bsize };
}

function offline(logDir: string): DescribeLogDirsResponseDescribeLogDirsResult {
  return { errorCode: ErrorCode.KAFKA_STORAGE_ERROR, logDir, topics: [], totalBytes: -1, usableBytes: -1 };
}

function describeDir(dir: LogDirDescription, wanted: Map<string, Set<number>> | null): DescribeLogDirsResponseDescribeLogDirsTopic[] {
  const byTopic = new Map<string, DescribeLogDirsResponseDescribeLogDirsTopic>();
  for (const log of dir.logs) {
    const { topic, partition } = log.topicPartition;
    if (wanted !== null && !wanted.get(topic)?.has(partition)) continue;
    let entry = byTopic.get(topic);
    if (!entry) byTopic.set(topic, (entry = { name: topic, partitions: [] }));
    entry.partitions.push({ partitionIndex: partition, partitionSize: log.size, offsetLag: 0, isFutureKey: false });
  }
  for (const t of byTopic.values()) t.partitions.sort((a, b) => a.partitionIndex - b.partitionIndex);
  return [...byTopic.values()];
}

export const describeLogDirsHandler = defineHandler<DescribeLogDirsRequest, DescribeLogDirsResponse>({
  apiKey: 35,
  name: 'DescribeLogDirs',
  minVersion: 0,
  maxVersion: 4,
  handle(req, ctx) {
    const wanted = req.topics === null ? null : new Map(req.topics.map((t) => [t.topic, new Set(t.partitions)] as const));
    const results = ctx.broker.cluster.logDirs().map((dir): DescribeLogDirsResponseDescribeLogDirsResult => {
      if (dir.failure) return offline(dir.path);
      try {
        return { errorCode: ErrorCode.NONE, logDir: dir.path, topics: describeDir(dir, wanted), ...space(dir.path) };
      } catch (err) {
        ctx.broker.log.warn({ err, dir: dir.path }, 'cannot stat the log directory');
        return offline(dir.path);
      }
    });
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, results };
  },
});

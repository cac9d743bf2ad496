// DescribeLogDirs v0-4, as Kafka's ReplicaManager.describeLogDirs answers it for Brook's one log
// directory (the data dir): each partition with its size in bytes on disk, offsetLag 0 (the log
// end offset is the high watermark) and isFutureKey false (no replica moves between dirs). topics
// null asks for every partition. As in Kafka, every topic with a log is listed, with only the
// asked-for partitions (so possibly none). v4 adds the file system's total and usable bytes; v3+
// carries a top-level error code (always NONE: no ACLs).
import { statfsSync } from 'node:fs';
import { defineHandler } from './handler.js';
import { ErrorCode } from '../protocol/errors.js';
import type {
  DescribeLogDirsRequest,
  DescribeLogDirsResponse,
  DescribeLogDirsResponseDescribeLogDirsResult,
} from '../protocol/messages/describe-log-dirs.js';

/** Kafka's adjustForLargeFileSystems: a size that overflowed a long reads as Long.MAX_VALUE. */
function space(dir: string): { totalBytes: number; usableBytes: number } {
  const s = statfsSync(dir);
  // Byte counts stay below 2^53 (8 PiB), so plain numbers are exact.
  return { totalBytes: s.blocks * s.bsize, usableBytes: s.bavail * s.bsize };
}

export const describeLogDirsHandler = defineHandler<DescribeLogDirsRequest, DescribeLogDirsResponse>({
  apiKey: 35,
  name: 'DescribeLogDirs',
  minVersion: 0,
  maxVersion: 4,
  handle(req, ctx) {
    const { cluster, config } = ctx.broker;
    const wanted = req.topics === null ? null : new Map(req.topics.map((t) => [t.topic, new Set(t.partitions)] as const));
    const topics = [...cluster.topics()].map((t) => {
      const asked = wanted === null ? null : wanted.get(t.name);
      return {
        name: t.name,
        partitions: t.partitions
          .filter((p) => asked === null || (asked !== undefined && asked.has(p.index)))
          .map((p) => ({ partitionIndex: p.index, partitionSize: p.log.size, offsetLag: 0, isFutureKey: false })),
      };
    });
    let result: DescribeLogDirsResponseDescribeLogDirsResult;
    try {
      result = { errorCode: ErrorCode.NONE, logDir: config.dataDir, topics, ...space(config.dataDir) };
    } catch (err) {
      ctx.broker.log.warn({ err, dir: config.dataDir }, 'cannot stat the log directory');
      result = { errorCode: ErrorCode.KAFKA_STORAGE_ERROR, logDir: config.dataDir, topics: [], totalBytes: -1, usableBytes: -1 };
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, results: [result] };
  },
});

// brook consume TOPIC...: read records from a position, to a count, to the end or until Ctrl-C,
// alone or as a member of a consumer group.
import type { KafkaClient } from '../../client/kafka-client.js';
import { Fetcher } from '../../client/fetcher.js';
import { fetchCommittedOffsets, type OffsetToCommit } from '../../client/group-admin.js';
import { GroupMember } from '../../client/group-member.js';
import { IsolationLevel, listOffsets, offsetRanges, partitionKey } from '../../client/list-offsets.js';
import type { TopicPartitionList } from '../../protocol/consumer-protocol.js';
import { UsageError } from '../cli-error.js';
import { nonNegativeInt, openClient, positiveInt, type ClientFlags } from '../client-options.js';
import { parseOffsetSpec, resolveOffset, type OffsetSpec } from '../offset-spec.js';
import { Progress } from '../progress.js';
import { OutputBuffer, recordFormatter } from '../record-format.js';

interface ConsumeFlags extends ClientFlags {
  offset: string;
  num?: string;
  exit?: boolean;
  partitions?: string;
  group?: string;
  assignor: string;
  isolation: string;
  readCommitted?: boolean;
  format: string;
  progress: boolean;
}

/** A group member commits its position this often while consuming (Kafka's auto.commit.interval.ms). */
const COMMIT_INTERVAL_MS = 5000;

export async function consume(topics: string[], flags: ConsumeFlags): Promise<void> {
  const spec = parseOffsetSpec(flags.offset);
  const limit = flags.num === undefined ? undefined : positiveInt(flags.num, '-n/--num');
  const only = flags.partitions === undefined ? undefined : flags.partitions.split(',').map((p) => nonNegativeInt(p.trim(), '-p/--partitions'));
  if (only && flags.group !== undefined) throw new UsageError('-p/--partitions cannot be combined with -g/--group: the group assigns the partitions');
  const isolationLevel = flags.readCommitted || flags.isolation === 'read_committed' ? IsolationLevel.READ_COMMITTED : IsolationLevel.READ_UNCOMMITTED;
  const format = recordFormatter(flags.format);
  const output = new OutputBuffer();

  const client = await openClient(flags);
  let stopping = false;
  const onSignal = (): void => {
    if (stopping) process.exit(130);
    stopping = true;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // A closed pipe (brook consume ... | head) ends the command quietly.
  const onStdoutError = (err: NodeJS.ErrnoException): void => {
    if (err.code === 'EPIPE') stopping = true;
  };
  process.stdout.on('error', onStdoutError);
  const progress = new Progress(flags.progress, true);
  const fetcher = new Fetcher(client, { isolationLevel, autoOffsetReset: spec.kind === 'end' ? 'latest' : 'earliest' });
  let member: GroupMember | undefined;
  /** Where a group member's commit puts each partition: after the last record written. */
  const consumed = new Map<string, OffsetToCommit>();
  let count = 0;
  let bytes = 0;
  try {
    const infos = await client.topics(topics);
    if (only) {
      for (const p of only) {
        for (const t of infos) if (!t.partitions.some((x) => x.partition === p)) throw new UsageError(`topic '${t.name}' has no partition ${p} (it has ${t.partitions.length})`);
      }
    }
    const assign = async (assignment: readonly TopicPartitionList[]): Promise<void> => {
      const partitions = assignment.flatMap((a) => a.partitions.map((partition) => ({ topic: a.topic, partition })));
      const committed = member ? await fetchCommittedOffsets(client, member.groupId, assignment.map((a) => ({ name: a.topic, partitions: a.partitions }))) : [];
      const known = new Map(committed.map((c) => [partitionKey(c.topic, c.partition), c.offset]));
      const fresh = partitions.filter((p) => !known.has(partitionKey(p.topic, p.partition)));
      const starts = await startOffsets(client, fresh, spec, isolationLevel);
      consumed.clear();
      fetcher.assign(partitions.map((p) => {
        const key = partitionKey(p.topic, p.partition);
        return { ...p, offset: known.get(key) ?? starts.get(key)! };
      }));
    };
    if (flags.group !== undefined) {
      const other = flags.assignor === 'range' ? 'roundrobin' : 'range';
      member = new GroupMember(client, { groupId: flags.group, topics, assignors: [flags.assignor, other] });
      await assign(await member.join());
    } else {
      await assign(infos.map((t) => ({ topic: t.name, partitions: t.partitions.map((p) => p.partition).filter((p) => !only || only.includes(p)) })));
    }

    let lastCommit = Date.now();
    while (!stopping) {
      if (member?.failure) throw member.failure;
      if (member?.needsRejoin) {
        await commit(member, consumed);
        await assign(await member.join());
      }
      const records = await fetcher.poll();
      const take = limit === undefined ? records.length : Math.min(records.length, limit - count);
      if (take > 0) {
        for (let i = 0; i < take; i++) {
          const r = records[i];
          format(r, output);
          bytes += (r.value?.length ?? 0) + (r.key?.length ?? 0);
        }
        if (take < records.length) {
          // Cut short by the count: commit after the last record written, per partition.
          for (let i = 0; i < take; i++) consumed.set(partitionKey(records[i].topic, records[i].partition), { topic: records[i].topic, partition: records[i].partition, offset: records[i].offset + 1 });
        }
        await write(output.take());
        count += take;
        progress.update(count, bytes, limit);
      }
      if (take === records.length) markPositions(fetcher, consumed);
      if (limit !== undefined && count >= limit) break;
      if (flags.exit && fetcher.assignment.every((s) => s.highWatermark >= 0 && s.position >= (isolationLevel === IsolationLevel.READ_COMMITTED && s.lastStableOffset >= 0 ? s.lastStableOffset : s.highWatermark))) break;
      if (member && Date.now() - lastCommit >= COMMIT_INTERVAL_MS) {
        await commit(member, consumed);
        lastCommit = Date.now();
      }
    }
    if (member) await commit(member, consumed);
  } finally {
    progress.done();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.stdout.off('error', onStdoutError);
    if (member) await member.leave();
    client.close();
  }
}

/**
 * When a whole poll was written, every partition's commit position is the fetcher's position
 * (which also steps over control batches and aborted transactions that printed nothing).
 */
function markPositions(fetcher: Fetcher, consumed: Map<string, OffsetToCommit>): void {
  for (const s of fetcher.assignment) consumed.set(partitionKey(s.topic, s.partition), { topic: s.topic, partition: s.partition, offset: s.position });
}

async function commit(member: GroupMember, consumed: ReadonlyMap<string, OffsetToCommit>): Promise<void> {
  if (consumed.size === 0) return;
  try {
    await member.commit([...consumed.values()]);
  } catch (err) {
    // A commit refused because the group rebalanced is retried after the next join; the
    // records are delivered again then, as with any Kafka consumer.
    process.stderr.write(`brook: warning: offset commit failed: ${(err as Error).message}\n`);
  }
}

/** The first offset to read in each partition for `spec`, by partitionKey. */
async function startOffsets(client: KafkaClient, partitions: readonly { topic: string; partition: number }[], spec: OffsetSpec, isolationLevel: IsolationLevel): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (partitions.length === 0) return out;
  if (spec.kind === 'offset') {
    for (const p of partitions) out.set(partitionKey(p.topic, p.partition), spec.offset);
    return out;
  }
  const ranges = await offsetRanges(client, partitions, isolationLevel);
  const byTime = spec.kind === 'timestamp' ? await listOffsets(client, partitions.map((p) => ({ ...p, timestamp: spec.timestamp })), isolationLevel) : undefined;
  for (const p of partitions) {
    const key = partitionKey(p.topic, p.partition);
    out.set(key, resolveOffset(spec, ranges.get(key)!, byTime?.get(key)?.offset));
  }
  return out;
}

function write(data: Buffer): Promise<void> {
  return new Promise((resolve) => {
    if (process.stdout.write(data)) return resolve();
    // A closed pipe never drains: its 'error' (EPIPE) ends the wait and, via onStdoutError, the loop.
    const done = (): void => {
      process.stdout.off('drain', done);
      process.stdout.off('error', done);
      resolve();
    };
    process.stdout.once('drain', done);
    process.stdout.once('error', done);
  });
}

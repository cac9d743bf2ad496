// brook group list|describe|seek|delete.
import { ErrorCode, errorName } from '../../protocol/errors.js';
import type { KafkaClient } from '../../client/kafka-client.js';
import { commitOffsets, deleteGroups, describeGroup, fetchCommittedOffsets, listGroups, type CommittedOffset, type GroupDescription } from '../../client/group-admin.js';
import { KafkaError } from '../../client/kafka-error.js';
import { listOffsets, offsetRanges, partitionKey } from '../../client/list-offsets.js';
import { kafkaErrorLine, ReportedFailure, UsageError } from '../cli-error.js';
import { nonNegativeInt, openClient, outputFormat, type ClientFlags, type FormatFlags } from '../client-options.js';
import { parseOffsetSpec, resolveOffset } from '../offset-spec.js';
import { printJson, print, renderPairs, renderTable, Sections } from '../output.js';

type Flags = ClientFlags & FormatFlags;

async function withClient<T>(flags: ClientFlags, body: (client: KafkaClient) => Promise<T>): Promise<T> {
  const client = await openClient(flags);
  try {
    return await body(client);
  } finally {
    client.close();
  }
}

export async function groupList(flags: Flags): Promise<void> {
  await withClient(flags, async (client) => {
    const groups = await listGroups(client);
    if (outputFormat(flags) === 'json') {
      printJson(groups.map((g) => ({ group: g.groupId, state: g.state || null, type: g.type || null, protocolType: g.protocolType, coordinator: g.coordinator })));
    } else {
      print(renderTable(['GROUP', 'STATE', 'TYPE', 'PROTOCOL-TYPE', 'COORDINATOR'], groups.map((g) => [g.groupId, g.state || null, g.type || null, g.protocolType || null, g.coordinator])));
    }
  });
}

interface PartitionLag {
  topic: string;
  partition: number;
  committedOffset: number | null;
  logEndOffset: number | null;
  lag: number | null;
  memberId: string | null;
  clientId: string | null;
  host: string | null;
}

/** Committed offsets, log end offsets and lag of every partition assigned or committed. */
async function lagOf(client: KafkaClient, group: GroupDescription, committed: readonly CommittedOffset[]): Promise<PartitionLag[]> {
  const rows = new Map<string, PartitionLag>();
  const row = (topic: string, partition: number): PartitionLag => {
    const key = partitionKey(topic, partition);
    let r = rows.get(key);
    if (!r) {
      r = { topic, partition, committedOffset: null, logEndOffset: null, lag: null, memberId: null, clientId: null, host: null };
      rows.set(key, r);
    }
    return r;
  };
  for (const m of group.members) {
    for (const a of m.assignment) {
      for (const p of a.partitions) Object.assign(row(a.topic, p), { memberId: m.memberId, clientId: m.clientId, host: m.clientHost });
    }
  }
  for (const c of committed) row(c.topic, c.partition).committedOffset = c.offset;
  const all = [...rows.values()];
  if (all.length > 0) {
    // Partitions of deleted topics have no end offset: their lag stays unknown.
    const meta = await client.metadata([...new Set(all.map((r) => r.topic))]);
    const live = all.filter((r) => meta.topics.get(r.topic)?.errorCode === 0 && meta.topics.get(r.topic)!.partitions.some((p) => p.partition === r.partition));
    const ends = await listOffsets(client, live.map((r) => ({ topic: r.topic, partition: r.partition, timestamp: -1 })));
    for (const r of live) {
      r.logEndOffset = ends.get(partitionKey(r.topic, r.partition))?.offset ?? null;
      if (r.logEndOffset !== null && r.committedOffset !== null) r.lag = Math.max(0, r.logEndOffset - r.committedOffset);
    }
  }
  return all.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
}

export async function groupDescribe(groups: string[], flags: Flags): Promise<void> {
  await withClient(flags, async (client) => {
    const described = [];
    for (const id of groups) {
      const group = await describeGroup(client, id);
      const committed = await fetchCommittedOffsets(client, id);
      if (group.state === 'Dead' && committed.length === 0) throw new KafkaError(ErrorCode.GROUP_ID_NOT_FOUND, null, { group: id });
      const partitions = await lagOf(client, group, committed);
      const lags = partitions.map((p) => p.lag).filter((l): l is number => l !== null);
      described.push({ group, partitions, totalLag: lags.length === 0 ? null : lags.reduce((a, b) => a + b, 0) });
    }
    if (outputFormat(flags) === 'json') {
      const docs = described.map(({ group, partitions, totalLag }) => ({
        group: group.groupId,
        state: group.state,
        protocolType: group.protocolType,
        protocol: group.protocol,
        members: group.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, clientId: m.clientId, host: m.clientHost, assignment: m.assignment })),
        offsets: partitions,
        totalLag,
      }));
      printJson(docs.length === 1 ? docs[0] : docs);
      return;
    }
    const sections = new Sections();
    for (const { group, partitions, totalLag } of described) {
      const prefix = described.length > 1 ? `${group.groupId}: ` : '';
      sections.add(`${prefix}GROUP`, renderPairs([['GROUP', group.groupId], ['STATE', group.state], ['PROTOCOL', group.protocol || null], ['MEMBERS', group.members.length], ['TOTAL-LAG', totalLag]]));
      if (group.members.length > 0) {
        sections.add(`${prefix}MEMBERS`, renderTable(['MEMBER-ID', 'INSTANCE-ID', 'CLIENT-ID', 'HOST', 'ASSIGNMENT'], group.members.map((m) => [m.memberId, m.groupInstanceId, m.clientId, m.clientHost, m.assignment.map((a) => `${a.topic}:${a.partitions.join(',')}`).join(' ') || null])));
      }
      sections.add(`${prefix}OFFSETS`, renderTable(['TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'MEMBER-ID', 'CLIENT-ID', 'HOST'], partitions.map((p) => [p.topic, p.partition, p.committedOffset, p.logEndOffset, p.lag, p.memberId, p.clientId, p.host])));
    }
  });
}

interface SeekFlags extends Flags {
  to?: string;
  shift?: string;
  topics?: string[];
  allTopics?: boolean;
  execute?: boolean;
}

/**
 * Moves a group's committed offsets, following kafka-consumer-groups.sh --reset-offsets: the
 * group must be inactive (Empty, or Dead: unknown), the plan is only shown unless --execute, and
 * offsets outside a partition's log are moved to its start or end with a warning.
 */
export async function groupSeek(groupId: string, flags: SeekFlags): Promise<void> {
  if ((flags.to === undefined) === (flags.shift === undefined)) throw new UsageError('give one of --to (start, end, an offset, a time) or --shift N');
  if ((flags.topics === undefined) === (flags.allTopics !== true)) throw new UsageError('give the topics to move with --topics T[:partitions] or --all-topics');
  const spec = flags.to === undefined ? undefined : parseOffsetSpec(flags.to);
  const shift = flags.shift === undefined ? undefined : Number(flags.shift);
  if (shift !== undefined && !Number.isSafeInteger(shift)) throw new UsageError(`--shift expects an integer, got '${flags.shift}'`);
  const scopes = parseTopicScopes(flags.topics ?? []);

  await withClient(flags, async (client) => {
    const group = await describeGroup(client, groupId);
    if (group.state !== 'Empty' && group.state !== 'Dead') {
      throw new KafkaError(ErrorCode.NON_EMPTY_GROUP, `offsets can only be reset if the group '${groupId}' is inactive, but the current state is ${group.state}`, { group: groupId });
    }
    const committed = await fetchCommittedOffsets(client, groupId);
    const current = new Map(committed.map((c) => [partitionKey(c.topic, c.partition), c.offset]));
    let partitions: { topic: string; partition: number }[];
    if (flags.allTopics) {
      partitions = committed.map((c) => ({ topic: c.topic, partition: c.partition }));
    } else {
      const infos = await client.topics([...new Set(scopes.map((s) => s.topic))]);
      partitions = scopes.flatMap((s) => {
        const info = infos.find((i) => i.name === s.topic)!;
        const all = info.partitions.map((p) => p.partition);
        for (const p of s.partitions ?? []) if (!all.includes(p)) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, null, { topic: s.topic, partition: p });
        return (s.partitions ?? all).map((partition) => ({ topic: s.topic, partition }));
      });
    }
    const ranges = await offsetRanges(client, partitions);
    const byTime = spec?.kind === 'timestamp' ? await listOffsets(client, partitions.map((p) => ({ ...p, timestamp: spec.timestamp }))) : undefined;
    const plan = partitions.map((p) => {
      const key = partitionKey(p.topic, p.partition);
      const range = ranges.get(key)!;
      const currentOffset = current.get(key) ?? null;
      let wanted: number;
      if (spec) {
        wanted = resolveOffset(spec, range, byTime?.get(key)?.offset);
      } else {
        if (currentOffset === null) throw new UsageError(`cannot shift ${p.topic}[${p.partition}]: the group has no committed offset there`);
        wanted = currentOffset + shift!;
      }
      let newOffset = wanted;
      if (wanted > range.end) {
        newOffset = range.end;
        process.stderr.write(`brook: warning: new offset ${wanted} is past the end of ${p.topic}[${p.partition}]; using ${range.end}\n`);
      } else if (wanted < range.start) {
        newOffset = range.start;
        process.stderr.write(`brook: warning: new offset ${wanted} is before the start of ${p.topic}[${p.partition}]; using ${range.start}\n`);
      }
      return { topic: p.topic, partition: p.partition, currentOffset, newOffset };
    }).sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);

    if (flags.execute) await commitOffsets(client, groupId, plan.map((p) => ({ topic: p.topic, partition: p.partition, offset: p.newOffset })));
    if (outputFormat(flags) === 'json') {
      printJson({ group: groupId, executed: flags.execute === true, partitions: plan });
    } else {
      print(renderTable(['GROUP', 'TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'NEW-OFFSET'], plan.map((p) => [groupId, p.topic, p.partition, p.currentOffset, p.newOffset])));
    }
    process.stderr.write(flags.execute ? `Committed the new offsets of group '${groupId}'.\n` : 'Dry run: nothing changed. Add --execute to commit these offsets.\n');
  });
}

/**
 * `--topics` values: `events`, `events:0,1`, `a,b`, or several values. A comma followed by a
 * number continues the partition list of the topic before it ("a:0,1,b" is a:0,1 and b).
 */
export function parseTopicScopes(values: readonly string[]): { topic: string; partitions?: number[] }[] {
  const scopes: { topic: string; partitions?: number[] }[] = [];
  for (const value of values) {
    let last: { topic: string; partitions?: number[] } | undefined;
    for (const token of value.split(',').map((t) => t.trim()).filter((t) => t !== '')) {
      if (/^\d+$/.test(token) && last?.partitions) {
        last.partitions.push(nonNegativeInt(token, '--topics'));
        continue;
      }
      const colon = token.lastIndexOf(':');
      last = colon < 0 ? { topic: token } : { topic: token.slice(0, colon), partitions: token.slice(colon + 1) === '' ? [] : [nonNegativeInt(token.slice(colon + 1), '--topics')] };
      if (last.topic === '') throw new UsageError(`--topics: missing topic name in '${value}'`);
      scopes.push(last);
    }
  }
  return scopes;
}

export async function groupDelete(groups: string[], flags: Flags): Promise<void> {
  await withClient(flags, async (client) => {
    const results = await deleteGroups(client, groups);
    if (outputFormat(flags) === 'json') {
      printJson(results.map((r) => ({ group: r.groupId, error: r.errorCode === 0 ? null : { code: r.errorCode, name: errorName(r.errorCode), message: kafkaErrorLine(new KafkaError(r.errorCode, null, { group: r.groupId })) } })));
    } else {
      print(renderTable(['GROUP', 'STATUS'], results.map((r) => [r.groupId, r.errorCode === 0 ? 'deleted' : errorName(r.errorCode)])));
    }
    for (const r of results) if (r.errorCode !== 0) process.stderr.write(`brook: ${kafkaErrorLine(new KafkaError(r.errorCode, null, { group: r.groupId }))}\n`);
    if (results.some((r) => r.errorCode !== 0)) throw new ReportedFailure();
  });
}

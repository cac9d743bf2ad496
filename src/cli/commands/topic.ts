// brook topic create|list|describe|delete|add-partitions|alter-config.
import { ErrorCode, errorName } from '../../protocol/errors.js';
import type { KafkaClient } from '../../client/kafka-client.js';
import { KafkaError, UnsupportedApiError } from '../../client/kafka-error.js';
import { partitionKey, offsetRanges } from '../../client/list-offsets.js';
import { AlterConfigOp, ConfigResourceType, createPartitions, createTopics, deleteTopics, describeConfigs, incrementalAlterConfigs, partitionSizes, type ConfigChange, type TopicResult } from '../../client/topic-admin.js';
import { kafkaErrorLine, ReportedFailure, UsageError } from '../cli-error.js';
import { nonNegativeInt, openClient, outputFormat, parseAssignment, positiveInt, type ClientFlags, type FormatFlags } from '../client-options.js';
import { printJson, renderPairs, renderTable, Sections, print } from '../output.js';

type Flags = ClientFlags & FormatFlags;

async function withClient<T>(flags: ClientFlags, body: (client: KafkaClient) => Promise<T>): Promise<T> {
  const client = await openClient(flags);
  try {
    return await body(client);
  } finally {
    client.close();
  }
}

interface ResultRow {
  name: string;
  ok: boolean;
  status: string;
  error: { code: number; name: string; message: string } | null;
}

/**
 * Prints per-topic results (a table or JSON) and each failure's hint on stderr; throws
 * ReportedFailure when any failed, so the exit code is 1.
 */
function report(results: readonly TopicResult[], okStatus: string, flags: FormatFlags, tolerated: readonly number[] = [], extra: (r: TopicResult) => Record<string, unknown> = () => ({})): void {
  const rows: ResultRow[] = results.map((r) => {
    const ok = r.errorCode === 0 || tolerated.includes(r.errorCode);
    const error = r.errorCode === 0 ? null : { code: r.errorCode, name: errorName(r.errorCode), message: kafkaErrorLine(new KafkaError(r.errorCode, r.errorMessage, { topic: r.name })) };
    return { name: r.name, ok, status: r.errorCode === 0 ? okStatus : errorName(r.errorCode), error };
  });
  if (outputFormat(flags) === 'json') {
    printJson(results.map((r, i) => ({ name: r.name, ...extra(r), error: rows[i].error })));
  } else {
    print(renderTable(['TOPIC', 'STATUS'], rows.map((r) => [r.name, r.status])));
  }
  for (const r of rows) if (!r.ok) process.stderr.write(`brook: ${r.error!.message}\n`);
  if (rows.some((r) => !r.ok)) throw new ReportedFailure();
}

export async function topicCreate(topics: string[], flags: Flags & { partitions?: string; replicationFactor?: string; config?: string[]; ifNotExists?: boolean; dryRun?: boolean }): Promise<void> {
  const partitions = flags.partitions === undefined ? -1 : positiveInt(flags.partitions, '-p/--partitions');
  const replicationFactor = flags.replicationFactor === undefined ? -1 : positiveInt(flags.replicationFactor, '-r/--replication-factor');
  const configs: Record<string, string> = {};
  for (const c of flags.config ?? []) {
    const [name, value] = parseAssignment(c, '-c/--config');
    configs[name] = value;
  }
  await withClient(flags, async (client) => {
    const results = await createTopics(client, topics.map((name) => ({ name, partitions, replicationFactor, configs })), flags.dryRun === true);
    report(results, flags.dryRun ? 'valid' : 'created', flags, flags.ifNotExists ? [ErrorCode.TOPIC_ALREADY_EXISTS] : [], (r) => {
      const created = r as (typeof results)[number];
      return { topicId: created.topicId, partitions: created.partitions, replicationFactor: created.replicationFactor };
    });
  });
}

export async function topicList(flags: Flags & { internal?: boolean }): Promise<void> {
  await withClient(flags, async (client) => {
    const meta = await client.metadata(null);
    const topics = [...meta.topics.values()].filter((t) => flags.internal || !t.isInternal).sort((a, b) => a.name.localeCompare(b.name));
    const rows = topics.map((t) => ({
      name: t.name,
      topicId: t.topicId,
      partitions: t.partitions.length,
      replicationFactor: t.partitions[0]?.replicas.length ?? 0,
      internal: t.isInternal,
    }));
    if (outputFormat(flags) === 'json') printJson(rows);
    else print(renderTable(['NAME', 'PARTITIONS', 'REPLICAS'], rows.map((r) => [r.name, r.partitions, r.replicationFactor])));
  });
}

export async function topicDescribe(topics: string[], flags: Flags & { summary?: boolean; configs?: boolean; partitions?: boolean }): Promise<void> {
  const all = !flags.summary && !flags.configs && !flags.partitions;
  const show = { summary: all || flags.summary === true, configs: all || flags.configs === true, partitions: all || flags.partitions === true };
  await withClient(flags, async (client) => {
    const infos = await client.topics(topics);
    const partitions = infos.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partition })));
    const [ranges, sizes, configs] = await Promise.all([
      show.partitions ? offsetRanges(client, partitions) : undefined,
      show.partitions ? partitionSizes(client, topics).catch((err: unknown) => (err instanceof UnsupportedApiError ? new Map<string, number>() : Promise.reject(err))) : undefined,
      show.configs ? describeConfigs(client, ConfigResourceType.TOPIC, topics) : undefined,
    ]);
    const described = infos.map((t) => {
      const c = configs?.find((r) => r.name === t.name);
      if (c && c.errorCode !== 0) throw new KafkaError(c.errorCode, c.errorMessage, { topic: t.name });
      return {
        name: t.name,
        topicId: t.topicId,
        internal: t.isInternal,
        replicationFactor: t.partitions[0]?.replicas.length ?? 0,
        partitions: t.partitions.map((p) => {
          const key = partitionKey(t.name, p.partition);
          return {
            partition: p.partition,
            leader: p.leader,
            leaderEpoch: p.leaderEpoch,
            replicas: p.replicas,
            isr: p.isr,
            offlineReplicas: p.offline,
            logStartOffset: ranges?.get(key)?.start ?? null,
            highWatermark: ranges?.get(key)?.end ?? null,
            sizeBytes: sizes?.get(key) ?? null,
          };
        }),
        configs: c?.configs.map((e) => ({ name: e.name, value: e.sensitive ? null : e.value, source: e.source, readOnly: e.readOnly, sensitive: e.sensitive })) ?? null,
      };
    });
    if (outputFormat(flags) === 'json') {
      printJson(described.map((d) => ({
        name: d.name,
        topicId: d.topicId,
        internal: d.internal,
        replicationFactor: d.replicationFactor,
        ...(show.partitions ? { partitions: d.partitions } : { partitionCount: d.partitions.length }),
        ...(show.configs ? { configs: d.configs } : {}),
      })));
      return;
    }
    const sections = new Sections();
    for (const d of described) {
      const prefix = described.length > 1 ? `${d.name}: ` : '';
      if (show.summary) {
        sections.add(`${prefix}SUMMARY`, renderPairs([['NAME', d.name], ['ID', d.topicId], ['PARTITIONS', d.partitions.length], ['REPLICAS', d.replicationFactor], ['INTERNAL', d.internal]]));
      }
      if (show.configs) {
        sections.add(`${prefix}CONFIGS`, renderTable(['KEY', 'VALUE', 'SOURCE'], (d.configs ?? []).map((e) => [e.name, e.sensitive ? '(sensitive)' : e.value, e.source])));
      }
      if (show.partitions) {
        sections.add(`${prefix}PARTITIONS`, renderTable(
          ['PARTITION', 'LEADER', 'EPOCH', 'REPLICAS', 'ISR', 'LOG-START-OFFSET', 'HIGH-WATERMARK', 'SIZE'],
          d.partitions.map((p) => [p.partition, p.leader, p.leaderEpoch, `[${p.replicas.join(',')}]`, `[${p.isr.join(',')}]`, p.logStartOffset, p.highWatermark, p.sizeBytes === null ? null : formatBytes(p.sizeBytes)]),
        ));
      }
    }
  });
}

export async function topicDelete(topics: string[], flags: Flags & { ifExists?: boolean }): Promise<void> {
  await withClient(flags, async (client) => {
    const results = await deleteTopics(client, topics);
    report(results, 'deleted', flags, flags.ifExists ? [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION] : []);
  });
}

export async function topicAddPartitions(topics: string[], flags: Flags & { num?: string; total?: string; dryRun?: boolean }): Promise<void> {
  if ((flags.num === undefined) === (flags.total === undefined)) throw new UsageError('give either -n/--num (partitions to add) or -t/--total (partitions in all)');
  const add = flags.num === undefined ? undefined : positiveInt(flags.num, '-n/--num');
  const total = flags.total === undefined ? undefined : nonNegativeInt(flags.total, '-t/--total');
  await withClient(flags, async (client) => {
    const infos = await client.topics(topics);
    const counts = infos.map((t) => ({ name: t.name, count: total ?? t.partitions.length + add!, before: t.partitions.length }));
    const results = await createPartitions(client, counts, flags.dryRun === true);
    report(results, flags.dryRun ? 'valid' : 'done', flags, [], (r) => {
      const c = counts.find((x) => x.name === r.name);
      return { partitionsBefore: c?.before ?? null, partitions: r.errorCode === 0 ? (c?.count ?? null) : (c?.before ?? null) };
    });
  });
}

export async function topicAlterConfig(topics: string[], flags: Flags & { set?: string[]; delete?: string[]; append?: string[]; subtract?: string[]; dryRun?: boolean }): Promise<void> {
  const changes: ConfigChange[] = [];
  for (const s of flags.set ?? []) changes.push(change(s, AlterConfigOp.SET, '--set'));
  for (const name of flags.delete ?? []) changes.push({ name: name.trim(), op: AlterConfigOp.DELETE, value: null });
  for (const s of flags.append ?? []) changes.push(change(s, AlterConfigOp.APPEND, '--append'));
  for (const s of flags.subtract ?? []) changes.push(change(s, AlterConfigOp.SUBTRACT, '--subtract'));
  if (changes.length === 0) throw new UsageError('nothing to change: give --set, --delete, --append or --subtract');
  await withClient(flags, async (client) => {
    const results: TopicResult[] = [];
    for (const name of topics) results.push(await incrementalAlterConfigs(client, ConfigResourceType.TOPIC, name, changes, flags.dryRun === true));
    report(results, flags.dryRun ? 'valid' : 'altered', flags);
  });
}

function change(text: string, op: AlterConfigOp, flag: string): ConfigChange {
  const [name, value] = parseAssignment(text, flag);
  return { name, op, value };
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}

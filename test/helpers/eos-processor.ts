// A consume-transform-produce processor for the exactly-once tests, at the protocol level with
// Brook's wire client, doing what a Kafka Streams task or a kafkajs `sendOffsets` loop does per
// transaction: fetch the input (read_committed) from the group's committed position, add the
// output partitions, produce the copies as transactional batches, add the group, commit the
// input offsets with TxnOffsetCommit, EndTxn(commit). Input partition i is copied to output
// partition i, record by record, so that per-key order in the output must equal the input's.
//
// A test "kills" the processor at a named stage of a transaction: the step returns without
// finishing (and without closing its connection, like a process that froze or lost its
// network), and a new processor with the same transactional id takes over. Where every stage can
// be picked from a seeded generator, a failing seed replays exactly.
import { WireClient } from '../../src/client/wire-client.js';
import { buildRecordBatch, decodeBatches } from '../../src/protocol/records/records.js';
import type { FetchResponse } from '../../src/protocol/messages/fetch.js';
import { Api, produce } from './producer-wire.js';
import { addOffsets, addPartitions, committedOffsets, endTxn, initTxn, txnOffsetCommit, type Producer } from './txn-wire.js';
import type { Random } from './prng.js';

export const E = {
  NONE: 0,
  COORDINATOR_LOAD_IN_PROGRESS: 14,
  COORDINATOR_NOT_AVAILABLE: 15,
  NOT_COORDINATOR: 16,
  INVALID_PRODUCER_EPOCH: 47,
  CONCURRENT_TRANSACTIONS: 51,
  UNSTABLE_OFFSET_COMMIT: 88,
  PRODUCER_FENCED: 90,
} as const;

/** Retriable answers while a coordinator loads or a fenced transaction is being aborted. */
const RETRIABLE: ReadonlySet<number> = new Set([E.COORDINATOR_LOAD_IN_PROGRESS, E.COORDINATOR_NOT_AVAILABLE, E.NOT_COORDINATOR, E.CONCURRENT_TRANSACTIONS, E.UNSTABLE_OFFSET_COMMIT]);

/** Where in a transaction a test may stop the processor. */
export const Stage = {
  /** The output partitions are in the transaction; nothing written. */
  ADDED: 'added',
  /** Produce requests sent, answers not awaited. */
  PRODUCE_SENT: 'produce-sent',
  /** The output batches are written. */
  PRODUCED: 'produced',
  /** The group is in the transaction too. */
  OFFSETS_ADDED: 'offsets-added',
  /** The input offsets are pending in the group. */
  OFFSETS_COMMITTED: 'offsets-committed',
  /** EndTxn(commit) sent, answer not awaited. */
  END_SENT: 'end-sent',
  /** EndTxn answered: the transaction is committed. */
  ENDED: 'ended',
} as const;
export type Stage = (typeof Stage)[keyof typeof Stage];
export const ALL_STAGES: readonly Stage[] = Object.values(Stage);

export interface ProcessorConfig {
  port: number;
  transactionalId: string;
  groupId: string;
  input: string;
  output: string;
  /** Input partitions (0 .. partitions-1). */
  partitions: number;
  /** The input partitions this instance copies; default all. */
  assigned?: number[];
  /** Input partition i goes to output partition i % outputPartitions; default `partitions` (i to i). */
  outputPartitions?: number;
  /** Most records taken from one input partition per transaction. */
  maxPerPartition: number;
  transactionTimeoutMs?: number;
}

export type StepResult = 'committed' | 'idle' | 'stopped';

async function retrying<T>(what: string, attempt: () => Promise<{ code: number; value?: T }>, deadlineMs = 60_000): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const r = await attempt();
    if (r.code === E.NONE) return r.value as T;
    if (!RETRIABLE.has(r.code) || Date.now() > deadline) throw new Error(`${what}: error ${r.code}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Connects, retrying while the broker is (re)starting. */
export async function connectRetrying(port: number, deadlineMs = 30_000): Promise<WireClient> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    try {
      return await WireClient.connect('localhost', port);
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

export interface InputRecord {
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
}

/** Up to `max` records of topic-partition from `offset`, read_committed; for input written without transactions (control batches are skipped, aborted ones not looked for). */
export async function fetchInput(c: WireClient, topic: string, partition: number, offset: number, max: number): Promise<InputRecord[]> {
  const res = await c.request<FetchResponse>(Api.FETCH, 12, {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    isolationLevel: 1,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic, partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: offset, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 20 }] }],
    forgottenTopicsData: [],
    rackId: '',
  });
  const p = res.responses[0].partitions[0];
  if (p.errorCode !== E.NONE) throw new Error(`fetch ${topic}-${partition}: error ${p.errorCode}`);
  const bytes = Array.isArray(p.records) ? Buffer.concat(p.records as Buffer[]) : ((p.records as Buffer | null) ?? Buffer.alloc(0));
  const out: InputRecord[] = [];
  for (const { batch, records } of decodeBatches(bytes)) {
    if (batch.isControl) continue;
    for (const r of records) if (r.offset >= offset && out.length < max) out.push({ offset: r.offset, key: r.key, value: r.value });
  }
  return out;
}

export class EosProcessor {
  /** Next offset to read per input partition (the group's committed offset at start). */
  readonly positions: number[];
  /** Next sequence per output partition for the current epoch. */
  private readonly sequences: number[];
  transactions = 0;

  private constructor(
    public client: WireClient,
    readonly cfg: ProcessorConfig,
    readonly producer: Producer,
    positions: number[],
  ) {
    this.positions = positions;
    this.sequences = new Array<number>(cfg.outputPartitions ?? cfg.partitions).fill(0);
  }

  /** InitProducerId (fencing any earlier instance and aborting its open transaction), then the committed positions. */
  static async start(cfg: ProcessorConfig): Promise<EosProcessor> {
    const c = await connectRetrying(cfg.port);
    const producer = await retrying<Producer>(`InitProducerId ${cfg.transactionalId}`, async () => {
      const r = await initTxn(c, cfg.transactionalId, { timeoutMs: cfg.transactionTimeoutMs ?? 60_000 });
      return { code: r.errorCode, value: { transactionalId: cfg.transactionalId, producerId: Number(r.producerId), producerEpoch: r.producerEpoch } };
    });
    // Only its own partitions: requireStable answers UNSTABLE_OFFSET_COMMIT for a partition
    // whose offsets another producer has pending in the same group.
    const parts = cfg.assigned ?? Array.from({ length: cfg.partitions }, (_, i) => i);
    const positions = await retrying<number[]>(`OffsetFetch ${cfg.groupId}`, async () => {
      const got = await committedOffsets(c, cfg.groupId, cfg.input, parts, true);
      const bad = got.find((v) => typeof v === 'string' && v !== 'missing');
      if (bad !== undefined) return { code: Number(String(bad).replace('error ', '')) };
      const all = new Array<number>(cfg.partitions).fill(0);
      parts.forEach((i, n) => (all[i] = typeof got[n] === 'number' ? Math.max(0, got[n] as number) : 0));
      return { code: E.NONE, value: all };
    });
    return new EosProcessor(c, cfg, producer, positions);
  }

  close(): void {
    this.client.close();
  }

  private fetchInput(partition: number, max: number): Promise<InputRecord[]> {
    return fetchInput(this.client, this.cfg.input, partition, this.positions[partition], max);
  }

  /**
   * One transaction over every input partition that has records left. `stopAt` names a stage
   * where `onStop` runs (a test kills the broker there). Without `resume` the step ends there,
   * the transaction unfinished (the test replaces the processor); with `resume` the processor
   * reconnects and finishes the transaction as a client that survived a broker restart would:
   * the request in flight at the stop is sent again with the same bytes.
   */
  async step(rand: Random, stopAt: Stage | null = null, onStop?: () => Promise<void>, resume = false): Promise<StepResult> {
    const { cfg, producer: p } = this;
    /** True when the step ends here; else the transaction goes on (over a new connection after a resume). */
    const stop = async (s: Stage): Promise<boolean> => {
      if (s !== stopAt) return false;
      if (onStop) await onStop();
      if (!resume) return true;
      this.client.close();
      this.client = await connectRetrying(cfg.port);
      return false;
    };
    const taken: { partition: number; records: InputRecord[] }[] = [];
    for (const i of cfg.assigned ?? this.positions.keys()) {
      const records = await this.fetchInput(i, rand.range(1, cfg.maxPerPartition));
      if (records.length > 0) taken.push({ partition: i, records });
    }
    if (taken.length === 0) return 'idle';
    /** Sends (again while the answer is retriable: a coordinator loading after a restart). */
    const must = (what: string, send: () => Promise<number[]>): Promise<void> =>
      retrying<undefined>(`${what} (${cfg.transactionalId} epoch ${p.producerEpoch})`, async () => {
        const codes = await send();
        return { code: codes.find((x) => x !== E.NONE) ?? E.NONE };
      });
    const outputOf = (i: number): number => i % (cfg.outputPartitions ?? cfg.partitions);
    const outputs = [...new Set(taken.map((t) => outputOf(t.partition)))];
    await must('AddPartitionsToTxn', () => addPartitions(this.client, p, cfg.output, outputs));
    if (await stop(Stage.ADDED)) return 'stopped';
    // One batch per output partition, its input partitions' records in turn.
    const batches = outputs.map((partition) => {
      const records = taken.filter((t) => outputOf(t.partition) === partition).flatMap((t) => t.records.map((r) => ({ key: r.key, value: r.value })));
      const batch = buildRecordBatch({ producerId: p.producerId, producerEpoch: p.producerEpoch, baseSequence: this.sequences[partition], transactional: true, records });
      this.sequences[partition] += records.length;
      return { partition, batch };
    });
    const produceAll = async (): Promise<number[]> => (await Promise.all(batches.map((b) => produce(this.client, cfg.output, b.partition, b.batch, cfg.transactionalId)))).map((r) => r.errorCode);
    if (stopAt === Stage.PRODUCE_SENT) {
      produceAll().catch(() => undefined);
      if (await stop(Stage.PRODUCE_SENT)) return 'stopped';
    }
    await must('Produce', produceAll);
    if (await stop(Stage.PRODUCED)) return 'stopped';
    await must('AddOffsetsToTxn', async () => [await addOffsets(this.client, p, cfg.groupId)]);
    if (await stop(Stage.OFFSETS_ADDED)) return 'stopped';
    const next: Record<string, number> = {};
    for (const t of taken) next[`${cfg.input}-${t.partition}`] = t.records[t.records.length - 1].offset + 1;
    await must('TxnOffsetCommit', () => txnOffsetCommit(this.client, p, cfg.groupId, next));
    if (await stop(Stage.OFFSETS_COMMITTED)) return 'stopped';
    if (stopAt === Stage.END_SENT) {
      endTxn(this.client, p, true).catch(() => undefined);
      if (await stop(Stage.END_SENT)) return 'stopped';
    }
    await must('EndTxn', async () => [(await endTxn(this.client, p, true)).errorCode]);
    for (const t of taken) this.positions[t.partition] = t.records[t.records.length - 1].offset + 1;
    this.transactions++;
    if (await stop(Stage.ENDED)) return 'stopped';
    return 'committed';
  }
}

/** Keyed input: `count` records over `keys` keys, key k on partition k % partitions, values "k<key>:<n>" with n counting per key. */
export function keyedInput(count: number, keys: number, partitions: number): { partition: number; key: string; value: string }[][] {
  const perPartition: { partition: number; key: string; value: string }[][] = Array.from({ length: partitions }, () => []);
  const next = new Array<number>(keys).fill(0);
  for (let i = 0; i < count; i++) {
    const k = (i * 7919) % keys;
    const partition = k % partitions;
    perPartition[partition].push({ partition, key: `k${k}`, value: `k${k}:${next[k]++}` });
  }
  return perPartition;
}

/** Writes the input as plain (non-transactional) batches of up to 50 records. */
export async function writeInput(c: WireClient, topic: string, input: { key: string; value: string }[][]): Promise<void> {
  for (let partition = 0; partition < input.length; partition++) {
    const records = input[partition];
    for (let i = 0; i < records.length; i += 50) {
      const r = await produce(c, topic, partition, buildRecordBatch({ records: records.slice(i, i + 50) }));
      if (r.errorCode !== E.NONE) throw new Error(`input ${topic}-${partition}: error ${r.errorCode}`);
    }
  }
}

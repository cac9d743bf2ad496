// The transfer processor (consumer group "transfer-processor"): reads transfer requests,
// validates each, and writes the outcome to ledger-events. This is consume-transform-produce,
// and where it can go wrong: the output is written, then the input's offset is committed. A
// processor that dies between the two is restarted at the old offset and writes the same
// outcomes again.
//
// Two ways to live with that, both here:
// - at-least-once: duplicates may reach ledger-events; every reader dedupes by transfer
//   id (balances.ts), so money never moves twice, but the log does hold a transfer twice.
// - exactly-once (the default on Brook, features.ts): the outputs and the input offsets are
//   committed in one transaction, and readers use read_committed. A processor that dies
//   mid-transaction leaves nothing visible; its restart (same transactional id) fences the dead
//   instance and aborts its open transaction, so each transfer is in the log once.
import { Consumer, MessagesStreamModes, MessagesStreamFallbackModes, Producer, stringDeserializers, stringSerializers, type Message } from '@platformatic/kafka';
import type { Cluster } from '../shared/cluster.js';
import { LEDGER_EVENTS, TRANSFER_REQUESTS, type LedgerEvent, type TransferRequested } from './events.js';

type StringMessage = Message<string, string, string, string>;

export interface ProcessorOptions {
  exactlyOnce: boolean;
  /** Test hook: die after writing the outputs of this many batches, before committing them. */
  crashAfterBatches?: number;
}

type TransferOutcome = Extract<LedgerEvent, { transferId: string }>;

function decide(request: TransferRequested): TransferOutcome {
  if (!(request.amount > 0)) return { type: 'TransferRejected', transferId: request.transferId, reason: 'amount must be positive' };
  if (request.from === request.to) return { type: 'TransferRejected', transferId: request.transferId, reason: 'same account' };
  return { type: 'TransferCompleted', transferId: request.transferId, from: request.from, to: request.to, amount: request.amount };
}

export class TransferProcessor {
  /** Requests whose outcomes were committed (with their input offsets). */
  processed = 0;
  /** Outcomes sent to ledger-events, including a batch that was never committed. */
  written = 0;
  crashed = false;
  private readonly done: Promise<void>;
  private stopping = false;

  private constructor(
    private readonly cluster: Pick<Cluster, 'bootstrap' | 'topic' | 'group'>,
    private readonly options: ProcessorOptions,
    private readonly consumer: Consumer<string, string, string, string>,
    private readonly producer: Producer<string, string, string, string>,
    private readonly stream: AsyncIterable<StringMessage> & { read(): unknown; close(): Promise<void> },
  ) {
    this.done = this.run();
  }

  static async start(cluster: Pick<Cluster, 'bootstrap' | 'topic' | 'group'>, options: ProcessorOptions): Promise<TransferProcessor> {
    const consumer = new Consumer<string, string, string, string>({
      clientId: 'transfer-processor',
      groupId: cluster.group('transfer-processor'),
      bootstrapBrokers: cluster.bootstrap,
      deserializers: stringDeserializers,
      sessionTimeout: 10_000,
      heartbeatInterval: 500,
      maxWaitTime: 500,
    });
    const producer = new Producer<string, string, string, string>({
      clientId: 'transfer-processor',
      bootstrapBrokers: cluster.bootstrap,
      serializers: stringSerializers,
      // One transactional id per processor instance slot: a restarted instance reuses it, which
      // is how the broker knows to fence the old one and abort what it left open.
      // producerId -1 / epoch -1: @platformatic/kafka otherwise sends 0/0 in InitProducerId,
      // which Kafka (and Brook) read as "I am producer 0 at epoch 0" (KIP-360) and answer
      // PRODUCER_FENCED once the id belongs to another producer id, i.e. to every restart.
      ...(options.exactlyOnce ? { transactionalId: cluster.group('transfer-processor-0'), idempotent: true, producerId: -1n, producerEpoch: -1 } : {}),
    });
    const stream = await consumer.consume({
      topics: [cluster.topic(TRANSFER_REQUESTS)],
      mode: MessagesStreamModes.COMMITTED,
      fallbackMode: MessagesStreamFallbackModes.EARLIEST,
      autocommit: false,
    });
    return new TransferProcessor(cluster, options, consumer, producer, stream as unknown as TransferProcessor['stream']);
  }

  private async run(): Promise<void> {
    let batches = 0;
    try {
      for await (const first of this.stream) {
        const batch: StringMessage[] = [first];
        for (let m: StringMessage | null; batch.length < 500 && (m = this.stream.read() as StringMessage | null) !== null; ) batch.push(m);
        const outputs = batch.map((m) => {
          const event = decide(JSON.parse(m.value) as TransferRequested);
          return { topic: this.cluster.topic(LEDGER_EVENTS), key: event.transferId, value: JSON.stringify(event) };
        });
        // Leaving the loop here skips the commit: the process "dies" below.
        const crashNow = ++batches === this.options.crashAfterBatches;
        if (this.options.exactlyOnce) {
          const tx = await this.producer.beginTransaction();
          await tx.addConsumer(this.consumer);
          await tx.send({ messages: outputs });
          this.written += outputs.length;
          for (const m of lastPerPartition(batch)) await tx.addOffset(m);
          if (crashNow) break;
          await tx.commit();
        } else {
          await this.producer.send({ messages: outputs, acks: -1 });
          this.written += outputs.length;
          if (crashNow) break;
          await this.consumer.commit({ offsets: lastPerPartition(batch).map((m) => ({ topic: m.topic, partition: m.partition, offset: m.offset + 1n, leaderEpoch: -1 })) });
        }
        this.processed += batch.length;
      }
    } catch (err) {
      if (!this.stopping) throw err;
    }
    if (batches === this.options.crashAfterBatches) await this.crash();
  }

  /** Dies as a killed process would: outputs written, input offsets not committed. */
  private async crash(): Promise<void> {
    this.crashed = true;
    this.stopping = true;
    await this.stream.close();
    // leaveGroup() first, as GroupService.stop() does (see there): close() alone would not end a
    // rejoin under way.
    await this.consumer.leaveGroup(true);
    await this.consumer.close(true);
    await this.producer.close(true);
  }

  /** Resolves when the processor has crashed (test hook) or stopped. */
  get finished(): Promise<void> {
    return this.done;
  }

  async stop(): Promise<void> {
    if (this.crashed) return;
    this.stopping = true;
    await this.stream.close();
    await this.done;
    await this.consumer.leaveGroup();
    await this.consumer.close();
    await this.producer.close();
  }
}

function lastPerPartition(batch: readonly StringMessage[]): StringMessage[] {
  const last = new Map<number, StringMessage>();
  for (const m of batch) last.set(m.partition, m);
  return [...last.values()];
}

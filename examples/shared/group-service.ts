// The shape of every consuming service in the examples: one consumer-group member that reads
// its topics, hands each batch of records to the service's handler, and commits after the
// handler has finished with the batch.
//
// Why a group per service: a consumer group is one independent reader of the log, with its own
// committed position. Inventory, billing and analytics each get every order because each is its
// own group; members *within* a group split the partitions between them, which is how one
// service scales out. Stopping a service stops only its group's position; the others go on.
//
// Why commit after the handler: a crash between the handler and the commit means the batch is
// read again after restart (at-least-once), never that it is skipped. Handlers are therefore
// written to be idempotent (keyed by the event's id), which makes a redelivery harmless.
//
// What happens on rebalance: when a member joins or leaves, the group coordinator takes the
// partitions from every member and hands them out again. A partition's new owner starts at the
// group's committed offset for it, so records the old owner handled but had not committed yet
// are delivered again (the idempotent handler absorbs them); none is skipped. This client
// (@platformatic/kafka 1.x) also restarts the partitions a member keeps at their committed
// offsets after each rebalance, so a batch in hand during a rebalance can come again to the
// same member: the same rule covers it.
import { reportFailure } from './wait.js';
import { Consumer, FetchIsolationLevels, MessagesStreamFallbackModes, MessagesStreamModes, stringDeserializers, type Message, type MessagesStream } from '@platformatic/kafka';

export interface Delivery<T> {
  topic: string;
  partition: number;
  offset: bigint;
  /** Producer's timestamp, ms since the epoch. */
  timestamp: number;
  key: string;
  value: T;
}

export interface GroupServiceOptions<T> {
  /** Used as the client id and in messages. */
  name: string;
  groupId: string;
  topics: string[];
  bootstrap: string[];
  /** Handles one batch; the batch's offsets are committed when the returned promise resolves. */
  handle: (batch: Delivery<T>[]) => Promise<void> | void;
  /** Where a group with no committed offset starts: 'earliest' (default) or 'latest'. */
  start?: 'earliest' | 'latest';
  /** Start at these offsets instead of the group's committed ones (e.g. a snapshot's position). */
  offsets?: { topic: string; partition: number; offset: bigint }[];
  /** Read only committed transactions' records (read_committed) instead of everything. */
  readCommitted?: boolean;
  /** Largest batch handed to the handler (default 500). */
  maxBatch?: number;
  decode?: (value: string) => T;
}

type StringMessage = Message<string, string, string, string>;

export class GroupService<T> {
  /** Records handed to the handler (redeliveries included). */
  delivered = 0;
  private stopping = false;
  private failure: unknown;
  private loop: Promise<void> = Promise.resolve();

  private constructor(
    private readonly options: GroupServiceOptions<T>,
    private readonly consumer: Consumer<string, string, string, string>,
    private readonly stream: MessagesStream<string, string, string, string>,
  ) {}

  static async start<T>(options: GroupServiceOptions<T>): Promise<GroupService<T>> {
    const consumer = new Consumer<string, string, string, string>({
      clientId: options.name,
      groupId: options.groupId,
      bootstrapBrokers: options.bootstrap,
      deserializers: stringDeserializers,
      sessionTimeout: 10_000,
      heartbeatInterval: 500,
      maxWaitTime: 500,
    });
    const stream = await consumer.consume({
      topics: options.topics,
      ...(options.offsets ? { mode: MessagesStreamModes.MANUAL, offsets: options.offsets } : { mode: MessagesStreamModes.COMMITTED }),
      isolationLevel: options.readCommitted ? FetchIsolationLevels.READ_COMMITTED : FetchIsolationLevels.READ_UNCOMMITTED,
      fallbackMode: options.start === 'latest' ? MessagesStreamFallbackModes.LATEST : MessagesStreamFallbackModes.EARLIEST,
      autocommit: false,
    });
    const service = new GroupService(options, consumer, stream);
    service.loop = service.run();
    return service;
  }

  /** The partitions this member owns now, by topic. */
  get assignment(): Map<string, number[]> {
    return new Map((this.consumer.assignments ?? []).map((a) => [a.topic, [...a.partitions].sort((x, y) => x - y)]));
  }

  /** Why the loop stopped on its own, if it did. */
  get error(): unknown {
    return this.failure;
  }

  private ownedNow(): Set<string> {
    return new Set((this.consumer.assignments ?? []).flatMap((a) => a.partitions.map((p) => `${a.topic}\u0000${p}`)));
  }

  /** Finishes the batch in hand, commits it and leaves the group (its partitions move at once). */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.stream.close();
    await this.loop;
    // Leave first: another member's leave may have sent this one rejoining, and close() alone
    // does not stop that rejoin (@platformatic/kafka 1.x): it would retry against the closed
    // client and emit 'rejoinGroup failed' seconds later. leaveGroup() ends it.
    await this.consumer.leaveGroup();
    await this.consumer.close();
  }

  private async run(): Promise<void> {
    const decode = this.options.decode ?? ((v: string) => JSON.parse(v) as T);
    const maxBatch = this.options.maxBatch ?? 500;
    try {
      for await (const first of this.stream as AsyncIterable<StringMessage>) {
        // Whatever the client has already fetched joins the batch: one handler call and one
        // commit per fetch instead of per record.
        const batch: StringMessage[] = [first];
        for (let m: StringMessage | null; batch.length < maxBatch && (m = this.stream.read() as StringMessage | null) !== null; ) batch.push(m);
        // A fetch sent before a rebalance can answer after it, with records of partitions this
        // member no longer owns. Their new owner reads them from the committed offset, so this
        // member leaves them alone (the Java client drops them the same way).
        const owned = this.ownedNow();
        const mine = batch.filter((m) => owned.has(`${m.topic}\u0000${m.partition}`));
        if (mine.length === 0) continue;
        this.delivered += mine.length;
        await this.options.handle(
          mine.map((m) => ({ topic: m.topic, partition: m.partition, offset: m.offset, timestamp: Number(m.timestamp), key: m.key, value: decode(m.value) })),
        );
        await this.consumer.commit({ offsets: nextOffsets(mine) });
      }
    } catch (err) {
      if (!this.stopping) {
        this.failure = err;
        reportFailure(this.options.name, err);
      }
    }
  }
}

/** The offset to commit per partition: one past the last record handled (Kafka's convention). */
function nextOffsets(batch: readonly StringMessage[]): { topic: string; partition: number; offset: bigint; leaderEpoch: number }[] {
  const last = new Map<string, StringMessage>();
  for (const m of batch) last.set(`${m.topic}\u0000${m.partition}`, m);
  return [...last.values()].map((m) => ({ topic: m.topic, partition: m.partition, offset: m.offset + 1n, leaderEpoch: -1 }));
}

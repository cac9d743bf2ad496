// The window processor (consumer group "window-aggregator"): readings in, one summary per device
// and minute out, to sensor-windows keyed by device. The windows of a batch are published
// before the batch's offsets are committed, so a summary is never lost to a crash.
//
// What this sketch leaves out, and a production processor (Kafka Streams, Flink) has: open
// windows live in memory here, so a rebalance or restart loses the readings of windows still
// open (their offsets were committed). Those systems keep window state in a changelog topic and
// restore it on the partition's new owner. Run one member, as the example does, or add that.
import { Producer, stringSerializers } from '@platformatic/kafka';
import type { Cluster } from '../shared/cluster.js';
import { GroupService } from '../shared/group-service.js';
import { READINGS, WINDOWS, type Reading } from './events.js';
import { WindowState } from './windows.js';

export class WindowProcessor {
  readonly state = new WindowState();
  readings = 0;
  windowsPublished = 0;
  private member: GroupService<Reading> | undefined;
  private readonly producer: Producer<string, string, string, string>;

  constructor(private readonly cluster: Pick<Cluster, 'bootstrap' | 'topic' | 'group'>) {
    this.producer = new Producer({ clientId: 'window-aggregator', bootstrapBrokers: cluster.bootstrap, serializers: stringSerializers });
  }

  async start(): Promise<void> {
    this.member = await GroupService.start<Reading>({
      name: 'window-aggregator',
      groupId: this.cluster.group('window-aggregator'),
      topics: [this.cluster.topic(READINGS)],
      bootstrap: this.cluster.bootstrap,
      maxBatch: 5000,
      handle: async (batch) => {
        const closed = batch.flatMap((d) => this.state.add(d.partition, d.value));
        this.readings += batch.length;
        if (closed.length === 0) return;
        await this.producer.send({
          messages: closed.map((w) => ({ topic: this.cluster.topic(WINDOWS), key: w.deviceId, value: JSON.stringify(w), timestamp: BigInt(w.windowStart) })),
          acks: -1,
        });
        this.windowsPublished += closed.length;
      },
    });
  }

  async stop(): Promise<void> {
    await this.member?.stop();
    this.member = undefined;
    await this.producer.close();
  }
}

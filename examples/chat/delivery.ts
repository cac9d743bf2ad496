// The delivery service: pushes each message to the WebSocket clients connected to its room.
//
// Why a group per gateway instance: a group splits partitions between its members, but every
// gateway must see the messages of every room its users are in. So each gateway instance
// consumes in its own group ("delivery-<instance>"): a broadcast, every instance reads all.
//
// It keeps its position (next offset per partition) as it pushes. A client connecting in
// between is told that position: older messages are history's job, newer ones will be pushed.
// Registering the client and reading the position happen in one synchronous step, and pushes
// happen synchronously per record, so no message falls between the two.
import type { Cluster } from '../shared/cluster.js';
import { GroupService } from '../shared/group-service.js';
import { MESSAGES, type ChatMessage, type Delivered, type Positions } from './events.js';

export interface Subscriber {
  push(message: Delivered): void;
}

export class Delivery {
  /** partition -> next offset to push */
  readonly position = new Map<number, bigint>();
  private readonly rooms = new Map<string, Set<Subscriber>>();
  private member: GroupService<ChatMessage> | undefined;
  pushed = 0;

  constructor(
    private readonly cluster: Pick<Cluster, 'bootstrap' | 'topic' | 'group'>,
    private readonly instance: string,
  ) {}

  async start(): Promise<void> {
    this.member = await GroupService.start<ChatMessage>({
      name: `delivery-${this.instance}`,
      groupId: this.cluster.group(`delivery-${this.instance}`),
      topics: [this.cluster.topic(MESSAGES)],
      bootstrap: this.cluster.bootstrap,
      handle: (batch) => {
        for (const d of batch) {
          const message: Delivered = { ...d.value, partition: d.partition, offset: String(d.offset) };
          for (const s of this.rooms.get(d.value.room) ?? []) s.push(message);
          this.pushed++;
          this.position.set(d.partition, d.offset + 1n);
        }
      },
    });
  }

  /** Registers a subscriber and returns the positions from which it gets messages live. */
  subscribe(room: string, s: Subscriber): Positions {
    const subs = this.rooms.get(room) ?? new Set<Subscriber>();
    subs.add(s);
    this.rooms.set(room, subs);
    return Object.fromEntries([...this.position].map(([p, o]) => [String(p), String(o)]));
  }

  unsubscribe(room: string, s: Subscriber): void {
    this.rooms.get(room)?.delete(s);
  }

  async stop(): Promise<void> {
    await this.member?.stop();
    this.member = undefined;
  }
}

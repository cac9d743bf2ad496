// The common part of the services that react to orders: each is its own consumer group (named
// after the service) on order-events, runs one or more members, and applies each order once
// through its OrderBook. A subclass supplies only what the service does with an order.
import type { Cluster } from '../shared/cluster.js';
import { GroupService, type Delivery } from '../shared/group-service.js';
import { ORDER_EVENTS, type OrderCreated } from './events.js';
import { OrderBook } from './order-book.js';

export type Wiring = Pick<Cluster, 'bootstrap' | 'topic' | 'group'>;

export abstract class OrderConsumer {
  readonly book = new OrderBook();
  readonly members: GroupService<OrderCreated>[] = [];

  constructor(
    readonly name: string,
    private readonly wiring: Wiring,
  ) {}

  /** What the service does with an order, once per order; `member` is the member's name. */
  protected abstract applyOrder(order: OrderCreated, member: string, at: Delivery<OrderCreated>): void;

  /** Starts one more member of the service's group (the group rebalances to include it). */
  async addMember(): Promise<string> {
    const member = `${this.name}-${this.members.length + 1}`;
    this.members.push(
      await GroupService.start<OrderCreated>({
        name: member,
        groupId: this.wiring.group(this.name),
        topics: [this.wiring.topic(ORDER_EVENTS)],
        bootstrap: this.wiring.bootstrap,
        handle: (batch) => {
          for (const d of batch) this.book.apply(d.value, () => this.applyOrder(d.value, member, d));
        },
      }),
    );
    return member;
  }

  /** Stops every member: each finishes its batch, commits and leaves. */
  async stop(): Promise<void> {
    const members = this.members.splice(0);
    await Promise.all(members.map((m) => m.stop()));
  }
}

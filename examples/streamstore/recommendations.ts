// Recommendations is the service added after the shop has been running: a new group with no
// committed offsets starts at the beginning of order-events (the log keeps the history), so it
// learns from every order ever placed, not only from the ones after its launch.
import type { OrderCreated } from './events.js';
import { OrderConsumer, type Wiring } from './order-consumer.js';

export class Recommendations extends OrderConsumer {
  /** sku -> how many customers bought it */
  readonly popularity = new Map<string, number>();

  constructor(wiring: Wiring) {
    super('recommendations', wiring);
  }

  protected applyOrder(order: OrderCreated): void {
    for (const line of order.lines) this.popularity.set(line.sku, (this.popularity.get(line.sku) ?? 0) + 1);
  }
}

// Analytics keeps running totals (orders and revenue per customer). The same events, a
// different question: adding a question to the business never touches the order service.
import type { OrderCreated } from './events.js';
import { OrderConsumer, type Wiring } from './order-consumer.js';

export class Analytics extends OrderConsumer {
  /** customerId -> revenue in cents */
  readonly revenue = new Map<string, number>();

  constructor(wiring: Wiring) {
    super('analytics', wiring);
  }

  protected applyOrder(order: OrderCreated): void {
    this.revenue.set(order.customerId, (this.revenue.get(order.customerId) ?? 0) + order.total);
  }
}

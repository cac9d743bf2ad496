// What a consuming service remembers of the orders it has applied. Two rules every consumer of
// order-events follows, kept in one place:
// - Idempotence: an order already applied is skipped. Delivery is at-least-once (a rebalance or
//   a crash before the commit delivers records again), so "apply exactly once" is the service's
//   job, done by the order id.
// - Order per customer: the next order of a customer must be the one after the last applied.
//   The partition guarantees it; the book records any violation so the example can prove it.
import type { OrderCreated } from './events.js';

export class OrderBook {
  /** orderId -> how many times it was delivered. */
  readonly deliveries = new Map<string, number>();
  /** Orders that arrived before an earlier order of the same customer (should stay empty). */
  readonly outOfOrder: string[] = [];
  private readonly lastNo = new Map<string, number>();

  /** Applies `effect` unless the order was applied before. Returns whether it applied. */
  apply(order: OrderCreated, effect: () => void): boolean {
    const seen = this.deliveries.get(order.orderId) ?? 0;
    this.deliveries.set(order.orderId, seen + 1);
    if (seen > 0) return false;
    const last = this.lastNo.get(order.customerId) ?? 0;
    if (order.customerOrderNo !== last + 1) this.outOfOrder.push(`${order.customerId}: #${order.customerOrderNo} after #${last}`);
    this.lastNo.set(order.customerId, order.customerOrderNo);
    effect();
    return true;
  }

  get applied(): number {
    return this.deliveries.size;
  }

  /** Deliveries beyond the first of each order. */
  get redeliveries(): number {
    let n = 0;
    for (const c of this.deliveries.values()) n += c - 1;
    return n;
  }
}

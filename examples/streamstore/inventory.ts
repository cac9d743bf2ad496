// Inventory reserves stock for each order. While it is down, orders keep coming (the order
// service does not call it); when it returns, its group's committed offset says where it
// stopped, and it works through the backlog.
import type { OrderCreated } from './events.js';
import { OrderConsumer, type Wiring } from './order-consumer.js';

export class Inventory extends OrderConsumer {
  /** sku -> units reserved */
  readonly reserved = new Map<string, number>();

  constructor(wiring: Wiring) {
    super('inventory', wiring);
  }

  protected applyOrder(order: OrderCreated): void {
    for (const line of order.lines) this.reserved.set(line.sku, (this.reserved.get(line.sku) ?? 0) + line.quantity);
  }
}

// Notification tells the customer the order was received. In a real system this is an e-mail
// provider's API; here the outbox is a list. It is its own group, so a slow mail provider
// delays only notifications, never orders or billing.
import type { OrderCreated } from './events.js';
import { OrderConsumer, type Wiring } from './order-consumer.js';

export class Notification extends OrderConsumer {
  readonly outbox: { to: string; subject: string }[] = [];

  constructor(wiring: Wiring) {
    super('notification', wiring);
  }

  protected applyOrder(order: OrderCreated): void {
    this.outbox.push({ to: order.customerId, subject: `Order ${order.orderId} received` });
  }
}

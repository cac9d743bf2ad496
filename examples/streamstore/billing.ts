// Billing charges each order. It scales out by adding members to its group: the coordinator
// splits order-events' partitions between them, so each member charges the orders of the
// customers whose partitions it owns, and no two members charge the same order.
import type { Delivery } from '../shared/group-service.js';
import type { OrderCreated } from './events.js';
import { OrderConsumer, type Wiring } from './order-consumer.js';

export interface Charge {
  amount: number;
  member: string;
  partition: number;
}

export class Billing extends OrderConsumer {
  /** orderId -> the charge */
  readonly charges = new Map<string, Charge>();

  constructor(wiring: Wiring) {
    super('billing', wiring);
  }

  protected applyOrder(order: OrderCreated, member: string, at: Delivery<OrderCreated>): void {
    this.charges.set(order.orderId, { amount: order.total, member, partition: at.partition });
  }
}

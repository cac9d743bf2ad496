// The one event of the StreamStore example. It is keyed by customer id, so all orders of one
// customer land in one partition and every consumer sees them in the order they were accepted
// (Kafka orders records within a partition, not across partitions).
export const ORDER_EVENTS = 'order-events';

export interface OrderLine {
  sku: string;
  quantity: number;
}

export interface OrderCreated {
  type: 'OrderCreated';
  orderId: string;
  customerId: string;
  /** The customer's n-th order (1, 2, ...), as the order service accepted them. */
  customerOrderNo: number;
  lines: OrderLine[];
  /** In cents. */
  total: number;
  createdAt: number;
}

// The order service: `POST /orders` answers as soon as the "order created" event is durably
// in the log (acks=-1), and does nothing else. Inventory, billing and the rest react to the
// event in their own time; if one of them is down, orders are still taken at the same speed and
// the event waits in the log for it.
import { randomUUID } from 'node:crypto';
import { Producer, stringSerializers } from '@platformatic/kafka';
import { JsonServer, type JsonReply } from '../shared/http-json.js';
import type { OrderCreated, OrderLine } from './events.js';

export interface PlaceOrder {
  customerId: string;
  lines: OrderLine[];
  total: number;
}

export interface OrderAccepted {
  orderId: string;
  customerOrderNo: number;
  partition: number;
  offset: string;
}

export class OrderService {
  /** Per customer, the number of the last order accepted (one instance of the service). */
  private readonly orderNo = new Map<string, number>();

  private constructor(
    private readonly producer: Producer<string, string, string, string>,
    private readonly topic: string,
    readonly http: JsonServer,
  ) {}

  static async start(bootstrap: string[], topic: string): Promise<OrderService> {
    const producer = new Producer<string, string, string, string>({ clientId: 'order-service', bootstrapBrokers: bootstrap, serializers: stringSerializers });
    let service: OrderService | undefined;
    const http = await JsonServer.start((method, url, body) => {
      if (method === 'POST' && url.pathname === '/orders' && service) return service.place(body as PlaceOrder);
      return { status: 404, body: { error: 'not found' } };
    });
    service = new OrderService(producer, topic, http);
    return service;
  }

  private async place(order: PlaceOrder): Promise<JsonReply> {
    // Numbered before the await: two orders of one customer get increasing numbers in the order
    // their requests arrived, and the partition keeps that order.
    const customerOrderNo = (this.orderNo.get(order.customerId) ?? 0) + 1;
    this.orderNo.set(order.customerId, customerOrderNo);
    const event: OrderCreated = {
      type: 'OrderCreated',
      orderId: randomUUID(),
      customerId: order.customerId,
      customerOrderNo,
      lines: order.lines,
      total: order.total,
      createdAt: Date.now(),
    };
    const result = await this.producer.send({ messages: [{ topic: this.topic, key: event.customerId, value: JSON.stringify(event) }], acks: -1 });
    const at = result.offsets?.[0];
    const accepted: OrderAccepted = { orderId: event.orderId, customerOrderNo, partition: at?.partition ?? -1, offset: String(at?.offset ?? -1) };
    return { status: 201, body: accepted };
  }

  async stop(): Promise<void> {
    await this.http.stop();
    await this.producer.close();
  }
}

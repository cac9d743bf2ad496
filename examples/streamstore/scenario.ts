// StreamStore: an order pipeline whose services survive each other's outages. The runner starts
// the order service and four consumers (each its own group), places orders over HTTP the way a
// shop front would, and checks the design's claims:
//   1. every service applies every order exactly once, each customer's orders in order;
//   2. with inventory stopped, orders are accepted as fast as before, the others keep up, nothing
//      is lost, and inventory catches up when it returns (catch-up time reported);
//   3. billing scaled from 1 to 4 members splits the partitions, each order charged once;
//   4. a service added later reads the whole history from the beginning.
import type { ExampleContext, ExampleDefinition } from '../shared/example.js';
import { callJson } from '../shared/http-json.js';
import { Latencies } from '../shared/latencies.js';
import { waitUntil } from '../shared/wait.js';
import { Analytics } from './analytics.js';
import { Billing } from './billing.js';
import { ORDER_EVENTS } from './events.js';
import { Inventory } from './inventory.js';
import { Notification } from './notification.js';
import type { OrderConsumer } from './order-consumer.js';
import { OrderService, type OrderAccepted } from './order-service.js';
import { Recommendations } from './recommendations.js';

interface Size {
  partitions: number;
  customers: number;
  /** Orders placed in each phase. */
  ordersPerPhase: number;
  /** HTTP requests in flight at once. */
  concurrency: number;
}

const SHORT: Size = { partitions: 4, customers: 20, ordersPerPhase: 100, concurrency: 8 };
const LARGE: Size = { partitions: 8, customers: 400, ordersPerPhase: 10_000, concurrency: 32 };

const SKUS = ['kettle', 'mug', 'teapot', 'filter', 'beans', 'grinder'];

/** Places `count` orders spread over the customers; each customer's orders one after another. */
async function placeOrders(url: string, size: Size, count: number, latencies: Latencies, placed: Map<string, string>): Promise<number> {
  let failures = 0;
  // Worker w places the orders of customers w, w + concurrency, ...: a customer's next order is
  // sent only after the previous one was accepted, so "order per customer" is well defined.
  const worker = async (w: number): Promise<void> => {
    for (let i = w; i < count; i += size.concurrency) {
      const customerId = `customer-${i % size.customers}`;
      const sku = SKUS[i % SKUS.length];
      const reply = await latencies.time(() => callJson('POST', `${url}/orders`, { customerId, lines: [{ sku, quantity: 1 + (i % 3) }], total: 500 + (i % 7) * 100 }));
      if (reply.status === 201) placed.set((reply.body as OrderAccepted).orderId, customerId);
      else failures++;
    }
  };
  await Promise.all(Array.from({ length: size.concurrency }, (_, w) => worker(w)));
  return failures;
}

function appliedAll(service: OrderConsumer, placed: ReadonlyMap<string, string>): boolean {
  for (const id of placed.keys()) if (!service.book.deliveries.has(id)) return false;
  return true;
}

async function run({ cluster, claims, scale }: ExampleContext): Promise<void> {
  const size = scale ? LARGE : SHORT;
  await cluster.createTopics([{ name: ORDER_EVENTS, partitions: size.partitions }]);
  const orders = await OrderService.start(cluster.bootstrap, cluster.topic(ORDER_EVENTS));
  const inventory = new Inventory(cluster);
  const billing = new Billing(cluster);
  const notification = new Notification(cluster);
  const analytics = new Analytics(cluster);
  const services: OrderConsumer[] = [inventory, billing, notification, analytics];
  const recommendations = new Recommendations(cluster);
  const placed = new Map<string, string>();
  try {
    for (const s of services) await s.addMember();

    // 1. Steady state.
    claims.step(`placing ${size.ordersPerPhase} orders from ${size.customers} customers, all four services up`);
    const baseline = new Latencies();
    const started = performance.now();
    const failedA = await placeOrders(orders.http.url, size, size.ordersPerPhase, baseline, placed);
    const acceptRate = size.ordersPerPhase / ((performance.now() - started) / 1000);
    claims.check('every order was accepted', failedA === 0, `${failedA} refused`);
    await waitUntil('every service applied every order', () => services.every((s) => appliedAll(s, placed)), 60_000);
    claims.check(
      'every service applied every order exactly once',
      services.every((s) => s.book.applied === placed.size),
      services.map((s) => `${s.name} ${s.book.applied}/${placed.size}`).join(', '),
    );
    claims.check(
      'no order was delivered twice to a group while its membership was stable',
      services.every((s) => s.book.redeliveries === 0),
      services.map((s) => `${s.name} ${s.book.redeliveries}`).join(', '),
    );
    claims.figure('orders accepted (HTTP POST /orders, acks=all)', acceptRate, 'orders/s');
    claims.figure('order latency p50, all services up', baseline.p50, 'ms', 'lower');

    // 2. Inventory outage.
    claims.step('inventory stops; orders keep coming');
    await inventory.stop();
    const inventoryBefore = inventory.book.applied;
    const duringOutage = new Latencies();
    const phaseB = new Map<string, string>();
    const failedB = await placeOrders(orders.http.url, size, size.ordersPerPhase, duringOutage, phaseB);
    for (const [id, c] of phaseB) placed.set(id, c);
    claims.check('orders were accepted while inventory was down', failedB === 0 && phaseB.size === size.ordersPerPhase, `${phaseB.size} accepted, ${failedB} refused`);
    const others = services.filter((s) => s !== inventory);
    await waitUntil('billing, notification and analytics kept up', () => others.every((s) => appliedAll(s, placed)), 60_000);
    claims.check('billing, notification and analytics kept up during the outage', inventory.book.applied === inventoryBefore, `inventory still at ${inventory.book.applied}/${placed.size}`);
    claims.timing(
      'order latency did not grow while inventory was down',
      duringOutage.p50 <= baseline.p50 * 1.5 + 2,
      `p50 ${duringOutage.p50.toFixed(1)} ms down vs ${baseline.p50.toFixed(1)} ms up`,
    );
    claims.figure('order latency p50, inventory down', duringOutage.p50, 'ms', 'lower');
    claims.step(`inventory returns to a backlog of ${placed.size - inventoryBefore} orders`);
    const restarted = performance.now();
    await inventory.addMember();
    await waitUntil('inventory caught up', () => appliedAll(inventory, placed), 120_000);
    const catchUpMs = performance.now() - restarted;
    claims.check('inventory caught up with nothing lost', inventory.book.applied === placed.size, `${inventory.book.applied}/${placed.size}`);
    claims.figure('inventory catch-up time after the outage (rejoin + backlog)', catchUpMs, 'ms', 'lower');

    // 3. Billing scales out.
    claims.step('billing scales from 1 to 4 members');
    for (let i = 0; i < 3; i++) await billing.addMember();
    await waitUntil(
      'billing members own disjoint partitions that cover the topic',
      () => {
        const owned = billing.members.map((m) => m.assignment.get(cluster.topic(ORDER_EVENTS)) ?? []);
        const all = owned.flat().sort((a, b) => a - b);
        return owned.every((p) => p.length > 0) && all.length === size.partitions && all.every((p, i) => p === i);
      },
      60_000,
    );
    const ownerOf = new Map<number, string>();
    billing.members.forEach((m, i) => {
      for (const p of m.assignment.get(cluster.topic(ORDER_EVENTS)) ?? []) ownerOf.set(p, `billing-${i + 1}`);
    });
    claims.check('billing scaled from 1 to 4 members split the partitions', ownerOf.size === size.partitions, `${[...ownerOf].map(([p, m]) => `${p}:${m}`).join(' ')}`);
    const phaseC = new Map<string, string>();
    await placeOrders(orders.http.url, size, size.ordersPerPhase, new Latencies(), phaseC);
    for (const [id, c] of phaseC) placed.set(id, c);
    await waitUntil('billing charged the new orders', () => appliedAll(billing, placed), 60_000);
    const chargers = new Set<string>();
    const misrouted: string[] = [];
    for (const id of phaseC.keys()) {
      const charge = billing.charges.get(id);
      if (charge) chargers.add(charge.member);
      if (!charge || ownerOf.get(charge.partition) !== charge.member) misrouted.push(`p${charge?.partition} by ${charge?.member}`);
    }
    claims.check(
      'each new order was charged once, by the member owning its partition',
      misrouted.length === 0 && billing.charges.size === placed.size && chargers.size === 4,
      `${chargers.size} members charged, ${misrouted.length} by a non-owner ${misrouted.slice(0, 3).join(', ')}; redeliveries ${billing.book.redeliveries}`,
    );

    // 4. A new service reads the history.
    claims.step('recommendations starts: a new group on a log that already holds every order');
    await recommendations.addMember();
    await waitUntil('recommendations read the history', () => appliedAll(recommendations, placed), 60_000);
    claims.check('a service added later read every order from the beginning', recommendations.book.applied === placed.size, `${recommendations.book.applied}/${placed.size}`);

    const all = [...services, recommendations];
    claims.check(
      "each customer's orders were applied in the order they were placed, by every service",
      all.every((s) => s.book.outOfOrder.length === 0),
      all.flatMap((s) => s.book.outOfOrder.slice(0, 2).map((o) => `${s.name} ${o}`)).join('; ') || `${size.customers} customers, ${placed.size} orders, 5 services`,
    );
  } finally {
    for (const s of [...services, recommendations]) await s.stop();
    await orders.stop();
  }
}

export const streamstore: ExampleDefinition = {
  name: 'streamstore',
  title: 'StreamStore orders: services that survive each other’s outages',
  run,
};

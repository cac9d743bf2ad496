// Chat: `messages` is the source of truth; a delivery service pushes each message to the
// WebSocket clients of its room, a history service stores it in SQLite, and a client that
// reconnects fills the gap from history. Claims checked:
//   1. every connected client shows every message of its room, in the same (offset) order, and
//      each sender's messages in the order they were sent;
//   2. a reconnecting client receives everything it missed from history, in order, without
//      duplicates, while the room goes on (messages sent during the reconnect included);
//   3. history stored every message.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExampleContext, ExampleDefinition } from '../shared/example.js';
import { waitUntil } from '../shared/wait.js';
import { ChatClient } from './chat-client.js';
import { Delivery } from './delivery.js';
import { MESSAGES } from './events.js';
import { Gateway } from './gateway.js';
import { History } from './history.js';

interface Size {
  partitions: number;
  rooms: number;
  usersPerRoom: number;
  /** Messages each user sends per phase. */
  perUser: number;
}

const SHORT: Size = { partitions: 4, rooms: 2, usersPerRoom: 3, perUser: 10 };
const LARGE: Size = { partitions: 8, rooms: 10, usersPerRoom: 10, perUser: 100 };

async function run({ cluster, claims, scale }: ExampleContext): Promise<void> {
  const size = scale ? LARGE : SHORT;
  await cluster.createTopics([{ name: MESSAGES, partitions: size.partitions }]);
  const dir = mkdtempSync(join(tmpdir(), 'brook-example-chat-'));
  const history = new History(cluster, join(dir, 'history.db'));
  const delivery = new Delivery(cluster, 'gw1');
  let gateway: Gateway | undefined;
  const clients: ChatClient[] = [];
  /** room -> messages sent to it, per sender in order */
  const sent = new Map<string, Map<string, string[]>>();
  const say = async (c: ChatClient, text: string): Promise<void> => {
    await c.send(text);
    const bySender = sent.get(c.room) ?? new Map<string, string[]>();
    sent.set(c.room, bySender);
    bySender.set(c.user, [...(bySender.get(c.user) ?? []), text]);
  };
  const total = (room: string): number => [...(sent.get(room)?.values() ?? [])].reduce((n, l) => n + l.length, 0);
  const talk = (who: readonly ChatClient[], count: number, tag: string): Promise<void[]> =>
    Promise.all(who.map(async (c) => {
      for (let i = 0; i < count; i++) await say(c, `${tag} ${c.user} #${i}`);
    }));
  const caughtUp = (c: ChatClient): boolean => c.messages.length === total(c.room);
  try {
    await history.start();
    await delivery.start();
    gateway = await Gateway.start(cluster.bootstrap, cluster.topic(MESSAGES), delivery, history);
    for (let r = 0; r < size.rooms; r++) {
      for (let u = 0; u < size.usersPerRoom; u++) clients.push(new ChatClient(gateway.url, `user-${r}-${u}`, `room-${r}`));
    }
    for (const c of clients) await c.connect();

    // 1. Everyone connected.
    claims.step(`${clients.length} clients in ${size.rooms} rooms send ${size.perUser} messages each`);
    const started = performance.now();
    await talk(clients, size.perUser, 'hello');
    await waitUntil('every client shows its room', () => clients.every(caughtUp), 60_000);
    const messages = clients.length * size.perUser;
    claims.figure('messages sent and delivered to every room member', messages / ((performance.now() - started) / 1000), 'messages/s');

    // 2. Some clients drop off; the rooms go on; they come back.
    const leaving = clients.filter((_, i) => i % size.usersPerRoom === size.usersPerRoom - 1);
    const staying = clients.filter((c) => !leaving.includes(c));
    claims.step(`${leaving.length} clients disconnect; the others send ${size.perUser} more each`);
    for (const c of leaving) await c.disconnect();
    await talk(staying, size.perUser, 'while you were away');
    claims.step('they reconnect while the rooms keep talking');
    const reconnectStarted = performance.now();
    await Promise.all([Promise.all(leaving.map((c) => c.connect())), talk(staying, Math.ceil(size.perUser / 2), 'welcome back')]);
    const reconnectMs = performance.now() - reconnectStarted;
    await waitUntil('every client shows its room', () => clients.every(caughtUp), 60_000);
    claims.figure('reconnect and catch-up from history (while the rooms talk)', reconnectMs, 'ms', 'lower');
    const missed = leaving.map((c) => c.fromHistory);
    // What a client missed comes from history up to the position delivery had reached when it
    // reconnected, and live after it; the lists compared below prove nothing fell in between.
    claims.check('reconnecting clients filled the gap from history', missed.every((n) => n > 0), `from history: ${missed.join(', ')} messages (the rest live)`);

    // Same room, same list, in offset order; each sender's messages in the order sent.
    const rooms = [...new Set(clients.map((c) => c.room))];
    let identical = true;
    let senderOrder = true;
    for (const room of rooms) {
      const members = clients.filter((c) => c.room === room);
      const reference = members[0].messages.map((m) => m.messageId).join();
      if (!members.every((c) => c.messages.map((m) => m.messageId).join() === reference)) identical = false;
      for (const [sender, texts] of sent.get(room) ?? []) {
        if (members[0].messages.filter((m) => m.sender === sender).map((m) => m.text).join('\n') !== texts.join('\n')) senderOrder = false;
      }
    }
    const disorder = clients.flatMap((c) => c.outOfOrder);
    claims.check(
      'every client shows every message of its room, the same list in the same order',
      identical && disorder.length === 0 && clients.every(caughtUp),
      `${rooms.length} rooms, ${clients.map((c) => c.messages.length).reduce((a, b) => a + b, 0)} messages shown, ${disorder.length} out of order`,
    );
    claims.check("each sender's messages appear in the order they were sent", senderOrder);
    const stored = [...sent.keys()].reduce((n, r) => n + total(r), 0);
    await waitUntil('history stored every message', () => history.count() === stored, 60_000);
    claims.check('history stored every message', history.count() === stored, `${history.count()} of ${stored}`);
  } finally {
    for (const c of clients) await c.disconnect();
    await gateway?.stop();
    await delivery.stop();
    await history.stop();
    history.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export const chat: ExampleDefinition = {
  name: 'chat',
  title: 'Chat: the log is the source of truth, WebSockets deliver, history fills gaps',
  run,
};

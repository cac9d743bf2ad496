// A chat client, as a browser app would be written: it shows a room's messages in offset order,
// and after a reconnect it asks history for what it missed. The protocol that makes that
// gap-free: on connect the gateway says from which position (per partition) messages will be
// pushed live; the client takes everything before that from history (waiting, if the history
// service is still behind) and everything from it live, deduplicated by offset.
import { WebSocket } from 'ws';
import { callJson } from '../shared/http-json.js';
import { sleep } from '../shared/wait.js';
import type { Delivered, Positions, ServerFrame } from './events.js';

export class ChatClient {
  /** The room as shown, in order. */
  readonly messages: Delivered[] = [];
  /** How the last connect filled the room: from history and live. */
  fromHistory = 0;
  /** Messages that arrived behind one already shown (must stay empty). */
  readonly outOfOrder: string[] = [];
  private readonly seen = new Set<string>();
  private readonly acks = new Map<string, (offset: string) => void>();
  private ws: WebSocket | undefined;
  private refs = 0;

  constructor(
    private readonly gateway: string,
    readonly user: string,
    readonly room: string,
  ) {}

  /** The offset of the last message shown (-1 if none): where a reconnect resumes. */
  get lastOffset(): bigint {
    const last = this.messages[this.messages.length - 1];
    return last ? BigInt(last.offset) : -1n;
  }

  /** Connects and brings the room up to date: history after lastOffset, then live. */
  async connect(): Promise<void> {
    const live: Delivered[] = [];
    let ready = false;
    let welcome: Positions | undefined;
    const ws = new WebSocket(`ws://${this.gateway}/chat?user=${encodeURIComponent(this.user)}&room=${encodeURIComponent(this.room)}`);
    this.ws = ws;
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as ServerFrame;
      if (frame.type === 'welcome') welcome = frame.livePositions;
      else if (frame.type === 'ack') this.acks.get(frame.clientRef)?.(frame.offset);
      else if (ready) this.show(frame.message);
      else live.push(frame.message);
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    while (!welcome) await sleep(5);
    const livePositions = welcome;
    // History up to the live positions: poll until the history service has stored that far.
    let missed: Delivered[] = [];
    for (;;) {
      const reply = await callJson('GET', `http://${this.gateway}/history?room=${encodeURIComponent(this.room)}&after=${this.lastOffset}`);
      const { messages, positions } = reply.body as { messages: Delivered[]; positions: Positions };
      if (Object.entries(livePositions).every(([p, o]) => BigInt(positions[p] ?? '0') >= BigInt(o))) {
        missed = messages.filter((m) => BigInt(m.offset) < BigInt(livePositions[String(m.partition)] ?? '0'));
        break;
      }
      await sleep(20);
    }
    this.fromHistory = missed.length;
    for (const m of missed) this.show(m);
    for (const m of live) this.show(m);
    ready = true;
  }

  /** Sends a message and resolves with its offset once the log has it. */
  send(text: string): Promise<string> {
    const clientRef = `${this.user}-${++this.refs}`;
    return new Promise((resolve) => {
      this.acks.set(clientRef, (offset) => {
        this.acks.delete(clientRef);
        resolve(offset);
      });
      this.ws?.send(JSON.stringify({ type: 'send', clientRef, text }));
    });
  }

  async disconnect(): Promise<void> {
    const ws = this.ws;
    this.ws = undefined;
    if (!ws || ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      ws.once('close', () => resolve());
      ws.close();
    });
  }

  private show(m: Delivered): void {
    if (this.seen.has(m.offset)) return; // a message both in history and pushed live
    if (BigInt(m.offset) <= this.lastOffset) {
      this.outOfOrder.push(`${m.offset} after ${this.lastOffset}`);
      return;
    }
    this.seen.add(m.offset);
    this.messages.push(m);
  }
}

// The history service (consumer group "history"): stores every message in SQLite, which the
// gateway queries for "messages of room R after offset X". It keeps its position (next offset
// per partition) in the same transaction as the messages, so "history is complete up to here"
// is something it can answer exactly.
import Database from 'better-sqlite3';
import type { Cluster } from '../shared/cluster.js';
import { GroupService } from '../shared/group-service.js';
import { MESSAGES, type ChatMessage, type Delivered, type Positions } from './events.js';

export class History {
  private readonly db: Database.Database;
  private member: GroupService<ChatMessage> | undefined;

  constructor(
    private readonly cluster: Pick<Cluster, 'bootstrap' | 'topic' | 'group'>,
    file: string,
  ) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.exec(`CREATE TABLE IF NOT EXISTS messages (
      room TEXT NOT NULL, partition INTEGER NOT NULL, offset INTEGER NOT NULL,
      message_id TEXT NOT NULL, sender TEXT NOT NULL, text TEXT NOT NULL, sent_at INTEGER NOT NULL,
      PRIMARY KEY (partition, offset))`);
    this.db.exec('CREATE TABLE IF NOT EXISTS position (partition INTEGER PRIMARY KEY, next_offset INTEGER NOT NULL)');
  }

  async start(): Promise<void> {
    const insert = this.db.prepare('INSERT OR IGNORE INTO messages VALUES (?, ?, ?, ?, ?, ?, ?)');
    const advance = this.db.prepare('INSERT INTO position VALUES (?, ?) ON CONFLICT (partition) DO UPDATE SET next_offset = max(next_offset, excluded.next_offset)');
    this.member = await GroupService.start<ChatMessage>({
      name: 'history',
      groupId: this.cluster.group('history'),
      topics: [this.cluster.topic(MESSAGES)],
      bootstrap: this.cluster.bootstrap,
      handle: (batch) => {
        this.db.transaction(() => {
          for (const d of batch) {
            const m = d.value;
            insert.run(m.room, d.partition, d.offset, m.messageId, m.sender, m.text, m.sentAt);
            advance.run(d.partition, d.offset + 1n);
          }
        })();
      },
    });
  }

  /** The room's messages after `afterOffset` (exclusive), in order, and how far history reaches. */
  after(room: string, afterOffset: bigint): { messages: Delivered[]; positions: Positions } {
    const rows = this.db
      .prepare('SELECT * FROM messages WHERE room = ? AND offset > ? ORDER BY offset')
      .all(room, afterOffset) as { room: string; partition: number; offset: number; message_id: string; sender: string; text: string; sent_at: number }[];
    const positions = this.db.prepare('SELECT partition, next_offset FROM position').all() as { partition: number; next_offset: number }[];
    return {
      messages: rows.map((r) => ({ messageId: r.message_id, room: r.room, sender: r.sender, text: r.text, sentAt: r.sent_at, partition: r.partition, offset: String(r.offset) })),
      positions: Object.fromEntries(positions.map((p) => [String(p.partition), String(p.next_offset)])),
    };
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM messages').get() as { n: number }).n;
  }

  async stop(): Promise<void> {
    await this.member?.stop();
    this.member = undefined;
  }

  close(): void {
    this.db.close();
  }
}

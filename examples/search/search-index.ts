// The search index: SQLite with an FTS5 table, in a file. In production this is Elasticsearch
// or similar; the pattern is the same. The indexer writes through one connection, the search
// service reads through another (WAL mode lets readers go on while the writer commits).
import Database from 'better-sqlite3';

export class SearchIndex {
  private readonly db: Database.Database;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.exec('CREATE VIRTUAL TABLE IF NOT EXISTS posts USING fts5(post_id UNINDEXED, text)');
    this.db.exec('CREATE TABLE IF NOT EXISTS indexed (post_id TEXT PRIMARY KEY)');
  }

  /** Adds posts in one transaction; a post indexed before is skipped (redeliveries). */
  add(posts: readonly { postId: string; text: string }[]): number {
    const seen = this.db.prepare('INSERT OR IGNORE INTO indexed (post_id) VALUES (?)');
    const insert = this.db.prepare('INSERT INTO posts (post_id, text) VALUES (?, ?)');
    let added = 0;
    this.db.transaction(() => {
      for (const p of posts) {
        if (seen.run(p.postId).changes === 0) continue;
        insert.run(p.postId, p.text);
        added++;
      }
    })();
    return added;
  }

  /** Post ids matching an FTS5 query, best first. */
  search(query: string, limit = 20): string[] {
    const rows = this.db.prepare('SELECT post_id FROM posts WHERE posts MATCH ? ORDER BY rank LIMIT ?').all(query, limit) as { post_id: string }[];
    return rows.map((r) => r.post_id);
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM indexed').get() as { n: number }).n;
  }

  close(): void {
    this.db.close();
  }
}

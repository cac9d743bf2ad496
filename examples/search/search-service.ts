// The search service: the synchronous read path. `GET /search?q=` queries the index directly
// and answers; Brook is not on this path. Each search also fires a `SearchPerformed` event for
// analytics, without waiting for it: the answer never waits for the log, let alone for the
// analytics consumer. (A failed send is counted, not retried: analytics may lose an event when
// the cluster is unreachable, searches never fail because of it.)
import { randomUUID } from 'node:crypto';
import { Producer, stringSerializers } from '@platformatic/kafka';
import { JsonServer, type JsonReply } from '../shared/http-json.js';
import type { SearchPerformed } from './events.js';
import type { SearchIndex } from './search-index.js';

export interface SearchReply {
  searchId: string;
  hits: string[];
}

export class SearchService {
  /** Analytics events handed to the producer, and those that failed. */
  fired: string[] = [];
  failedSends = 0;
  private readonly pending = new Set<Promise<unknown>>();

  private constructor(
    private readonly producer: Producer<string, string, string, string>,
    private readonly index: SearchIndex,
    private readonly topic: string,
    readonly http: JsonServer,
  ) {}

  static async start(bootstrap: string[], topic: string, index: SearchIndex): Promise<SearchService> {
    const producer = new Producer<string, string, string, string>({ clientId: 'search-service', bootstrapBrokers: bootstrap, serializers: stringSerializers });
    let service: SearchService | undefined;
    const http = await JsonServer.start((method, url) => {
      if (method === 'GET' && url.pathname === '/search' && service) return service.search(url.searchParams.get('q') ?? '');
      return { status: 404, body: { error: 'not found' } };
    });
    service = new SearchService(producer, index, topic, http);
    return service;
  }

  private search(query: string): JsonReply {
    const hits = this.index.search(query);
    const event: SearchPerformed = { searchId: randomUUID(), query, hits: hits.length, at: Date.now() };
    this.fired.push(event.searchId);
    const send = this.producer
      .send({ messages: [{ topic: this.topic, key: event.searchId, value: JSON.stringify(event) }], acks: 1 })
      .catch(() => {
        this.failedSends++;
      })
      .finally(() => this.pending.delete(send));
    this.pending.add(send);
    const reply: SearchReply = { searchId: event.searchId, hits };
    return { status: 200, body: reply };
  }

  /** Waits for analytics sends still in flight (for a clean stop). */
  async flush(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  async stop(): Promise<void> {
    await this.http.stop();
    await this.flush();
    await this.producer.close();
  }
}

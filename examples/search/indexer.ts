// The indexing worker (consumer group "indexer"): the asynchronous write path. It reads posts
// from the log and adds them to the index in batches; how far behind the log it is (indexing
// lag) is measured per post as the time from publish to searchable.
import type { Cluster } from '../shared/cluster.js';
import { GroupService } from '../shared/group-service.js';
import { POSTS, type PostPublished } from './events.js';
import type { SearchIndex } from './search-index.js';

export class Indexer {
  /** Per post indexed: ms from publish to committed in the index. */
  readonly lagMs: number[] = [];
  private member: GroupService<PostPublished> | undefined;

  constructor(
    private readonly cluster: Pick<Cluster, 'bootstrap' | 'topic' | 'group'>,
    private readonly index: SearchIndex,
  ) {}

  async start(): Promise<void> {
    this.member = await GroupService.start<PostPublished>({
      name: 'indexer',
      groupId: this.cluster.group('indexer'),
      topics: [this.cluster.topic(POSTS)],
      bootstrap: this.cluster.bootstrap,
      maxBatch: 2000,
      handle: (batch) => {
        this.index.add(batch.map((d) => d.value));
        const now = Date.now();
        for (const d of batch) this.lagMs.push(now - d.value.publishedAt);
      },
    });
  }

  async stop(): Promise<void> {
    await this.member?.stop();
    this.member = undefined;
  }
}

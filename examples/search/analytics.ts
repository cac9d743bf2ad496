// Search analytics (consumer group "search-analytics"): counts queries. It may be down for a
// while; the events wait in the log and nothing on the search path notices.
import type { Cluster } from '../shared/cluster.js';
import { GroupService } from '../shared/group-service.js';
import { SEARCHES, type SearchPerformed } from './events.js';

export class SearchAnalytics {
  /** searchId -> query; a Map, so a redelivered event is counted once. */
  readonly received = new Map<string, string>();
  private member: GroupService<SearchPerformed> | undefined;

  constructor(private readonly cluster: Pick<Cluster, 'bootstrap' | 'topic' | 'group'>) {}

  async start(): Promise<void> {
    this.member = await GroupService.start<SearchPerformed>({
      name: 'search-analytics',
      groupId: this.cluster.group('search-analytics'),
      topics: [this.cluster.topic(SEARCHES)],
      bootstrap: this.cluster.bootstrap,
      handle: (batch) => {
        for (const d of batch) this.received.set(d.value.searchId, d.value.query);
      },
    });
  }

  async stop(): Promise<void> {
    await this.member?.stop();
    this.member = undefined;
  }
}

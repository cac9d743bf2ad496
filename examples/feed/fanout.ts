// The fan-out service (consumer group "fanout"): for each post, add its id to the feed of every
// follower of its author. It is where the cost of a big following is paid, off the post's
// request path; a backlog (a celebrity's post, an outage) delays feeds, never posting.
//
// Feeds are sorted sets scored by the post's time, so writing a post into a feed twice is a
// no-op: a redelivery or a deliberate replay (after a bug) cannot duplicate feed entries.
import type { Cluster } from '../shared/cluster.js';
import { GroupService, type Delivery } from '../shared/group-service.js';
import type { RedisClient } from '../shared/redis-server.js';
import { POSTS, type PostCreated } from './events.js';
import { feedKey, followersKey } from './social-graph.js';

/**
 * 'fixed' is the correct code. 'buggy' is a release with a bug: it skips posts containing a
 * hashtag. The scenario deploys it, notices, and replays its period with the fixed version.
 */
/** Feed writes per script call. */
const WRITE_CHUNK = 5_000;
const CHUNKS_IN_FLIGHT = 4;

/** ZADD KEYS[i] ARGV[2i-1] ARGV[2i] for each i: many feed writes in one command. */
const ADD_TO_FEEDS = "for i = 1, #KEYS do redis.call('ZADD', KEYS[i], ARGV[2 * i - 1], ARGV[2 * i]) end return #KEYS";

export type FanOutVersion = 'fixed' | 'buggy';

export class FanOut {
  /** Post ids this instance has fanned out (for the checks). */
  readonly handled = new Set<string>();
  /** Feed writes issued. */
  feedWrites = 0;
  private member: GroupService<PostCreated> | undefined;

  constructor(
    private readonly cluster: Pick<Cluster, 'bootstrap' | 'topic' | 'group'>,
    private readonly redis: RedisClient,
    readonly version: FanOutVersion,
  ) {}

  async start(): Promise<void> {
    this.member = await GroupService.start<PostCreated>({
      name: `fanout-${this.version}`,
      groupId: this.cluster.group('fanout'),
      topics: [this.cluster.topic(POSTS)],
      bootstrap: this.cluster.bootstrap,
      maxBatch: 1000,
      handle: (batch) => this.fanOut(batch),
    });
  }

  async stop(): Promise<void> {
    await this.member?.stop();
    this.member = undefined;
  }

  private async fanOut(batch: Delivery<PostCreated>[]): Promise<void> {
    const posts = batch.map((d) => d.value).filter((p) => this.version === 'fixed' || !p.text.includes('#'));
    // One round trip for the followers of every author in the batch (the Redis client pipelines
    // commands issued together).
    const authors = [...new Set(posts.map((p) => p.authorId))];
    const followers = new Map(await Promise.all(authors.map(async (a) => [a, await this.redis.sMembers(followersKey(a))] as const)));
    // Feed writes go out in chunks of WRITE_CHUNK, each one script call (ADD_TO_FEEDS): a
    // celebrity's post is 100,000 writes, and one command per write would spend the time in
    // round trips and client overhead. A chunk keeps each call short, so Redis stays responsive;
    // a few calls in flight keep Redis busy while the next chunk is built.
    const inFlight: Promise<unknown>[] = [];
    let keys: string[] = [];
    let args: string[] = [];
    const flush = async (): Promise<void> => {
      if (keys.length > 0) {
        const call = this.redis.eval(ADD_TO_FEEDS, { keys, arguments: args });
        call.catch(() => undefined); // handled where it is awaited; not an unhandled rejection meanwhile
        inFlight.push(call);
      }
      keys = [];
      args = [];
      if (inFlight.length >= CHUNKS_IN_FLIGHT) await inFlight.shift();
    };
    for (const post of posts) {
      for (const f of followers.get(post.authorId) ?? []) {
        keys.push(feedKey(f));
        args.push(String(post.createdAt), post.postId);
        if (keys.length === WRITE_CHUNK) await flush();
      }
      this.feedWrites += followers.get(post.authorId)?.length ?? 0;
    }
    await flush();
    await Promise.all(inFlight);
    for (const d of batch) this.handled.add(d.value.postId);
  }
}

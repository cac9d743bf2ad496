// Search: an asynchronous write path (posts -> log -> indexer -> SQLite FTS5) and a synchronous
// read path (GET /search -> SQLite) that never goes through the log. Claims checked:
//   1. indexing lag is measured, and the index catches up with every post (also after the
//      indexer was down; searches kept being answered meanwhile);
//   2. search latency is unaffected when the analytics consumer is down (judged with --scale);
//      every search is answered correctly either way;
//   3. analytics receives every search event, including those fired while it was down.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Producer, stringSerializers } from '@platformatic/kafka';
import type { ExampleContext, ExampleDefinition } from '../shared/example.js';
import { callJson } from '../shared/http-json.js';
import { Latencies } from '../shared/latencies.js';
import { quantileSorted } from '../../bench/stats.js';
import { waitUntil } from '../shared/wait.js';
import { SearchAnalytics } from './analytics.js';
import { POSTS, SEARCHES, type PostPublished } from './events.js';
import { Indexer } from './indexer.js';
import { SearchIndex } from './search-index.js';
import { SearchService, type SearchReply } from './search-service.js';

interface Size {
  partitions: number;
  posts: number;
  /** Searches per phase. */
  searches: number;
}

const SHORT: Size = { partitions: 4, posts: 300, searches: 100 };
const LARGE: Size = { partitions: 8, posts: 100_000, searches: 5_000 };

const WORDS = ['kafka', 'brook', 'stream', 'river', 'delta', 'log', 'event', 'replay'];

/** Every post has a word of its own (w<n>x), so a search for it has exactly one right answer. */
const postText = (n: number): string => `post ${n} about ${WORDS[n % WORDS.length]} and ${WORDS[(n * 3) % WORDS.length]}: w${n}x`;

async function query(url: string, q: string): Promise<SearchReply> {
  const reply = await callJson('GET', `${url}/search?q=${encodeURIComponent(q)}`);
  if (reply.status !== 200) throw new Error(`search answered ${reply.status}`);
  return reply.body as SearchReply;
}

async function run({ cluster, claims, scale }: ExampleContext): Promise<void> {
  const size = scale ? LARGE : SHORT;
  await cluster.createTopics([
    { name: POSTS, partitions: size.partitions },
    { name: SEARCHES, partitions: size.partitions },
  ]);
  const dir = mkdtempSync(join(tmpdir(), 'brook-example-search-'));
  const writerIndex = new SearchIndex(join(dir, 'index.db'));
  const readerIndex = new SearchIndex(join(dir, 'index.db'));
  const publisher = new Producer<string, string, string, string>({ clientId: 'post-publisher', bootstrapBrokers: cluster.bootstrap, serializers: stringSerializers });
  const indexer = new Indexer(cluster, writerIndex);
  const analytics = new SearchAnalytics(cluster);
  const searchService = await SearchService.start(cluster.bootstrap, cluster.topic(SEARCHES), readerIndex);
  const ids: string[] = [];
  const publish = async (from: number, to: number): Promise<void> => {
    for (let i = from; i < to; i += 1000) {
      const batch: PostPublished[] = [];
      for (let n = i; n < Math.min(to, i + 1000); n++) batch.push({ postId: `post-${n}`, text: postText(n), publishedAt: Date.now() });
      await publisher.send({ messages: batch.map((p) => ({ topic: cluster.topic(POSTS), key: p.postId, value: JSON.stringify(p) })), acks: -1 });
      for (const p of batch) ids.push(p.postId);
    }
  };
  /** Searches for `count` posts' own words; returns how many answers were exactly right. */
  const searchPosts = async (count: number, latencies: Latencies): Promise<number> => {
    let right = 0;
    for (let i = 0; i < count; i++) {
      const n = Math.floor((i * 7919) % ids.length);
      const reply = await latencies.time(() => query(searchService.http.url, `w${n}x`));
      if (reply.hits.length === 1 && reply.hits[0] === `post-${n}`) right++;
    }
    return right;
  };
  try {
    await indexer.start();
    await analytics.start();

    // 1. Indexing lag.
    claims.step(`publishing ${size.posts.toLocaleString('en-US')} posts; the indexer follows`);
    const started = performance.now();
    await publish(0, size.posts);
    await waitUntil('the index has every post', () => writerIndex.count() === size.posts, 300_000);
    const indexedMs = performance.now() - started;
    const lag = [...indexer.lagMs].sort((a, b) => a - b);
    claims.check('the index caught up with every post', readerIndex.count() === size.posts, `${readerIndex.count()} of ${size.posts}`);
    claims.figure('posts published and indexed', size.posts / (indexedMs / 1000), 'posts/s');
    claims.figure('indexing lag p50 (publish to searchable)', quantileSorted(lag, 0.5), 'ms', 'lower');
    claims.figure('indexing lag p99', quantileSorted(lag, 0.99), 'ms', 'lower');

    // 2. Search with and without the analytics consumer.
    const withAnalytics = new Latencies();
    const rightUp = await searchPosts(size.searches, withAnalytics);
    claims.step('the analytics consumer stops');
    await analytics.stop();
    const withoutAnalytics = new Latencies();
    const rightDown = await searchPosts(size.searches, withoutAnalytics);
    claims.check('every search was answered correctly, analytics up or down', rightUp === size.searches && rightDown === size.searches, `${rightUp} + ${rightDown} of ${2 * size.searches}`);
    claims.timing(
      'search latency is unaffected when the analytics consumer is down',
      withoutAnalytics.p50 <= withAnalytics.p50 * 1.5 + 2,
      `p50 ${withoutAnalytics.p50.toFixed(2)} ms down vs ${withAnalytics.p50.toFixed(2)} ms up`,
    );
    claims.figure('search latency p50 (HTTP, SQLite FTS5)', withAnalytics.p50, 'ms', 'lower');

    // The write path down: the read path goes on with what is indexed.
    claims.step('the indexer stops; more posts are published');
    await indexer.stop();
    const more = Math.max(100, size.posts / 10);
    await publish(size.posts, size.posts + more);
    const stale = await query(searchService.http.url, `w${size.posts}x`);
    claims.check('with the indexer down, searches are still answered (new posts not found yet)', stale.hits.length === 0, `${stale.hits.length} hits for a new post`);
    const restarted = performance.now();
    await indexer.start();
    await waitUntil('the indexer caught up', () => writerIndex.count() === size.posts + more, 300_000);
    claims.figure(`indexer catch-up for ${more.toLocaleString('en-US')} posts (rejoin + backlog)`, performance.now() - restarted, 'ms', 'lower');
    const fresh = await query(searchService.http.url, `w${size.posts + more - 1}x`);
    claims.check('after catching up, the new posts are found', fresh.hits[0] === `post-${size.posts + more - 1}`, `${fresh.hits.length} hits`);

    // 3. Analytics gets every event.
    await searchService.flush();
    claims.step('the analytics consumer returns');
    await analytics.start();
    await waitUntil('analytics received every search', () => analytics.received.size >= searchService.fired.length, 120_000);
    claims.check(
      'analytics received every search event, also those fired while it was down',
      searchService.failedSends === 0 && searchService.fired.every((id) => analytics.received.has(id)) && analytics.received.size === searchService.fired.length,
      `${analytics.received.size} of ${searchService.fired.length} (${searchService.failedSends} sends failed)`,
    );
  } finally {
    await analytics.stop();
    await indexer.stop();
    await searchService.stop();
    await publisher.close();
    writerIndex.close();
    readerIndex.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export const search: ExampleDefinition = {
  name: 'search',
  title: 'Search: indexed asynchronously from the log, answered synchronously from the index',
  run,
};

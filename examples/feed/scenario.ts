// Feed fan-out: posting is cheap whatever the author's following, because pushing the post into
// followers' feeds (Redis) happens later in the fan-out service. Claims checked:
//   1. the post call does the same work for a 10-follower and a huge account, and returns
//      before fan-out has touched a feed (its latency does not grow with followers: --scale);
//   2. with fan-out stopped, posting keeps working; the backlog drains when it returns;
//   3. after a buggy fan-out release, resetting the group to the deploy time replays exactly
//      the posts it handled, and the fixed version repairs the feeds.
import type { ExampleContext, ExampleDefinition } from '../shared/example.js';
import { callJson } from '../shared/http-json.js';
import { Latencies } from '../shared/latencies.js';
import { RedisServer, type RedisClient } from '../shared/redis-server.js';
import { resetGroupToTimestamp } from '../shared/reset-offsets.js';
import { sleep, waitUntil } from '../shared/wait.js';
import { POSTS, type PostCreated } from './events.js';
import { FanOut } from './fanout.js';
import { PostService } from './post-service.js';
import { feedKey, feedOf, follow } from './social-graph.js';

interface Size {
  partitions: number;
  celebrityFollowers: number;
  /** Posts timed per account in claim 1. */
  timedPosts: number;
  /** Authors and posts per author of the backlog built while fan-out is down. */
  backlogAuthors: number;
  backlogPostsPerAuthor: number;
  /** Posts made while the buggy release runs. */
  buggyPosts: number;
}

const SHORT: Size = { partitions: 4, celebrityFollowers: 10_000, timedPosts: 10, backlogAuthors: 20, backlogPostsPerAuthor: 10, buggyPosts: 40 };
const LARGE: Size = { partitions: 8, celebrityFollowers: 100_000, timedPosts: 30, backlogAuthors: 20_000, backlogPostsPerAuthor: 50, buggyPosts: 2_000 };

/** Each backlog author is followed by two readers, and each reader follows two authors. */
const readersOf = (author: number, authors: number): string[] => [`reader-${(author + 1) % authors}`, `reader-${(author + 7) % authors}`];

async function commandsProcessed(redis: RedisClient): Promise<number> {
  const info = await redis.info('stats');
  return Number(/total_commands_processed:(\d+)/.exec(info)?.[1] ?? NaN);
}

async function post(url: string, authorId: string, text: string): Promise<string> {
  const reply = await callJson('POST', `${url}/posts`, { authorId, text });
  if (reply.status !== 201) throw new Error(`POST /posts answered ${reply.status}`);
  return (reply.body as { postId: string }).postId;
}

async function run({ cluster, claims, scale }: ExampleContext): Promise<void> {
  const size = scale ? LARGE : SHORT;
  await cluster.createTopics([{ name: POSTS, partitions: size.partitions }]);
  const redisServer = await RedisServer.start();
  const redis = await redisServer.client();
  const postsRedis = await redisServer.client();
  const fanoutRedis = await redisServer.client();
  const posts = await PostService.start(cluster.bootstrap, cluster.topic(POSTS), postsRedis);
  const running: FanOut[] = [];
  const startFanOut = async (version: 'fixed' | 'buggy'): Promise<FanOut> => {
    const f = new FanOut(cluster, fanoutRedis, version);
    await f.start();
    running.push(f);
    return f;
  };
  const stopFanOut = async (f: FanOut): Promise<void> => {
    await f.stop();
    running.splice(running.indexOf(f), 1);
  };
  try {
    claims.step(`celebrity gets ${size.celebrityFollowers.toLocaleString('en-US')} followers, neighbour 10; fan-out is not running yet`);
    await follow(redis, 'celebrity', Array.from({ length: size.celebrityFollowers }, (_, i) => `fan-${i}`));
    await follow(redis, 'neighbour', Array.from({ length: 10 }, (_, i) => `friend-${i}`));

    // 1. The post path does not depend on the following.
    const before1 = await commandsProcessed(redis);
    await post(posts.http.url, 'neighbour', 'hello street');
    const neighbourCommands = (await commandsProcessed(redis)) - before1;
    const before2 = await commandsProcessed(redis);
    await post(posts.http.url, 'celebrity', 'hello world');
    const celebrityCommands = (await commandsProcessed(redis)) - before2;
    claims.check(
      'a post costs the same Redis work for 10 followers as for the celebrity',
      neighbourCommands === celebrityCommands,
      `${neighbourCommands} vs ${celebrityCommands} commands (the INFO call included)`,
    );
    const neighbourLatency = new Latencies();
    const celebrityLatency = new Latencies();
    const timed: string[] = [];
    for (let i = 0; i < size.timedPosts; i++) {
      timed.push(await neighbourLatency.time(() => post(posts.http.url, 'neighbour', `street news ${i}`)));
      timed.push(await celebrityLatency.time(() => post(posts.http.url, 'celebrity', `world news ${i}`)));
    }
    const anyFeed = (await redis.zCard(feedKey('fan-0'))) + (await redis.zCard(feedKey('friend-0')));
    claims.check('posts were answered before fan-out touched a feed (fan-out not running, feeds empty)', anyFeed === 0, `${anyFeed} feed entries`);
    claims.timing(
      "the post call's latency does not grow with the follower count",
      celebrityLatency.p50 <= neighbourLatency.p50 * 1.5 + 2,
      `p50 ${celebrityLatency.p50.toFixed(1)} ms with ${size.celebrityFollowers.toLocaleString('en-US')} followers vs ${neighbourLatency.p50.toFixed(1)} ms with 10`,
    );
    claims.figure('post latency p50, 10 followers', neighbourLatency.p50, 'ms', 'lower');
    claims.figure(`post latency p50, ${size.celebrityFollowers.toLocaleString('en-US')} followers`, celebrityLatency.p50, 'ms', 'lower');

    let fanout = await startFanOut('fixed');
    const celebrityStarted = performance.now();
    await waitUntil('fan-out of the first posts', () => fanout.handled.size >= timed.length + 2, 120_000);
    const celebrityMs = performance.now() - celebrityStarted;
    const fanCount = await redis.zCard(feedKey(`fan-${size.celebrityFollowers - 1}`));
    claims.check('once fan-out runs, every follower gets the posts', fanCount === size.timedPosts + 1, `last fan's feed has ${fanCount} of ${size.timedPosts + 1}`);
    claims.figure('fan-out rate, celebrity posts', fanout.feedWrites / (celebrityMs / 1000), 'feed writes/s');

    // 2. Fan-out down: posting goes on, the backlog drains later.
    await stopFanOut(fanout);
    const backlogCount = size.backlogAuthors * size.backlogPostsPerAuthor;
    claims.step(`fan-out stops; ${backlogCount.toLocaleString('en-US')} posts arrive${scale ? ' (bulk import through the post service)' : ''}`);
    const backlog: PostCreated[] = [];
    const importStarted = performance.now();
    if (scale) {
      const chunk = 2_000;
      for (let i = 0; i < backlogCount; i += chunk) {
        const batch = Array.from({ length: Math.min(chunk, backlogCount - i) }, (_, j) => ({ authorId: `author-${(i + j) % size.backlogAuthors}`, text: `post ${i + j}` }));
        for (const e of await posts.create(batch)) backlog.push(e);
      }
      claims.figure('backlog posts stored and published', backlogCount / ((performance.now() - importStarted) / 1000), 'posts/s');
    } else {
      for (let i = 0; i < backlogCount; i++) {
        const authorId = `author-${i % size.backlogAuthors}`;
        backlog.push({ type: 'PostCreated', postId: await post(posts.http.url, authorId, `post ${i}`), authorId, text: '', createdAt: 0 });
      }
    }
    for (let a = 0; a < size.backlogAuthors; a++) await follow(redis, `author-${a}`, readersOf(a, size.backlogAuthors));
    claims.check('posting kept working with fan-out down', backlog.length === backlogCount, `${backlog.length} posts accepted`);
    fanout = await startFanOut('fixed');
    const drainStarted = performance.now();
    await waitUntil('the backlog drained', () => fanout.handled.size >= backlogCount, 600_000);
    const drainMs = performance.now() - drainStarted;
    claims.figure(`drain time for a ${backlogCount.toLocaleString('en-US')}-post backlog`, drainMs, 'ms', 'lower');
    claims.figure('fan-out rate, backlog', backlogCount / (drainMs / 1000), 'posts/s');
    // Every reader follows two authors: its feed holds both authors' posts, no more, no less.
    const expectedPerReader = 2 * size.backlogPostsPerAuthor;
    const readers = Array.from({ length: size.backlogAuthors }, (_, i) => `reader-${i}`);
    const sizes = await Promise.all(readers.map((r) => redis.zCard(feedKey(r))));
    const wrong = readers.filter((_, i) => sizes[i] !== expectedPerReader);
    let exact = true;
    if (!scale) {
      for (let a = 0; a < size.backlogAuthors; a++) {
        const mine = backlog.filter((p) => p.authorId === `author-${a}`).map((p) => p.postId);
        for (const r of readersOf(a, size.backlogAuthors)) {
          const feed = new Set(await feedOf(redis, r));
          if (!mine.every((id) => feed.has(id))) exact = false;
        }
      }
    }
    claims.check('the backlog drained into every feed, nothing lost', wrong.length === 0 && exact, `${readers.length - wrong.length}/${readers.length} feeds hold their ${expectedPerReader} posts`);
    await stopFanOut(fanout);

    // 3. A buggy release, then a replay from its deploy time.
    await sleep(5);
    const deployedAt = Date.now();
    await sleep(5);
    claims.step('fan-out "buggy" is deployed (it skips posts with a hashtag)');
    const buggy = await startFanOut('buggy');
    const buggyPeriod: string[] = [];
    for (let i = 0; i < size.buggyPosts; i++) buggyPeriod.push(await post(posts.http.url, 'neighbour', i % 2 === 0 ? `#launch day ${i}` : `plain ${i}`));
    await waitUntil('the buggy release handled its posts', () => buggy.handled.size >= size.buggyPosts, 60_000);
    await stopFanOut(buggy);
    const friendFeed = new Set(await feedOf(redis, 'friend-0'));
    const missing = buggyPeriod.filter((id) => !friendFeed.has(id)).length;
    claims.check('the bug is visible: hashtag posts are missing from feeds', missing === Math.ceil(size.buggyPosts / 2), `${missing} missing`);
    claims.step('group "fanout" is reset to the deploy time; the fixed version runs');
    await resetGroupToTimestamp(cluster.admin, cluster.group('fanout'), cluster.topic(POSTS), size.partitions, deployedAt);
    fanout = await startFanOut('fixed');
    await waitUntil('the replay', () => fanout.handled.size >= size.buggyPosts, 60_000);
    await sleep(200); // anything beyond the buggy period would arrive now
    const replayed = [...fanout.handled];
    claims.check(
      'the reset replayed exactly the posts of the buggy period',
      replayed.length === buggyPeriod.length && buggyPeriod.every((id) => fanout.handled.has(id)),
      `${replayed.length} replayed, ${buggyPeriod.length} in the period`,
    );
    const repaired = await Promise.all(Array.from({ length: 10 }, (_, i) => feedOf(redis, `friend-${i}`)));
    claims.check(
      'the fixed version repaired every feed without duplicates',
      repaired.every((feed) => buggyPeriod.every((id) => feed.includes(id)) && feed.length === new Set(feed).size && feed.length === 1 + size.timedPosts + size.buggyPosts),
      `friend feeds hold ${repaired[0]?.length} entries`,
    );
  } finally {
    for (const f of [...running]) await f.stop();
    await posts.stop();
    for (const c of [redis, postsRedis, fanoutRedis]) c.destroy();
    await redisServer.stop();
  }
}

export const feed: ExampleDefinition = {
  name: 'feed',
  title: 'Feed fan-out: posts return at once, followers’ feeds fill in Redis',
  run,
};

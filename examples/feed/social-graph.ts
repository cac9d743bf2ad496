// Who follows whom, in Redis: `followers:<user>` is a set of user ids. The feed of a user is
// the sorted set `feed:<user>` of post ids scored by creation time: adding the same post twice
// changes nothing, which is what makes a replay safe.
import type { RedisClient } from '../shared/redis-server.js';

export const followersKey = (user: string): string => `followers:${user}`;
export const feedKey = (user: string): string => `feed:${user}`;
export const postKey = (postId: string): string => `post:${postId}`;

/** Adds followers in chunks (a 100,000-member SADD in one command would block Redis). */
export async function follow(redis: RedisClient, author: string, followers: readonly string[]): Promise<void> {
  const chunk = 10_000;
  const writes: Promise<unknown>[] = [];
  for (let i = 0; i < followers.length; i += chunk) writes.push(redis.sAdd(followersKey(author), followers.slice(i, i + chunk)));
  await Promise.all(writes);
}

export async function feedOf(redis: RedisClient, user: string): Promise<string[]> {
  return redis.zRange(feedKey(user), 0, -1);
}

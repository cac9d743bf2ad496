/**
 * Which existing topics a KIP-848 group's subscriptions cover (Kafka's subscription metadata):
 * topic names plus SubscribedTopicRegex patterns. The group epoch is bumped when this changes.
 */
import type { ConsumerGroupMember } from './consumer-group.js';
import type { TopicMetadata, TopicMetadataView } from './group-types.js';
import { SubscriptionType } from './partition-assignor.js';

export class InvalidSubscriptionRegexError extends Error {}

const regexCache = new Map<string, RegExp>();

/** Subscription patterns match whole topic names (Java's Matcher.matches). */
export function compileSubscriptionRegex(source: string): RegExp {
  const cached = regexCache.get(source);
  if (cached !== undefined) return cached;
  let re: RegExp;
  try {
    re = new RegExp(`^(?:${source})$`, 'u');
  } catch {
    throw new InvalidSubscriptionRegexError(`SubscribedTopicRegex ${source} is not a valid regular expression.`);
  }
  // Bounded: patterns come from clients.
  if (regexCache.size > 1000) regexCache.clear();
  regexCache.set(source, re);
  return re;
}

/** Internal topics are never matched by a subscription pattern. */
function patternMatches(regex: RegExp, topicName: string): boolean {
  return !topicName.startsWith('__') && regex.test(topicName);
}

/** Topics the members subscribe to (names and resolved regexes) that exist, sorted by name. */
export function computeSubscriptionMetadata(members: Iterable<ConsumerGroupMember>, topics: TopicMetadataView): TopicMetadata[] {
  const names = new Set<string>();
  const regexes: RegExp[] = [];
  for (const m of members) {
    for (const n of m.subscribedTopicNames) names.add(n);
    if (m.subscribedTopicRegex !== null) regexes.push(compileSubscriptionRegex(m.subscribedTopicRegex));
  }
  if (regexes.length > 0 && topics.topicNames !== undefined) {
    for (const t of topics.topicNames()) {
      if (regexes.some((r) => patternMatches(r, t))) names.add(t);
    }
  }
  const out: TopicMetadata[] = [];
  for (const name of names) {
    const t = topics.topicByName(name);
    if (t !== undefined) out.push({ id: t.id, name: t.name, partitions: t.partitions });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Ids of the topics of the group's subscription metadata that this member subscribes to. */
export function memberSubscribedTopicIds(m: ConsumerGroupMember, metadata: readonly TopicMetadata[]): Set<string> {
  const ids = new Set<string>();
  const regex = m.subscribedTopicRegex === null ? null : compileSubscriptionRegex(m.subscribedTopicRegex);
  for (const t of metadata) {
    if (m.subscribedTopicNames.includes(t.name) || (regex !== null && patternMatches(regex, t.name))) ids.add(t.id);
  }
  return ids;
}

export function sameSubscriptionMetadata(a: readonly TopicMetadata[], b: readonly TopicMetadata[]): boolean {
  return a.length === b.length && a.every((t, i) => t.name === b[i].name && t.id === b[i].id && t.partitions === b[i].partitions);
}

/** Same topic names, in any order. */
export function sameTopicNames(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const sa = [...a].sort();
  const sb = [...b].sort();
  return sa.every((x, i) => x === sb[i]);
}

/** A member's regex, with the empty string (joined without one) read as none. */
export function memberRegex(m: ConsumerGroupMember): string | null {
  return m.subscribedTopicRegex === null || m.subscribedTopicRegex === '' ? null : m.subscribedTopicRegex;
}

/**
 * Kafka's ConsumerGroup.subscriptionType, which picks the uniform assignor's builder. Without
 * regexes: homogeneous when every member lists the same topic names (existing or not). With
 * regexes: homogeneous only when every member subscribes to the same one and no member lists
 * names.
 */
export function subscriptionType(members: Iterable<ConsumerGroupMember>): SubscriptionType {
  let count = 0;
  const byName = new Map<string, number>();
  const byRegex = new Map<string, number>();
  for (const m of members) {
    count++;
    for (const name of new Set(m.subscribedTopicNames)) byName.set(name, (byName.get(name) ?? 0) + 1);
    const regex = memberRegex(m);
    if (regex !== null) byRegex.set(regex, (byRegex.get(regex) ?? 0) + 1);
  }
  if (byRegex.size === 0) return [...byName.values()].every((n) => n === count) ? SubscriptionType.HOMOGENEOUS : SubscriptionType.HETEROGENEOUS;
  if (byRegex.size === 1 && [...byRegex.values()][0] === count && byName.size === 0) return SubscriptionType.HOMOGENEOUS;
  return SubscriptionType.HETEROGENEOUS;
}

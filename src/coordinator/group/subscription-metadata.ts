/**
 * Which existing topics a KIP-848 group's subscriptions cover (Kafka's subscription metadata):
 * the topic names members list plus the topics their regexes were resolved to (regex-resolution.ts
 * resolves them; a regex nobody resolved yet covers nothing). The group epoch is bumped when this
 * changes. Also here: the validation of subscription regexes and Kafka's subscription type.
 *
 * Regexes are JavaScript's, where Kafka 4 uses RE2/J. Both match the whole topic name. Brook
 * refuses the JavaScript features RE2 lacks (lookaround, backreferences) with
 * INVALID_REGULAR_EXPRESSION as Kafka does, so a pattern Brook accepts means the same on Kafka;
 * RE2-only syntax (inline flags such as `(?i)`, `\Q...\E`, `[[:alpha:]]`, `\pL`) is refused too.
 */
import type { ConsumerGroupMember, ResolvedRegularExpression } from './consumer-group.js';
import type { TopicMetadata, TopicMetadataView } from './group-types.js';
import { SubscriptionType } from './partition-assignor.js';

export class InvalidSubscriptionRegexError extends Error {}

const regexCache = new Map<string, RegExp>();
const MAX_REGEX_BYTES = 32767;

/** The first JavaScript-only construct of a pattern (outside classes and escapes), if any. */
function re2Unsupported(source: string): string | undefined {
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      const next = source[i + 1] ?? '';
      if (!inClass && (/[1-9]/.test(next) || next === 'k')) return 'backreferences';
      i++;
    } else if (inClass) {
      if (c === ']') inClass = false;
    } else if (c === '[') {
      inClass = true;
    } else if (c === '(' && source[i + 1] === '?') {
      const rest = source.slice(i + 2, i + 4);
      if (rest.startsWith('=') || rest.startsWith('!') || rest === '<=' || rest === '<!') return 'lookaround';
    }
  }
  return undefined;
}

/** Subscription patterns match whole topic names (Java's Matcher.matches). */
export function compileSubscriptionRegex(source: string): RegExp {
  const cached = regexCache.get(source);
  if (cached !== undefined) return cached;
  const invalid = (why: string) => new InvalidSubscriptionRegexError(`SubscribedTopicRegex \`${source.slice(0, 200)}\` is not a valid regular expression: ${why}.`);
  // It is stored as a record key string (int16 length), like Kafka's: refuse what cannot be.
  if (Buffer.byteLength(source) > MAX_REGEX_BYTES) throw invalid(`longer than ${MAX_REGEX_BYTES} bytes`);
  const unsupported = re2Unsupported(source);
  if (unsupported !== undefined) throw invalid(`${unsupported} are not supported`);
  let re: RegExp;
  try {
    re = new RegExp(`^(?:${source})$`, 'u');
  } catch (err) {
    throw invalid(err instanceof Error ? err.message : String(err));
  }
  // Bounded: patterns come from clients.
  if (regexCache.size > 1000) regexCache.clear();
  regexCache.set(source, re);
  return re;
}

/** A member's regex, with the empty string (joined without one) read as none. */
export function memberRegex(m: ConsumerGroupMember): string | null {
  return m.subscribedTopicRegex === null || m.subscribedTopicRegex === '' ? null : m.subscribedTopicRegex;
}

/** Names of the topics a member subscribes to: the ones it lists and the ones its regex matched. */
function memberTopicNames(m: ConsumerGroupMember, resolved: ReadonlyMap<string, ResolvedRegularExpression>): Iterable<string> {
  const regex = memberRegex(m);
  const matched = regex === null ? undefined : resolved.get(regex)?.topics;
  return matched === undefined ? m.subscribedTopicNames : [...m.subscribedTopicNames, ...matched];
}

/** Topics the members subscribe to (names and resolved regexes) that exist, sorted by name. */
export function computeSubscriptionMetadata(
  members: Iterable<ConsumerGroupMember>,
  resolved: ReadonlyMap<string, ResolvedRegularExpression>,
  topics: TopicMetadataView,
): TopicMetadata[] {
  const names = new Set<string>();
  for (const m of members) for (const n of memberTopicNames(m, resolved)) names.add(n);
  const out: TopicMetadata[] = [];
  for (const name of names) {
    const t = topics.topicByName(name);
    if (t !== undefined) out.push({ id: t.id, name: t.name, partitions: t.partitions });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Ids of the topics of the group's subscription metadata that this member subscribes to. */
export function memberSubscribedTopicIds(
  m: ConsumerGroupMember,
  resolved: ReadonlyMap<string, ResolvedRegularExpression>,
  metadata: readonly TopicMetadata[],
): Set<string> {
  const byName = new Map(metadata.map((t) => [t.name, t.id]));
  const ids = new Set<string>();
  for (const name of memberTopicNames(m, resolved)) {
    const id = byName.get(name);
    if (id !== undefined) ids.add(id);
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

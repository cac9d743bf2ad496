/**
 * Resolution of the regexes KIP-848 members subscribe to (SubscribedTopicRegex), after Kafka
 * 4.x's GroupMetadataManager (maybeUpdateRegularExpressions, refreshRegularExpressions,
 * handleRegularExpressionsResult).
 *
 * A heartbeat never resolves a regex itself: it schedules a resolution of all the group's
 * regexes, which runs after the heartbeat has been answered and records what each regex matched
 * (bumping the group epoch if that changed). So a member that joins with a new regex and topic
 * names is first assigned the named topics, and the matches with a later heartbeat, as on Kafka.
 * A group resolves again when a member brings a regex the group does not have yet, when one of
 * its regexes is unresolved, or when topics were created since the last resolution; never more
 * than one resolution at a time per group, nor within 10 s of the previous one. A member that
 * drops a regex nobody else uses drops its topics at once.
 */
import { ConsumerGroup, type ResolvedRegularExpression } from './consumer-group.js';
import { groupEpochRecord, regularExpressionRecord } from './consumer-group-records.js';
import { type GroupContext, timerKey } from './group-context.js';
import type { GroupRecord } from './records-codec.js';
import { compileSubscriptionRegex, computeSubscriptionMetadata, sameSubscriptionMetadata } from './subscription-metadata.js';

/** Kafka's REGEX_BATCH_REFRESH_INTERVAL_MS: the least time between two resolutions of a group. */
export const REGEX_BATCH_REFRESH_INTERVAL_MS = 10_000;

type Emit = (record: GroupRecord) => void;

function sameTopics(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const t of a) if (!b.has(t)) return false;
  return true;
}

export class RegexResolver {
  /** Groups with a resolution scheduled. */
  private readonly pending = new Set<string>();
  /**
   * group -> topicCreations() when its regexes were last resolved. Kept in memory only, as the
   * count starts over with the process: after a restart each group resolves once more.
   */
  private readonly versions = new Map<string, number>();

  constructor(private readonly ctx: GroupContext) {}

  private topicCreations(): number {
    return this.ctx.topics.topicCreations?.() ?? 0;
  }

  /** Deletes what `regex` resolved to once no member subscribes to it any more. */
  forgetIfUnsubscribed(g: ConsumerGroup, regex: string | null, emit: Emit): void {
    if (regex !== null && g.numSubscribedMembers(regex) === 0 && g.resolvedRegularExpressions.has(regex)) {
      emit(regularExpressionRecord(g.groupId, regex, null));
    }
  }

  /**
   * For a heartbeat whose member record (with `newRegex`) is already applied; null is no regex.
   * Deletes the old regex if it was the member's alone, schedules a resolution if one is due,
   * and returns whether the group epoch must be bumped: the member took up a regex the group
   * has already resolved. The conditions read the regexes as they were before this heartbeat.
   */
  maybeUpdateRegularExpressions(g: ConsumerGroup, oldRegex: string | null, newRegex: string | null, emit: Emit): boolean {
    const lastRefreshMs = g.lastResolvedRegularExpressionRefreshTimeMs();
    const resolvedBefore = g.resolvedRegularExpressions.size;
    const version = resolvedBefore === 0 ? -1 : (this.versions.get(g.groupId) ?? -1);
    let bumpGroupEpoch = false;
    let requireRefresh = false;
    if (oldRegex !== newRegex) {
      this.forgetIfUnsubscribed(g, oldRegex, emit);
      if (newRegex !== null) {
        // Validated before any record was written (validateRequest).
        if (g.numSubscribedMembers(newRegex) === 1) requireRefresh = true;
        else bumpGroupEpoch = g.resolvedRegularExpressions.has(newRegex);
      }
    }
    const subscribed = g.subscribedRegularExpressions();
    if (subscribed.size === 0 || this.pending.has(g.groupId)) return bumpGroupEpoch;
    if (this.ctx.scheduler.now() <= lastRefreshMs + REGEX_BATCH_REFRESH_INTERVAL_MS) return bumpGroupEpoch;
    if (subscribed.size !== resolvedBefore || version < this.topicCreations()) requireRefresh = true;
    if (requireRefresh) this.scheduleRefresh(g.groupId, subscribed);
    return bumpGroupEpoch;
  }

  /** Resolves after the current request (Kafka runs it on an executor thread). */
  private scheduleRefresh(groupId: string, regexes: ReadonlySet<string>): void {
    this.pending.add(groupId);
    this.ctx.scheduler.schedule(timerKey.consumerRegexRefresh(groupId), 0, () => {
      this.pending.delete(groupId);
      try {
        this.refresh(groupId, regexes);
      } catch (err) {
        this.ctx.logger.error(`group ${groupId}: resolving subscription regexes failed: ${String(err)}`);
      }
    });
  }

  private refresh(groupId: string, regexes: ReadonlySet<string>): void {
    const timestampMs = this.ctx.scheduler.now();
    const version = this.topicCreations();
    const names = [...(this.ctx.topics.topicNames?.() ?? [])];
    const results = new Map<string, ResolvedRegularExpression>();
    for (const regex of regexes) {
      const topics = new Set<string>();
      try {
        const re = compileSubscriptionRegex(regex);
        for (const name of names) if (re.test(name)) topics.add(name);
      } catch {
        // Validated when a member brought it; if it no longer compiles it matches nothing.
        this.ctx.logger.error(`group ${groupId}: subscription regex ${JSON.stringify(regex)} does not compile; ignored`);
      }
      results.set(regex, { topics, timestampMs });
    }
    this.apply(groupId, results, version);
  }

  /** Records the resolutions still subscribed to, and a new group epoch if a subscription changed. */
  private apply(groupId: string, results: ReadonlyMap<string, ResolvedRegularExpression>, version: number): void {
    const g = this.ctx.groups.get(groupId);
    if (!(g instanceof ConsumerGroup)) return;
    const records: GroupRecord[] = [];
    const emit = (r: GroupRecord): void => {
      records.push(r);
      this.ctx.replayer(r);
    };
    let bumpGroupEpoch = false;
    for (const [regex, resolved] of results) {
      if (g.numSubscribedMembers(regex) === 0) continue;
      const before = g.resolvedRegularExpressions.get(regex)?.topics ?? new Set<string>();
      if (!sameTopics(before, resolved.topics)) bumpGroupEpoch = true;
      emit(regularExpressionRecord(groupId, regex, resolved));
    }
    const metadata = computeSubscriptionMetadata(g.members.values(), g.resolvedRegularExpressions, this.ctx.topics);
    if (!sameSubscriptionMetadata(metadata, g.subscriptionMetadata)) bumpGroupEpoch = true;
    if (bumpGroupEpoch) emit(groupEpochRecord(groupId, g.groupEpoch + 1, metadata));
    this.versions.set(groupId, version);
    void this.ctx.write(groupId, records, false);
  }

  /** Forgets a group that is deleted or no longer hosted here. */
  unload(groupId: string): void {
    this.ctx.scheduler.cancel(timerKey.consumerRegexRefresh(groupId));
    this.pending.delete(groupId);
    this.versions.delete(groupId);
  }
}

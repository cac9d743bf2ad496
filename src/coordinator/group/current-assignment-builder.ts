/**
 * KIP-848 reconciliation of one member towards its target assignment (Kafka's
 * CurrentAssignmentBuilder). The rule that keeps a partition from having two owners: a member
 * first gives up (revokes) what it loses and keeps its epoch; only once its heartbeat no longer
 * reports those partitions does it move to the new epoch; a partition another member still owns
 * ("unreleased") is withheld until that owner has revoked it.
 */
import {
  type Assignment,
  type ConsumerGroupMember,
  EMPTY,
  MemberState,
} from './consumer-group.js';
import type { TopicPartitions } from './group-types.js';

export class FencedMemberEpochError extends Error {}

export function isReconciledTo(member: ConsumerGroupMember, targetEpoch: number): boolean {
  return member.state === MemberState.STABLE && member.memberEpoch === targetEpoch;
}

/** Whether the member still reports any of `revoking` as owned (null = unknown = yes). */
function ownsRevokedPartitions(owned: readonly TopicPartitions[] | null, revoking: Assignment): boolean {
  if (owned === null) return true;
  for (const tp of owned) {
    const set = revoking.get(tp.topicId);
    if (set === undefined) continue;
    for (const p of tp.partitions) if (set.has(p)) return true;
  }
  return false;
}

/**
 * Next state of `member` given the target, the owners' epochs and what the member reported.
 * Returns the same object when nothing changes. Throws FencedMemberEpochError for a member in
 * an unknown state that does not come back empty-handed.
 */
export function reconcile(
  member: ConsumerGroupMember,
  targetEpoch: number,
  target: Assignment,
  currentPartitionEpoch: (topicId: string, partition: number) => number,
  owned: readonly TopicPartitions[] | null,
): ConsumerGroupMember {
  switch (member.state) {
    case MemberState.STABLE:
      if (member.memberEpoch === targetEpoch) return member;
      return computeNextAssignment(member, member.memberEpoch, member.assigned);
    case MemberState.UNREVOKED_PARTITIONS:
      if (ownsRevokedPartitions(owned, member.pendingRevocation)) return member;
      return computeNextAssignment(member, member.memberEpoch + 1, member.assigned);
    case MemberState.UNRELEASED_PARTITIONS:
      return computeNextAssignment(member, member.memberEpoch, member.assigned);
    default:
      if (owned === null || owned.length > 0) throw new FencedMemberEpochError('member in an unknown state must rejoin');
      return computeNextAssignment(member, targetEpoch, EMPTY);
  }

  function computeNextAssignment(m: ConsumerGroupMember, memberEpoch: number, current: Assignment): ConsumerGroupMember {
    let hasUnreleased = false;
    const newAssigned = new Map<string, Set<number>>();
    const newRevoking = new Map<string, Set<number>>();
    const newPending = new Map<string, Set<number>>();
    const topicIds = new Set<string>([...target.keys(), ...current.keys()]);
    for (const topicId of topicIds) {
      const tgt = target.get(topicId) ?? new Set<number>();
      const cur = current.get(topicId) ?? new Set<number>();
      const assigned = new Set([...cur].filter((p) => tgt.has(p)));
      const revoking = new Set([...cur].filter((p) => !assigned.has(p)));
      const pending = new Set<number>();
      const ownRevoking = m.pendingRevocation.get(topicId);
      for (const p of tgt) {
        if (assigned.has(p)) continue;
        // Owned by someone else (not by this member's own pending revocation): wait for it.
        if (currentPartitionEpoch(topicId, p) !== -1 && ownRevoking?.has(p) !== true) hasUnreleased = true;
        else pending.add(p);
      }
      if (assigned.size > 0) newAssigned.set(topicId, assigned);
      if (revoking.size > 0) newRevoking.set(topicId, revoking);
      if (pending.size > 0) newPending.set(topicId, pending);
    }
    const bump = (state: MemberState, epoch: number, assigned: Assignment, revoking: Assignment): ConsumerGroupMember => ({
      ...m,
      state,
      previousMemberEpoch: m.memberEpoch,
      memberEpoch: epoch,
      assigned,
      pendingRevocation: revoking,
    });
    if (newRevoking.size > 0 && ownsRevokedPartitions(owned, newRevoking)) {
      // Revoke first; the epoch stays until the member confirms.
      return bump(MemberState.UNREVOKED_PARTITIONS, memberEpoch, newAssigned, newRevoking);
    }
    if (newPending.size > 0) {
      for (const [topicId, ps] of newPending) {
        const set = newAssigned.get(topicId) ?? new Set<number>();
        for (const p of ps) set.add(p);
        newAssigned.set(topicId, set);
      }
    }
    const state = hasUnreleased ? MemberState.UNRELEASED_PARTITIONS : MemberState.STABLE;
    return bump(state, targetEpoch, newAssigned, EMPTY);
  }
}

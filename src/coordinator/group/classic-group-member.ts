/**
 * A member of a classic group (Kafka's ClassicGroupMember): its protocols, timeouts and the
 * JoinGroup/SyncGroup requests it has parked, plus the error answers those requests get.
 */
import { ErrorCode } from '../../protocol/errors.js';
import type { JoinGroupProtocol, JoinGroupResult, SyncGroupResult } from './group-types.js';

export const EMPTY_ASSIGNMENT = Buffer.alloc(0);

export type JoinCallback = (result: JoinGroupResult) => void;
export type SyncCallback = (result: SyncGroupResult) => void;

/** A JoinGroup answer carrying only an error (and the member id the client should keep). */
export function joinError(errorCode: ErrorCode, memberId: string): JoinGroupResult {
  return { errorCode, generationId: -1, protocolType: null, protocolName: null, leader: '', skipAssignment: false, memberId, members: [] };
}

export function syncError(errorCode: ErrorCode): SyncGroupResult {
  return { errorCode, protocolType: null, protocolName: null, assignment: EMPTY_ASSIGNMENT };
}

export class ClassicGroupMember {
  /** Set while a JoinGroup of this member is parked. */
  awaitingJoin: JoinCallback | null = null;
  /** Set while a SyncGroup of this member is parked. */
  awaitingSync: SyncCallback | null = null;
  /** Joined during the current rebalance and has not received a JoinGroup response yet. */
  isNew = false;

  constructor(
    readonly memberId: string,
    readonly groupInstanceId: string | null,
    readonly clientId: string,
    readonly clientHost: string,
    public rebalanceTimeoutMs: number,
    public sessionTimeoutMs: number,
    readonly protocolType: string,
    public protocols: JoinGroupProtocol[],
    public assignment: Buffer = EMPTY_ASSIGNMENT,
  ) {}

  get isStatic(): boolean {
    return this.groupInstanceId !== null;
  }

  /** Same protocols, in the same order, with the same metadata. */
  matches(protocols: readonly JoinGroupProtocol[]): boolean {
    if (protocols.length !== this.protocols.length) return false;
    return protocols.every((p, i) => p.name === this.protocols[i].name && p.metadata.equals(this.protocols[i].metadata));
  }

  metadata(protocolName: string): Buffer {
    return this.protocols.find((p) => p.name === protocolName)?.metadata ?? EMPTY_ASSIGNMENT;
  }

  /** The member's most preferred protocol among the candidates. */
  vote(candidates: ReadonlySet<string>): string {
    const p = this.protocols.find((x) => candidates.has(x.name));
    if (p === undefined) throw new Error(`member ${this.memberId} does not support any candidate protocol`);
    return p.name;
  }

  /**
   * Whether a session expiring now is acceptable: members in the middle of a rebalance are
   * covered by the rebalance and sync timeouts instead. New members are not.
   */
  hasSatisfiedHeartbeat(): boolean {
    if (this.isNew) return false;
    return this.awaitingJoin !== null || this.awaitingSync !== null;
  }
}

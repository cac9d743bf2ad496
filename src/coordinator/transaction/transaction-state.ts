/**
 * The states of a transactional id as Kafka's transaction coordinator keeps them (the ids are
 * what `__transaction_state` records store in TransactionStatus; the names are what
 * DescribeTransactions and ListTransactions show).
 */
export const TxnState = {
  EMPTY: 0,
  ONGOING: 1,
  PREPARE_COMMIT: 2,
  PREPARE_ABORT: 3,
  COMPLETE_COMMIT: 4,
  COMPLETE_ABORT: 5,
  /** The id is expiring: its tombstone is being written. Never stored. */
  DEAD: 6,
  /** An open transaction is being aborted with a bumped epoch to fence its producer. Never stored. */
  PREPARE_EPOCH_FENCE: 7,
} as const;
export type TxnState = (typeof TxnState)[keyof typeof TxnState];

const NAMES = ['Empty', 'Ongoing', 'PrepareCommit', 'PrepareAbort', 'CompleteCommit', 'CompleteAbort', 'Dead', 'PrepareEpochFence'] as const;

export function txnStateName(s: TxnState): string {
  return NAMES[s];
}

/** The state named `name` (Kafka's spelling), or undefined. */
export function txnStateFromName(name: string): TxnState | undefined {
  const i = (NAMES as readonly string[]).indexOf(name);
  return i < 0 ? undefined : (i as TxnState);
}

export function isTxnState(id: number): id is TxnState {
  return Number.isInteger(id) && id >= 0 && id < NAMES.length;
}

const S = TxnState;

/** From which states each state may be entered (Kafka's validPreviousStates). */
const VALID_PREVIOUS: Readonly<Record<TxnState, readonly TxnState[]>> = {
  [S.EMPTY]: [S.EMPTY, S.COMPLETE_COMMIT, S.COMPLETE_ABORT],
  [S.ONGOING]: [S.ONGOING, S.EMPTY, S.COMPLETE_COMMIT, S.COMPLETE_ABORT],
  [S.PREPARE_COMMIT]: [S.ONGOING],
  [S.PREPARE_ABORT]: [S.ONGOING, S.PREPARE_EPOCH_FENCE],
  [S.COMPLETE_COMMIT]: [S.PREPARE_COMMIT],
  [S.COMPLETE_ABORT]: [S.PREPARE_ABORT],
  [S.DEAD]: [S.EMPTY, S.COMPLETE_ABORT, S.COMPLETE_COMMIT],
  [S.PREPARE_EPOCH_FENCE]: [S.ONGOING],
};

export function canTransition(from: TxnState, to: TxnState): boolean {
  return VALID_PREVIOUS[to].includes(from);
}

/** States in which an idle transactional id may expire (transactional.id.expiration.ms). */
export function isExpirationAllowed(s: TxnState): boolean {
  return s === S.EMPTY || s === S.COMPLETE_COMMIT || s === S.COMPLETE_ABORT;
}

/** A transaction is open or being completed: the producer cannot start another. */
export function hasPendingTransaction(s: TxnState): boolean {
  return s === S.ONGOING || s === S.PREPARE_COMMIT || s === S.PREPARE_ABORT;
}

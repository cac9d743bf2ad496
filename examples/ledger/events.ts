// The ledger's topics and events.
//
// transfer-requests: what clients ask for (commands). ledger-events: what happened (facts), the
// source of truth; balances are only a view computed from it. balance-snapshots: a compacted
// topic of the latest balance per account plus the ledger position it reflects.
export const TRANSFER_REQUESTS = 'transfer-requests';
export const LEDGER_EVENTS = 'ledger-events';
export const BALANCE_SNAPSHOTS = 'balance-snapshots';

export interface TransferRequested {
  transferId: string;
  from: string;
  to: string;
  /** In cents. */
  amount: number;
}

export type LedgerEvent =
  | { type: 'AccountOpened'; accountId: string; deposit: number }
  | { type: 'TransferCompleted'; transferId: string; from: string; to: string; amount: number }
  | { type: 'TransferRejected'; transferId: string; reason: string };

/** A snapshot record: one per account, and one `position` record written last. */
export type SnapshotRecord = { type: 'Balance'; accountId: string; balance: number } | { type: 'Position'; offsets: Record<string, string> };

export const POSITION_KEY = 'position';

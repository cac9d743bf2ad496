// The balances view's state: a pure fold over ledger events. Applying a transfer is idempotent
// by transfer id, so a duplicated event (at-least-once processing, see transfer-processor.ts)
// never moves money twice. Credits and debits commute, so the result does not depend on how
// records of different partitions interleave: a replay from offset 0 gives the same balances.
import type { LedgerEvent } from './events.js';

export class Balances {
  readonly balance = new Map<string, number>();
  private readonly applied = new Set<string>();
  private readonly rejected = new Set<string>();
  /** Events that were already applied (duplicates in the log). */
  duplicates = 0;
  events = 0;

  apply(event: LedgerEvent): void {
    this.events++;
    if (event.type === 'AccountOpened') {
      this.add(event.accountId, event.deposit);
    } else if (event.type === 'TransferCompleted') {
      if (this.applied.has(event.transferId)) {
        this.duplicates++;
        return;
      }
      this.applied.add(event.transferId);
      this.add(event.from, -event.amount);
      this.add(event.to, event.amount);
    } else {
      this.rejected.add(event.transferId);
    }
  }

  /** Transfers decided so far (completed or rejected), each counted once. */
  get decided(): number {
    return this.applied.size + this.rejected.size;
  }

  /** Starts from a snapshot's balances. */
  load(balances: ReadonlyMap<string, number>): void {
    for (const [k, v] of balances) this.balance.set(k, v);
  }

  private add(account: string, amount: number): void {
    this.balance.set(account, (this.balance.get(account) ?? 0) + amount);
  }
}

/** Same accounts, same amounts. */
export function sameBalances(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

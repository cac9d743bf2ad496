// The balances view: a consumer of ledger-events that folds them into balances (balances.ts).
// It keeps its own position (the next offset per partition) together with its state, so a
// snapshot of both is consistent: "these balances are the ledger up to these offsets".
import type { Cluster } from '../shared/cluster.js';
import { GroupService } from '../shared/group-service.js';
import { Balances } from './balances.js';
import { LEDGER_EVENTS, type LedgerEvent } from './events.js';

export interface ViewStart {
  /** A snapshot's balances and the ledger offsets they reflect; without it, the group's offsets. */
  snapshot?: { balances: ReadonlyMap<string, number>; offsets: ReadonlyMap<number, bigint> };
  readCommitted: boolean;
}

export class BalancesView {
  readonly state = new Balances();
  /** partition -> next offset to apply */
  readonly position = new Map<number, bigint>();
  private member: GroupService<LedgerEvent> | undefined;

  constructor(
    private readonly cluster: Pick<Cluster, 'bootstrap' | 'topic' | 'group'>,
    readonly groupName: string,
  ) {}

  async start(from: ViewStart): Promise<void> {
    const topic = this.cluster.topic(LEDGER_EVENTS);
    if (from.snapshot) {
      this.state.load(from.snapshot.balances);
      for (const [p, o] of from.snapshot.offsets) this.position.set(p, o);
    }
    this.member = await GroupService.start<LedgerEvent>({
      name: this.groupName,
      groupId: this.cluster.group(this.groupName),
      topics: [topic],
      bootstrap: this.cluster.bootstrap,
      readCommitted: from.readCommitted,
      maxBatch: 5000,
      ...(from.snapshot ? { offsets: [...from.snapshot.offsets].map(([partition, offset]) => ({ topic, partition, offset })) } : {}),
      handle: (batch) => {
        for (const d of batch) {
          this.state.apply(d.value);
          this.position.set(d.partition, d.offset + 1n);
        }
      },
    });
  }

  async stop(): Promise<void> {
    await this.member?.stop();
    this.member = undefined;
  }
}

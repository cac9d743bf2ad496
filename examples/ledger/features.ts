// Broker features two of the ledger's claims need. Each flag switches on the code path and the
// check that uses the feature; while one is off the example prints the claim as pending, naming
// the missing feature, instead of faking it or failing on it.
//
// To enable one when it lands in Brook: set it to true here (or, to try against a Kafka cluster
// with --brokers, set BROOK_EXAMPLE_FEATURES=transactions,compaction).
export interface LedgerFeatures {
  /** Transactions and read_committed (issue 7): the exactly-once transfer processor. */
  transactions: boolean;
  /** Log compaction (issue 8): the snapshot topic keeps only the latest state per account. */
  compaction: boolean;
}

export const BROOK_HAS: LedgerFeatures = {
  transactions: true,
  compaction: true,
};

export function ledgerFeatures(env = process.env.BROOK_EXAMPLE_FEATURES ?? ''): LedgerFeatures {
  const extra = new Set(env.split(',').map((s) => s.trim()));
  return { transactions: BROOK_HAS.transactions || extra.has('transactions'), compaction: BROOK_HAS.compaction || extra.has('compaction') };
}

// ApiVersions v0-4. Built from the handler registry, so it advertises exactly what is
// implemented. An unknown version is answered by the connection with a v0 response and
// UNSUPPORTED_VERSION (KIP-511).
//
// Features (v3+, tagged fields): `transaction.version`, supported 0-1 and finalized at level 1,
// as on a Kafka cluster running transaction version 1. Level 1 is what Brook does: the flexible
// `__transaction_state` record format, and producers that add partitions with AddPartitionsToTxn.
// Level 2 (KIP-890 part 2) would tell Kafka 4 clients to skip AddPartitionsToTxn and let Produce
// v12 add partitions implicitly, which the reference schemas do not have (Produce ends at v11),
// so Brook does not finalize it. A client that sends EndTxn v5 still gets part 2's epoch bump at
// every transaction (Kafka's coordinator decides that from the EndTxn version too).
import { defineHandler } from './handler.js';
import type { ApiVersionsRequest, ApiVersionsResponse } from '../protocol/messages/api-versions.js';
import { SERVER_TRANSACTION_VERSION } from '../coordinator/transaction/transaction-coordinator.js';

const FEATURES_FROM = 3;

/** Kafka uses the metadata log offset; Brook's features never change, so any fixed epoch works. */
const FINALIZED_FEATURES_EPOCH = 1;

export const apiVersionsHandler = defineHandler<ApiVersionsRequest, ApiVersionsResponse>({
  apiKey: 18,
  name: 'ApiVersions',
  minVersion: 0,
  maxVersion: 4,
  handle(_req, ctx) {
    const res: ApiVersionsResponse = {
      errorCode: 0,
      apiKeys: ctx.broker.apiVersions.map((v) => ({ apiKey: v.apiKey, minVersion: v.minVersion, maxVersion: v.maxVersion })),
      throttleTimeMs: 0,
    };
    if (ctx.apiVersion >= FEATURES_FROM) {
      res.supportedFeatures = [{ name: 'transaction.version', minVersion: 0, maxVersion: SERVER_TRANSACTION_VERSION }];
      res.finalizedFeaturesEpoch = FINALIZED_FEATURES_EPOCH;
      res.finalizedFeatures = [{ name: 'transaction.version', maxVersionLevel: SERVER_TRANSACTION_VERSION, minVersionLevel: SERVER_TRANSACTION_VERSION }];
    }
    return res;
  },
});

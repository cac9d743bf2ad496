import type { Handler } from './handler.js';
import { apiVersionsHandler } from './api-versions.js';
import { metadataHandler } from './metadata.js';
import { produceHandler } from './produce.js';
import { fetchHandler } from './fetch.js';
import { listOffsetsHandler } from './list-offsets.js';
import { findCoordinatorHandler } from './find-coordinator.js';
import { joinGroupHandler } from './join-group.js';
import { syncGroupHandler } from './sync-group.js';
import { heartbeatHandler } from './heartbeat.js';
import { leaveGroupHandler } from './leave-group.js';
import { offsetCommitHandler } from './offset-commit.js';
import { offsetFetchHandler } from './offset-fetch.js';
import { listGroupsHandler } from './list-groups.js';
import { describeGroupsHandler } from './describe-groups.js';
import { deleteGroupsHandler } from './delete-groups.js';
import { offsetDeleteHandler } from './offset-delete.js';
import { consumerGroupHeartbeatHandler } from './consumer-group-heartbeat.js';
import { consumerGroupDescribeHandler } from './consumer-group-describe.js';
import { createTopicsHandler } from './create-topics.js';
import { deleteTopicsHandler } from './delete-topics.js';
import { createPartitionsHandler } from './create-partitions.js';
import { describeTopicPartitionsHandler } from './describe-topic-partitions.js';
import { describeConfigsHandler } from './describe-configs.js';
import { alterConfigsHandler } from './alter-configs.js';
import { incrementalAlterConfigsHandler } from './incremental-alter-configs.js';
import { deleteRecordsHandler } from './delete-records.js';
import { describeClusterHandler } from './describe-cluster.js';
import { describeLogDirsHandler } from './describe-log-dirs.js';
import { offsetForLeaderEpochHandler } from './offset-for-leader-epoch.js';
import { initProducerIdHandler } from './init-producer-id.js';
import { writeTxnMarkersHandler } from './write-txn-markers.js';
import { describeProducersHandler } from './describe-producers.js';
import { addPartitionsToTxnHandler } from './add-partitions-to-txn.js';
import { addOffsetsToTxnHandler } from './add-offsets-to-txn.js';
import { endTxnHandler } from './end-txn.js';
import { txnOffsetCommitHandler } from './txn-offset-commit.js';
import { describeTransactionsHandler } from './describe-transactions.js';
import { listTransactionsHandler } from './list-transactions.js';

/**
 * Every API this broker answers. ApiVersions advertises exactly this list, so an API appears
 * on the wire only once its handler is registered here.
 */
export const handlers: readonly Handler[] = [
  apiVersionsHandler,
  metadataHandler,
  produceHandler,
  fetchHandler,
  listOffsetsHandler,
  findCoordinatorHandler,
  joinGroupHandler,
  syncGroupHandler,
  heartbeatHandler,
  leaveGroupHandler,
  offsetCommitHandler,
  offsetFetchHandler,
  listGroupsHandler,
  describeGroupsHandler,
  deleteGroupsHandler,
  offsetDeleteHandler,
  consumerGroupHeartbeatHandler,
  consumerGroupDescribeHandler,
  createTopicsHandler,
  deleteTopicsHandler,
  createPartitionsHandler,
  describeTopicPartitionsHandler,
  describeConfigsHandler,
  alterConfigsHandler,
  incrementalAlterConfigsHandler,
  deleteRecordsHandler,
  describeClusterHandler,
  describeLogDirsHandler,
  offsetForLeaderEpochHandler,
  initProducerIdHandler,
  writeTxnMarkersHandler,
  describeProducersHandler,
  addPartitionsToTxnHandler,
  addOffsetsToTxnHandler,
  endTxnHandler,
  txnOffsetCommitHandler,
  describeTransactionsHandler,
  listTransactionsHandler,
] as unknown as readonly Handler[];

// Manual replica assignments (CreateTopics, CreatePartitions) on a one-node cluster: the only
// registered broker is this node, so the only placeable assignment is [nodeId]. The checks and
// messages are Kafka's ReplicationControlManager.validateManualPartitionAssignment.
import { ErrorCode } from '../protocol/errors.js';
import type { ApiError } from './config-resource.js';

/**
 * Checks one partition's replica list; `replicationFactor` is that of the partitions before it
 * (undefined for the first partition of a new topic). Returns null when the list is acceptable.
 */
export function checkManualAssignment(brokerIds: readonly number[], replicationFactor: number | undefined, nodeId: number): ApiError | null {
  const invalid = (message: string): ApiError => ({ errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: message });
  if (brokerIds.length === 0) return invalid('The manual partition assignment includes an empty replica list.');
  const sorted = [...brokerIds].sort((a, b) => a - b);
  let previous: number | undefined;
  for (const id of sorted) {
    if (id !== nodeId) return invalid(`The manual partition assignment includes broker ${id}, but no such broker is registered.`);
    if (id === previous) return invalid(`The manual partition assignment includes the broker ${id} more than once.`);
    previous = id;
  }
  if (replicationFactor !== undefined && sorted.length !== replicationFactor) {
    return invalid(
      `The manual partition assignment includes a partition with ${sorted.length} replica(s), but this is not consistent with previous partitions, which have ${replicationFactor} replica(s).`,
    );
  }
  return null;
}

// The authorizedOperations fields of the describe APIs (Metadata, DescribeCluster,
// DescribeTopicPartitions, DescribeGroups, ConsumerGroupDescribe). Brook has no authorizer, so
// nothing is computed per principal: a described group reports every operation its resource
// supports, as Kafka does without an authorizer, and everything else Kafka's "not requested" value.

/** Kafka's "not requested" value (Integer.MIN_VALUE) for the authorizedOperations fields. */
export const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

/**
 * Operations on a group with no authorizer configured: all that the GROUP resource supports
 * (READ 3, DELETE 6, DESCRIBE 8, DESCRIBE_CONFIGS 10, ALTER_CONFIGS 11, as a bit field).
 */
const GROUP_AUTHORIZED_OPERATIONS = (1 << 3) | (1 << 6) | (1 << 8) | (1 << 10) | (1 << 11);

/** The authorizedOperations value for a described group. */
export function groupAuthorizedOperations(requested: boolean, errorCode: number): number {
  return requested && errorCode === 0 ? GROUP_AUTHORIZED_OPERATIONS : AUTHORIZED_OPERATIONS_OMITTED;
}

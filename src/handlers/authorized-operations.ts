// The authorizedOperations fields of the describe APIs (Metadata, DescribeCluster,
// DescribeTopicPartitions, DescribeGroups, ConsumerGroupDescribe). Brook has no authorizer, so,
// as Kafka without one (AuthHelper.authorizedOperations), a resource that is asked about reports
// every operation its resource type supports (AclEntry.supportedOperations), as a bit field of
// AclOperation codes; a field that was not asked for keeps Kafka's "not requested" value.

/** Kafka's "not requested" value (Integer.MIN_VALUE) for the authorizedOperations fields. */
export const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

/** Kafka's AclOperation codes. */
const Op = {
  READ: 3,
  WRITE: 4,
  CREATE: 5,
  DELETE: 6,
  ALTER: 7,
  DESCRIBE: 8,
  CLUSTER_ACTION: 9,
  DESCRIBE_CONFIGS: 10,
  ALTER_CONFIGS: 11,
  IDEMPOTENT_WRITE: 12,
} as const;

function bits(...ops: number[]): number {
  return ops.reduce((field, op) => field | (1 << op), 0);
}

/** Every operation on a TOPIC (8 operations). */
export const TOPIC_AUTHORIZED_OPERATIONS = bits(Op.READ, Op.WRITE, Op.CREATE, Op.DESCRIBE, Op.DELETE, Op.ALTER, Op.DESCRIBE_CONFIGS, Op.ALTER_CONFIGS);

/** Every operation on the CLUSTER (7 operations). */
export const CLUSTER_AUTHORIZED_OPERATIONS = bits(Op.CREATE, Op.CLUSTER_ACTION, Op.DESCRIBE_CONFIGS, Op.ALTER_CONFIGS, Op.IDEMPOTENT_WRITE, Op.ALTER, Op.DESCRIBE);

/** Every operation on a GROUP (5 operations). */
const GROUP_AUTHORIZED_OPERATIONS = bits(Op.READ, Op.DESCRIBE, Op.DELETE, Op.DESCRIBE_CONFIGS, Op.ALTER_CONFIGS);

/** The authorizedOperations value for a described group: Kafka fills it only for a group without error. */
export function groupAuthorizedOperations(requested: boolean, errorCode: number): number {
  return requested && errorCode === 0 ? GROUP_AUTHORIZED_OPERATIONS : AUTHORIZED_OPERATIONS_OMITTED;
}

/** The authorizedOperations value of a topic or the cluster when it may have been asked for. */
export function authorizedOperations(requested: boolean, all: number): number {
  return requested ? all : AUTHORIZED_OPERATIONS_OMITTED;
}

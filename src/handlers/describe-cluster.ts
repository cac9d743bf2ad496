// DescribeCluster v0-1, as Kafka 4's brokers answer it (AuthHelper.computeDescribeClusterResponse):
// this node is the only broker and, in a one-node cluster, the controller id a broker reports.
// v1's endpointType must be BROKER (1): CONTROLLER (2) is MISMATCHED_ENDPOINT_TYPE and anything
// else UNSUPPORTED_ENDPOINT_TYPE (INVALID_REQUEST for both in v0, which cannot carry them).
// Authorized operations, when asked for, are every operation on the cluster (there is no
// authorizer), as Kafka answers without one; otherwise -2147483648, "not requested".
import { defineHandler } from './handler.js';
import { ErrorCode } from '../protocol/errors.js';
import { authorizedOperations, CLUSTER_AUTHORIZED_OPERATIONS } from './authorized-operations.js';
import type { DescribeClusterRequest, DescribeClusterResponse } from '../protocol/messages/describe-cluster.js';

const EndpointType = { UNKNOWN: 0, BROKER: 1, CONTROLLER: 2 } as const;

export const describeClusterHandler = defineHandler<DescribeClusterRequest, DescribeClusterResponse>({
  apiKey: 60,
  name: 'DescribeCluster',
  minVersion: 0,
  maxVersion: 1,
  handle(req, ctx) {
    const { nodeId, advertised, cluster, config } = ctx.broker;
    const base = {
      throttleTimeMs: 0,
      endpointType: EndpointType.BROKER,
      clusterId: cluster.clusterId,
      controllerId: nodeId,
      brokers: [{ brokerId: nodeId, host: advertised.host, port: advertised.port, rack: config.brokerRack }],
      clusterAuthorizedOperations: authorizedOperations(req.includeClusterAuthorizedOperations, CLUSTER_AUTHORIZED_OPERATIONS),
    };
    const requested = ctx.apiVersion >= 1 ? req.endpointType : EndpointType.BROKER;
    if (requested !== EndpointType.BROKER) {
      const known = requested === EndpointType.CONTROLLER;
      const errorCode = ctx.apiVersion === 0 ? ErrorCode.INVALID_REQUEST : known ? ErrorCode.MISMATCHED_ENDPOINT_TYPE : ErrorCode.UNSUPPORTED_ENDPOINT_TYPE;
      const errorMessage = known
        ? 'The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type CONTROLLER'
        : `Unsupported endpoint type ${requested}`;
      return { ...base, errorCode, errorMessage, clusterId: '', controllerId: -1, brokers: [] };
    }
    return { ...base, errorCode: ErrorCode.NONE, errorMessage: null };
  },
});

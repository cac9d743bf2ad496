// What the group handlers share: who the client is, as Kafka reports it, and the authorized
// operations field of the describe APIs.
import type { RequestContext } from './handler.js';
import type { ClientInfo } from '../coordinator/group/group-types.js';

/** Kafka's "not requested" value for the authorizedOperations fields. */
export const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

/**
 * Operations on a group with no authorizer configured: all that the GROUP resource supports
 * (READ 3, DELETE 6, DESCRIBE 8, DESCRIBE_CONFIGS 10, ALTER_CONFIGS 11, as a bit field), which is
 * what Kafka answers when no authorizer is set.
 */
export const GROUP_AUTHORIZED_OPERATIONS = (1 << 3) | (1 << 6) | (1 << 8) | (1 << 10) | (1 << 11);

/** The authorizedOperations value for a described group. */
export function groupAuthorizedOperations(requested: boolean, errorCode: number): number {
  return requested && errorCode === 0 ? GROUP_AUTHORIZED_OPERATIONS : AUTHORIZED_OPERATIONS_OMITTED;
}

/**
 * Client id and host as Kafka stores them on a member: the host is Java's
 * InetAddress.toString() of the peer without a name lookup, "/127.0.0.1".
 */
export function clientInfo(ctx: RequestContext): ClientInfo {
  const hostPort = ctx.clientHost;
  const colon = hostPort.lastIndexOf(':');
  let host = colon > 0 ? hostPort.slice(0, colon) : hostPort;
  if (host.startsWith('::ffff:')) host = host.slice(7);
  return { clientId: ctx.clientId ?? '', clientHost: `/${host}` };
}

// Who the client is, as the group coordinator records it on a member (JoinGroup,
// ConsumerGroupHeartbeat).
import type { RequestContext } from './handler.js';
import type { ClientInfo } from '../coordinator/group/group-types.js';

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

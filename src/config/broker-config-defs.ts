// Broker settings outside the log layer: identity, listeners and sockets, topic creation, the
// group coordinator, committed offsets and transactions. Names, types and defaults are Kafka 4.x's;
// where Brook's default differs (it is a single node meant to start with no configuration) the
// Kafka default is recorded in `kafkaDefault`. Settings that make no sense for one node (KRaft
// controller, threads, replication factors of internal topics) are accepted and `ignored`.

import { atLeast, between, define, INT_MAX, validator } from './config-def.js';
import type { ConfigDef } from './config-def.js';
import { BROKER_LOG_CONFIG_DEFS } from './broker-log-config-defs.js';

const perIpOverrides = validator('[host:count,...]', (value) => {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  for (const entry of value.split(',')) {
    const at = entry.lastIndexOf(':');
    const count = entry.slice(at + 1).trim();
    if (at <= 0 || !/^\d+$/.test(count)) return 'Expected a comma-separated list of host:count';
  }
  return undefined;
});

const SERVER_DEFS: readonly ConfigDef[] = [
  // Identity and KRaft. Brook is one combined broker+controller node.
  define({ name: 'node.id', type: 'int', default: 0, kafkaDefault: '-1', validator: atLeast(0), importance: 'high',
    doc: 'Id of this node; broker.id is its synonym.' }),
  define({ name: 'broker.id', type: 'int', default: 0, kafkaDefault: '-1', validator: atLeast(0), importance: 'high',
    doc: 'Id of this broker; must equal node.id when both are set.' }),
  define({ name: 'broker.rack', type: 'string', default: null,
    doc: 'Rack of the broker, reported in metadata.' }),
  define({ name: 'process.roles', type: 'list', default: ['broker', 'controller'], kafkaDefault: '""', validValues: ['broker', 'controller'], importance: 'high', ignored: true,
    doc: 'Roles of this node. Brook is always a combined broker and controller.' }),
  define({ name: 'controller.listener.names', type: 'string', default: null, importance: 'high',
    doc: 'Names of the KRaft controller listeners; Brook does not open these listeners.' }),
  define({ name: 'controller.quorum.voters', type: 'list', default: [], importance: 'high', ignored: true,
    doc: 'KRaft voter set as id@host:port,... Brook has no controller quorum.' }),
  define({ name: 'controller.quorum.bootstrap.servers', type: 'list', default: [], importance: 'high', ignored: true,
    doc: 'KRaft controller endpoints to bootstrap from. Brook has no controller quorum.' }),

  // Listeners.
  define({ name: 'listeners', type: 'string', default: 'PLAINTEXT://localhost:9092', kafkaDefault: 'PLAINTEXT://:9092', importance: 'high', updateMode: 'per-broker',
    doc: 'Listeners as NAME://host:port,...; an empty host binds all interfaces. --host and --port change the first one.' }),
  define({ name: 'advertised.listeners', type: 'string', default: null, importance: 'high', updateMode: 'per-broker',
    doc: 'Addresses given to clients, when different from listeners (NAME://host:port,...).' }),
  define({ name: 'listener.security.protocol.map', type: 'string', default: 'SASL_SSL:SASL_SSL,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT', updateMode: 'per-broker',
    doc: 'Security protocol of each listener name, as NAME:PROTOCOL,...' }),
  define({ name: 'inter.broker.listener.name', type: 'string', default: null, ignored: true,
    doc: 'Listener used between brokers. Brook is a single broker.' }),
  define({ name: 'security.inter.broker.protocol', type: 'string', default: 'PLAINTEXT', ignored: true,
    doc: 'Security protocol between brokers. Brook is a single broker.' }),

  // Brook's own: the HTTP endpoint for Prometheus and health probes (not a Kafka setting).
  define({ name: 'metrics.port', type: 'int', default: null, validator: between(0, 65535),
    doc: 'Port of the HTTP endpoint serving /metrics (Prometheus), /healthz and /readyz, on the host of the first listener; 0 picks a free port. Not set: no endpoint.' }),

  // Sockets and connections.
  define({ name: 'socket.request.max.bytes', type: 'int', default: 104857600, validator: atLeast(1), importance: 'high',
    doc: 'Largest request the broker accepts; a bigger frame closes the connection.' }),
  define({ name: 'socket.send.buffer.bytes', type: 'int', default: 102400, importance: 'high', ignored: true,
    doc: 'SO_SNDBUF of server sockets (-1: OS default). Node.js does not expose it.' }),
  define({ name: 'socket.receive.buffer.bytes', type: 'int', default: 102400, importance: 'high', ignored: true,
    doc: 'SO_RCVBUF of server sockets (-1: OS default). Node.js does not expose it.' }),
  define({ name: 'socket.listen.backlog.size', type: 'int', default: 50, validator: atLeast(1),
    doc: 'Maximum number of pending connections on a listening socket.' }),
  define({ name: 'connections.max.idle.ms', type: 'long', default: 600000,
    doc: 'Idle connections are closed after this many milliseconds.' }),
  define({ name: 'max.connections', type: 'int', default: INT_MAX, validator: atLeast(0), updateMode: 'cluster-wide',
    doc: 'Maximum number of open client connections.' }),
  define({ name: 'max.connections.per.ip', type: 'int', default: INT_MAX, validator: atLeast(0), updateMode: 'cluster-wide',
    doc: 'Maximum number of connections from one IP address.' }),
  define({ name: 'max.connections.per.ip.overrides', type: 'string', default: '', validator: perIpOverrides, updateMode: 'cluster-wide',
    doc: 'Per-IP or per-host limits overriding max.connections.per.ip, as host:count,...' }),
  define({ name: 'queued.max.requests', type: 'int', default: 500, validator: atLeast(1), importance: 'high',
    doc: 'Requests read from one connection and not yet answered before the broker stops reading from it (Kafka counts its request queue broker-wide; Brook has no such queue).' }),
  // Bounded by default, unlike Kafka: Brook is one process, and without a bound 20 clients each
  // sending 60 MB of a 100 MB request took it from 74 MB to 1.2 GB. 256 MiB admits two requests
  // of the largest default size (socket.request.max.bytes) beside ordinary traffic and matches
  // the tail caches' budget, so request and cache memory together stay near half a GiB.
  define({ name: 'queued.max.request.bytes', type: 'long', default: 268435456, kafkaDefault: '-1',
    doc: 'Bytes of requests being received or not yet answered, across all connections, before the broker stops reading new requests; -1 means unbounded. A single request larger than this is read when no other request holds memory.' }),
  define({ name: 'fetch.max.bytes', type: 'int', default: 57671680, validator: atLeast(1024),
    doc: 'Maximum bytes returned by one fetch request.' }),
  define({ name: 'num.network.threads', type: 'int', default: 3, validator: atLeast(1), importance: 'high', updateMode: 'cluster-wide', ignored: true,
    doc: 'Network threads. Brook serves connections on its event loop.' }),
  define({ name: 'num.io.threads', type: 'int', default: 8, validator: atLeast(1), importance: 'high', updateMode: 'cluster-wide', ignored: true,
    doc: 'Request-processing threads. Brook serves requests on its event loop.' }),
  define({ name: 'background.threads', type: 'int', default: 10, validator: atLeast(1), importance: 'high', updateMode: 'cluster-wide', ignored: true,
    doc: 'Background task threads. Brook runs them on its event loop.' }),
  define({ name: 'num.recovery.threads.per.data.dir', type: 'int', default: 2, validator: atLeast(1), importance: 'high', updateMode: 'cluster-wide', ignored: true,
    doc: 'Threads per data directory for log recovery. Brook recovers on its event loop.' }),

  // Topics.
  define({ name: 'auto.create.topics.enable', type: 'boolean', default: true, importance: 'high',
    doc: 'Create a topic when a client asks for metadata of one that does not exist.' }),
  define({ name: 'delete.topic.enable', type: 'boolean', default: true, importance: 'high',
    doc: 'Allow topics to be deleted; when false DeleteTopics is refused.' }),
  define({ name: 'num.partitions', type: 'int', default: 1, validator: atLeast(1),
    doc: 'Default number of partitions of a new topic.' }),
  define({ name: 'default.replication.factor', type: 'int', default: 1,
    doc: 'Default replication factor of a new topic; Brook can only honour 1.' }),

  // Group coordinator.
  define({ name: 'group.coordinator.rebalance.protocols', type: 'list', default: ['classic', 'consumer'], validValues: ['classic', 'consumer', 'share', 'streams'], importance: 'high',
    doc: 'Enabled rebalance protocols: classic (JoinGroup/SyncGroup) and consumer (ConsumerGroupHeartbeat, KIP-848).' }),
  define({ name: 'group.initial.rebalance.delay.ms', type: 'int', default: 3000,
    doc: 'How long a new classic group waits for more members before its first rebalance.' }),
  define({ name: 'group.min.session.timeout.ms', type: 'int', default: 6000,
    doc: 'Smallest session timeout a classic group member may ask for.' }),
  define({ name: 'group.max.session.timeout.ms', type: 'int', default: 1800000,
    doc: 'Largest session timeout a classic group member may ask for.' }),
  define({ name: 'group.max.size', type: 'int', default: INT_MAX, validator: atLeast(1),
    doc: 'Maximum number of members of a classic group.' }),
  define({ name: 'group.consumer.session.timeout.ms', type: 'int', default: 45000, validator: atLeast(1),
    doc: 'Session timeout of members of consumer-protocol groups.' }),
  define({ name: 'group.consumer.min.session.timeout.ms', type: 'int', default: 45000, validator: atLeast(1),
    doc: 'Smallest session timeout allowed for consumer-protocol groups.' }),
  define({ name: 'group.consumer.max.session.timeout.ms', type: 'int', default: 60000, validator: atLeast(1),
    doc: 'Largest session timeout allowed for consumer-protocol groups.' }),
  define({ name: 'group.consumer.heartbeat.interval.ms', type: 'int', default: 5000, validator: atLeast(1),
    doc: 'Heartbeat interval given to members of consumer-protocol groups.' }),
  define({ name: 'group.consumer.min.heartbeat.interval.ms', type: 'int', default: 5000, validator: atLeast(1),
    doc: 'Smallest heartbeat interval allowed for consumer-protocol groups.' }),
  define({ name: 'group.consumer.max.heartbeat.interval.ms', type: 'int', default: 15000, validator: atLeast(1),
    doc: 'Largest heartbeat interval allowed for consumer-protocol groups.' }),
  define({ name: 'group.consumer.max.size', type: 'int', default: INT_MAX, validator: atLeast(1),
    doc: 'Maximum number of members of a consumer-protocol group.' }),
  define({ name: 'group.consumer.assignors', type: 'list', default: ['uniform', 'range'],
    doc: 'Server-side assignors of consumer-protocol groups; the first is used when a member names none.' }),
  define({ name: 'group.consumer.migration.policy', type: 'string', default: 'bidirectional', validValues: ['disabled', 'downgrade', 'upgrade', 'bidirectional'],
    doc: 'Whether groups may convert between the classic and consumer protocols.' }),

  // Committed offsets (__consumer_offsets).
  define({ name: 'offsets.topic.num.partitions', type: 'int', default: 50, validator: atLeast(1), importance: 'high',
    doc: 'Partitions of __consumer_offsets (do not change after first start).' }),
  define({ name: 'offsets.topic.replication.factor', type: 'short', default: 3, validator: atLeast(1), importance: 'high', ignored: true,
    doc: 'Replication factor of __consumer_offsets. Brook always uses 1.' }),
  define({ name: 'offsets.topic.segment.bytes', type: 'int', default: 104857600, validator: atLeast(1), importance: 'high',
    doc: 'Segment size of __consumer_offsets, kept small for fast compaction and loading.' }),
  define({ name: 'offsets.topic.compression.codec', type: 'int', default: 0, validator: between(0, 4), importance: 'high',
    doc: 'Compression codec id for __consumer_offsets (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd).' }),
  define({ name: 'offsets.load.buffer.size', type: 'int', default: 5242880, validator: atLeast(1), importance: 'high', ignored: true,
    doc: 'Read batch size when loading __consumer_offsets.' }),
  define({ name: 'offsets.retention.minutes', type: 'int', default: 10080, validator: atLeast(1), importance: 'high',
    doc: 'How long committed offsets of an empty group (or of a partition no longer subscribed) are kept.' }),
  define({ name: 'offsets.retention.check.interval.ms', type: 'long', default: 600000, validator: atLeast(1), importance: 'high',
    doc: 'How often expired offsets are looked for.' }),
  define({ name: 'offsets.commit.timeout.ms', type: 'int', default: 5000, validator: atLeast(1), importance: 'high',
    doc: 'Maximum wait for a coordinator write to be acknowledged.' }),
  define({ name: 'offset.metadata.max.bytes', type: 'int', default: 4096, importance: 'high',
    doc: 'Largest metadata string accepted with a committed offset.' }),

  // Transactions and producer ids.
  define({ name: 'transaction.max.timeout.ms', type: 'int', default: 900000, validator: atLeast(1), importance: 'high',
    doc: 'Largest transaction timeout a producer may ask for.' }),
  define({ name: 'transactional.id.expiration.ms', type: 'int', default: 604800000, validator: atLeast(1), importance: 'high',
    doc: 'A transactional id with no transaction status update for this long expires.' }),
  define({ name: 'transaction.state.log.num.partitions', type: 'int', default: 50, validator: atLeast(1), importance: 'high',
    doc: 'Partitions of __transaction_state (do not change after first start).' }),
  define({ name: 'transaction.state.log.replication.factor', type: 'short', default: 3, validator: atLeast(1), importance: 'high', ignored: true,
    doc: 'Replication factor of __transaction_state. Brook always uses 1.' }),
  define({ name: 'transaction.state.log.min.isr', type: 'int', default: 2, validator: atLeast(1), importance: 'high', ignored: true,
    doc: 'min.insync.replicas of __transaction_state. Brook has a single replica.' }),
  define({ name: 'transaction.state.log.segment.bytes', type: 'int', default: 104857600, validator: atLeast(1), importance: 'high',
    doc: 'Segment size of __transaction_state.' }),
  define({ name: 'transaction.abort.timed.out.transaction.cleanup.interval.ms', type: 'int', default: 10000, validator: atLeast(1), importance: 'low',
    doc: 'How often timed-out transactions are rolled back.' }),
  define({ name: 'transaction.remove.expired.transaction.cleanup.interval.ms', type: 'int', default: 3600000, validator: atLeast(1), importance: 'low',
    doc: 'How often expired transactional ids are removed.' }),
  define({ name: 'transaction.partition.verification.enable', type: 'boolean', default: true, importance: 'low', updateMode: 'cluster-wide',
    doc: 'Check with the transaction coordinator that a partition was added to the transaction before a producer\'s first transactional records are written to it (KIP-890).' }),
  define({ name: 'transaction.state.log.load.buffer.size', type: 'int', default: 5242880, validator: atLeast(1), importance: 'high', ignored: true,
    doc: 'Read size when loading __transaction_state. Brook reads in steps of 1 MiB.' }),
  define({ name: 'producer.id.expiration.ms', type: 'int', default: 86400000, validator: atLeast(1), importance: 'low', updateMode: 'cluster-wide',
    doc: 'Producer id state of an idle producer is dropped after this long.' }),
  define({ name: 'producer.id.expiration.check.interval.ms', type: 'int', default: 600000, validator: atLeast(1), importance: 'low',
    doc: 'How often expired producer ids are removed.' }),
  define({ name: 'share.coordinator.state.topic.replication.factor', type: 'short', default: 3, validator: atLeast(1), ignored: true,
    doc: 'Replication factor of the share-group state topic. Brook has no share groups.' }),
  define({ name: 'share.coordinator.state.topic.min.isr', type: 'short', default: 2, validator: atLeast(1), ignored: true,
    doc: 'min.insync.replicas of the share-group state topic. Brook has no share groups.' }),

  // TLS material, reserved for SSL listeners (not implemented yet). Passwords are sensitive.
  define({ name: 'ssl.keystore.location', type: 'string', default: null, importance: 'high', updateMode: 'per-broker', ignored: true,
    doc: 'Key store file for SSL listeners.' }),
  define({ name: 'ssl.keystore.password', type: 'password', default: null, importance: 'high', updateMode: 'per-broker', ignored: true,
    doc: 'Password of the key store file.' }),
  define({ name: 'ssl.key.password', type: 'password', default: null, importance: 'high', updateMode: 'per-broker', ignored: true,
    doc: 'Password of the private key in the key store.' }),
  define({ name: 'ssl.truststore.location', type: 'string', default: null, importance: 'high', updateMode: 'per-broker', ignored: true,
    doc: 'Trust store file for SSL listeners.' }),
  define({ name: 'ssl.truststore.password', type: 'password', default: null, importance: 'high', updateMode: 'per-broker', ignored: true,
    doc: 'Password of the trust store file.' }),
];

/** Every broker setting Brook knows, sorted by name. */
export const BROKER_CONFIG_DEFS: readonly ConfigDef[] = [...SERVER_DEFS, ...BROKER_LOG_CONFIG_DEFS].sort((a, b) =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
);

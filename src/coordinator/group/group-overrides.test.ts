// A consumer group's own settings (Kafka's GroupConfig, AlterConfigs on a GROUP resource): the
// coordinator reads them at each heartbeat instead of the broker-wide values.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GroupCoordinator } from './group-coordinator.js';
import type { TopicMetadataView } from './group-types.js';
import { MemoryGroupLog } from './memory-group-log.js';
import { ManualScheduler } from './scheduler.js';

test('KIP-848: a group\'s consumer.session.timeout.ms and consumer.heartbeat.interval.ms override the broker\'s', async () => {
  const topics: TopicMetadataView = {
    topicByName: (name) => (name === 't' ? { id: 'T', name: 't', partitions: 1 } : undefined),
    topicById: (id) => (id === 'T' ? { id: 'T', name: 't', partitions: 1 } : undefined),
    topicNames: () => ['t'],
  };
  const overrides = new Map([['tuned', { consumerSessionTimeoutMs: 10_000, consumerHeartbeatIntervalMs: 2000 }]]);
  const scheduler = new ManualScheduler();
  const coord = new GroupCoordinator({
    log: new MemoryGroupLog(),
    topics,
    scheduler,
    config: {
      consumerGroupSessionTimeoutMs: 45_000,
      consumerGroupHeartbeatIntervalMs: 5000,
      consumerGroupOverrides: (groupId) => overrides.get(groupId) ?? { consumerSessionTimeoutMs: 45_000, consumerHeartbeatIntervalMs: 5000 },
    },
  });
  const join = (groupId: string) =>
    coord.consumerGroupHeartbeat({
      groupId, memberId: 'm', memberEpoch: 0, instanceId: null, rackId: null, rebalanceTimeoutMs: 30_000,
      subscribedTopicNames: ['t'], subscribedTopicRegex: null, serverAssignor: null, topicPartitions: [],
      clientId: 'c', clientHost: 'h', apiVersion: 1,
    });
  assert.equal((await join('tuned')).heartbeatIntervalMs, 2000);
  assert.equal((await join('plain')).heartbeatIntervalMs, 5000);
  const members = (groupId: string) => coord.consumerGroupDescribe([groupId])[0]?.members.length;
  scheduler.advance(9_999);
  assert.deepEqual([members('tuned'), members('plain')], [1, 1]);
  scheduler.advance(2);
  assert.deepEqual([members('tuned'), members('plain')], [0, 1], 'the tuned group\'s member expired after its own 10 s session');
});

/**
 * The "uniform" server-side assignor (Kafka's UniformAssignor, the default): every subscribed
 * partition goes to exactly one subscribed member, assignments stay balanced, and members keep
 * what they have where balance allows. Like Kafka's, it has one builder for groups whose members
 * all subscribe to the same topics and one for mixed subscriptions; both follow Kafka's steps and
 * orders, so the same inputs give Kafka's result.
 */
import { type GroupAssignment, type GroupSpec, type PartitionAssignor, SubscriptionType } from './partition-assignor.js';
import { buildHeterogeneousAssignment } from './uniform-heterogeneous-builder.js';
import { buildHomogeneousAssignment } from './uniform-homogeneous-builder.js';

export class UniformAssignor implements PartitionAssignor {
  readonly name = 'uniform';

  assign(spec: GroupSpec, topics: ReadonlyMap<string, number>): GroupAssignment {
    if (spec.members.length === 0) return new Map();
    return spec.subscriptionType === SubscriptionType.HOMOGENEOUS ? buildHomogeneousAssignment(spec, topics) : buildHeterogeneousAssignment(spec, topics);
  }
}

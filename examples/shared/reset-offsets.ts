// Rewinding a consumer group, as `kafka-consumer-groups --reset-offsets` does: while the group
// has no members, commit for each partition the offset to start from. The group's next member
// starts there and processes everything after it again. That is the fix for a consumer that
// ran a buggy version: stop it, rewind to when the bug was deployed, start the fixed version.
import type { Admin } from '@platformatic/kafka';

/** ListOffsets' special timestamps. */
const LATEST = -1n;
const EARLIEST = -2n;

async function offsetsAt(admin: Admin, topic: string, partitions: number, timestamp: bigint): Promise<Map<number, bigint>> {
  const [listed] = await admin.listOffsets({
    topics: [{ name: topic, partitions: Array.from({ length: partitions }, (_, p) => ({ partitionIndex: p, timestamp })) }],
  });
  return new Map((listed?.partitions ?? []).map((p) => [p.partitionIndex, p.offset]));
}

/**
 * Sets `group`'s offsets on `topic` to the first record at or after `timestampMs` in each
 * partition (the end of the partition where no record is that recent). Returns the offsets.
 */
export async function resetGroupToTimestamp(admin: Admin, group: string, topic: string, partitions: number, timestampMs: number): Promise<Map<number, bigint>> {
  const at = await offsetsAt(admin, topic, partitions, BigInt(timestampMs));
  const end = await offsetsAt(admin, topic, partitions, LATEST);
  const target = new Map<number, bigint>();
  for (let p = 0; p < partitions; p++) {
    const o = at.get(p) ?? -1n;
    target.set(p, o >= 0n ? o : (end.get(p) ?? 0n));
  }
  await admin.alterConsumerGroupOffsets({ groupId: group, topics: [{ name: topic, partitionOffsets: [...target].map(([partition, offset]) => ({ partition, offset })) }] });
  return target;
}

/** Sets `group`'s offsets on `topic` to the beginning of each partition (a full replay). */
export async function resetGroupToEarliest(admin: Admin, group: string, topic: string, partitions: number): Promise<void> {
  const start = await offsetsAt(admin, topic, partitions, EARLIEST);
  await admin.alterConsumerGroupOffsets({ groupId: group, topics: [{ name: topic, partitionOffsets: [...start].map(([partition, offset]) => ({ partition, offset })) }] });
}

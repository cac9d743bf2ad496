/**
 * The orders in which Kafka's Java collections hand out their elements, where Kafka's uniform
 * assignor depends on them. A java.util.HashMap or HashSet iterates its table by bucket (the
 * key's hashCode, its high half folded into the low half, masked by the table size), and within a
 * bucket in insertion order. The uniform assignor keeps a member's partitions in that order and
 * queues unassigned partitions in that order, so the same inputs only give Kafka's result when the
 * same order is followed (Kafka's own assignor tests depend on it).
 *
 * Kafka's Uuid.compareTo (signed comparison of the two 64-bit halves) is here too: the
 * heterogeneous builder breaks ties with it.
 */

/** Java's String.hashCode (over UTF-16 code units), a signed 32-bit int. */
export function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/** The 16 bytes of a topic id in Kafka's base64 form; undefined for anything else. */
function uuidBytes(id: string): Buffer | undefined {
  if (id.length !== 22) return undefined;
  const b = Buffer.from(id, 'base64url');
  return b.length === 16 ? b : undefined;
}

/**
 * Kafka's Uuid.hashCode: the xor of the two 64-bit halves, folded to 32 bits. Ids that are not
 * Kafka uuids (unit tests use short names) hash like strings.
 */
export function javaUuidHash(topicId: string): number {
  const b = uuidBytes(topicId);
  if (b === undefined) return javaStringHash(topicId);
  return b.readInt32BE(0) ^ b.readInt32BE(4) ^ b.readInt32BE(8) ^ b.readInt32BE(12);
}

/** Kafka's Uuid.compareTo; ids that are not Kafka uuids compare as strings. */
export function javaUuidCompare(a: string, b: string): number {
  const x = uuidBytes(a);
  const y = uuidBytes(b);
  if (x === undefined || y === undefined) return a < b ? -1 : a > b ? 1 : 0;
  for (const offset of [0, 8]) {
    const hx = x.readBigInt64BE(offset);
    const hy = y.readBigInt64BE(offset);
    if (hx !== hy) return hx < hy ? -1 : 1;
  }
  return 0;
}

/** Integer.hashCode is the value itself. */
export const javaIntegerHash = (n: number): number => n | 0;

const MIN_TABLE = 16;

/** Table size of a HashMap or HashSet filled by n put()/add() calls on a default-sized table. */
export function tableSizeAfterInserts(n: number): number {
  let size = MIN_TABLE;
  while (n > size * 0.75) size *= 2;
  return size;
}

/** Table size of `new HashSet<>(collection)` or `new HashMap<>(map)` for n entries. */
export function tableSizeOfCopy(n: number): number {
  const wanted = Math.max(Math.floor(n / 0.75) + 1, MIN_TABLE);
  let size = 1;
  while (size < wanted) size *= 2;
  return size;
}

/**
 * `items` in the order a Java hash table of `tableSize` buckets iterates them, given the order
 * they were inserted in (which decides within a bucket).
 */
export function javaHashOrder<T>(items: Iterable<T>, hash: (item: T) => number, tableSize: number): T[] {
  const mask = tableSize - 1;
  const bucket = (item: T): number => {
    const h = hash(item);
    return (h ^ (h >>> 16)) & mask;
  };
  return [...items]
    .map((item, i) => ({ item, i, b: bucket(item) }))
    .sort((x, y) => x.b - y.b || x.i - y.i)
    .map((e) => e.item);
}

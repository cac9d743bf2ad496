// Frame generators for the protocol fuzz test: valid requests built with Brook's protocol layer
// and then mutated, plus malformed frames of every shape a broken or hostile client can send.
// Each case says what the broker must do with it; fuzz.test.ts checks that it did.
import { handlers } from '../../src/handlers/registry.js';
import { apiCodecs } from '../../src/protocol/api-codecs.js';
import { readRequestHeaderRest } from '../../src/protocol/header.js';
import { Reader } from '../../src/protocol/primitives/reader.js';
import { buildRecordBatch } from '../../src/protocol/records/records.js';
import type { Random } from './prng.js';
import { encodeRequest } from './wire-client.js';

/**
 * What the broker must do with a case:
 * - 'respond-or-close': answer the frame (one response with its correlation id, or none for
 *   an acks=0 produce) or close the connection; never hang or answer out of order.
 * - 'unsupported-version': answer with UNSUPPORTED_VERSION (35) or close; for ApiVersions it
 *   must answer (KIP-511).
 * - 'corrupt-message': a produce whose batch fails its CRC: answer CORRUPT_MESSAGE (2).
 * - 'close': close the connection (unknown API key, bad or oversized length, truncated frame).
 * - 'may-wait': a mutated Fetch that now asks to wait (max wait and min bytes both positive),
 *   which the broker rightly parks; the client hangs up on it while it is parked.
 */
export type Expectation = 'respond-or-close' | 'unsupported-version' | 'corrupt-message' | 'close' | 'may-wait';

export interface FuzzCase {
  kind: string;
  bytes: Buffer;
  expect: Expectation;
  /** The frame is incomplete: the client half-closes after sending it. */
  endAfter?: boolean;
}

export interface FuzzTarget {
  /** A 1-partition topic the fuzzer may write to. */
  topic: string;
  topicId: string;
  /** socket.request.max.bytes */
  maxRequestBytes: number;
}

const API_VERSIONS = 18;
const PRODUCE = 0;
const FETCH = 1;

/**
 * APIs a random or mutated frame may reach. Topic, partition, config and record admin APIs are
 * left out (a lucky decode could delete or grow topics the real client uses), as are JoinGroup
 * and ConsumerGroupHeartbeat, which legitimately wait or leave timers behind.
 */
const SAFE_KEYS = [0, 1, 2, 3, 8, 9, 10, 12, 13, 14, 15, 16, 18, 23, 32, 35, 42, 47, 60, 69, 75];

const ranges = new Map(handlers.map((h) => [h.apiKey, { min: h.minVersion, max: h.maxVersion }]));

function versionRange(apiKey: number): { min: number; max: number } {
  const r = ranges.get(apiKey);
  if (!r) throw new Error(`api ${apiKey} is not registered`);
  return r;
}

function setSize(frame: Buffer): Buffer {
  frame.writeInt32BE(frame.length - 4, 0);
  return frame;
}

function batch(r: Random, corrupt: boolean, produceVersion: number): Buffer {
  const records = Array.from({ length: r.range(1, 5) }, (_, i) => ({ key: `fk${i}`, value: r.bytes(r.range(0, 64)), headers: [{ key: 'h', value: 'v' }] }));
  // zstd only from Produce v7, as clients do (earlier versions get UNSUPPORTED_COMPRESSION_TYPE).
  const b = buildRecordBatch({ records, compression: r.pick(produceVersion >= 7 ? [0, 0, 1, 2, 3, 4] : [0, 0, 1, 2, 3]) });
  if (corrupt) {
    // Everything after the attributes is covered by the CRC alone; a flipped attribute could
    // name another codec, which Kafka judges (by version) before it checks the CRC.
    const pos = r.range(23, b.length - 1);
    b[pos] ^= 1 + r.int(255);
  }
  return b;
}

/** A valid request of a safe API at a supported version, for topic `t`. */
export function validRequest(r: Random, t: FuzzTarget, correlationId: number, opts: { corruptBatch?: boolean; apiKey?: number } = {}): { apiKey: number; version: number; frame: Buffer } {
  const apiKey = opts.apiKey ?? r.pick([API_VERSIONS, 3, PRODUCE, PRODUCE, FETCH, FETCH, 2, 10, 32]);
  const { min, max } = versionRange(apiKey);
  const version = r.range(min, max);
  let body: Record<string, unknown>;
  switch (apiKey) {
    case API_VERSIONS:
      body = { clientSoftwareName: 'brook-fuzz', clientSoftwareVersion: '1.0' };
      break;
    case 3:
      body = { topics: r.chance(0.2) ? null : [{ name: t.topic, topicId: t.topicId }], allowAutoTopicCreation: false };
      break;
    case PRODUCE:
      body = { transactionalId: null, acks: r.pick([1, -1]), timeoutMs: 5000, topicData: [{ name: t.topic, partitionData: [{ index: 0, records: batch(r, opts.corruptBatch ?? false, version) }] }] };
      break;
    case FETCH:
      // minBytes 0: the fetch never parks, so every answer comes at once.
      body = {
        replicaId: -1,
        maxWaitMs: 0,
        minBytes: 0,
        maxBytes: 65536,
        isolationLevel: r.int(2),
        sessionId: 0,
        sessionEpoch: -1,
        topics: [{ topic: t.topic, topicId: t.topicId, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: r.int(100), lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 65536 }] }],
        forgottenTopicsData: [],
        rackId: '',
      };
      break;
    case 2:
      body = { replicaId: -1, isolationLevel: 0, topics: [{ name: t.topic, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: r.pick([-1, -2, -3, 0, Date.now()]), maxNumOffsets: 1 }] }] };
      break;
    case 10:
      body = { key: 'fuzz-group', keyType: 0, coordinatorKeys: ['fuzz-group'] };
      break;
    case 32:
      body = { resources: [{ resourceType: 2, resourceName: t.topic, configurationKeys: null }], includeSynonyms: r.chance(0.5), includeDocumentation: false };
      break;
    default:
      throw new Error(`no builder for api ${apiKey}`);
  }
  return { apiKey, version, frame: encodeRequest(apiKey, version, correlationId, body, r.chance(0.1) ? null : 'brook-fuzz') };
}

/** True if `frame` decodes as a Fetch that the broker may hold (both max wait and min bytes positive). */
function parksAsFetch(frame: Buffer): boolean {
  if (frame.readInt16BE(4) !== FETCH) return false;
  const codecs = apiCodecs.get(FETCH, frame.readInt16BE(6));
  if (!codecs) return false;
  try {
    const r = new Reader(frame, 12);
    readRequestHeaderRest(r, codecs.flexible);
    const req = codecs.request.decode(r) as { maxWaitMs: number; minBytes: number };
    return req.maxWaitMs > 0 && req.minBytes > 0;
  } catch {
    return false;
  }
}

function unknownApiKey(r: Random): number {
  return r.chance(0.5) ? r.range(-32768, -1) : r.range(1000, 32767);
}

/** One random case. `id` is the correlation id of the fuzzed frame. */
export function fuzzCase(r: Random, t: FuzzTarget, id: number): FuzzCase {
  const k = r.int(100);
  if (k < 30) {
    const { frame } = validRequest(r, t, id);
    // Any byte but the size and the API key (an API key flipped onto an admin API could, by a
    // lucky decode, create thousands of partitions; wrong keys have their own case).
    const flips = r.range(1, 4);
    for (let i = 0; i < flips; i++) frame[r.range(6, frame.length - 1)] ^= 1 + r.int(255);
    return { kind: 'flipped-bytes', bytes: frame, expect: parksAsFetch(frame) ? 'may-wait' : 'respond-or-close' };
  }
  if (k < 40) {
    const { frame } = validRequest(r, t, id);
    const cut = r.range(12, frame.length - 1);
    return { kind: 'truncated-body', bytes: setSize(Buffer.from(frame.subarray(0, cut))), expect: 'respond-or-close' };
  }
  if (k < 47) {
    const { frame } = validRequest(r, t, id);
    return { kind: 'trailing-garbage', bytes: setSize(Buffer.concat([frame, r.bytes(r.range(1, 64))])), expect: 'respond-or-close' };
  }
  if (k < 55) {
    const { apiKey, frame } = validRequest(r, t, id);
    const { min, max } = versionRange(apiKey);
    const v = r.pick([max + 1, max + 1 + r.int(50), 32767, -1, -r.range(2, 32768), min > 0 ? r.int(min) : max + 2]);
    frame.writeInt16BE(v, 6);
    return { kind: 'wrong-version', bytes: frame, expect: 'unsupported-version' };
  }
  if (k < 62) {
    const { frame } = validRequest(r, t, id);
    frame.writeInt16BE(unknownApiKey(r), 4);
    return { kind: 'unknown-api-key', bytes: frame, expect: 'close' };
  }
  if (k < 68) {
    const { frame } = validRequest(r, t, id, { apiKey: PRODUCE, corruptBatch: true });
    return { kind: 'bad-crc', bytes: frame, expect: 'corrupt-message' };
  }
  if (k < 78) {
    // A well-framed request header of a safe API and version, then random bytes.
    const body = r.bytes(r.range(0, 200));
    const frame = Buffer.alloc(12 + body.length);
    frame.writeInt16BE(r.pick(SAFE_KEYS), 4);
    frame.writeInt16BE(r.range(0, 17), 6);
    frame.writeInt32BE(id, 8);
    body.copy(frame, 12);
    return { kind: 'random-body', bytes: setSize(frame), expect: 'respond-or-close' };
  }
  if (k < 82) {
    const size = r.pick([-1, -r.range(2, 2 ** 31), -(2 ** 31)]);
    const head = Buffer.alloc(4);
    head.writeInt32BE(size, 0);
    return { kind: 'negative-length', bytes: Buffer.concat([head, r.bytes(r.range(0, 32))]), expect: 'close' };
  }
  if (k < 87) {
    const head = Buffer.alloc(4);
    head.writeInt32BE(r.range(t.maxRequestBytes + 1, 2 ** 31 - 1), 0);
    return { kind: 'oversized-length', bytes: Buffer.concat([head, r.bytes(r.range(0, 32))]), expect: 'close' };
  }
  if (k < 91) {
    // Too short to hold a request header.
    const n = r.range(0, 7);
    const frame = Buffer.alloc(4 + n);
    frame.writeInt32BE(n, 0);
    r.bytes(n).copy(frame, 4);
    return { kind: 'short-frame', bytes: frame, expect: 'close' };
  }
  // A frame cut short on the wire: the client sends part of it and half-closes.
  const { frame } = validRequest(r, t, id);
  return { kind: 'incomplete', bytes: Buffer.from(frame.subarray(0, r.range(1, frame.length - 1))), expect: 'close', endAfter: true };
}

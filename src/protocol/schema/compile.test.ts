import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { Reader } from '../primitives/reader.js';
import { Writer } from '../primitives/writer.js';
import { apiSchemas } from '../messages/index.js';
import { compile, type Codec } from './compile.js';
import { inVersions, parseVersions, type FieldSchema, type MessageSchema } from './types.js';

// Round trips of pseudo-random values through every version of every API, plus the decoder's
// behaviour on malformed input. Seeds are fixed so a failure names the value that broke.

type Obj = Record<string, unknown>;
const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';
const ROUNDS = 3; // values per (API, direction, version)
// Covers 1-, 2-, 3- and 4-byte UTF-8 (the last two are surrogate pairs in JS).
const CHARS = ['a', 'Z', '7', '-', '_', '.', ' ', 'é', 'ß', 'Ω', '€', '日', '本', '🚀', '𝄞'];

/** mulberry32: small, fast, and good enough to vary test values reproducibly. */
class Prng {
  constructor(private state: number) {}
  u32(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  int(lo: number, hi: number): number {
    return lo + (this.u32() % (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.u32() / 4294967296 < p;
  }
  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.u32() & 0xff;
    return b;
  }
}

/** What the generator produced, so the run can prove it exercised each case. */
const seen = { nulls: 0, emptyArrays: 0, fullArrays: 0, tagsSet: 0, tagsUnset: 0, multiByte: 0, negInt64: 0, bigInt64: 0, records: 0 };

const isArray = (f: FieldSchema) => f.type.startsWith('[]');
const isTagged = (f: FieldSchema, v: number) => f.tag !== undefined && inVersions(f.taggedVersions, v);
const nullableIn = (f: FieldSchema, v: number) => inVersions(f.nullableVersions, v);
const present = (fields: readonly FieldSchema[], v: number) => fields.filter((f) => inVersions(f.versions, v));

function primitive(type: string, rng: Prng): unknown {
  switch (type) {
    case 'bool':
      return rng.chance(0.5);
    case 'int8':
      return rng.int(-128, 127);
    case 'int16':
      return rng.int(-32768, 32767);
    case 'uint16':
      return rng.int(0, 65535);
    case 'int32':
      return rng.u32() | 0;
    case 'int64': {
      const mode = rng.int(0, 3);
      if (mode === 0) return rng.int(0, 2000) - 1000;
      if (mode === 1) return (seen.negInt64++, -(rng.int(1, 0x1fffff) * 4294967296 + rng.u32()));
      if (mode === 2) return (seen.bigInt64++, rng.int(0x100000, 0x1fffff) * 4294967296 + rng.u32());
      return rng.chance(0.5) ? Number.MAX_SAFE_INTEGER : -Number.MAX_SAFE_INTEGER;
    }
    case 'float64':
      return (rng.u32() - 2147483648) / 1024;
    case 'string': {
      let s = '';
      for (let n = rng.int(0, 12); n > 0; n--) s += CHARS[rng.int(0, CHARS.length - 1)];
      if (Buffer.byteLength(s) > s.length) seen.multiByte++;
      return s;
    }
    case 'uuid':
      return rng.bytes(16).toString('base64url');
    case 'bytes':
      return rng.bytes(rng.int(0, 20));
    case 'records':
      seen.records++;
      return rng.bytes(rng.int(0, 80));
    default:
      throw new Error(`generator does not know type ${type}`);
  }
}

function genField(f: FieldSchema, v: number, rng: Prng): unknown {
  if (nullableIn(f, v) && rng.chance(0.2)) return (seen.nulls++, null);
  if (isArray(f)) {
    const n = rng.chance(0.3) ? 0 : rng.int(1, 3);
    n === 0 ? seen.emptyArrays++ : seen.fullArrays++;
    return Array.from({ length: n }, () => (f.fields ? genStruct(f.fields, v, rng) : primitive(f.type.slice(2), rng)));
  }
  return f.fields ? genStruct(f.fields, v, rng) : primitive(f.type, rng);
}

/** Fields absent from the version are left out; tagged fields are left out half the time. */
function genStruct(fields: readonly FieldSchema[], v: number, rng: Prng): Obj {
  const o: Obj = {};
  for (const f of present(fields, v)) {
    if (!isTagged(f, v)) {
      o[f.name] = genField(f, v, rng);
    } else if (rng.chance(0.5)) {
      seen.tagsUnset++;
    } else {
      // A tagged field equal to its default is not written, so set it to something else.
      let value = genField(f, v, rng);
      for (let i = 0; i < 20 && isDeepStrictEqual(expected(value, f, v), kafkaDefault(f, v)); i++) value = genField(f, v, rng);
      o[f.name] = value;
      seen.tagsSet++;
    }
  }
  return o;
}

/** Kafka's default for a field (what a decoder yields when a tagged field is not on the wire). */
function kafkaDefault(f: FieldSchema, v: number): unknown {
  const d = f.default;
  const nullable = nullableIn(f, v);
  if (isArray(f)) return d === 'null' && nullable ? null : [];
  if (f.fields) return nullable ? null : expected({}, f, v);
  switch (f.type) {
    case 'bool':
      return d === 'true';
    case 'string':
      return d === 'null' ? (nullable ? null : '') : (d ?? '');
    case 'uuid':
      return ZERO_UUID;
    case 'bytes':
      return d === 'null' && nullable ? null : Buffer.alloc(0);
    case 'records':
      return null;
    default:
      return d === undefined ? 0 : Number(d); // Number() reads the 0x7fffffff defaults too
  }
}

/**
 * The value restricted to the fields the version has. With `fill` (for generated values), unset
 * tagged fields take their defaults, giving what a decoder must return; without it (for decoded
 * values), a field the decoder left undefined stays undefined and fails the comparison.
 */
function expected(value: unknown, f: FieldSchema, v: number, fill = true): unknown {
  if (value === undefined) return fill ? kafkaDefault(f, v) : undefined;
  if (value === null || !f.fields) return value;
  const struct = (o: Obj) => {
    const out: Obj = {};
    for (const sub of present(f.fields!, v)) out[sub.name] = expected(o[sub.name], sub, v, fill);
    return out;
  };
  return isArray(f) ? (value as Obj[]).map(struct) : struct(value as Obj);
}

const rootField = (schema: MessageSchema): FieldSchema => ({ name: 'root', type: 'Root', versions: '0+', fields: schema.fields });

function encode(codec: Codec, value: Obj): Buffer {
  const w = new Writer(16); // small, so the growth path runs too
  codec.encode(w, value);
  return w.toBuffer();
}

function decodeAll(codec: Codec, buf: Buffer): Obj {
  const r = new Reader(buf);
  const value = codec.decode(r);
  assert.equal(r.pos, buf.length, 'decoder must consume exactly the encoded bytes');
  return value;
}

/** Cut points for the truncation check: all of them for short messages, a spread for long. */
function cuts(len: number): number[] {
  if (len <= 64) return Array.from({ length: len }, (_, i) => i);
  return Array.from({ length: 64 }, (_, i) => Math.floor((i * (len - 1)) / 63));
}

for (const api of apiSchemas) {
  test(`${api.name} (key ${api.apiKey}): every request and response version round-trips`, () => {
    for (const [dir, schema] of [['request', api.request], ['response', api.response]] as const) {
      const { min, max } = parseVersions(schema.validVersions);
      assert.ok(Number.isFinite(max), `${api.name} ${dir} has a bounded version range`);
      for (let v = min; v <= max; v++) {
        const codec = compile(schema, v);
        const root = rootField(schema);
        for (let round = 0; round < ROUNDS; round++) {
          const seed = api.apiKey * 100_000 + v * 100 + round * 2 + (dir === 'response' ? 1 : 0);
          const where = `${api.name} ${dir} v${v} seed ${seed}`;
          const value = genStruct(schema.fields, v, new Prng(seed));
          const bytes = encode(codec, value);
          const decoded = decodeAll(codec, bytes);
          assert.deepStrictEqual(expected(decoded, root, v, false), expected(value, root, v), where);
          assert.deepStrictEqual(encode(codec, decoded), bytes, `${where}: re-encoding changed the bytes`);
          if (round > 0) continue;
          for (const cut of cuts(bytes.length)) {
            assert.throws(() => codec.decode(new Reader(bytes, 0, cut)), RangeError, `${where}: truncated at ${cut}/${bytes.length}`);
          }
          // Decoding from the middle of a larger buffer (a frame after its header) reads the same.
          const framed = Buffer.concat([Buffer.from([9, 9, 9]), bytes, Buffer.from([7])]);
          const r = new Reader(framed, 3, framed.length - 1);
          assert.deepStrictEqual(expected(codec.decode(r), root, v, false), expected(value, root, v), `${where}: framed`);
          assert.equal(r.pos, framed.length - 1);
        }
      }
    }
  });
}

test('the generator exercised every case it claims to', () => {
  for (const [k, n] of Object.entries(seen)) assert.ok(n > 20, `${k}: only ${n}`);
});

const schemaOf = (key: number) => {
  const s = apiSchemas.find((a) => a.apiKey === key);
  assert.ok(s, `api ${key}`);
  return s;
};
const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

test('decoding skips unknown tagged fields, at the top level and inside structs', () => {
  const apiVersions = schemaOf(18);
  // ApiVersions v3 request: two compact strings, then tags 0 and 200 (neither defined).
  const req = hex('05 6a617661  04 332e39  02  00 02 aabb  c801 01 01');
  const r = new Reader(req);
  assert.deepStrictEqual(compile(apiVersions.request, 3).decode(r), { clientSoftwareName: 'java', clientSoftwareVersion: '3.9' });
  assert.equal(r.pos, req.length);

  // ApiVersions v3 response: an unknown tag inside the ApiVersion struct, and two known tags
  // around an unknown one at the top level.
  const codec = compile(apiVersions.response, 3);
  const res = hex(`0000  02  0012 0000 0004  01 05 03 010203  00000000
    03  01 08 000000000000002a  03 01 01  09 04 deadbeef`);
  const decoded = decodeAll(codec, res);
  assert.deepStrictEqual(decoded, {
    errorCode: 0,
    apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 4 }],
    throttleTimeMs: 0,
    supportedFeatures: [],
    finalizedFeaturesEpoch: 42,
    finalizedFeatures: [],
    zkMigrationReady: true,
  });
  // Re-encoding keeps the known tags, in tag order, and drops the unknown ones.
  assert.deepStrictEqual(encode(codec, decoded), hex('0000 02 0012 0000 0004 00 00000000 02 01 08 000000000000002a 03 01 01'));
});

test('a truncated frame throws instead of yielding a partial value', () => {
  const codec = compile(schemaOf(3).request, 1); // Metadata v1: nullable [] of topic names
  const full = hex('00000002 0001 61 0002 6263');
  assert.deepStrictEqual(decodeAll(codec, full), { topics: [{ topicId: ZERO_UUID, name: 'a' }, { topicId: ZERO_UUID, name: 'bc' }], allowAutoTopicCreation: true, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
  for (let cut = 0; cut < full.length; cut++) assert.throws(() => codec.decode(new Reader(full.subarray(0, cut))), RangeError);
  // A tagged field that claims more bytes than the frame holds.
  const flexible = compile(schemaOf(18).request, 3);
  assert.throws(() => flexible.decode(new Reader(hex('01 01 01 05 09'))), RangeError);
  // A known tag (finalizedFeaturesEpoch) with a size past the end, though its int64 fits.
  const response = compile(schemaOf(18).response, 3);
  assert.throws(() => response.decode(new Reader(hex('0000 01 00000000 01 01 0c 0000000000000007'))), /tagged field 1 overruns/);
});

test('hostile lengths throw before allocating', () => {
  const metadata = schemaOf(3);
  assert.throws(() => compile(metadata.request, 1).decode(new Reader(hex('7fffffff 0001 61'))), /array length 2147483647 exceeds frame/);
  // Compact array length 0xfffffffe: uvarint ff ff ff ff 0f.
  assert.throws(() => compile(metadata.request, 12).decode(new Reader(hex('ffffffff0f 00'))), /exceeds frame/);
  // A varint longer than five bytes is malformed, not a huge number.
  assert.throws(() => compile(metadata.request, 12).decode(new Reader(hex('ffffffffff7f'))), /varint too long/);
  // Produce v3 with a record set claiming 2 GiB.
  const produce = compile(schemaOf(0).request, 3);
  assert.throws(() => produce.decode(new Reader(hex('ffff ffff 00007530 00000001 0001 74 00000001 00000000 7fffffff 00'))), /frame too short/);
  // A string claiming 32767 bytes.
  assert.throws(() => compile(metadata.request, 1).decode(new Reader(hex('00000001 7fff 61'))), /frame too short/);
  // Null where the version does not allow it.
  assert.throws(() => compile(metadata.request, 0).decode(new Reader(hex('ffffffff'))), /null array/);
  assert.throws(() => compile(schemaOf(18).request, 3).decode(new Reader(hex('00 00 00'))), /null in a non-nullable string/);
});

test('fields absent from a version decode to Kafka defaults', () => {
  const metadataV3 = compile(schemaOf(3).request, 3).decode(new Reader(hex('ffffffff')));
  assert.equal(metadataV3.topics, null);
  assert.equal(metadataV3.allowAutoTopicCreation, true); // before v4 every client auto-created
  const fetchV4 = compile(schemaOf(1).request, 4).decode(new Reader(hex('ffffffff 000001f4 00000001 00100000 01 00000000')));
  assert.equal(fetchV4.replicaId, -1);
  assert.equal(fetchV4.isolationLevel, 1);
  assert.equal(fetchV4.sessionEpoch, -1);
  assert.equal(fetchV4.clusterId, null);
  assert.deepStrictEqual(fetchV4.replicaState, { replicaId: -1, replicaEpoch: -1 });
  assert.equal(fetchV4.rackId, '');
});

test('records accept a list of slices and encode like one buffer, large ones zero-copy', () => {
  const codec = compile(schemaOf(1).response, 4);
  const big = Buffer.alloc(5000, 1);
  const part = (records: Buffer | Buffer[]) => ({ partitionIndex: 0, errorCode: 0, highWatermark: 10, records });
  const value = (records: Buffer | Buffer[]) => ({ throttleTimeMs: 0, responses: [{ topic: 't', partitions: [part(records)] }] });
  const w = new Writer();
  codec.encode(w, value([Buffer.from('ab'), big]));
  const chunks = w.finish();
  assert.ok(chunks.includes(big), 'a large record slice is referenced, not copied');
  const joined = Buffer.concat(chunks);
  assert.deepStrictEqual(joined, encode(codec, value(Buffer.concat([Buffer.from('ab'), big]))));
  const decoded = decodeAll(codec, joined) as { responses: { partitions: { records: Buffer }[] }[] };
  assert.equal(decoded.responses[0].partitions[0].records.length, 5002);
});

test('int64 edges: the safe range, Long.MIN_VALUE and Long.MAX_VALUE survive a round trip', () => {
  const codec = compile(schemaOf(2).response, 1); // ListOffsets v1: timestamp and offset are int64
  const bytes = (ts: string, offset: string) => hex(`00000001 0001 74 00000001 00000000 0000 ${ts} ${offset}`);
  for (const [ts, offset, tsValue, offsetValue] of [
    ['ffffffffffffffff', '001fffffffffffff', -1, Number.MAX_SAFE_INTEGER],
    ['ffe0000000000001', '0000000100000000', -Number.MAX_SAFE_INTEGER, 4294967296],
    ['8000000000000000', '7fffffffffffffff', -(2 ** 63), 2 ** 63],
  ] as const) {
    const decoded = decodeAll(codec, bytes(ts, offset)) as { topics: { partitions: { timestamp: number; offset: number }[] }[] };
    assert.equal(decoded.topics[0].partitions[0].timestamp, tsValue);
    assert.equal(decoded.topics[0].partitions[0].offset, offsetValue);
    assert.deepStrictEqual(encode(codec, decoded), bytes(ts, offset));
  }
});

test('tagged fields follow Kafka\'s "differs from the default" rule', () => {
  const tagged = (name: string, tag: number, type: string, extra: Partial<FieldSchema> = {}): FieldSchema => ({ name, type, versions: '0+', tag, taggedVersions: '0+', ...extra });
  const schema: MessageSchema = {
    validVersions: '0',
    flexibleVersions: '0+',
    fields: [
      tagged('a', 0, '[]int32', { nullableVersions: '0+', default: 'null' }),
      tagged('b', 1, 'bytes'),
      tagged('c', 2, 'string', { nullableVersions: '0+' }),
      tagged('d', 3, 'int64', { default: '-1' }),
      tagged('e', 4, '[]int32', { nullableVersions: '0+' }),
      tagged('f', 5, 'uuid'),
    ],
  };
  const codec = compile(schema, 0);
  const cases: [Obj, string][] = [
    [{}, '00'],
    [{ a: null, b: Buffer.alloc(0), c: '', d: -1, e: [], f: ZERO_UUID }, '00'],
    [{ a: [] }, '01 00 01 01'], // default null, so an empty array is a value
    [{ a: [7] }, '01 00 05 02 00000007'],
    [{ b: Buffer.from([9]) }, '01 01 02 02 09'],
    [{ c: null }, '01 02 01 00'], // default "", so null is a value
    [{ d: 0 }, '01 03 08 0000000000000000'],
    [{ e: null }, '01 04 01 00'],
    [{ f: 'AQIDBAUGBwgJCgsMDQ4PEA' }, '01 05 10 0102030405060708090a0b0c0d0e0f10'],
  ];
  const defaults = { a: null, b: Buffer.alloc(0), c: '', d: -1, e: [], f: ZERO_UUID };
  for (const [value, want] of cases) {
    const bytes = encode(codec, value);
    assert.equal(bytes.toString('hex'), hex(want).toString('hex'), JSON.stringify(value));
    assert.deepStrictEqual(decodeAll(codec, bytes), { ...defaults, ...value });
  }
});

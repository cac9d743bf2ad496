import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { compressionName, isXerialSnappy, snappyXerialCompress } from './compression.js';
import { buildTxnMarkerBatch } from './control-record.js';
import { validateProduceRecords } from './produce-validation.js';
import { BatchHeader, CompressionType, RecordBatchHeader } from './record-batch.js';
import { buildRecordBatch, decodeRecords } from './records.js';

/**
 * Interop with librdkafka (through kcat), the C client behind confluent-kafka and node-rdkafka.
 * There is no Brook broker yet, so the test runs a throwaway Kafka impostor that speaks just
 * enough protocol (ApiVersions, Metadata v1, Produce v7, Fetch v10, ListOffsets v1) to:
 *  - capture the record batches kcat produces with each codec and decode them with ours;
 *  - serve batches we build (every codec, xerial snappy, a transaction with its COMMIT marker)
 *    to kcat's consumer and compare what it prints.
 * Skipped when kcat is not installed.
 */

const hasKcat = spawnSync('kcat', ['-V'], { stdio: 'ignore' }).status === 0;

// ---- a minimal wire writer/reader, enough for the impostor ----
class Out {
  parts: Buffer[] = [];
  private fixed(size: number, write: (b: Buffer) => void): this {
    const b = Buffer.alloc(size);
    write(b);
    this.parts.push(b);
    return this;
  }
  i8 = (v: number) => this.fixed(1, (b) => b.writeInt8(v));
  i16 = (v: number) => this.fixed(2, (b) => b.writeInt16BE(v));
  i32 = (v: number) => this.fixed(4, (b) => b.writeInt32BE(v));
  i64 = (v: number) => this.fixed(8, (b) => b.writeBigInt64BE(BigInt(v)));
  uvar = (v: number) => this.fixed(1, (b) => b.writeUInt8(v)); // values < 128 only
  str = (s: string | null) => (s === null ? this.i16(-1) : this.i16(Buffer.byteLength(s)).raw(Buffer.from(s)));
  bytes = (b: Buffer | null) => (b === null ? this.i32(-1) : this.i32(b.length).raw(b));
  raw(b: Buffer): this {
    this.parts.push(b);
    return this;
  }
  array<T>(items: T[], each: (item: T) => void): this {
    this.i32(items.length);
    for (const item of items) each(item);
    return this;
  }
}

class In {
  constructor(
    private buf: Buffer,
    public pos = 0,
  ) {}
  i8 = () => this.buf.readInt8((this.pos += 1) - 1);
  i16 = () => this.buf.readInt16BE((this.pos += 2) - 2);
  i32 = () => this.buf.readInt32BE((this.pos += 4) - 4);
  i64 = () => Number(this.buf.readBigInt64BE((this.pos += 8) - 8));
  str = (): string | null => {
    const n = this.i16();
    return n < 0 ? null : this.buf.toString('utf8', (this.pos += n) - n, this.pos);
  };
  bytes = (): Buffer | null => {
    const n = this.i32();
    return n < 0 ? null : this.buf.subarray((this.pos += n) - n, this.pos);
  };
  array = <T>(each: () => T): T[] => Array.from({ length: Math.max(0, this.i32()) }, each);
}

interface Impostor {
  server: Server;
  port: number;
  /** topic -> batches in offset order (base offsets assigned). */
  logs: Map<string, Buffer[]>;
  /** Raw `records` fields of the Produce requests received. */
  produced: Buffer[];
}

function endOffset(batches: Buffer[]): number {
  if (batches.length === 0) return 0;
  return new RecordBatchHeader(batches[batches.length - 1], 0).lastOffset + 1;
}

function handle(imp: Impostor, apiKey: number, version: number, body: In, out: Out): void {
  switch (apiKey) {
    case 18: {
      // ApiVersions: v3 is flexible in its body (never in its response header). librdkafka
      // 2.0 compresses only if the broker's Produce range includes v0 (and, for lz4, FindCoordinator
      // v0; for zstd, Produce v7 + Fetch v10): against Kafka 4, which dropped Produce v0-2, it
      // sends gzip/snappy/lz4 batches uncompressed. It then uses the highest versions, so those
      // are the only ones the impostor must really speak (FindCoordinator is never called).
      const apis: [number, number, number][] = [[0, 0, 7], [1, 2, 10], [2, 1, 1], [3, 1, 1], [10, 0, 0], [18, 0, 3]];
      out.i16(0);
      if (version >= 3) {
        out.uvar(apis.length + 1);
        for (const [k, min, max] of apis) out.i16(k).i16(min).i16(max).uvar(0);
        out.i32(0).uvar(0);
      } else {
        out.array(apis, ([k, min, max]) => out.i16(k).i16(min).i16(max));
        if (version >= 1) out.i32(0);
      }
      return;
    }
    case 3: {
      const wanted = body.array(() => body.str() ?? '');
      out.array([0], () => out.i32(0).str('127.0.0.1').i32(imp.port).str(null)).i32(0);
      out.array(wanted, (name) => {
        if (!imp.logs.has(name)) imp.logs.set(name, []);
        out.i16(0).str(name).i8(0);
        out.array([0], () => out.i16(0).i32(0).i32(0).array([0], (n) => out.i32(n)).array([0], (n) => out.i32(n)));
      });
      return;
    }
    case 0: {
      body.str(); // transactional id
      body.i16(); // acks
      body.i32(); // timeout
      const topics = body.array(() => ({ name: body.str() ?? '', parts: body.array(() => ({ index: body.i32(), records: body.bytes() })) }));
      out.array(topics, (t) => {
        out.str(t.name);
        out.array(t.parts, (p) => {
          const log = imp.logs.get(t.name) ?? [];
          imp.logs.set(t.name, log);
          const base = endOffset(log);
          if (p.records !== null) {
            imp.produced.push(Buffer.from(p.records));
            const copy = Buffer.from(p.records);
            new RecordBatchHeader(copy, 0).setBaseOffset(base);
            log.push(copy);
          }
          out.i32(p.index).i16(0).i64(base).i64(-1);
          if (version >= 5) out.i64(0); // log start offset
        });
      });
      out.i32(0);
      return;
    }
    case 2: {
      body.i32();
      const topics = body.array(() => ({ name: body.str() ?? '', parts: body.array(() => ({ index: body.i32(), ts: body.i64() })) }));
      out.array(topics, (t) => {
        out.str(t.name);
        out.array(t.parts, (p) => out.i32(p.index).i16(0).i64(-1).i64(p.ts === -2 ? 0 : endOffset(imp.logs.get(t.name) ?? [])));
      });
      return;
    }
    case 1: {
      body.i32(); // replica id
      body.i32(); // max wait
      body.i32(); // min bytes
      if (version >= 3) body.i32(); // max bytes
      if (version >= 4) body.i8(); // isolation level
      if (version >= 7) body.pos += 8; // session id and epoch
      const topics = body.array(() => ({
        name: body.str() ?? '',
        parts: body.array(() => {
          const index = body.i32();
          if (version >= 9) body.i32(); // current leader epoch
          const offset = body.i64();
          if (version >= 5) body.i64(); // log start offset
          body.i32(); // partition max bytes
          return { index, offset };
        }),
      }));
      out.i32(0); // throttle
      if (version >= 7) out.i16(0).i32(0); // error, session id
      out.array(topics, (t) => {
        out.str(t.name);
        out.array(t.parts, (p) => {
          const log = imp.logs.get(t.name) ?? [];
          const end = endOffset(log);
          const data = Buffer.concat(log.filter((b) => new RecordBatchHeader(b, 0).lastOffset >= p.offset));
          out.i32(p.index).i16(0).i64(end);
          if (version >= 4) out.i64(end); // last stable offset
          if (version >= 5) out.i64(0); // log start offset
          if (version >= 4) out.i32(-1); // no aborted transactions
          out.bytes(data);
        });
      });
      return;
    }
    default:
      throw new Error(`impostor: unexpected api ${apiKey} v${version}`);
  }
}

function onConnection(imp: Impostor, socket: Socket): void {
  let pending = Buffer.alloc(0);
  socket.on('data', (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
      const frame = pending.subarray(4, 4 + pending.readInt32BE(0));
      pending = pending.subarray(4 + frame.length);
      const req = new In(frame);
      const apiKey = req.i16();
      const version = req.i16();
      const correlationId = req.i32();
      req.str(); // client id
      if (apiKey === 18 && version >= 3) req.pos += 1; // header tagged fields (empty)
      const out = new Out().i32(0).i32(correlationId);
      handle(imp, apiKey, version, req, out);
      const response = Buffer.concat(out.parts);
      response.writeInt32BE(response.length - 4, 0);
      // An empty fetch answers after a pause, as a broker's max wait would, so kcat does not spin.
      const isEmptyFetch = apiKey === 1 && response.length < 80;
      setTimeout(() => socket.write(response), isEmptyFetch ? 50 : 0);
    }
  });
  socket.on('error', () => socket.destroy());
}

function runKcat(args: string[], input = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('kcat', args, { stdio: ['pipe', 'pipe', 'pipe'], timeout: 20_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** A batch whose records section is compressed with `packed` (e.g. xerial snappy). */
function withCompressedSection(plain: Buffer, codec: number, pack: (b: Buffer) => Buffer): Buffer {
  const packed = pack(plain.subarray(BatchHeader.SIZE));
  const out = Buffer.concat([plain.subarray(0, BatchHeader.SIZE), packed]);
  out.writeInt32BE(out.length - BatchHeader.LOG_OVERHEAD, BatchHeader.BATCH_LENGTH);
  out.writeInt16BE((out.readInt16BE(BatchHeader.ATTRIBUTES) & ~7) | codec, BatchHeader.ATTRIBUTES);
  out.writeUInt32BE(new RecordBatchHeader(out, 0).computeCrc(), BatchHeader.CRC);
  return out;
}

describe('interop with librdkafka (kcat)', { skip: hasKcat ? false : 'kcat not installed' }, () => {
  const imp: Impostor = { server: createServer(), port: 0, logs: new Map(), produced: [] };
  const common = () => ['-b', `127.0.0.1:${imp.port}`, '-X', 'broker.address.family=v4', '-X', 'topic.metadata.refresh.interval.ms=-1'];

  before(async () => {
    imp.server.on('connection', (s) => onConnection(imp, s));
    await new Promise<void>((resolve) => imp.server.listen(0, '127.0.0.1', resolve));
    imp.port = (imp.server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => imp.server.close(() => resolve())));

  for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd']) {
    it(`decodes what librdkafka produces with ${codec}`, async () => {
      const topic = `produced-${codec}`;
      imp.produced.length = 0;
      const lines = Array.from({ length: 20 }, (_, i) => `key-${i}:value-${i}-${'x'.repeat(i * 10)}`).join('\n');
      const res = await runKcat(
        ['-P', ...common(), '-t', topic, '-p', '0', '-z', codec, '-K', ':', '-H', 'origin=kcat', '-X', 'linger.ms=200', '-X', 'message.timeout.ms=10000'],
        `${lines}\n`,
      );
      assert.equal(res.code, 0, res.stderr);
      assert.ok(imp.produced.length >= 1);
      const batches = imp.produced;
      let seen = 0;
      for (const buf of batches) {
        const h = new RecordBatchHeader(buf, 0);
        assert.equal(compressionName(h.compression), codec);
        // librdkafka writes bare raw snappy (like compress() here), not the Java client's xerial.
        if (codec === 'snappy') assert.equal(isXerialSnappy(buf.subarray(BatchHeader.SIZE)), false);
        const v = validateProduceRecords(buf, { maxMessageBytes: 1_048_588, timestampType: 'CreateTime', timestampBeforeMaxMs: 3_600_000, timestampAfterMaxMs: 3_600_000, now: Date.now() });
        assert.equal(v.errorCode, 0, v.errorMessage);
        for (const r of decodeRecords(buf)) {
          assert.equal(r.key?.toString(), `key-${seen}`);
          assert.equal(r.value?.toString(), `value-${seen}-${'x'.repeat(seen * 10)}`);
          assert.deepEqual(r.headers, [{ key: 'origin', value: Buffer.from('kcat') }]);
          seen++;
        }
      }
      assert.equal(seen, 20);
    });
  }

  it('serves our batches of every codec, xerial snappy and a committed transaction to librdkafka', async () => {
    const topic = 'served';
    const log: Buffer[] = [];
    let next = 0;
    const add = (batch: Buffer) => {
      new RecordBatchHeader(batch, 0).setBaseOffset(next);
      next = new RecordBatchHeader(batch, 0).lastOffset + 1;
      log.push(batch);
    };
    const expected: string[] = [];
    const recordsFor = (tag: string) =>
      Array.from({ length: 3 }, (_, i) => {
        expected.push(`${tag}-k${i}|${tag}-v${i}|h=${tag}`);
        return { key: `${tag}-k${i}`, value: `${tag}-v${i}`, headers: [{ key: 'h', value: tag }] };
      });
    for (const codec of [CompressionType.NONE, CompressionType.GZIP, CompressionType.SNAPPY, CompressionType.LZ4, CompressionType.ZSTD]) {
      add(buildRecordBatch({ compression: codec, records: recordsFor(compressionName(codec)) }));
    }
    add(withCompressedSection(buildRecordBatch({ records: recordsFor('xerial') }), CompressionType.SNAPPY, snappyXerialCompress));
    add(buildRecordBatch({ records: recordsFor('txn'), producerId: 77, producerEpoch: 0, baseSequence: 0, transactional: true }));
    add(buildTxnMarkerBatch({ commit: true, producerId: 77, producerEpoch: 0, coordinatorEpoch: 0 }));
    imp.logs.set(topic, log);

    const res = await runKcat(['-C', ...common(), '-t', topic, '-p', '0', '-o', '0', '-c', String(expected.length), '-e', '-f', '%k|%s|%h\n']);
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(res.stdout.trim().split('\n'), expected);
  });
});

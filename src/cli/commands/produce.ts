// brook produce TOPIC [FILE]: one record per line from stdin or a file.
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { KafkaError } from '../../client/kafka-error.js';
import { Producer, type DeliveredBatch } from '../../client/producer.js';
import { ErrorCode } from '../../protocol/errors.js';
import { UsageError } from '../cli-error.js';
import { nonNegativeInt, openClient, parseAssignment, type ClientFlags } from '../client-options.js';
import { Progress } from '../progress.js';

interface ProduceFlags extends ClientFlags {
  keyDelimiter?: string;
  header?: string[];
  partition?: string;
  compression: string;
  acks: string;
  quiet?: boolean;
  format: string;
  progress: boolean;
}

const CODECS: Record<string, number> = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 };
const NEWLINE = 0x0a;
const CR = 0x0d;

export async function produce(topic: string, file: string | undefined, flags: ProduceFlags): Promise<void> {
  const partition = flags.partition === undefined ? undefined : nonNegativeInt(flags.partition, '-p/--partition');
  const acks = flags.acks === 'all' ? -1 : (Number(flags.acks) as -1 | 0 | 1);
  if (flags.keyDelimiter === '') throw new UsageError('-k/--key-delimiter must not be empty');
  const delimiter = flags.keyDelimiter === undefined ? undefined : Buffer.from(unescape(flags.keyDelimiter));
  const headers = (flags.header ?? []).map((h) => {
    const [key, value] = parseAssignment(h, '-H/--header');
    return { key, value: Buffer.from(value) };
  });
  const json = flags.format === 'json';
  const perRecord = !flags.quiet;
  const progress = new Progress(flags.progress, perRecord);
  let produced = 0;
  let bytesRead = 0;

  const out: string[] = [];
  const onDelivery = (batch: DeliveredBatch): void => {
    produced += batch.count;
    if (!perRecord) return;
    for (let i = 0; i < batch.count; i++) {
      const offset = batch.baseOffset < 0 ? null : batch.baseOffset + i;
      if (json) out.push(JSON.stringify({ topic: batch.topic, partition: batch.partition, offset, timestamp: batch.logAppendTime >= 0 ? batch.logAppendTime : (batch.tags[i] as number) }));
      else out.push(offset === null ? `Sent to ${batch.topic}[${batch.partition}]` : `Produced to ${batch.topic}[${batch.partition}] at offset ${offset}`);
    }
    process.stdout.write(`${out.join('\n')}\n`);
    out.length = 0;
  };

  const client = await openClient(flags);
  let stopping = false;
  const onSignal = (): void => {
    if (stopping) process.exit(130);
    stopping = true;
  };
  process.on('SIGINT', onSignal);
  try {
    const producer = new Producer(client, onDelivery, { acks, compression: CODECS[flags.compression] ?? 0 });
    const info = await producer.prepare(topic);
    if (partition !== undefined && !info.partitions.some((p) => p.partition === partition)) {
      throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `the topic has ${info.partitions.length} partition(s)`, { topic, partition });
    }
    const input: Readable = file === undefined ? process.stdin : createReadStream(file);
    // One clock reading per chunk read: the records of a chunk arrived together.
    let now = Date.now();
    const send = (line: Buffer): void => {
      if (line.length > 0 && line[line.length - 1] === CR) line = line.subarray(0, line.length - 1);
      if (line.length === 0) return;
      let key: Buffer | null = null;
      let value = line;
      if (delimiter) {
        const at = line.indexOf(delimiter);
        if (at >= 0) {
          key = line.subarray(0, at);
          value = line.subarray(at + delimiter.length);
        }
      }
      producer.send({ topic, partition, key, value, headers, timestamp: now }, now);
    };
    let rest: Buffer | undefined;
    for await (const chunk of input as AsyncIterable<Buffer | string>) {
      if (stopping) break;
      const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      bytesRead += data.length;
      now = Date.now();
      let start = 0;
      let nl = data.indexOf(NEWLINE);
      if (rest !== undefined && nl >= 0) {
        send(Buffer.concat([rest, data.subarray(0, nl)]));
        rest = undefined;
        start = nl + 1;
        nl = data.indexOf(NEWLINE, start);
      }
      while (nl >= 0) {
        // Slices, not copies: a stream hands out a fresh buffer per chunk, so the producer may
        // keep them until their batch is built.
        send(data.subarray(start, nl));
        start = nl + 1;
        nl = data.indexOf(NEWLINE, start);
      }
      if (start < data.length) rest = rest === undefined ? Buffer.from(data.subarray(start)) : Buffer.concat([rest, data.subarray(start)]);
      progress.update(produced, bytesRead);
      await producer.waitForCapacity();
    }
    if (rest !== undefined) send(rest);
    await producer.flush();
    progress.done();
    if (!perRecord) {
      if (json) process.stdout.write(`${JSON.stringify({ topic, records: produced })}\n`);
      else process.stdout.write(`Produced ${produced} record${produced === 1 ? '' : 's'} to ${topic}\n`);
    }
  } finally {
    progress.done();
    process.off('SIGINT', onSignal);
    client.close();
  }
}

/** "\t" and "\n" in a delimiter given on the command line. */
function unescape(text: string): string {
  return text.replace(/\\t/g, '\t').replace(/\\n/g, '\n');
}

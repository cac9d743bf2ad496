/**
 * The records of `__transaction_state` in Kafka's own format, so that Kafka's tools
 * (kafka-dump-log --transaction-log-decoder) read Brook's log and a data directory's records
 * mean the same to both: the key is a version-prefixed TransactionLogKey (v0: the transactional
 * id), the value a version-prefixed TransactionLogValue (v0, or v1 with flexible tagged fields:
 * previous/next producer id and the client's transaction version), null for an expired id.
 *
 * Brook writes value v1, as Kafka does once `transaction.version` 1 is finalized (Brook
 * advertises level 1), and reads v0 and v1.
 */
import { Reader } from '../../protocol/primitives/reader.js';
import { Writer } from '../../protocol/primitives/writer.js';
import { compile, type Codec } from '../../protocol/schema/compile.js';
import type { MessageSchema } from '../../protocol/schema/types.js';
import { isTxnState, TxnState } from './transaction-state.js';
import type { StoredTxn, TxnTransit } from './transaction-metadata.js';

const KEY_SCHEMA: MessageSchema = {
  validVersions: '0',
  flexibleVersions: 'none',
  fields: [{ name: 'transactionalId', type: 'string', versions: '0' }],
};

const VALUE_SCHEMA: MessageSchema = {
  validVersions: '0-1',
  flexibleVersions: '1+',
  fields: [
    { name: 'producerId', type: 'int64', versions: '0+' },
    { name: 'previousProducerId', type: 'int64', versions: '1+', taggedVersions: '1+', tag: 0, default: '-1' },
    { name: 'nextProducerId', type: 'int64', versions: '1+', taggedVersions: '1+', tag: 1, default: '-1' },
    { name: 'producerEpoch', type: 'int16', versions: '0+' },
    { name: 'transactionTimeoutMs', type: 'int32', versions: '0+' },
    { name: 'transactionStatus', type: 'int8', versions: '0+' },
    {
      name: 'transactionPartitions',
      type: '[]PartitionsSchema',
      versions: '0+',
      nullableVersions: '0+',
      fields: [
        { name: 'topic', type: 'string', versions: '0+' },
        { name: 'partitionIds', type: '[]int32', versions: '0+' },
      ],
    },
    { name: 'transactionLastUpdateTimestampMs', type: 'int64', versions: '0+' },
    { name: 'transactionStartTimestampMs', type: 'int64', versions: '0+' },
    { name: 'clientTransactionVersion', type: 'int16', versions: '1+', taggedVersions: '1+', tag: 2, default: '0' },
  ],
};

interface KeyBody {
  transactionalId: string;
}

interface ValueBody {
  producerId: number;
  previousProducerId: number;
  nextProducerId: number;
  producerEpoch: number;
  transactionTimeoutMs: number;
  transactionStatus: number;
  transactionPartitions: { topic: string; partitionIds: number[] }[] | null;
  transactionLastUpdateTimestampMs: number;
  transactionStartTimestampMs: number;
  clientTransactionVersion: number;
}

export const TXN_LOG_VALUE_VERSION = 1;

const keyCodec: Codec<KeyBody> = compile<KeyBody>(KEY_SCHEMA, 0);
const valueCodecs: Codec<ValueBody>[] = [compile<ValueBody>(VALUE_SCHEMA, 0), compile<ValueBody>(VALUE_SCHEMA, 1)];

function prefixed<T>(version: number, codec: Codec<T>, body: T): Buffer {
  const w = new Writer(64);
  w.int16(version);
  codec.encode(w, body);
  return w.toBuffer();
}

export function encodeTxnKey(transactionalId: string): Buffer {
  return prefixed(0, keyCodec, { transactionalId });
}

/** The transactional id of a key; null for a key version Brook does not know (skipped, as Kafka does). */
export function decodeTxnKey(key: Buffer): string | null {
  const r = new Reader(key);
  if (r.int16() !== 0) return null;
  return keyCodec.decode(r).transactionalId;
}

export function encodeTxnValue(t: TxnTransit, version = TXN_LOG_VALUE_VERSION): Buffer {
  if (t.state === TxnState.EMPTY && t.partitions.size > 0) throw new Error('an Empty transaction has no partitions');
  const partitions = t.state === TxnState.EMPTY ? null : t.partitions.topics().map(({ topic, partitions: ids }) => ({ topic, partitionIds: ids }));
  return prefixed(version, valueCodecs[version], {
    producerId: t.producerId,
    previousProducerId: t.prevProducerId,
    nextProducerId: t.nextProducerId,
    producerEpoch: t.producerEpoch,
    transactionTimeoutMs: t.txnTimeoutMs,
    transactionStatus: t.state,
    transactionPartitions: partitions,
    transactionLastUpdateTimestampMs: t.txnLastUpdateTimestamp,
    transactionStartTimestampMs: t.txnStartTimestamp,
    clientTransactionVersion: t.clientTransactionVersion,
  });
}

/** A stored value; throws on a version or state Brook does not know (Kafka fails the load too). */
export function decodeTxnValue(value: Buffer): StoredTxn {
  const r = new Reader(value);
  const version = r.int16();
  const codec = valueCodecs[version];
  if (!codec) throw new Error(`unknown __transaction_state value version ${version}`);
  const v = codec.decode(r);
  if (!isTxnState(v.transactionStatus)) throw new Error(`unknown transaction state ${v.transactionStatus}`);
  return {
    producerId: v.producerId,
    previousProducerId: v.previousProducerId ?? -1,
    nextProducerId: v.nextProducerId ?? -1,
    producerEpoch: v.producerEpoch,
    txnTimeoutMs: v.transactionTimeoutMs,
    state: v.transactionStatus,
    partitions: (v.transactionPartitions ?? []).flatMap((p) => p.partitionIds.map((partition) => ({ topic: p.topic, partition }))),
    txnLastUpdateTimestamp: v.transactionLastUpdateTimestampMs,
    txnStartTimestamp: v.transactionStartTimestampMs,
    clientTransactionVersion: v.clientTransactionVersion ?? 0,
  };
}

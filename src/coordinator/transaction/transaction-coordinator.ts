/**
 * TransactionCoordinator: the entry point the handlers use for producer ids and transactions
 * (Kafka's TransactionCoordinator). Today it serves idempotent producers only: InitProducerId
 * without a transactional id. The transactional half (transaction metadata in
 * `__transaction_state`, AddPartitionsToTxn, EndTxn, markers, timeouts) grows here; the partition
 * side it drives is already in place:
 *
 *   - Partition.writeTxnMarker({ producerId, producerEpoch, coordinatorEpoch, commit }, now)
 *     appends a COMMIT/ABORT marker and ends the producer's transaction on that partition
 *     (MarkerResult: errorCode, offset, flushed);
 *   - Partition.append(records, now, apiVersion, verify): `verify` is the KIP-890 part 1 check,
 *     asked before the first transactional batch of a transaction is appended to a partition;
 *   - Partition.appendTrusted(records) for transactional offset commits (epoch checks only);
 *   - Partition.lastStableOffset, activeProducers(), producers.hasOngoingTransaction(id).
 */
import { ErrorCode } from '../../protocol/errors.js';
import type { ProducerIdManager } from './producer-id-manager.js';

export interface InitProducerIdParams {
  transactionalId: string | null;
  transactionTimeoutMs: number;
  /** KIP-360 (v3+): the id and epoch the producer has, when it asks for a bump; else null. */
  expected: { producerId: number; producerEpoch: number } | null;
}

export interface InitProducerIdResult {
  errorCode: number;
  producerId: number;
  producerEpoch: number;
}

export interface TransactionCoordinatorLogger {
  error(obj: object, msg: string): void;
}

const failed = (errorCode: number): InitProducerIdResult => ({ errorCode, producerId: -1, producerEpoch: -1 });

export class TransactionCoordinator {
  constructor(
    readonly producerIds: ProducerIdManager,
    private readonly logger: TransactionCoordinatorLogger,
  ) {}

  /**
   * Kafka's handleInitProducerId. Without a transactional id every request gets a fresh producer
   * id with epoch 0, whatever id and epoch it names: Kafka 4 does exactly that (an idempotent
   * producer bumps its epoch itself, and asks for a new id only when the epoch is exhausted).
   * An empty transactional id is INVALID_REQUEST. A transactional id gets
   * TRANSACTIONAL_ID_AUTHORIZATION_FAILED until transactions are implemented.
   */
  async handleInitProducerId(p: InitProducerIdParams): Promise<InitProducerIdResult> {
    if (p.transactionalId === null) {
      try {
        return { errorCode: ErrorCode.NONE, producerId: await this.producerIds.generateProducerId(), producerEpoch: 0 };
      } catch (err) {
        this.logger.error({ err }, 'allocating a producer id block failed');
        return failed(ErrorCode.COORDINATOR_NOT_AVAILABLE);
      }
    }
    if (p.transactionalId === '') return failed(ErrorCode.INVALID_REQUEST);
    return failed(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  }
}

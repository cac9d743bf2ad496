import { ErrorCode } from '../protocol/errors.js';
import { KafkaError, UnsupportedApiError } from '../client/kafka-error.js';
import type { ConnectionError } from '../client/wire-client.js';
import { ReportedFailure, UsageError } from './usage-error.js';

/**
 * What the `brook` command says when something fails: one line, no stack trace. Kafka errors keep
 * Kafka's name and get a hint saying what to do ("UNKNOWN_TOPIC_OR_PARTITION: topic 'x' does not
 * exist; create it with brook topic create x"). Exit codes: 1 for a failure, 2 for a usage error
 * (a bad flag or argument), 70 for a bug (the one case with a stack trace), as brook serve has them.
 */

export const ExitCode = { OK: 0, FAILURE: 1, USAGE: 2, INTERNAL: 70 } as const;

export { ReportedFailure, UsageError };

export function describeError(err: unknown): { message: string; exitCode: number } {
  if (err instanceof UsageError) return { message: err.message, exitCode: ExitCode.USAGE };
  if (err instanceof KafkaError) return { message: kafkaErrorLine(err), exitCode: ExitCode.FAILURE };
  // By name: importing the class would load the whole protocol layer into every error path.
  if (err instanceof Error && err.name === 'ConnectionError') {
    return { message: `${(err as ConnectionError).message}; point -b/--brokers (or BROOK_BROKERS) at a running broker`, exitCode: ExitCode.FAILURE };
  }
  if (err instanceof UnsupportedApiError) return { message: err.message, exitCode: ExitCode.FAILURE };
  const e = err as NodeJS.ErrnoException;
  if (e && typeof e === 'object' && typeof e.code === 'string' && typeof e.path === 'string') {
    return { message: `${e.path}: ${e.code === 'ENOENT' ? 'no such file or directory' : e.message}`, exitCode: ExitCode.FAILURE };
  }
  // A bug, not something the user can fix: the stack trace and exit 70, as brook serve does.
  if (err instanceof TypeError || err instanceof RangeError || err instanceof ReferenceError || err instanceof SyntaxError) {
    return { message: `internal error: ${err.stack ?? err.message}`, exitCode: ExitCode.INTERNAL };
  }
  const message = err instanceof Error ? err.message : String(err);
  if (process.env.BROOK_DEBUG && err instanceof Error && err.stack) return { message: err.stack, exitCode: ExitCode.FAILURE };
  return { message, exitCode: ExitCode.FAILURE };
}

/** `NAME: hint` for a Kafka error, naming what it was about. */
export function kafkaErrorLine(err: KafkaError): string {
  return `${err.errorName}: ${hint(err)}`;
}

function hint(err: KafkaError): string {
  const { topic, partition, group } = err.context;
  const detail = err.detail ? err.detail : null;
  switch (err.errorCode) {
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
      if (topic !== undefined && partition !== undefined) return `partition ${partition} of topic '${topic}' does not exist${detail ? ` (${detail})` : ''}; see its partitions with brook topic describe ${topic}`;
      if (topic !== undefined) return `topic '${topic}' does not exist; create it with brook topic create ${topic}`;
      break;
    case ErrorCode.TOPIC_ALREADY_EXISTS:
      if (topic !== undefined) return `topic '${topic}' already exists; see it with brook topic describe ${topic}`;
      break;
    case ErrorCode.INVALID_TOPIC_EXCEPTION:
      return `${detail ?? `'${topic}' is not a valid topic name`}; names use letters, digits, '.', '_' and '-', at most 249 characters`;
    case ErrorCode.NON_EMPTY_GROUP:
      return `${detail ?? `group '${group}' still has members`}; stop its consumers first (see them with brook group describe ${group})`;
    case ErrorCode.GROUP_ID_NOT_FOUND:
      return `group '${group}' does not exist; list groups with brook group list`;
    case ErrorCode.COORDINATOR_NOT_AVAILABLE:
    case ErrorCode.COORDINATOR_LOAD_IN_PROGRESS:
      return `the coordinator of group '${group}' is not available yet; try again in a moment`;
    case ErrorCode.INVALID_REPLICATION_FACTOR:
      return `${detail ?? 'the replication factor is larger than the number of brokers'}; see the brokers with brook cluster info`;
    case ErrorCode.OFFSET_OUT_OF_RANGE:
      return `${detail ?? 'the offset is outside the partition'}${topic !== undefined ? ` (${topic}[${partition}])` : ''}; see the partition's offsets with brook topic describe ${topic ?? 'TOPIC'}`;
    case ErrorCode.REBALANCE_IN_PROGRESS:
      return `group '${group}' is rebalancing; try again in a moment`;
    case ErrorCode.TOPIC_DELETION_DISABLED:
      return 'the broker refuses to delete topics (delete.topic.enable=false)';
    case ErrorCode.UNSUPPORTED_VERSION:
      return `${detail ?? 'the broker does not support this request version'}`;
    default:
      break;
  }
  const about = [topic !== undefined ? (partition !== undefined ? `${topic}[${partition}]` : `topic '${topic}'`) : null, group !== undefined ? `group '${group}'` : null].filter((x) => x !== null).join(', ');
  return [detail, about === '' ? null : `(${about})`].filter((x) => x !== null).join(' ') || 'the broker refused the request';
}

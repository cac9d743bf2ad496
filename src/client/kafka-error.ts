import { errorName, isRetriable } from '../protocol/errors.js';

/** What an error was about, so that a message (or the CLI's hint) can name it. */
export interface KafkaErrorContext {
  readonly api?: string;
  readonly topic?: string;
  readonly partition?: number;
  readonly group?: string;
  readonly resource?: string;
}

/**
 * A Kafka error code a broker answered, as a value a caller can branch on (`errorCode`, compared
 * as a number: names may change, codes never do) or show (`errorName`, Kafka's own name).
 */
export class KafkaError extends Error {
  constructor(
    readonly errorCode: number,
    /** The broker's errorMessage when the response carries one. */
    readonly detail: string | null = null,
    readonly context: KafkaErrorContext = {},
  ) {
    super(`${errorName(errorCode)}${describe(context)}${detail ? `: ${detail}` : ''}`);
    this.name = 'KafkaError';
  }

  get errorName(): string {
    return errorName(this.errorCode);
  }

  get retriable(): boolean {
    return isRetriable(this.errorCode);
  }
}

/** Thrown when a broker does not speak any version of an API this client can use. */
export class UnsupportedApiError extends Error {
  constructor(
    readonly api: string,
    readonly address: string,
  ) {
    super(`the broker at ${address} does not support ${api} at a version this client speaks`);
    this.name = 'UnsupportedApiError';
  }
}

function describe(c: KafkaErrorContext): string {
  const parts: string[] = [];
  if (c.topic !== undefined) parts.push(c.partition === undefined ? `topic '${c.topic}'` : `${c.topic}[${c.partition}]`);
  if (c.group !== undefined) parts.push(`group '${c.group}'`);
  if (c.resource !== undefined) parts.push(c.resource);
  return parts.length === 0 ? '' : ` (${parts.join(', ')})`;
}

/** Throws a KafkaError unless `code` is NONE (0). */
export function check(code: number | undefined, detail: string | null | undefined, context: KafkaErrorContext): void {
  if (code !== undefined && code !== 0) throw new KafkaError(code, detail ?? null, context);
}

import { ErrorCode } from '../protocol/errors.js';

/**
 * Kafka's KafkaStorageException: a partition cannot be read or written because of its log
 * directory. Carries KAFKA_STORAGE_ERROR as `errorCode`, so the layers above answer it without
 * knowing storage. `logDirOffline` tells a directory taken offline (every later request fails
 * too, until a restart) from a write refused for lack of space that was undone cleanly (the
 * directory keeps serving and the next write may succeed).
 */
export class KafkaStorageError extends Error {
  override readonly name = 'KafkaStorageError';
  readonly errorCode = ErrorCode.KAFKA_STORAGE_ERROR;
  constructor(
    message: string,
    readonly logDirOffline: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** An error from the operating system (node:fs sets `code` to the errno name), not a bug. */
export function isIoError(err: unknown): err is NodeJS.ErrnoException {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return err instanceof Error && typeof code === 'string' && /^E[A-Z0-9]+$/.test(code);
}

/** No space (or no quota) left: a write that failed for it and was undone leaves nothing broken. */
export function isDiskFull(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

export function isKafkaStorageError(err: unknown): err is KafkaStorageError {
  return err instanceof Error && err.name === 'KafkaStorageError';
}

/**
 * What the storage layer needs from the broker's logger: a log directory that failed at error,
 * data it had to cut or set aside (recovery of a torn tail, stray logs) at warn, routine recovery
 * and retention at info. A pino Logger fits; tests pass a recorder.
 */
export interface StorageLogger {
  error(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

export const silentLogger: StorageLogger = {
  error: () => undefined,
  info: () => undefined,
  warn: () => undefined,
};

/** What startup recovery did to one log. All zero after a clean shutdown with sound indexes. */
export interface LogRecovery {
  /** Segments whose batches were validated one by one and whose indexes were rebuilt. */
  segmentsRecovered: number;
  /** Bytes cut from the segment holding the first invalid batch, plus the size of segments deleted after it. */
  bytesTruncated: number;
  /** Records of whole batches among the bytes removed (a torn batch's records cannot be counted). */
  recordsDropped: number;
  /** Segments deleted because they followed a truncation, or because the log start checkpoint was beyond them. */
  segmentsDeleted: number;
}

export const NO_RECOVERY: LogRecovery = { segmentsRecovered: 0, bytesTruncated: 0, recordsDropped: 0, segmentsDeleted: 0 };

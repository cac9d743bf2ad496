// The names the log settings accept, apart from the logger itself so that the CLI can check its
// flags without loading pino.

export const LOG_FORMATS = ['pretty', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Checks a format name (flag or environment); undefined when absent. */
export function parseLogFormat(value: string | undefined, source: string): LogFormat | undefined {
  if (value === undefined || value === '') return undefined;
  const v = value.trim().toLowerCase();
  if ((LOG_FORMATS as readonly string[]).includes(v)) return v as LogFormat;
  throw new Error(`${source} must be one of ${LOG_FORMATS.join(', ')}, got '${value}'`);
}

/** Checks a level name (flag or environment); undefined when absent. */
export function parseLogLevel(value: string | undefined, source: string): string | undefined {
  if (value === undefined || value === '') return undefined;
  const v = value.trim().toLowerCase();
  if ((LOG_LEVELS as readonly string[]).includes(v)) return v;
  throw new Error(`${source} must be one of ${LOG_LEVELS.join(', ')}, got '${value}'`);
}

// Why a broker could not start, said in one line, with the exit code `brook serve` uses for it.
// Every start-up failure the operator can fix (a busy port, an unusable or locked data directory)
// is classified here and nowhere else; anything else is a bug and keeps its stack trace.
// Imports nothing, so that the CLI can use it without loading the broker.

/** Exit codes of `brook serve`, stable for scripts (README, "Exit codes"). */
export const ExitCode = {
  OK: 0,
  /** A setting, the properties file or the environment is invalid. */
  CONFIG: 1,
  /** Bad command line (unknown option, malformed --set). */
  USAGE: 2,
  /** Cannot listen: the port is in use, needs privileges, or the address is not local. */
  LISTEN: 3,
  /** Another broker holds the data directory's lock. */
  DATA_DIR_LOCKED: 4,
  /** The data directory cannot be created, read or written (not a directory, read-only, permissions, full). */
  DATA_DIR_UNUSABLE: 5,
  /** An unexpected error: a bug; the stack trace is printed. */
  INTERNAL: 70,
  /** Stopped by SIGINT before the broker was up, or a second signal during shutdown (128 + 2). */
  SIGINT: 130,
  /** Stopped by SIGTERM before the broker was up (128 + 15). */
  SIGTERM: 143,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export type StartupErrorKind = 'listen' | 'data-dir-locked' | 'data-dir-unusable';

const EXIT_CODE_OF: Record<StartupErrorKind, ExitCode> = {
  listen: ExitCode.LISTEN,
  'data-dir-locked': ExitCode.DATA_DIR_LOCKED,
  'data-dir-unusable': ExitCode.DATA_DIR_UNUSABLE,
};

/** A start-up failure the operator can fix; `message` is one line saying what is wrong and what to do. */
export class StartupError extends Error {
  override readonly name = 'StartupError';
  readonly exitCode: ExitCode;
  constructor(
    readonly kind: StartupErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.exitCode = EXIT_CODE_OF[kind];
  }
}

/** Duck-typed, so that a second copy of this module (another build) is still recognised. */
export function isStartupError(err: unknown): err is StartupError {
  return err instanceof Error && err.name === 'StartupError' && typeof (err as { exitCode?: unknown }).exitCode === 'number';
}

const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  ENOTDIR: 'a part of the path is a file, not a directory',
  EISDIR: 'a directory is in the way of a file',
  ENAMETOOLONG: 'the path is too long',
  ELOOP: 'too many symbolic links in the path',
  EIO: 'an input/output error (failing disk?)',
  EMFILE: 'too many open files (raise ulimit -n)',
  ENFILE: 'too many open files in the system',
};

function errno(err: unknown): { code: string; path?: string; syscall?: string } | undefined {
  const e = err as NodeJS.ErrnoException | null;
  return e instanceof Error && typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code) ? { code: e.code, ...(e.path ? { path: e.path } : {}), ...(e.syscall ? { syscall: e.syscall } : {}) } : undefined;
}

/**
 * An error from preparing, locking or loading the data directory, as a StartupError; undefined
 * when it is not a file-system error (a bug, which keeps its stack trace).
 */
export function dataDirError(dataDir: string, err: unknown): StartupError | undefined {
  // storage's DataDirLockedError, recognised by name so that this file imports nothing.
  if (err instanceof Error && err.name === 'DataDirLockedError') return new StartupError('data-dir-locked', err.message, { cause: err });
  // A CorruptFileError (the topics file, the dynamic configs file), likewise by name. Deleting the file would make the next start
  // treat every partition folder as a stray, so the advice is a backup, not deletion.
  if (err instanceof Error && err.name === 'CorruptFileError') {
    return new StartupError('data-dir-unusable', `cannot use data directory ${dataDir}: ${err.message}; restore it from a backup or choose another data directory (--data-dir)`, { cause: err });
  }
  // storage's DuplicateLogError and cluster's InconsistentClusterIdError: log directories that
  // contradict each other; their message says what to do.
  if (err instanceof Error && (err.name === 'DuplicateLogError' || err.name === 'InconsistentClusterIdError')) {
    return new StartupError('data-dir-unusable', `cannot use the log directories: ${err.message}`, { cause: err });
  }
  const e = errno(err);
  if (!e) return undefined;
  const where = e.path !== undefined && e.path !== dataDir ? ` (${e.path})` : '';
  let reason = REASONS[e.code] ?? (err as Error).message;
  // mkdir answering ENOENT although the parent exists: a file system that refuses new
  // directories there (/proc, /sys), not a missing parent.
  if (e.code === 'ENOENT' && e.syscall === 'mkdir') reason = 'the file system does not allow creating it';
  // makeDirectories' own error (no syscall): the path exists as a file.
  if (e.code === 'ENOTDIR' && e.syscall === undefined) reason = 'it exists and is not a directory';
  return new StartupError('data-dir-unusable', `cannot use data directory ${dataDir}: ${reason}${where} [${e.code}]; fix it or choose another data directory (--data-dir)`, { cause: err });
}

/** An error from binding the listener, as a StartupError; undefined when it is not a socket error. */
export function listenError(host: string, port: number, err: unknown, flag = '--port'): StartupError | undefined {
  const e = errno(err) ?? (typeof (err as { code?: unknown } | null)?.code === 'string' ? { code: (err as { code: string }).code } : undefined);
  if (!e) return undefined;
  const where = `${host === '' ? '*' : host}:${port}`;
  const say = (what: string): StartupError => new StartupError('listen', `cannot listen on ${where}: ${what}`, { cause: err });
  switch (e.code) {
    case 'EADDRINUSE':
      return say(`port ${port} is already in use (another broker?); stop it or choose another port (${flag})`);
    case 'EACCES':
    case 'EPERM':
      return say(`permission denied; ports below 1024 need privileges, choose another port (${flag})`);
    case 'EADDRNOTAVAIL':
      return say(`${host} is not an address of this machine; choose another host (--host)`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return say(`host ${host} cannot be resolved; choose another host (--host)`);
    default:
      return say(`${(err as Error).message} [${e.code}]`);
  }
}

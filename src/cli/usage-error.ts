/**
 * The two failures a command raises itself. Kept apart from cli-error.ts (which knows the
 * client's errors) so that declaring the commands loads nothing of the client.
 */

/** A bad argument that the parser could not catch (exit 2). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A failure already explained to the user by the command (exit 1, nothing more printed). */
export class ReportedFailure extends Error {
  constructor(message = 'failed') {
    super(message);
    this.name = 'ReportedFailure';
  }
}

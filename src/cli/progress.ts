/**
 * A one-line progress report on stderr, redrawn at most every 200 ms, for long operations
 * (producing a large file, consuming to a count). It shows only when stderr is a terminal and
 * the command's own output does not go to that same terminal, so a pipe or a file never gets a
 * stray carriage return and records on screen are not interleaved with it.
 */
export class Progress {
  private readonly enabled: boolean;
  private last = 0;
  private shown = false;
  private readonly started = performance.now();

  constructor(enabled: boolean, stdoutUsed: boolean) {
    this.enabled = enabled && process.stderr.isTTY === true && !(stdoutUsed && process.stdout.isTTY === true);
  }

  /** `records` so far, out of `total` when known. */
  update(records: number, bytes: number, total?: number): void {
    if (!this.enabled) return;
    const now = performance.now();
    if (now - this.last < 200) return;
    this.last = now;
    const seconds = (now - this.started) / 1000;
    const rate = seconds > 0 ? Math.round(records / seconds) : 0;
    const mb = (bytes / 1048576).toFixed(1);
    const of = total === undefined ? '' : ` of ${total}`;
    process.stderr.write(`\r\x1b[K${records}${of} records, ${mb} MiB, ${rate} records/s`);
    this.shown = true;
  }

  done(): void {
    if (this.shown) process.stderr.write('\r\x1b[K');
    this.shown = false;
  }
}

// A FileSystem that times every fsync and fdatasync of the log layer into a histogram (ms):
// fsync latency without a metrics import in storage/. Everything else is the wrapped one's.
import type { FileSystem } from '../storage/file-system.js';
import type { HistogramCell } from './accumulated-histogram.js';

export function timedFileSystem(base: FileSystem, durations: HistogramCell): FileSystem {
  const timed = (sync: (fd: number) => Promise<void>) => (fd: number): Promise<void> => {
    const started = performance.now();
    const done = (): void => durations.observe(performance.now() - started);
    const p = sync(fd);
    p.then(done, done);
    return p;
  };
  // The other methods are looked up on `base` (its prototype, for a class), bound to it.
  const fs: FileSystem = Object.create(base) as FileSystem;
  fs.fdatasync = timed((fd) => base.fdatasync(fd));
  fs.fsync = timed((fd) => base.fsync(fd));
  return fs;
}

import { type FileSystem, nodeFileSystem, readWholeFile, writeFileAtomically } from '../../storage/file-system.js';

/** Kafka's ProducerIdsBlock.PRODUCER_ID_BLOCK_SIZE. */
export const PRODUCER_ID_BLOCK_SIZE = 1000;

/** Beside brook-topics.json in the data directory. */
export const PRODUCER_ID_FILE = 'brook-producer-ids.json';

interface ProducerIdFile {
  version: 1;
  /** Every id below this may have been handed out; the next block starts here. */
  nextBlockStart: number;
}

/**
 * Hands out producer ids that are unique for the life of the data directory (Kafka's
 * ProducerIdManager; there the controller records each block in the metadata log). Ids come in
 * blocks of 1000: before the first id of a block is given, the start of the following block is
 * written to `brook-producer-ids.json` atomically (tmp, fsync, rename, fsync of the folder), so a
 * crash at any point, kill -9 or power loss, can skip ids but never reuse one. Callers that ask
 * while a block is being recorded share that one write.
 */
export class ProducerIdManager {
  private next = 0;
  /** Exclusive end of the block being handed out (0: none yet). */
  private blockEnd = 0;
  private reserving: Promise<void> | undefined;

  constructor(
    private readonly path: string,
    private readonly fs: FileSystem = nodeFileSystem,
    private readonly blockSize = PRODUCER_ID_BLOCK_SIZE,
  ) {}

  async generateProducerId(): Promise<number> {
    while (this.next >= this.blockEnd) await this.reserveBlock();
    return this.next++;
  }

  private reserveBlock(): Promise<void> {
    this.reserving ??= (async () => {
      const start = Math.max(this.blockEnd, this.readNextBlockStart());
      const end = start + this.blockSize;
      if (!Number.isSafeInteger(end)) throw new Error('producer ids exhausted');
      const file: ProducerIdFile = { version: 1, nextBlockStart: end };
      await writeFileAtomically(this.fs, this.path, Buffer.from(JSON.stringify(file) + '\n', 'utf8'));
      this.next = start;
      this.blockEnd = end;
    })().finally(() => {
      this.reserving = undefined;
    });
    return this.reserving;
  }

  /** 0 for a new data directory; a damaged file is an error (guessing could reuse ids). */
  private readNextBlockStart(): number {
    if (!this.fs.existsSync(this.path)) return 0;
    const parsed = JSON.parse(readWholeFile(this.fs, this.path).toString('utf8')) as Partial<ProducerIdFile>;
    const n = parsed.nextBlockStart;
    if (parsed.version !== 1 || typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
      throw new Error(`${this.path} does not hold a producer id block`);
    }
    return n;
  }
}

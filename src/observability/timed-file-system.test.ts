import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FileSystem } from '../storage/file-system.js';
import { HistogramCell } from './accumulated-histogram.js';
import { timedFileSystem } from './timed-file-system.js';

test('fsync and fdatasync are timed, failed ones too; every other call goes to the wrapped file system', async () => {
  const calls: string[] = [];
  const base = {
    fdatasync: async (fd: number) => void calls.push(`fdatasync ${fd}`),
    fsync: async (fd: number) => {
      calls.push(`fsync ${fd}`);
      throw new Error('EIO');
    },
    existsSync: (p: string) => (calls.push(`exists ${p}`), true),
  } as unknown as FileSystem;
  const cell = new HistogramCell([1000]);
  const fs = timedFileSystem(base, cell);
  await fs.fdatasync(3);
  await assert.rejects(fs.fsync(4), /EIO/);
  assert.equal(fs.existsSync('/x'), true);
  assert.deepEqual(calls, ['fdatasync 3', 'fsync 4', 'exists /x']);
  assert.equal(cell.count, 2);
});

// brook log dump|verify PATH...: a broker's data files, read offline.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { DecodedRecord } from '../../protocol/records/records.js';
import { segmentFileName } from '../../storage/log-segment.js';
import { ReportedFailure, UsageError } from '../cli-error.js';
import { outputFormat, type FormatFlags } from '../client-options.js';
import { printJson } from '../output.js';
import { baseOffsetOf, inspectIndex, inspectSegment, type BatchInfo, type IndexReport, type Problem, type SegmentReport } from '../segment-inspector.js';

interface Target {
  readonly path: string;
  readonly kind: 'log' | 'index' | 'timeindex';
}

/** Segment and index files named by the paths: files as given, directories searched (a data dir one level deep). */
function targets(paths: readonly string[], wanted: 'all' | 'logs'): Target[] {
  const out: Target[] = [];
  const fileKind = (p: string): Target['kind'] | undefined => (p.endsWith('.log') ? 'log' : p.endsWith('.timeindex') ? 'timeindex' : p.endsWith('.index') ? 'index' : undefined);
  const partitionDir = (dir: string): boolean => readdirSync(dir).some((f) => baseOffsetOf(f) !== null);
  const addDir = (dir: string): void => {
    const logs = readdirSync(dir).filter((f) => f.endsWith('.log') && baseOffsetOf(f) !== null).sort();
    for (const f of logs) out.push({ path: join(dir, f), kind: 'log' });
  };
  for (const p of paths) {
    if (!existsSync(p)) throw Object.assign(new Error(`${p}: no such file or directory`), { code: 'ENOENT', path: p });
    if (statSync(p).isDirectory()) {
      if (partitionDir(p)) {
        addDir(p);
      } else {
        const subdirs = readdirSync(p, { withFileTypes: true }).filter((e) => e.isDirectory() && partitionDir(join(p, e.name))).map((e) => e.name).sort();
        if (subdirs.length === 0) throw new UsageError(`${p} holds no segment files (00000000000000000000.log) and no partition directories`);
        for (const d of subdirs) addDir(join(p, d));
      }
      continue;
    }
    const kind = fileKind(p);
    if (!kind) throw new UsageError(`${p} is not a segment (.log) or index (.index, .timeindex) file`);
    if (wanted === 'logs' && kind !== 'log') {
      const base = baseOffsetOf(p);
      if (base === null) throw new UsageError(`${p} is not named like a segment file (00000000000000000000.index)`);
      out.push({ path: join(p, '..', segmentFileName(base, '.log')), kind: 'log' });
    } else {
      out.push({ path: p, kind });
    }
  }
  return out;
}

export async function logDump(paths: string[], flags: FormatFlags & { records: boolean; printData?: boolean }): Promise<void> {
  const json = outputFormat(flags) === 'json';
  const docs: unknown[] = [];
  for (const t of targets(paths, 'all')) {
    if (t.kind !== 'log') {
      const index = inspectIndex(t.path, t.kind === 'index' ? 'offset' : 'time');
      if (json) docs.push({ path: t.path, kind: index.kind, entries: index.entries.map((e) => (index.kind === 'offset' ? { offset: e.offset, position: e.value } : { offset: e.offset, timestamp: e.value })), problems: index.problems });
      else printIndex(index);
      continue;
    }
    const batches: unknown[] = [];
    if (!json) process.stdout.write(`Dumping ${t.path}\n`);
    const report = inspectSegment(t.path, (batch, records) => {
      if (json) batches.push({ ...batch, records: records?.map((r) => recordDoc(r, flags.printData === true)) });
      else process.stdout.write(batchLine(batch) + (records ? records.map((r) => recordLine(r, flags.printData === true)).join('') : ''));
    }, flags.records);
    if (json) docs.push({ path: t.path, kind: 'log', batches, problems: report.problems });
    else printProblems(report.problems);
  }
  if (json) printJson(docs);
}

export async function logVerify(paths: string[], flags: FormatFlags): Promise<void> {
  const json = outputFormat(flags) === 'json';
  const results: { path: string; ok: boolean; batches: number; records: number; firstOffset: number | null; lastOffset: number | null; validBytes: number; size: number; problems: (Problem & { file: string })[]; notes: string[] }[] = [];
  let previous: SegmentReport | undefined;
  for (const t of targets(paths, 'logs')) {
    const segment = inspectSegment(t.path);
    const problems: (Problem & { file: string })[] = segment.problems.map((p) => ({ ...p, file: t.path }));
    const notes: string[] = [];
    // Segments of one partition follow each other: a segment must start after the one before.
    if (previous && join(previous.path, '..') === join(t.path, '..') && previous.lastOffset !== null && segment.firstOffset !== null && segment.firstOffset <= previous.lastOffset) {
      problems.push({ file: t.path, position: 0, offset: segment.firstOffset, message: `starts at offset ${segment.firstOffset}, inside the previous segment (which ends at ${previous.lastOffset})` });
    }
    for (const [suffix, kind] of [['.index', 'offset'], ['.timeindex', 'time']] as const) {
      const path = t.path.replace(/\.log$/, suffix);
      if (!existsSync(path)) {
        // Not damage: a running broker writes the active segment's indexes when it rolls or
        // stops, and rebuilds a missing index at startup.
        if (segment.batches > 0) notes.push(`${path}: not written (yet); the broker rebuilds it at startup`);
        continue;
      }
      problems.push(...inspectIndex(path, kind, segment).problems.map((p) => ({ ...p, file: path })));
    }
    results.push({ path: t.path, ok: problems.length === 0, batches: segment.batches, records: segment.records, firstOffset: segment.firstOffset, lastOffset: segment.lastOffset, validBytes: segment.validBytes, size: segment.size, problems, notes });
    previous = segment;
  }
  const damaged = results.filter((r) => !r.ok);
  if (json) {
    printJson({ ok: damaged.length === 0, segments: results });
  } else {
    for (const r of results) {
      const offsets = r.firstOffset === null ? 'empty' : `offsets ${r.firstOffset}-${r.lastOffset}`;
      process.stdout.write(`${r.ok ? 'ok     ' : 'DAMAGED'}  ${r.path}  (${r.batches} batches, ${r.records} records, ${offsets})\n`);
      for (const p of r.problems) process.stdout.write(`         ${p.file}${p.position === null ? '' : ` at byte ${p.position}`}${p.offset === null ? '' : ` (offset ${p.offset})`}: ${p.message}\n`);
      if (!r.ok && r.validBytes < r.size) process.stdout.write(`         the first ${r.validBytes} of ${r.size} bytes are whole, valid batches\n`);
      for (const n of r.notes) process.stdout.write(`         note: ${n}\n`);
    }
    process.stdout.write(`${results.length} segment(s) checked, ${damaged.length} damaged\n`);
  }
  if (damaged.length > 0) throw new ReportedFailure();
}

function batchLine(b: BatchInfo): string {
  return `baseOffset: ${b.baseOffset} lastOffset: ${b.lastOffset} count: ${b.count} position: ${b.position} size: ${b.size} magic: ${b.magic} compression: ${b.compression} crc: ${b.crc} isValid: ${b.crcValid} ${b.timestampType}: ${b.maxTimestamp} baseTimestamp: ${b.baseTimestamp} producerId: ${b.producerId} producerEpoch: ${b.producerEpoch} baseSequence: ${b.baseSequence} isTransactional: ${b.transactional} isControl: ${b.control} partitionLeaderEpoch: ${b.partitionLeaderEpoch}\n`;
}

function recordLine(r: DecodedRecord, data: boolean): string {
  let line = `| offset: ${r.offset} timestamp: ${r.timestamp} keySize: ${r.key === null ? -1 : r.key.length} valueSize: ${r.value === null ? -1 : r.value.length} headers: ${r.headers.length}`;
  if (data) {
    line += ` key: ${r.key === null ? 'null' : r.key.toString('utf8')} payload: ${r.value === null ? 'null' : r.value.toString('utf8')}`;
    if (r.headers.length > 0) line += ` headerKeys: [${r.headers.map((h) => `${h.key}=${h.value === null ? 'null' : h.value.toString('utf8')}`).join(', ')}]`;
  }
  return `${line}\n`;
}

function recordDoc(r: DecodedRecord, data: boolean): Record<string, unknown> {
  const doc: Record<string, unknown> = { offset: r.offset, timestamp: r.timestamp, keySize: r.key === null ? -1 : r.key.length, valueSize: r.value === null ? -1 : r.value.length, headers: r.headers.length };
  if (data) {
    doc.key = r.key === null ? null : r.key.toString('utf8');
    doc.value = r.value === null ? null : r.value.toString('utf8');
    doc.headers = r.headers.map((h) => ({ key: h.key, value: h.value === null ? null : h.value.toString('utf8') }));
  }
  return doc;
}

function printIndex(index: IndexReport): void {
  process.stdout.write(`Dumping ${index.path}\n`);
  for (const e of index.entries) process.stdout.write(index.kind === 'offset' ? `offset: ${e.offset} position: ${e.value}\n` : `timestamp: ${e.value} offset: ${e.offset}\n`);
  printProblems(index.problems);
}

function printProblems(problems: readonly Problem[]): void {
  for (const p of problems) process.stdout.write(`PROBLEM${p.position === null ? '' : ` at byte ${p.position}`}${p.offset === null ? '' : ` (offset ${p.offset})`}: ${p.message}\n`);
}

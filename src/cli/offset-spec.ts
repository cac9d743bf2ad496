import { UsageError } from './usage-error.js';

/**
 * Where to start reading (consume -o) or where to move a group (group seek --to), as typed:
 *   start | beginning | earliest | oldest      the log start offset
 *   end | latest | newest                      the end of the partition
 *   N                                          offset N
 *   -N                                         N records before the end (kcat's -o -N)
 *   +N                                         N records after the start
 *   @MS or @2024-05-01T12:00:00Z or a date     the first record at or after that time
 *   -15m, 2h, 1d12h, 500ms (a duration)        that long ago
 */
export type OffsetSpec =
  | { readonly kind: 'start' }
  | { readonly kind: 'end' }
  | { readonly kind: 'offset'; readonly offset: number }
  | { readonly kind: 'fromEnd'; readonly count: number }
  | { readonly kind: 'fromStart'; readonly count: number }
  | { readonly kind: 'timestamp'; readonly timestamp: number };

const DURATION_PART = /(\d+)(ms|s|m|h|d|w)/g;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

export function parseOffsetSpec(text: string, now: number = Date.now()): OffsetSpec {
  const t = text.trim().toLowerCase();
  if (['start', 'beginning', 'earliest', 'oldest'].includes(t)) return { kind: 'start' };
  if (['end', 'latest', 'newest'].includes(t)) return { kind: 'end' };
  if (/^\d+$/.test(t)) return { kind: 'offset', offset: safe(Number(t), text) };
  if (/^-\d+$/.test(t)) return { kind: 'fromEnd', count: safe(-Number(t), text) };
  if (/^\+\d+$/.test(t)) return { kind: 'fromStart', count: safe(Number(t.slice(1)), text) };
  const timestamp = parseTime(t.startsWith('@') ? text.trim().slice(1) : text.trim(), now);
  if (timestamp !== undefined) return { kind: 'timestamp', timestamp };
  throw new UsageError(`cannot read '${text}' as a position: use start, end, an offset (42, -10, +10), @TIMESTAMP (epoch ms or ISO-8601) or a duration ago (15m, 2h)`);
}

/** Epoch ms from epoch ms, an ISO-8601 date or date-time, or a duration ago ("-1h", "90s"). */
export function parseTime(text: string, now: number = Date.now()): number | undefined {
  if (/^\d+$/.test(text)) return Number(text);
  const duration = parseDuration(text.startsWith('-') ? text.slice(1) : text);
  if (duration !== undefined) return now - duration;
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const ms = Date.parse(text);
    if (!Number.isNaN(ms)) return ms;
  }
  return undefined;
}

/** "1h30m" -> 5400000; undefined unless the whole text is duration parts. */
export function parseDuration(text: string): number | undefined {
  const t = text.toLowerCase();
  if (!/^(\d+(ms|s|m|h|d|w))+$/.test(t)) return undefined;
  let total = 0;
  for (const m of t.matchAll(DURATION_PART)) total += Number(m[1]) * UNIT_MS[m[2]];
  return total;
}

function safe(n: number, text: string): number {
  if (!Number.isSafeInteger(n)) throw new UsageError(`'${text}' is out of range`);
  return n;
}

/**
 * The offset a spec means for one partition, given its log start and end and, for a timestamp,
 * the offset ListOffsets found (-1: no record that late, so the end).
 */
export function resolveOffset(spec: OffsetSpec, range: { start: number; end: number }, offsetForTimestamp?: number): number {
  switch (spec.kind) {
    case 'start':
      return range.start;
    case 'end':
      return range.end;
    case 'offset':
      return spec.offset;
    case 'fromEnd':
      return Math.max(range.start, range.end - spec.count);
    case 'fromStart':
      return Math.min(range.end, range.start + spec.count);
    case 'timestamp':
      return offsetForTimestamp === undefined || offsetForTimestamp < 0 ? range.end : offsetForTimestamp;
  }
}

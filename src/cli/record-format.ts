import type { ConsumerRecord } from '../client/fetch-decoder.js';
import { UsageError } from './usage-error.js';

/**
 * How `brook consume` prints a record: `json` (one object per line with topic, partition,
 * offset, timestamp, key, value, headers; key, value and header values as UTF-8 text or null) or
 * a kcat-style template compiled once into a list of parts:
 *   %t topic  %p partition  %o offset  %T timestamp (ms)  %k key  %K key length (-1: null)
 *   %s value  %S value length (-1: null)  %h headers (k=v,k=v)  %% percent  \n \t \r \\ escapes
 * Keys and values are written as their bytes, so binary data passes through unchanged.
 */
export type RecordFormatter = (r: ConsumerRecord, out: OutputBuffer) => void;

type Part = string | ((r: ConsumerRecord) => Buffer | string);

/**
 * Where formatted records collect before one write to stdout: a buffer that grows, so a poll's
 * worth of records costs one allocation rather than several per record.
 */
export class OutputBuffer {
  private buf = Buffer.allocUnsafe(64 * 1024);
  private pos = 0;

  get length(): number {
    return this.pos;
  }

  write(part: Buffer | string): void {
    if (typeof part === 'string') {
      // A UTF-8 string takes at most 3 bytes per UTF-16 unit.
      this.ensure(part.length * 3);
      this.pos += this.buf.write(part, this.pos, 'utf8');
    } else {
      this.ensure(part.length);
      this.pos += part.copy(this.buf, this.pos);
    }
  }

  /** The bytes written since the last take(), handed over (not copied); writing starts afresh. */
  take(): Buffer {
    const out = this.buf.subarray(0, this.pos);
    this.buf = Buffer.allocUnsafe(this.buf.length);
    this.pos = 0;
    return out;
  }

  private ensure(extra: number): void {
    if (this.pos + extra <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + extra));
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }
}

const FIELDS: Record<string, (r: ConsumerRecord) => Buffer | string> = {
  t: (r) => r.topic,
  p: (r) => String(r.partition),
  o: (r) => String(r.offset),
  T: (r) => String(r.timestamp),
  k: (r) => r.key ?? '',
  K: (r) => String(r.key === null ? -1 : r.key.length),
  s: (r) => r.value ?? '',
  S: (r) => String(r.value === null ? -1 : r.value.length),
  h: (r) => r.headers.map((h) => `${h.key}=${h.value === null ? '' : h.value.toString('utf8')}`).join(','),
};

export function recordFormatter(format: string): RecordFormatter {
  if (format === 'json') return (r, out) => out.write(jsonRecord(r));
  const parts = compileTemplate(format);
  return (r, out) => {
    for (const p of parts) out.write(typeof p === 'string' ? p : p(r));
  };
}

export function jsonRecord(r: ConsumerRecord): string {
  return `${JSON.stringify({
    topic: r.topic,
    partition: r.partition,
    offset: r.offset,
    timestamp: r.timestamp,
    key: r.key === null ? null : r.key.toString('utf8'),
    value: r.value === null ? null : r.value.toString('utf8'),
    headers: r.headers.map((h) => ({ key: h.key, value: h.value === null ? null : h.value.toString('utf8') })),
  })}\n`;
}

function compileTemplate(format: string): Part[] {
  const parts: Part[] = [];
  let text = '';
  for (let i = 0; i < format.length; i++) {
    const c = format[i];
    const next = format[i + 1];
    if (c === '\\' && next !== undefined) {
      const escaped = { n: '\n', t: '\t', r: '\r', '\\': '\\', '0': '\0' }[next];
      if (escaped !== undefined) {
        text += escaped;
        i++;
        continue;
      }
    }
    if (c === '%') {
      if (next === '%') {
        text += '%';
        i++;
        continue;
      }
      const field = next === undefined ? undefined : FIELDS[next];
      if (!field) throw new UsageError(`unknown format field '%${next ?? ''}' (known: %t %p %o %T %k %K %s %S %h %%)`);
      if (text !== '') parts.push(text);
      text = '';
      parts.push(field);
      i++;
      continue;
    }
    text += c;
  }
  if (text !== '') parts.push(text);
  return parts;
}

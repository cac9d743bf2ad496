/**
 * How commands print: aligned tables for people, JSON for scripts (`--format json`: one JSON
 * document on stdout, or one object per line for streams such as consume). Tables pad every
 * column but the last to its widest cell, two spaces apart, as kafka-topics.sh and rpk do.
 */

export type OutputFormat = 'table' | 'json';

export type Cell = string | number | boolean | null | undefined;

export function renderTable(headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const text = [headers, ...rows.map((r) => r.map(cellText))];
  const widths = headers.map((_, i) => Math.max(...text.map((r) => (r[i] ?? '').length)));
  return text.map((r) => r.map((c, i) => (i === r.length - 1 ? c : (c ?? '').padEnd(widths[i]))).join('  ').trimEnd()).join('\n') + '\n';
}

function cellText(c: Cell): string {
  if (c === null || c === undefined) return '-';
  return String(c);
}

/** "key: value" lines with the keys aligned, for a summary section. */
export function renderPairs(pairs: readonly (readonly [string, Cell])[]): string {
  const width = Math.max(...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${`${k}:`.padEnd(width + 1)}  ${cellText(v)}`).join('\n') + '\n';
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function print(text: string): void {
  process.stdout.write(text);
}

/** A titled section of a multi-part report (a blank line before every title but the first). */
export class Sections {
  private first = true;

  add(title: string, body: string): void {
    process.stdout.write(`${this.first ? '' : '\n'}${title}\n${'='.repeat(title.length)}\n${body}`);
    this.first = false;
  }
}

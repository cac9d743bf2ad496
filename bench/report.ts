// Collects the benchmark's figures, prints each as one aligned line the moment it is known, and
// renders the machine-readable summary (`BENCH_JSON {...}`) at the end. With --repeat N the
// same figure is measured N times and the better value is kept (the machine is shared: the
// best run is the one least disturbed by other work).

/** Which way is better; used for best-of-N and for the target mark. */
export type Better = 'higher' | 'lower';

export interface FigureInput {
  section: string;
  /** Unique within the section, e.g. "produce acks=1". */
  name: string;
  value: number;
  unit: string;
  better: Better;
  /** Printed as "target ≥ x" (higher) or "target ≤ x" (lower) with ✓ or ✗. */
  target?: number;
  /** Free text shown after the figure (e.g. "3 runs, median"). */
  note?: string;
}

export interface Figure extends FigureInput {
  runs: number;
}

export interface Skip {
  section: string;
  name: string;
  reason: string;
}

const NAME_WIDTH = 44;
const VALUE_WIDTH = 14;
const UNIT_WIDTH = 8;

export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const abs = Math.abs(v);
  const digits = abs >= 1000 ? 0 : abs >= 100 ? 1 : abs >= 10 ? 2 : 3;
  return v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function meetsTarget(f: FigureInput): boolean | undefined {
  if (f.target === undefined) return undefined;
  return f.better === 'higher' ? f.value >= f.target : f.value <= f.target;
}

export class Report {
  private readonly figures = new Map<string, Figure>();
  private readonly skips = new Map<string, Skip>();

  constructor(private readonly out: (line: string) => void = (l) => process.stdout.write(`${l}\n`)) {}

  add(input: FigureInput): void {
    const key = `${input.section}\u0000${input.name}`;
    const prev = this.figures.get(key);
    const runs = (prev?.runs ?? 0) + 1;
    const improves = !prev || (input.better === 'higher' ? input.value > prev.value : input.value < prev.value);
    const kept: Figure = improves ? { ...input, runs } : { ...prev, runs };
    this.figures.set(key, kept);
    this.skips.delete(key);
    this.out(this.line(input, prev !== undefined ? `run ${runs}, best ${formatNumber(kept.value)}` : undefined));
  }

  /** A figure that could not be measured; replaced if a later run measures it. */
  skip(section: string, name: string, why: string): void {
    // One line per figure: multi-line errors (a broker's stack trace) are folded and cut.
    const folded = why.split('\n').map((l) => l.trim()).filter(Boolean).join(' | ');
    const reason = folded.length > 300 ? `${folded.slice(0, 297)}...` : folded;
    const key = `${section}\u0000${name}`;
    if (!this.figures.has(key)) this.skips.set(key, { section, name, reason });
    this.out(`  ${pad(section, 8)} ${pad(name, NAME_WIDTH)} skipped: ${reason}`);
  }

  note(section: string, text: string): void {
    this.out(`  ${pad(section, 8)} ${text}`);
  }

  /** The kept (best) figures, one aligned line each. */
  summaryLines(): string[] {
    const lines = [...this.figures.values()].map((f) => this.line(f, f.runs > 1 ? `best of ${f.runs}` : undefined));
    for (const s of this.skips.values()) lines.push(`  ${pad(s.section, 8)} ${pad(s.name, NAME_WIDTH)} skipped: ${s.reason}`);
    return lines;
  }

  json(): string {
    const figures = [...this.figures.values()].map((f) => ({
      section: f.section,
      name: f.name,
      value: Number(f.value.toFixed(3)),
      unit: f.unit,
      better: f.better,
      ...(f.target !== undefined ? { target: f.target, ok: meetsTarget(f) } : {}),
      runs: f.runs,
    }));
    return `BENCH_JSON ${JSON.stringify({ figures, skipped: [...this.skips.values()] })}`;
  }

  private line(f: FigureInput, extra?: string): string {
    const ok = meetsTarget(f);
    let target = '';
    if (f.target !== undefined) {
      const t = Number.isInteger(f.target) ? f.target.toLocaleString('en-US') : formatNumber(f.target);
      target = `target ${f.better === 'higher' ? '≥' : '≤'} ${t} ${ok ? '✓' : '✗'}`;
    }
    const notes = [f.note, extra].filter((n): n is string => n !== undefined && n !== '').join('; ');
    const tail = [pad(target, 26), notes ? `(${notes})` : ''].join(' ').trimEnd();
    return `  ${pad(f.section, 8)} ${pad(f.name, NAME_WIDTH)} ${formatNumber(f.value).padStart(VALUE_WIDTH)} ${pad(f.unit, UNIT_WIDTH)} ${tail}`.trimEnd();
  }
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

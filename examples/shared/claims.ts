// What an example proves: each claim of its design is checked and printed with its verdict, and
// the figures it measured are printed beside them. The runner exits non-zero when a claim fails.
//
// Four verdicts:
//   ✓ holds     checked and true
//   ✗ fails     checked and false: the example's exit code is 1
//   ~ reported  a timing claim at the short size: the measurement is printed, not judged, because
//               a short run on a shared machine says more about the machine than about the design
//               (the --scale run judges it)
//   … pending   the claim needs a broker feature Brook does not have yet; nothing is faked
import { formatNumber } from '../../bench/report.js';

export type Verdict = 'holds' | 'fails' | 'reported' | 'pending';

export interface ClaimResult {
  claim: string;
  verdict: Verdict;
  detail: string;
}

export interface Figure {
  name: string;
  value: number;
  unit: string;
  better: 'higher' | 'lower';
}

const MARK: Record<Verdict, string> = { holds: '✓', fails: '✗', reported: '~', pending: '…' };

export class Claims {
  readonly results: ClaimResult[] = [];
  readonly figures: Figure[] = [];

  /**
   * @param judgeTiming whether timing claims are judged (the --scale run) or only reported
   * @param out where lines go as they are known (stdout for `npm run example`, nowhere in tests)
   */
  constructor(
    readonly example: string,
    readonly judgeTiming: boolean,
    private readonly out: (line: string) => void = () => undefined,
  ) {}

  /** A claim that holds or not whatever the machine's speed (ordering, completeness, no loss). */
  check(claim: string, holds: boolean, detail = ''): boolean {
    this.record({ claim, verdict: holds ? 'holds' : 'fails', detail });
    return holds;
  }

  /** A claim about speed: judged in --scale runs, reported otherwise. */
  timing(claim: string, holds: boolean, detail: string): void {
    this.record({ claim, verdict: this.judgeTiming ? (holds ? 'holds' : 'fails') : 'reported', detail });
  }

  /** A claim of the design that waits for a broker feature; says which. */
  pending(claim: string, missing: string): void {
    this.record({ claim, verdict: 'pending', detail: `waits for ${missing}` });
  }

  figure(name: string, value: number, unit: string, better: 'higher' | 'lower' = 'higher'): void {
    this.figures.push({ name, value, unit, better });
    this.out(`  = ${name}: ${formatNumber(value)} ${unit}`);
  }

  /** A line of narration (what the scenario is doing now). */
  step(text: string): void {
    this.out(`  · ${text}`);
  }

  get failed(): ClaimResult[] {
    return this.results.filter((r) => r.verdict === 'fails');
  }

  get ok(): boolean {
    return this.failed.length === 0;
  }

  summary(): string {
    const count = (v: Verdict): number => this.results.filter((r) => r.verdict === v).length;
    return `${this.example}: ${count('holds')} held, ${count('fails')} failed, ${count('reported')} reported, ${count('pending')} pending`;
  }

  private record(r: ClaimResult): void {
    this.results.push(r);
    this.out(`  ${MARK[r.verdict]} ${r.claim}${r.detail ? ` — ${r.detail}` : ''}`);
  }
}

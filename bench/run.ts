// `npm run bench`: Brook's benchmark suite. Prints one aligned line per figure (target vs
// measured with ✓/✗ where there is a target; speed never fails anything) and, last, a
// `BENCH_JSON {...}` line for tooling.
//
//   node dist/bench/run.js [--only startup,load,kbench,transactions,groups,memory,cli,metrics,cleaner,examples] [--skip SECTIONS]
//                          [--examples streamstore,feed,...] [--repeat N]
//
// `examples` runs the large version of each example (examples/, several minutes in all);
// --examples picks which, --skip examples leaves them out.
//
// --repeat N runs each selected section N times and keeps the better value of every figure:
// on a shared machine the least disturbed run is the closest to what the code can do.
import { runCli } from './cli.js';
import { EXAMPLE_NAMES, examplesSection } from './examples.js';
import { runCleaner } from './cleaner.js';
import { runGroups } from './groups.js';
import { runKbench } from './kbench.js';
import { runLoad } from './load.js';
import { runMemory } from './memory.js';
import { runMetricsOverhead } from './metrics-overhead.js';
import { Report } from './report.js';
import { runStartup } from './startup.js';
import { runTransactions } from './transactions.js';

const SECTIONS: Record<string, (report: Report) => Promise<void>> = {
  startup: runStartup,
  load: runLoad,
  kbench: runKbench,
  transactions: runTransactions,
  groups: runGroups,
  memory: runMemory,
  cli: runCli,
  metrics: runMetricsOverhead,
  cleaner: runCleaner,
  examples: examplesSection(EXAMPLE_NAMES),
};

function parseArgs(argv: string[]): { only: string[]; repeat: number } {
  let only = Object.keys(SECTIONS);
  let skip: string[] = [];
  let repeat = 1;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) usage(`${flag} needs a value`);
      return v;
    };
    if (flag === '--only') only = value().split(',').map((s) => s.trim()).filter(Boolean);
    else if (flag === '--skip') skip = value().split(',').map((s) => s.trim()).filter(Boolean);
    else if (flag === '--examples') {
      const names = value().split(',').map((s) => s.trim()).filter(Boolean);
      const unknownExamples = names.filter((n) => !EXAMPLE_NAMES.includes(n));
      if (unknownExamples.length > 0) usage(`unknown example(s): ${unknownExamples.join(', ')}`);
      SECTIONS.examples = examplesSection(names);
    } else if (flag === '--repeat') repeat = Number(value());
    else if (flag === '--help' || flag === '-h') usage();
    else usage(`unknown argument ${a}`);
  }
  const unknown = [...only, ...skip].filter((s) => !(s in SECTIONS));
  if (unknown.length > 0) usage(`unknown section(s): ${unknown.join(', ')}`);
  if (!Number.isInteger(repeat) || repeat < 1 || repeat > 10) usage('--repeat must be 1..10');
  return { only: only.filter((s) => !skip.includes(s)), repeat };
}

function usage(error?: string): never {
  const text = `usage: node dist/bench/run.js [--only ${Object.keys(SECTIONS).join(',')}] [--skip SECTIONS] [--examples ${EXAMPLE_NAMES.join(',')}] [--repeat N]\n`;
  if (error) process.stderr.write(`bench: ${error}\n${text}`);
  else process.stdout.write(text);
  process.exit(error ? 2 : 0);
}

async function main(): Promise<void> {
  const { only, repeat } = parseArgs(process.argv.slice(2));
  const report = new Report();
  process.stdout.write(`Brook bench — node ${process.version}, sections: ${only.join(', ')}${repeat > 1 ? `, best of ${repeat}` : ''}\n`);
  for (let run = 1; run <= repeat; run++) {
    for (const name of only) {
      process.stdout.write(`\n[${name}]${repeat > 1 ? ` run ${run}/${repeat}` : ''}\n`);
      const started = performance.now();
      try {
        await SECTIONS[name](report);
      } catch (err) {
        report.skip(name, repeat > 1 ? `(run ${run})` : '(section)', `failed: ${(err as Error).message}`);
      }
      process.stdout.write(`  (${name} took ${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
    }
  }
  if (repeat > 1 || only.length > 1) {
    process.stdout.write('\nSummary\n');
    for (const line of report.summaryLines()) process.stdout.write(`${line}\n`);
  }
  process.stdout.write(`${report.json()}\n`);
}

await main();
// Sockets left half-closed by a failed section must not keep the bench alive.
process.exit(0);

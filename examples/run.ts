// `npm run example -- NAME [--brokers host:port,...] [--scale]`
//
// Runs one example against an embedded Brook (default) or the cluster given with --brokers,
// prints each claim with its verdict and the figures, and exits 1 when a claim does not hold.
// --scale runs the large version and judges its timing claims.
import { runExample } from './shared/example.js';
import { EXAMPLES } from './registry.js';

function usage(error?: string): never {
  const text = `usage: npm run example -- NAME [--brokers host:port,...] [--scale]\n  NAME: ${EXAMPLES.map((e) => e.name).join(', ')}, or all\n`;
  if (error) process.stderr.write(`example: ${error}\n${text}`);
  else process.stdout.write(text);
  process.exit(error ? 2 : 0);
}

function parse(argv: string[]): { names: string[]; brokers?: string[]; scale: boolean } {
  const names: string[] = [];
  let brokers: string[] | undefined;
  let scale = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--scale') scale = true;
    else if (a === '--brokers' || a.startsWith('--brokers=')) {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (!v) usage('--brokers needs host:port[,host:port...]');
      brokers = v.split(',').map((s) => s.trim()).filter(Boolean);
    } else if (a === '--help' || a === '-h') usage();
    else if (a.startsWith('-')) usage(`unknown option ${a}`);
    else names.push(a);
  }
  if (names.length === 0) usage('name an example');
  const expanded = names.includes('all') ? EXAMPLES.map((e) => e.name) : names;
  const unknown = expanded.filter((n) => !EXAMPLES.some((e) => e.name === n));
  if (unknown.length > 0) usage(`unknown example(s): ${unknown.join(', ')}`);
  return { names: expanded, ...(brokers ? { brokers } : {}), scale };
}

async function main(): Promise<number> {
  const { names, brokers, scale } = parse(process.argv.slice(2));
  let failed = 0;
  for (const name of names) {
    const def = EXAMPLES.find((e) => e.name === name)!;
    const where = brokers ? `cluster ${brokers.join(',')}` : 'an embedded Brook';
    process.stdout.write(`\n${def.name} — ${def.title}\n  (${scale ? 'large' : 'short'} version on ${where})\n`);
    const started = performance.now();
    try {
      const claims = await runExample(def, { ...(brokers ? { brokers } : {}), scale, out: (l) => process.stdout.write(`${l}\n`) });
      process.stdout.write(`  ${claims.summary()} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
      if (!claims.ok) failed++;
    } catch (err) {
      process.stdout.write(`  ✗ the scenario stopped: ${(err as Error).stack ?? String(err)}\n`);
      failed++;
    }
  }
  return failed === 0 ? 0 : 1;
}

// Exit explicitly: a client socket left half-closed by a failed scenario must not keep the
// process alive, and the exit code is the verdict.
process.exit(await main());

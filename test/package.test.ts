// The npm package as a user gets it: `npm pack` holds the build output and nothing of the tests
// or benchmarks, and a fresh project that installs the tarball can run `brook`, import
// startBroker and type-check against it. The install is offline: the project gets a lockfile
// made from Brook's own (same versions), so npm needs only tarballs, which `npm ci` has already
// put in npm's cache (CI runs it first; a developer's install did). Nothing is fetched.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
/** dist/test/package.test.js -> the checkout. */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  bin: Record<string, string>;
  types: string;
  exports: Record<string, { types: string; default: string }>;
  dependencies: Record<string, string>;
};

let work: string;
let tarball: string;
let files: string[];

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'brook-pack-'));
  // --ignore-scripts: `prepare` would rebuild dist under the tests running from it.
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: ROOT, maxBuffer: 16 << 20 });
  const [packed] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
  tarball = join(work, packed.filename);
  files = packed.files.map((f) => f.path);
});

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

test('npm pack holds the build output, its types and the README, and no tests, benchmarks or source maps', () => {
  const outside = files.filter((f) => !f.startsWith('dist/src/') && !['package.json', 'README.md', 'LICENSE'].includes(f));
  assert.deepEqual(outside, []);
  assert.deepEqual(files.filter((f) => /\.test\.|\.map$|test-fixtures/.test(f)), []);
  const entry = pkg.exports['.'];
  for (const needed of [entry.default, entry.types, pkg.types, ...Object.values(pkg.bin)]) {
    assert.ok(files.includes(needed.replace(/^\.\//, '')), `${needed} is in the package`);
  }
});

/** A lockfile for a project depending on the tarball alone, with Brook's locked dependency versions. */
function lockFor(tgz: string): object {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, Record<string, unknown>> };
  const packages: Record<string, unknown> = {
    '': { name: 'app', dependencies: { brook: `file:${tgz}` } },
    'node_modules/brook': { version: pkg.version, resolved: `file:${tgz}`, dependencies: pkg.dependencies, bin: pkg.bin, license: 'Apache-2.0' },
  };
  // Node's lookup: a dependency of the package at `from` is in its own node_modules or above.
  const locate = (from: string, name: string): string => {
    for (let dir = from; ; dir = dir.slice(0, Math.max(0, dir.lastIndexOf('/node_modules/')))) {
      const key = `${dir === '' ? '' : `${dir}/`}node_modules/${name}`;
      if (lock.packages[key]) return key;
      if (dir === '') throw new Error(`${name} (needed by ${from || 'brook'}) is not in package-lock.json`);
    }
  };
  const todo: [string, string][] = Object.keys(pkg.dependencies).map((d) => ['', d]);
  while (todo.length > 0) {
    const [from, name] = todo.pop()!;
    const key = locate(from, name);
    if (packages[key]) continue;
    const { dev: _dev, devOptional: _devOptional, ...entry } = lock.packages[key];
    // A tarball address (the lockfile may omit it) lets npm take the tarball from its cache by
    // integrity without asking the registry for the package's metadata.
    const pkgName = key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
    entry.resolved ??= `https://registry.npmjs.org/${pkgName}/-/${pkgName.split('/').pop()}-${String(entry.version)}.tgz`;
    packages[key] = entry;
    const deps = { ...(entry.dependencies as object | undefined), ...(entry.optionalDependencies as object | undefined) };
    for (const d of Object.keys(deps)) todo.push([key, d]);
  }
  return { name: 'app', lockfileVersion: 3, requires: true, packages };
}

test('a project that installs the tarball runs `brook`, imports startBroker and type-checks against it', async () => {
  const app = join(work, 'app');
  const dataDir = join(work, 'data');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module', dependencies: { brook: `file:${tarball}` } }));
  writeFileSync(join(app, 'package-lock.json'), JSON.stringify(lockFor(tarball)));
  try {
    await run('npm', ['ci', '--offline', '--no-audit', '--no-fund'], { cwd: app });
  } catch (err) {
    throw new Error(`offline install failed (npm's cache needs Brook's dependencies: run npm ci): ${(err as { stderr?: string }).stderr ?? err}`);
  }

  const version = await run('npx', ['--offline', 'brook', '--version'], { cwd: app });
  assert.equal(version.stdout.trim(), pkg.version);

  writeFileSync(
    join(app, 'main.js'),
    `import { connect } from 'node:net';
import { startBroker } from 'brook';
const broker = await startBroker({ port: 0, dataDir: ${JSON.stringify(dataDir)} });
await new Promise((ok, fail) => connect(broker.port, broker.host).once('connect', function () { this.destroy(); ok(); }).once('error', fail));
await broker.stop();
console.log(JSON.stringify({ bootstrap: broker.bootstrap }));
`,
  );
  const started = await run(process.execPath, ['main.js'], { cwd: app });
  assert.match((JSON.parse(started.stdout) as { bootstrap: string }).bootstrap, /^[\w.-]+:\d+$/);

  // Types resolve through the package's "exports" (Node types come from the user's @types/node,
  // here the checkout's). A wrong option must be an error, or the types would be `any`.
  writeFileSync(
    join(app, 'check.ts'),
    `import { startBroker, type Broker, type ProducerInspection, type TransactionInspection } from 'brook';
const broker: Broker = await startBroker({ port: 0, settings: { 'num.partitions': 2 } });
const bootstrap: string = broker.bootstrap;
// The inspection companions of groups(): open transactions, producers per partition.
const open: TransactionInspection[] = broker.transactions({ all: true });
const producerId: number | undefined = open[0]?.producerId;
const partitions: { topic: string; partition: number }[] | undefined = open[0]?.partitions;
const lso: number | undefined = broker.producers('t')[0]?.lastStableOffset;
const inspected: ProducerInspection[] = broker.producers();
// @ts-expect-error the filter takes a transactional id, not a producer id
broker.transactions({ producerId: 1 });
// @ts-expect-error port is a number
await startBroker({ port: '9092' });
export { bootstrap, producerId, partitions, lso, inspected };
`,
  );
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: false, types: ['node'], typeRoots: [join(ROOT, 'node_modules/@types')] },
      files: ['check.ts'],
    }),
  );
  try {
    await run(join(ROOT, 'node_modules/.bin/tsc'), ['-p', app], { cwd: app });
  } catch (err) {
    assert.fail(`the package's types do not check: ${(err as { stdout?: string }).stdout ?? err}`);
  }
});

// Child process of the startup section: a fresh Node process that imports Brook, times
// `await startBroker({ port: 0, dataDir })`, idles for a second and reports its RSS as one JSON
// line on stdout. Run as `node dist/bench/startup-child.js DATA_DIR`.
const IDLE_MS = 1000;

const dataDir = process.argv[2];
if (!dataDir) {
  process.stderr.write('usage: startup-child DATA_DIR\n');
  process.exit(2);
}
const t0 = performance.now();
const { startBroker } = await import('../src/index.js');
const t1 = performance.now();
const broker = await startBroker({ port: 0, dataDir });
const t2 = performance.now();
await new Promise((res) => setTimeout(res, IDLE_MS));
const rssMiB = process.memoryUsage().rss / (1024 * 1024);
await broker.stop();
process.stdout.write(`${JSON.stringify({ importMs: t1 - t0, startMs: t2 - t1, rssMiB })}\n`);

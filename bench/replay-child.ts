// Child process of the startup section's restart figures. Two modes:
//   node dist/bench/replay-child.js fill DATA_DIR COMMITS   commits COMMITS offsets (1000 per
//     request, 100 groups) through the embedded broker's coordinator, then stops it cleanly;
//   node dist/bench/replay-child.js restart DATA_DIR        starts a broker on DATA_DIR and prints
//     one JSON line: ms until it listens, until a first ApiVersions is answered, until consumer
//     groups are loaded, and the slowest ApiVersions round trip while they load.
import { startBroker } from '../src/index.js';
import { WireClient } from '../src/client/wire-client.js';

const PER_REQUEST = 1000;
const GROUPS = 100;
const [mode, dataDir, commits] = process.argv.slice(2);
if (!dataDir || (mode !== 'fill' && mode !== 'restart')) {
  process.stderr.write('usage: replay-child fill DATA_DIR COMMITS | restart DATA_DIR\n');
  process.exit(2);
}

if (mode === 'fill') {
  const broker = await startBroker({ port: 0, dataDir });
  await broker.cluster.createTopic('replayed', PER_REQUEST, {});
  for (let i = 0; i < Number(commits) / PER_REQUEST; i++) {
    const partitions = Array.from({ length: PER_REQUEST }, (_, k) => ({ partitionIndex: k, committedOffset: i, committedLeaderEpoch: -1, committedMetadata: '' }));
    const r = await broker.context.groups.commitOffsets({
      groupId: `g${i % GROUPS}`, generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1, apiVersion: 8,
      topics: [{ name: 'replayed', partitions }],
    });
    if (r.topics[0].partitions[0].errorCode !== 0) throw new Error(`commit failed: ${r.topics[0].partitions[0].errorCode}`);
  }
  await broker.stop();
} else {
  const t0 = performance.now();
  const broker = await startBroker({ port: 0, dataDir });
  const listenMs = performance.now() - t0;
  let loaded = false;
  const ready = broker.ready.then(() => {
    loaded = true;
    return performance.now() - t0;
  });
  const client = await WireClient.connect('localhost', broker.port, 'bench-replay');
  const ping = async (): Promise<number> => {
    const s = performance.now();
    await client.request(18, 3, { clientSoftwareName: 'bench', clientSoftwareVersion: '1' });
    return performance.now() - s;
  };
  await ping();
  const firstAnswerMs = performance.now() - t0;
  let maxRoundTripMs = 0;
  while (!loaded) maxRoundTripMs = Math.max(maxRoundTripMs, await ping());
  const loadedMs = await ready;
  client.close();
  await broker.stop();
  process.stdout.write(`${JSON.stringify({ listenMs, firstAnswerMs, loadedMs, maxRoundTripMs })}\n`);
}

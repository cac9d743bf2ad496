// The examples' large versions (`npm run example -- NAME --scale`) as a bench section: each
// runs against its own Brook in a child process (so the example's services and the broker do
// not share an event loop) and its figures join the report. Claims are printed as notes; a
// claim that fails is reported, never fails the bench (speed never fails anything).
//
//   node dist/bench/run.js --only examples --examples feed,ledger
import { EXAMPLES } from '../examples/registry.js';
import { runExample } from '../examples/shared/example.js';
import { BrokerProcess } from './broker-process.js';
import type { Report } from './report.js';

/** The embedded examples' group settings, for the broker process. */
const SETTINGS = { 'group.initial.rebalance.delay.ms': 0, 'group.min.session.timeout.ms': 1000 } as const;

export const EXAMPLE_NAMES = EXAMPLES.map((e) => e.name);

export function examplesSection(names: readonly string[]): (report: Report) => Promise<void> {
  return async (report) => {
    for (const name of names) {
      const def = EXAMPLES.find((e) => e.name === name);
      if (!def) throw new Error(`unknown example ${name}`);
      const section = `ex-${name}`;
      const broker = await BrokerProcess.start({ settings: SETTINGS });
      const started = performance.now();
      try {
        const claims = await runExample(def, {
          brokers: [broker.bootstrap],
          scale: true,
          out: (line) => {
            if (!line.startsWith('  =')) report.note(section, line.trim());
          },
        });
        for (const f of claims.figures) report.add({ section, name: f.name, value: f.value, unit: f.unit, better: f.better });
        report.note(section, `${claims.summary()} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      } catch (err) {
        report.skip(section, 'scenario', `failed: ${(err as Error).message}`);
      } finally {
        await broker.stop();
      }
    }
  };
}

// The contract between an example and the things that run it (`npm run example`, `npm test`,
// `npm run bench`): an example is a scenario that gets a cluster and a claims sheet, starts its
// services, drives them and records what held. runExample opens the cluster, runs, and always
// closes what it opened.
import { Claims } from './claims.js';
import { openCluster, type Cluster } from './cluster.js';

export interface ExampleContext {
  cluster: Cluster;
  claims: Claims;
  /** The large version: bigger counts, timing claims judged. */
  scale: boolean;
}

export interface ExampleDefinition {
  name: string;
  /** One line: what the example shows. */
  title: string;
  run(ctx: ExampleContext): Promise<void>;
}

export interface RunOptions {
  /** Bootstrap addresses of a cluster to use instead of an embedded Brook. */
  brokers?: string[];
  scale?: boolean;
  /** Where claim lines and figures go as they come (default: nowhere). */
  out?: (line: string) => void;
}

export async function runExample(def: ExampleDefinition, options: RunOptions = {}): Promise<Claims> {
  const scale = options.scale ?? false;
  const claims = new Claims(def.name, scale, options.out);
  const cluster = await openCluster(def.name, options.brokers);
  try {
    await def.run({ cluster, claims, scale });
  } finally {
    await cluster.close();
  }
  return claims;
}

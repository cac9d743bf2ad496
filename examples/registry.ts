// Every example by name, for `npm run example` and the bench.
import type { ExampleDefinition } from './shared/example.js';
import { chat } from './chat/scenario.js';
import { feed } from './feed/scenario.js';
import { ledger } from './ledger/scenario.js';
import { sensors } from './sensors/scenario.js';
import { search } from './search/scenario.js';
import { streamstore } from './streamstore/scenario.js';

export const EXAMPLES: readonly ExampleDefinition[] = [streamstore, feed, search, ledger, sensors, chat];

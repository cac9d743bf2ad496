// Holds the dependency direction of ../shared/DESIGN.md: imports point down the layers
// (cli -> broker -> server -> handlers -> coordinator -> cluster -> storage -> protocol) and
// never back up; two layers of equal rank (config and storage) never import each other.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const RANK: Record<string, number> = {
  protocol: 0,
  config: 1,
  storage: 1,
  cluster: 2,
  coordinator: 3,
  handlers: 4,
  server: 5,
  client: 5,
  // Metrics and the test-control API implement the server's request hooks and read the
  // layers below; broker.ts wires them in.
  observability: 5.5,
  control: 5.5,
  '': 6, // broker.ts, index.ts
  cli: 7,
};

// Compiled to dist/src/architecture.test.js; the sources are two levels up.
const srcDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');

function layerOf(file: string): string {
  const rel = relative(srcDir, file);
  return rel.includes(sep) ? rel.split(sep)[0] : '';
}

function* sources(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* sources(p);
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) yield p;
  }
}

test('imports point down the layers', () => {
  const violations: string[] = [];
  for (const file of sources(srcDir)) {
    const from = layerOf(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^(?:import|export)\b[^'"]*'(\.[^']+)'/gm)) {
      const target = resolve(dirname(file), m[1]);
      const to = layerOf(target);
      if (to === from) continue;
      assert.ok(from in RANK && to in RANK, `unknown layer in ${relative(srcDir, file)} -> ${m[1]}`);
      if (RANK[to] >= RANK[from]) violations.push(`${relative(srcDir, file)} imports ${relative(srcDir, target)}`);
    }
  }
  assert.deepEqual(violations, []);
});

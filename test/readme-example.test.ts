// The README's broker.control example is a complete node:test file: run it as written, so that
// what users copy works. It imports 'brook', which resolves to this package (its "exports") from
// a file inside it, so the example is written next to this compiled test and run from there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const README = fileURLToPath(new URL('../../README.md', import.meta.url));

function example(name: string): string {
  const text = readFileSync(README, 'utf8');
  const marker = `<!-- readme-example: ${name} -->\n\`\`\`js\n`;
  const start = text.indexOf(marker);
  assert.ok(start >= 0, `README has the ${name} example`);
  const body = start + marker.length;
  return text.slice(body, text.indexOf('\n```', body) + 1);
}

test('the README broker.control example passes as written', async () => {
  const file = fileURLToPath(new URL('./readme-control-example.generated.mjs', import.meta.url));
  writeFileSync(file, example('control'));
  try {
    // Run as a plain script (node:test reports on stdout), outside this runner's own context.
    const env = { ...process.env };
    delete env.NODE_TEST_CONTEXT;
    const child = spawn(process.execPath, [file], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (out += s));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 0, out);
    assert.match(out, /^# pass 2$/m);
    assert.match(out, /^# fail 0$/m);
  } finally {
    rmSync(file, { force: true });
  }
});

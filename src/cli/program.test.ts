import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Command } from 'commander';
import { buildProgram } from './program.js';

function leaves(cmd: Command, path: string[] = []): { path: string; cmd: Command }[] {
  if (cmd.commands.length === 0) return [{ path: path.join(' '), cmd }];
  return cmd.commands.flatMap((c) => leaves(c, [...path, c.name()]));
}

function help(cmd: Command): string {
  let text = '';
  cmd.configureOutput({ writeOut: (s) => (text += s), writeErr: (s) => (text += s) });
  cmd.outputHelp();
  return text;
}

test('every command has help with examples, and every client command takes -b/--brokers', () => {
  const commands = leaves(buildProgram()).filter((c) => !['serve', 'version', 'help'].includes(c.path));
  assert.deepEqual(commands.map((c) => c.path).sort(), [
    'cluster info', 'consume', 'group delete', 'group describe', 'group list', 'group seek', 'log dump', 'log verify', 'produce',
    'topic add-partitions', 'topic alter-config', 'topic create', 'topic delete', 'topic describe', 'topic list',
  ]);
  for (const { path, cmd } of commands) {
    const text = help(cmd);
    assert.match(text, new RegExp(`^Usage: brook ${path}(\\|\\w+)? `, 'm'), path);
    assert.match(text, new RegExp(`\\nExamples:\\n( {2}.*\\n)*.*\\bbrook ${path} `), path);
    if (!path.startsWith('log ')) {
      assert.ok(cmd.options.some((o) => o.short === '-b' && o.long === '--brokers' && o.envVar === 'BROOK_BROKERS' && o.defaultValue === 'localhost:9092'), `${path}: -b/--brokers`);
    }
  }
});

test('the spellings scripts rely on parse', () => {
  const parsed: unknown[] = [];
  const program = buildProgram();
  const capture = (cmd: Command): void => {
    for (const c of cmd.commands) {
      c.action((...args: unknown[]) => {
        parsed.push([c.name(), ...args.slice(0, -1)]);
      });
      capture(c);
    }
  };
  capture(program);
  const run = (...argv: string[]) => program.parse(argv, { from: 'user' });
  run('topic', 'create', 'T', '-p', '3', '-c', 'retention.ms=1000');
  run('consume', 'T', '-n', '10', '-o', 'start', '--format', 'json');
  run('group', 'seek', 'G', '--to', 'start', '--topics', 'T', '--execute');
  run('group', 'seek', 'G', '--shift', '-10', '--topics', 'T');
  run('consume', 'T', '-o', '-5', '-b', 'h:1');
  const [create, consume, seek, shift, negative] = parsed as [string, ...unknown[]][];
  assert.deepEqual(create.slice(0, 2), ['create', ['T']]);
  assert.equal((create[2] as { partitions: string }).partitions, '3');
  assert.deepEqual((create[2] as { config: string[] }).config, ['retention.ms=1000']);
  assert.deepEqual([(consume[2] as { num: string }).num, (consume[2] as { offset: string }).offset, (consume[2] as { format: string }).format], ['10', 'start', 'json']);
  assert.deepEqual([seek[1], (seek[2] as { to: string }).to, (seek[2] as { topics: string[] }).topics, (seek[2] as { execute: boolean }).execute], ['G', 'start', ['T'], true]);
  assert.equal((shift[2] as { shift: string }).shift, '-10', 'a negative number is an option value');
  assert.deepEqual([(negative[2] as { offset: string }).offset, (negative[2] as { brokers: string }).brokers], ['-5', 'h:1']);
});

// The commands of `brook`, their options, help and examples, declared with commander. Each
// action imports its command's module when it runs (see main.ts).

import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { addSharedOptions, collect, withClientOptions, withFormatOption } from './client-options.js';

const PACKAGE_JSON = new URL('../../../package.json', import.meta.url);

type Action = () => Promise<number | void>;

/** Runs a command; prints a failure as one line (no stack trace) and returns the exit code. */
async function run(action: Action): Promise<number> {
  try {
    return (await action()) ?? 0;
  } catch (err) {
    const { describeError, ReportedFailure } = await import('./cli-error.js');
    if (err instanceof ReportedFailure) return 1;
    const { message, exitCode } = describeError(err);
    process.stderr.write(`brook: ${message}\n`);
    return exitCode;
  }
}

async function act(action: Action): Promise<void> {
  const code = await run(action);
  if (code !== 0) process.exitCode = code;
}

function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  ${l}`).join('\n')}\n`;
}

/** Brook's version, from the package.json at the package root (dist/src/cli -> ../../../). */
export function version(): string {
  const text = readFileSync(PACKAGE_JSON, 'utf8');
  return (JSON.parse(text) as { version?: string }).version ?? 'unknown';
}

const topicCommands = () => import('./commands/topic.js');
const groupCommands = () => import('./commands/group.js');

export function buildProgram(): Command {
  const program = new Command('brook')
    .usage('<command> [options]')
    .description('Brook is a Kafka-compatible event streaming broker for Node.js. Every command but serve and log\nis a Kafka client and works against any Kafka-compatible cluster (-b/--brokers or BROOK_BROKERS).')
    .option('-v, --version', "print Brook's version")
    .helpCommand('help [command]', 'show help for a command')
    .exitOverride()
    .showSuggestionAfterError(true)
    .showHelpAfterError("(run 'brook <command> --help' for usage)")
    .configureOutput({ outputError: (text, write) => write(text.replace(/^error: /, 'brook: ')) })
    .configureHelp({ helpWidth: 100 });

  program
    .command('serve')
    .description('start a broker (brook serve --help lists every setting)')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument('[options...]')
    .action(async (args: string[]) => {
      // Not through act(): serve says its own failures, and a bug reaches main.ts's handler
      // (stack trace, exit 70).
      const code = await (await import('./serve-command.js')).serveCommand(args);
      if (code !== 0) process.exitCode = code;
    });

  program
    .command('version')
    .description("print Brook's version")
    .action(() => {
      process.stdout.write(`${version()}\n`);
    });

  // ---- topic ----
  const topic = program.command('topic').description('create, list, describe, change and delete topics');
  topic.addHelpText('after', examples('brook topic create orders -p 3 -c retention.ms=86400000', 'brook topic list', 'brook topic describe orders', 'brook topic add-partitions orders --num 2', 'brook topic alter-config orders --set cleanup.policy=compact', 'brook topic delete orders'));

  withFormatOption(withClientOptions(topic.command('create')))
    .description('create topics')
    .argument('<topics...>', 'names of the topics to create')
    .option('-p, --partitions <n>', "partitions per topic (default: the broker's num.partitions)")
    .option('-r, --replication-factor <n>', "replicas per partition (default: the broker's default.replication.factor)")
    .option('-c, --config <name=value>', 'a topic setting; repeatable', collect)
    .option('--if-not-exists', 'succeed when a topic already exists')
    .option('--dry-run', 'validate only (CreateTopics validateOnly): nothing is created')
    .addHelpText('after', examples('brook topic create T -p 3 -c retention.ms=1000', 'brook topic create a b c --partitions 6 --if-not-exists', 'brook topic create compacted -c cleanup.policy=compact -c segment.bytes=1048576'))
    .action((topics: string[], flags) => act(async () => (await topicCommands()).topicCreate(topics, flags)));

  withFormatOption(withClientOptions(topic.command('list')))
    .alias('ls')
    .description('list topics with their partition counts')
    .option('-i, --internal', 'include internal topics (__consumer_offsets)')
    .addHelpText('after', examples('brook topic list', 'brook topic list --format json'))
    .action((flags) => act(async () => (await topicCommands()).topicList(flags)));

  withFormatOption(withClientOptions(topic.command('describe')))
    .description('partitions (leaders, offsets, sizes) and configs (values, sources) of topics')
    .argument('<topics...>')
    .option('-s, --summary', 'show the summary section')
    .option('-c, --configs', 'show the configs section')
    .option('-p, --partitions', 'show the partitions section')
    .addHelpText('after', '\nWithout -s, -c or -p every section is shown.\n' + examples('brook topic describe orders', 'brook topic describe orders -p', 'brook topic describe orders --format json'))
    .action((topics: string[], flags) => act(async () => (await topicCommands()).topicDescribe(topics, flags)));

  withFormatOption(withClientOptions(topic.command('delete')))
    .alias('rm')
    .description('delete topics and all their records')
    .argument('<topics...>')
    .option('--if-exists', 'succeed when a topic does not exist')
    .addHelpText('after', examples('brook topic delete orders', 'brook topic delete a b c'))
    .action((topics: string[], flags) => act(async () => (await topicCommands()).topicDelete(topics, flags)));

  withFormatOption(withClientOptions(topic.command('add-partitions')))
    .description('add partitions to topics (partitions can never be removed)')
    .argument('<topics...>')
    .option('-n, --num <n>', 'how many partitions to add')
    .option('-t, --total <n>', 'grow each topic to this many partitions in total')
    .option('--dry-run', 'validate only')
    .addHelpText('after', examples('brook topic add-partitions orders --num 3', 'brook topic add-partitions orders --total 12'))
    .action((topics: string[], flags) => act(async () => (await topicCommands()).topicAddPartitions(topics, flags)));

  withFormatOption(withClientOptions(topic.command('alter-config')))
    .description('change topic settings (IncrementalAlterConfigs)')
    .argument('<topics...>')
    .option('-s, --set <name=value>', 'set a value; repeatable', collect)
    .option('-d, --delete <name>', 'remove an override (back to the broker default); repeatable', collect)
    .option('--append <name=value>', 'add to a list setting; repeatable', collect)
    .option('--subtract <name=value>', 'remove from a list setting; repeatable', collect)
    .option('--dry-run', 'validate only')
    .addHelpText('after', examples('brook topic alter-config orders --set retention.ms=3600000', 'brook topic alter-config orders --delete retention.ms', 'brook topic alter-config orders --append cleanup.policy=compact'))
    .action((topics: string[], flags) => act(async () => (await topicCommands()).topicAlterConfig(topics, flags)));

  // ---- produce ----
  withClientOptions(program.command('produce'))
    .description('produce records, one per line, from stdin or a file')
    .argument('<topic>')
    .argument('[file]', 'read this file instead of stdin')
    .option('-k, --key-delimiter <text>', 'split each line into key and value at the first occurrence')
    .option('-H, --header <key=value>', 'a header added to every record; repeatable', collect)
    .option('-p, --partition <n>', 'produce to this partition (default: by key, or spread)')
    .addOption(new Option('-z, --compression <codec>', 'compress batches').choices(['none', 'gzip', 'snappy', 'lz4', 'zstd']).default('none'))
    .addOption(new Option('--acks <acks>', 'acknowledgement: all (-1), leader (1) or none (0)').choices(['all', '-1', '1', '0']).default('all'))
    .option('-q, --quiet', 'print only the count of records produced, not where each went')
    .addOption(new Option('--format <format>', 'output format for where records went').choices(['table', 'json']).default('table'))
    .option('--no-progress', 'no progress line on a terminal')
    .addHelpText('after', '\nEmpty lines are skipped. Each record gets the timestamp of the moment it was read.\n' + examples("printf 'a\\nb\\n' | brook produce events", "printf 'user-1:signed up\\n' | brook produce events -k :", 'brook produce events big.txt -z lz4 -q', 'brook produce events -H source=cli -H kind=test -p 0'))
    .action((topicName: string, file: string | undefined, flags) => act(async () => (await import('./commands/produce.js')).produce(topicName, file, flags)));

  // ---- consume ----
  withClientOptions(program.command('consume'))
    .description('consume records from topics')
    .argument('<topics...>')
    .option('-o, --offset <where>', 'where to start: start, end, N, -N (N before the end), +N (N after the start), @TIMESTAMP (ms or ISO-8601), or a duration ago (-15m, 2h)', 'end')
    .option('-n, --num <count>', 'stop after this many records')
    .option('-e, --exit', 'stop at the end of every partition instead of waiting for more')
    .option('-p, --partitions <list>', 'only these partitions (comma-separated)')
    .option('-g, --group <id>', 'consume as a member of this consumer group (commits offsets)')
    .addOption(new Option('--assignor <name>', 'assignor the group leader uses').choices(['range', 'roundrobin']).default('range'))
    .addOption(new Option('--isolation <level>', 'read_committed skips aborted transactions').choices(['read_uncommitted', 'read_committed']).default('read_uncommitted'))
    .option('--read-committed', 'same as --isolation read_committed')
    .option('-f, --format <format>', "json (one object per line) or a template: %t topic, %p partition, %o offset, %T timestamp, %k key, %K key length, %s value, %S value length, %h headers, %% a percent sign; \\n \\t escapes", '%s\\n')
    .option('--no-progress', 'no progress line on a terminal')
    .addHelpText('after', '\nWithout -g, -o applies to every partition; with -g, committed offsets win and -o applies where\nthe group has none. Ctrl-C stops (a group member commits and leaves first).\n' + examples('brook consume events -o start -e', 'brook consume events -n 10 -o start --format json', "brook consume events -o -5 -f '%p:%o %k=%s\\n'", 'brook consume events -o @2024-05-01T00:00:00Z', 'brook consume events -o 1h -g billing'))
    .action((topics: string[], flags) => act(async () => (await import('./commands/consume.js')).consume(topics, flags)));

  // ---- group ----
  const group = program.command('group').description('list, describe, seek and delete consumer groups');
  group.addHelpText('after', examples('brook group list', 'brook group describe billing', 'brook group seek billing --to start --topics events --execute', 'brook group delete billing'));

  withFormatOption(withClientOptions(group.command('list')))
    .alias('ls')
    .description('list consumer groups with their state')
    .addHelpText('after', examples('brook group list', 'brook group list --format json'))
    .action((flags) => act(async () => (await groupCommands()).groupList(flags)));

  withFormatOption(withClientOptions(group.command('describe')))
    .description('members, assignments, committed offsets and lag per partition')
    .argument('<groups...>')
    .addHelpText('after', examples('brook group describe billing', 'brook group describe billing --format json'))
    .action((groups: string[], flags) => act(async () => (await groupCommands()).groupDescribe(groups, flags)));

  withFormatOption(withClientOptions(group.command('seek')))
    .description("move a group's committed offsets (dry run unless --execute; the group must have no members)")
    .argument('<group>')
    .option('--to <where>', 'start, end, an offset, @TIMESTAMP (ms or ISO-8601), or a duration ago (-1h)')
    .option('--shift <n>', 'move each committed offset by n (negative: back)')
    .option('--topics <topic[:partitions]...>', 'topics to move (e.g. events or events:0,1); repeatable or comma-separated', collect)
    .option('--all-topics', 'every topic the group has committed offsets for')
    .option('--execute', 'commit the new offsets (without it, only the plan is shown)')
    .addHelpText('after', "\nOffsets beyond a partition's end or before its start are moved to the end or start, as\nkafka-consumer-groups.sh --reset-offsets does.\n" + examples('brook group seek billing --to start --topics events', 'brook group seek billing --to start --topics events --execute', 'brook group seek billing --shift -10 --topics events:0 --execute', 'brook group seek billing --to 2024-05-01T00:00:00Z --all-topics --execute'))
    .action((groupId: string, flags) => act(async () => (await groupCommands()).groupSeek(groupId, flags)));

  withFormatOption(withClientOptions(group.command('delete')))
    .alias('rm')
    .description('delete groups and their committed offsets (each must have no members)')
    .argument('<groups...>')
    .addHelpText('after', examples('brook group delete billing'))
    .action((groups: string[], flags) => act(async () => (await groupCommands()).groupDelete(groups, flags)));

  // ---- cluster ----
  const cluster = program.command('cluster').description('the cluster: brokers, controller, API versions');
  withFormatOption(withClientOptions(cluster.command('info')))
    .description('cluster id, brokers, controller and the API versions the broker speaks')
    .addHelpText('after', examples('brook cluster info', 'brook cluster info -b kafka-1:9092 --format json'))
    .action((flags) => act(async () => (await import('./commands/cluster.js')).clusterInfo(flags)));

  // ---- log (offline) ----
  const log = program.command('log').description("inspect a broker's data files offline (like kafka-dump-log.sh)");
  withFormatOption(log.command('dump'))
    .description('print the batches and records of segment files (.log), or the entries of index files')
    .argument('<paths...>', 'segment or index files, partition directories or a data directory')
    .option('--no-records', 'print batches only')
    .option('-d, --print-data', 'print record keys, values and headers')
    .addHelpText('after', examples('brook log dump data/orders-0', 'brook log dump data/orders-0/00000000000000000000.log --print-data', 'brook log dump data/orders-0/00000000000000000000.index'))
    .action((paths: string[], flags) => act(async () => (await import('./commands/log.js')).logDump(paths, flags)));
  withFormatOption(log.command('verify'))
    .description('check every batch (size, magic, CRC, offsets) and index entry; say where a file is damaged')
    .argument('<paths...>', 'segment files, partition directories or a data directory')
    .addHelpText('after', '\nExit code 1 when anything is damaged. Run it on a stopped broker: a running one keeps the\nactive segment\'s indexes in memory and writes them at shutdown.\n' + examples('brook log verify data', 'brook log verify data/orders-0/00000000000000000000.log'))
    .action((paths: string[], flags) => act(async () => (await import('./commands/log.js')).logVerify(paths, flags)));

  addSharedOptions();
  return program;
}

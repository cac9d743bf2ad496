// `brook serve --help`: every broker setting with its default, so the help is the reference for
// configuration. The other commands' help comes from their declarations in program.ts.

import { formatValue } from '../config/config-def.js';
import type { ConfigDef } from '../config/config-def.js';
import { BROKER_CONFIG_DEFS } from '../config/broker-config-defs.js';
import { envVarName } from '../config/load-broker-config.js';
import { TOPIC_CONFIG_DEFS, TOPIC_CONFIG_SYNONYMS } from '../config/topic-config.js';

const WIDTH = 100;

export function serveHelp(): string {
  const lines = [
    'Usage: brook serve [--port N] [--host H] [--data-dir DIR] [--config FILE] [--set name=value]...',
    '                   [--log-level LEVEL] [--log-format pretty|json] [--metrics-port N]',
    '',
    'Start a single-node Kafka-compatible broker. It prints its bootstrap address and runs until',
    'SIGINT or SIGTERM, then stops cleanly.',
    '',
    'Options:',
    '  -p, --port N          Port of the first listener (listeners); 0 picks a free port',
    '  -H, --host H          Host of the first listener; "" binds every interface',
    '  -d, --data-dir DIR    Data directory (log.dirs)',
    '      --metrics-port N  Serve /metrics (Prometheus), /healthz and /readyz over HTTP on this port',
    '                        (metrics.port); 0 picks a free port; default: off',
    '  -c, --config FILE     Java .properties file with Kafka setting names (server.properties)',
    '  -s, --set NAME=VALUE  Set a broker setting; repeatable',
    '      --log-level L     fatal, error, warn, info (default: start-up, recovery, replay, topics,',
    '                        stop), debug (also one line per request) or silent; env BROOK_LOG_LEVEL',
    '      --log-format F    Logs (on stderr): pretty or json; default pretty on a terminal, json',
    '                        otherwise; env BROOK_LOG_FORMAT',
    '  -h, --help            Show this help',
    '',
    'Every setting can also come from the environment as BROOK_<NAME>: upper case, dots as',
    `underscores, e.g. ${envVarName('num.partitions')}=3 or ${envVarName('log.dirs')}=/var/lib/brook.`,
    'Precedence, lowest first: defaults < --config < environment < --set < --port/--host/--data-dir.',
    'Unknown names are errors. Settings marked "no effect" are accepted so Kafka configuration files',
    'work, but a single Brook node has no use for them.',
    '',
    'Exit codes: 0 stopped cleanly, 1 invalid configuration, 2 invalid command line, 3 cannot listen',
    '(port in use: --port), 4 data directory locked by another broker, 5 data directory unusable,',
    '70 internal error, 130/143 SIGINT/SIGTERM before the broker was up.',
    '',
    'Broker settings:',
  ];
  for (const def of BROKER_CONFIG_DEFS) lines.push(...describe(def, brokerNotes(def)));
  lines.push('', 'Topic settings (per topic through CreateTopics or AlterConfigs; default from the broker setting named):');
  for (const def of TOPIC_CONFIG_DEFS) {
    const synonym = TOPIC_CONFIG_SYNONYMS.get(def.name)?.[0];
    lines.push(...describe(def, synonym === undefined ? [] : [`broker default: ${synonym}`]));
  }
  return `${lines.join('\n')}\n`;
}

function brokerNotes(def: ConfigDef): string[] {
  const notes: string[] = [];
  if (def.kafkaDefault !== undefined) notes.push(`Kafka default: ${def.kafkaDefault}`);
  if (def.ignored) notes.push('no effect in Brook');
  return notes;
}

function describe(def: ConfigDef, notes: readonly string[]): string[] {
  const text = formatValue(def, def.default);
  const shown = text === null ? 'null' : text === '' ? '""' : text;
  const header = `  ${def.name} (${def.type}, default ${shown}${notes.length === 0 ? '' : `; ${notes.join('; ')}`})`;
  return [header, ...wrap(def.doc, '      ')];
}

function wrap(text: string, indent: string): string[] {
  const lines: string[] = [];
  let line = indent;
  for (const word of text.split(/\s+/)) {
    if (line.length + word.length + 1 > WIDTH && line.trim() !== '') {
      lines.push(line.trimEnd());
      line = indent;
    }
    line += `${word} `;
  }
  if (line.trim() !== '') lines.push(line.trimEnd());
  return lines;
}

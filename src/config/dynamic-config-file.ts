// The configuration changed through the admin APIs that must survive restarts: dynamic broker
// settings (per broker, by node id, and the cluster-wide default under "") and group settings
// (per group id). Kafka keeps both in its metadata log; Brook keeps them in one small JSON file in
// the data directory, brook-dynamic-configs.json, rewritten whole on each change (tmp file, fsync,
// rename), so a crash leaves the old or the new content, never a mix, and a failed write (disk
// full) leaves the old content and no temporary file.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const DYNAMIC_CONFIG_FILE = 'brook-dynamic-configs.json';

export type ConfigMap = Readonly<Record<string, string>>;

export interface DynamicConfigs {
  /** BROKER resources by name: "" is the cluster-wide default, otherwise a node id. */
  readonly brokers: Readonly<Record<string, ConfigMap>>;
  /** GROUP resources by group id. */
  readonly groups: Readonly<Record<string, ConfigMap>>;
}

interface FileContent extends DynamicConfigs {
  readonly version: 1;
}

export const NO_DYNAMIC_CONFIGS: DynamicConfigs = { brokers: {}, groups: {} };

export class DynamicConfigFile {
  readonly path: string;

  constructor(dataDir: string) {
    this.path = join(dataDir, DYNAMIC_CONFIG_FILE);
  }

  /**
   * The saved configs, or none when the file does not exist yet. A file that cannot be parsed
   * throws an Error named CorruptFileError, which start-up reports in one line.
   */
  load(): DynamicConfigs {
    if (!existsSync(this.path)) return NO_DYNAMIC_CONFIGS;
    let parsed: Partial<FileContent>;
    try {
      parsed = JSON.parse(readFileSync(this.path, 'utf8')) as Partial<FileContent>;
    } catch (err) {
      if (err instanceof SyntaxError) throw corrupt(this.path, err.message);
      throw err;
    }
    if (parsed?.version !== 1) throw corrupt(this.path, `unsupported version ${String(parsed?.version)}`);
    return { brokers: stringMaps(parsed.brokers), groups: stringMaps(parsed.groups) };
  }

  save(configs: DynamicConfigs): void {
    const content: FileContent = { version: 1, brokers: dropEmpty(configs.brokers), groups: dropEmpty(configs.groups) };
    mkdirSync(join(this.path, '..'), { recursive: true });
    const tmp = `${this.path}.tmp`;
    try {
      writeFileSync(tmp, JSON.stringify(content, null, 1));
      const fd = openSync(tmp, 'r+');
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, this.path);
    } catch (err) {
      try {
        unlinkSync(tmp);
      } catch {
        // never created, or the file system refuses: the original error is the one to report
      }
      throw err;
    }
  }
}

/** Recognised by name at start-up (config may not import the layers that define the class). */
function corrupt(path: string, detail: string): Error {
  const err = new Error(`${path} is not valid (${detail})`);
  err.name = 'CorruptFileError';
  return err;
}

function stringMaps(value: unknown): Record<string, ConfigMap> {
  const out: Record<string, ConfigMap> = {};
  if (value === null || typeof value !== 'object') return out;
  for (const [resource, configs] of Object.entries(value as Record<string, unknown>)) {
    if (configs === null || typeof configs !== 'object') continue;
    out[resource] = Object.fromEntries(Object.entries(configs as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string'));
  }
  return out;
}

function dropEmpty(maps: Readonly<Record<string, ConfigMap>>): Record<string, ConfigMap> {
  return Object.fromEntries(Object.entries(maps).filter(([, m]) => Object.keys(m).length > 0));
}

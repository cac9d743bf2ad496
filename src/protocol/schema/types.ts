/** Kafka message schema as data: the shape of Apache Kafka's message JSON, names in camelCase. */
export interface FieldSchema {
  readonly name: string;
  /** bool, int8, int16, uint16, int32, int64, float64, string, bytes, records, uuid, a struct name, or `[]` + one of these. */
  readonly type: string;
  /** Kafka's version range syntax: "3+", "0-2", "5", "none". */
  readonly versions: string;
  readonly nullableVersions?: string;
  readonly tag?: number;
  readonly taggedVersions?: string;
  readonly default?: string;
  readonly ignorable?: boolean;
  readonly fields?: readonly FieldSchema[];
}

export interface MessageSchema {
  readonly validVersions: string;
  readonly flexibleVersions: string;
  readonly fields: readonly FieldSchema[];
}

export interface ApiSchema {
  readonly apiKey: number;
  readonly name: string;
  readonly request: MessageSchema;
  readonly response: MessageSchema;
}

export interface VersionRange {
  readonly min: number;
  readonly max: number; // inclusive; Infinity for "N+"
}

export function parseVersions(spec: string): VersionRange {
  if (spec === 'none') return { min: 1, max: 0 };
  if (spec.endsWith('+')) return { min: Number(spec.slice(0, -1)), max: Infinity };
  const [lo, hi] = spec.split('-');
  return { min: Number(lo), max: Number(hi ?? lo) };
}

export function inVersions(spec: string | undefined, version: number): boolean {
  if (spec === undefined) return false;
  const r = parseVersions(spec);
  return version >= r.min && version <= r.max;
}

// A configuration definition with Kafka's semantics: a name, a type, a default, documentation and
// an optional validator. Values arrive as strings (properties file, environment, --set, the
// AlterConfigs/CreateTopics APIs) and are parsed and validated the way Kafka's ConfigDef does it,
// with the same error messages, so INVALID_CONFIG answers read like Kafka's.

export type ConfigTypeName =
  | 'boolean'
  | 'string'
  | 'int'
  | 'short'
  | 'long'
  | 'double'
  | 'list'
  | 'class'
  | 'password';

/** DescribeConfigs' ConfigType ids (DescribeConfigsResponse v3+). */
export const ConfigType = {
  UNKNOWN: 0,
  BOOLEAN: 1,
  STRING: 2,
  INT: 3,
  SHORT: 4,
  LONG: 5,
  DOUBLE: 6,
  LIST: 7,
  CLASS: 8,
  PASSWORD: 9,
} as const;

/**
 * A parsed value. Numbers of type long are plain numbers: Java's Long.MAX_VALUE ("never", "no
 * limit") becomes Infinity and Long.MIN_VALUE -Infinity, so comparisons keep their meaning; other
 * longs beyond 2^53 lose precision, which no setting in practice needs.
 */
export type ConfigValue = boolean | number | string | readonly string[] | null;

export type Importance = 'high' | 'medium' | 'low';

/** Kafka's "Dynamic update mode"; only read-only settings are reported with ReadOnly=true. */
export type UpdateMode = 'read-only' | 'per-broker' | 'cluster-wide';

/** Returns an error message (Kafka's wording) or undefined when the value is acceptable. */
export interface ConfigValidator {
  (value: ConfigValue): string | undefined;
  /** Kafka's "Valid Values" column, e.g. "[1,...]". */
  readonly description: string;
}

export interface ConfigDef {
  readonly name: string;
  readonly type: ConfigTypeName;
  /** Parsed default; null is Kafka's "null" default (not set). */
  readonly default: ConfigValue;
  readonly doc: string;
  readonly importance: Importance;
  /** Sensitive values are never returned by DescribeConfigs (value null). */
  readonly sensitive: boolean;
  readonly validator?: ConfigValidator;
  /** Allowed strings; for a list, allowed elements. Case-sensitive, as in Kafka. */
  readonly validValues?: readonly string[];
  readonly updateMode: UpdateMode;
  /** Accepted for compatibility with Kafka configuration files but without effect in Brook. */
  readonly ignored: boolean;
  /** Kafka's default when Brook's differs (shown in --help). */
  readonly kafkaDefault?: string;
}

export interface ConfigDefSpec {
  readonly name: string;
  readonly type: ConfigTypeName;
  readonly default: ConfigValue;
  readonly doc: string;
  readonly importance?: Importance;
  readonly sensitive?: boolean;
  readonly validator?: ConfigValidator;
  readonly validValues?: readonly string[];
  readonly updateMode?: UpdateMode;
  readonly ignored?: boolean;
  readonly kafkaDefault?: string;
}

/** Java's Long.MAX_VALUE as a parsed long. */
export const LONG_MAX = Number.POSITIVE_INFINITY;
export const INT_MAX = 2147483647;
const LONG_MAX_TEXT = '9223372036854775807';
const LONG_MIN_TEXT = '-9223372036854775808';

/** Kafka's ConfigException: "Invalid value V for configuration N: message". */
export class ConfigException extends Error {
  readonly configName: string | undefined;

  constructor(name: string | undefined, value: unknown, message?: string) {
    super(
      name === undefined
        ? (message ?? 'Invalid configuration')
        : `Invalid value ${displayValue(value)} for configuration ${name}${message === undefined ? '' : `: ${message}`}`,
    );
    this.name = 'ConfigException';
    this.configName = name;
  }
}

/** A plain-message ConfigException (Kafka's `new ConfigException(message)`). */
export function configError(message: string): ConfigException {
  return new ConfigException(undefined, undefined, message);
}

function displayValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.join(', ')}]`;
  if (value === Number.POSITIVE_INFINITY) return LONG_MAX_TEXT;
  if (value === Number.NEGATIVE_INFINITY) return LONG_MIN_TEXT;
  return String(value);
}

/** Builds a definition: fills Kafka's defaults for optional fields and checks the default. */
export function define(spec: ConfigDefSpec): ConfigDef {
  const def: ConfigDef = {
    name: spec.name,
    type: spec.type,
    default: spec.default,
    doc: spec.doc,
    importance: spec.importance ?? 'medium',
    sensitive: spec.sensitive ?? spec.type === 'password',
    updateMode: spec.updateMode ?? 'read-only',
    ignored: spec.ignored ?? false,
    ...(spec.validator === undefined ? {} : { validator: spec.validator }),
    ...(spec.validValues === undefined ? {} : { validValues: spec.validValues }),
    ...(spec.kafkaDefault === undefined ? {} : { kafkaDefault: spec.kafkaDefault }),
  };
  // Kafka's ConfigKey validates its default too: a wrong default is a bug in this table.
  if (def.default !== null) validateValue(def, def.default);
  return def;
}

const INTEGER = /^[+-]?\d+$/;
// Java's Double.parseDouble, minus hexadecimal floats.
const DOUBLE = /^[+-]?(?:NaN|Infinity|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[fFdD]?)$/;

/** Parses a string the way Kafka's ConfigDef.parseType does, then validates it. */
export function parseValue(def: ConfigDef, raw: string): ConfigValue {
  const value = parseType(def, raw);
  if (value !== null) validateValue(def, value);
  return value;
}

function parseType(def: ConfigDef, raw: string): ConfigValue {
  const trimmed = raw.trim();
  switch (def.type) {
    case 'boolean': {
      const lower = trimmed.toLowerCase();
      if (lower === 'true') return true;
      if (lower === 'false') return false;
      throw new ConfigException(def.name, raw, 'Expected value to be either true or false');
    }
    case 'string':
    case 'class':
    case 'password':
      return trimmed;
    case 'int':
      return parseInteger(def, raw, trimmed, 32, 'INT');
    case 'short':
      return parseInteger(def, raw, trimmed, 16, 'SHORT');
    case 'long':
      return parseInteger(def, raw, trimmed, 64, 'LONG');
    case 'double': {
      if (!DOUBLE.test(trimmed)) throw new ConfigException(def.name, raw, 'Not a number of type DOUBLE');
      return Number(trimmed.replace(/[fFdD]$/, ''));
    }
    case 'list':
      // Kafka splits on commas with surrounding whitespace and keeps empty elements.
      return trimmed === '' ? [] : trimmed.split(/\s*,\s*/);
  }
}

function parseInteger(def: ConfigDef, raw: string, trimmed: string, bits: 16 | 32 | 64, typeName: string): number {
  if (!INTEGER.test(trimmed)) throw new ConfigException(def.name, raw, `Not a number of type ${typeName}`);
  const big = BigInt(trimmed);
  const limit = 1n << BigInt(bits - 1);
  if (big < -limit || big >= limit) throw new ConfigException(def.name, raw, `Not a number of type ${typeName}`);
  if (bits === 64) {
    if (big === limit - 1n) return Number.POSITIVE_INFINITY;
    if (big === -limit) return Number.NEGATIVE_INFINITY;
  }
  return Number(big);
}

/** Throws ConfigException when `value` breaks the definition's valid values or validator. */
export function validateValue(def: ConfigDef, value: ConfigValue): void {
  if (def.validValues !== undefined) {
    const allowed = def.validValues;
    const elements = Array.isArray(value) ? (value as readonly string[]) : [value];
    for (const element of elements) {
      if (typeof element !== 'string' || !allowed.includes(element)) {
        throw new ConfigException(def.name, element, `String must be one of: ${allowed.join(', ')}`);
      }
    }
  }
  const message = def.validator?.(value);
  if (message !== undefined) throw new ConfigException(def.name, value, message);
}

/** Kafka's ConfigDef.convertToString: the form DescribeConfigs and --help show. */
export function formatValue(def: ConfigDef, value: ConfigValue): string | null {
  if (value === null) return null;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') {
    if (def.type === 'double') return javaDoubleToString(value);
    if (value === Number.POSITIVE_INFINITY) return LONG_MAX_TEXT;
    if (value === Number.NEGATIVE_INFINITY) return LONG_MIN_TEXT;
    return String(value);
  }
  return value.join(',');
}

/** Java's Double.toString: "0.5", "1.0", "1.0E7", "1.7976931348623157E308". */
export function javaDoubleToString(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? 'Infinity' : '-Infinity';
  if (n === 0) return Object.is(n, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(n);
  if (abs >= 1e-3 && abs < 1e7) {
    const text = String(n);
    return text.includes('.') ? text : `${text}.0`;
  }
  const [mantissa, exponent] = n.toExponential().split('e') as [string, string];
  const digits = mantissa.includes('.') ? mantissa : `${mantissa}.0`;
  return `${digits}E${exponent.replace('+', '')}`;
}

function numberText(n: number): string {
  return n === Number.POSITIVE_INFINITY ? LONG_MAX_TEXT : String(n);
}

/** Kafka's Range.atLeast. */
export function atLeast(min: number): ConfigValidator {
  return Object.assign(
    (value: ConfigValue) =>
      typeof value === 'number' && value < min ? `Value must be at least ${numberText(min)}` : undefined,
    { description: `[${numberText(min)},...]` },
  );
}

/** Kafka's Range.between (inclusive). */
export function between(min: number, max: number): ConfigValidator {
  return Object.assign(
    (value: ConfigValue) => {
      if (typeof value !== 'number') return undefined;
      if (value < min) return `Value must be at least ${numberText(min)}`;
      if (value > max) return `Value must be no more than ${numberText(max)}`;
      return undefined;
    },
    { description: `[${numberText(min)},...,${numberText(max)}]` },
  );
}

/** A validator with its own check and "Valid Values" text. */
export function validator(description: string, check: (value: ConfigValue) => string | undefined): ConfigValidator {
  return Object.assign((value: ConfigValue) => check(value), { description });
}

/** Indexes definitions by name; a duplicate name is a bug in the tables. */
export function indexDefs(defs: readonly ConfigDef[]): ReadonlyMap<string, ConfigDef> {
  const map = new Map<string, ConfigDef>();
  for (const def of defs) {
    if (map.has(def.name)) throw new Error(`duplicate config definition ${def.name}`);
    map.set(def.name, def);
  }
  return map;
}

/** The DescribeConfigs ConfigType id of a definition. */
export function configTypeId(def: ConfigDef): number {
  return ConfigType[def.type.toUpperCase() as keyof typeof ConfigType];
}

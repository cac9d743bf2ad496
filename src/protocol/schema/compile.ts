import { Reader } from '../primitives/reader.js';
import { Writer } from '../primitives/writer.js';
import { inVersions, type FieldSchema, type MessageSchema } from './types.js';

export interface Codec<T = Record<string, unknown>> {
  decode(r: Reader): T;
  encode(w: Writer, value: T): void;
}

const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';
const INT_TYPES = new Set(['int8', 'int16', 'uint16', 'int32', 'int64', 'float64']);

/**
 * Compiles one version of a message schema into a straight-line decoder and encoder (generated
 * JavaScript, built once per API version): no per-field interpretation on the hot path.
 */
export function compile<T = Record<string, unknown>>(schema: MessageSchema, version: number): Codec<T> {
  const flexible = inVersions(schema.flexibleVersions, version);
  const gen = new Generator(version, flexible);
  const root = gen.struct(schema.fields);
  const source = `${gen.functions.join('\n')}\nreturn { decode: d${root}, encode: e${root} };`;
  return new Function('Writer', 'DEFAULTS', source)(Writer, gen.defaults) as Codec<T>;
}

class Generator {
  readonly functions: string[] = [];
  /** Default values that are objects (arrays, structs), shared by reference into generated code. */
  readonly defaults: unknown[] = [];
  private next = 0;

  constructor(
    private readonly version: number,
    private readonly flexible: boolean,
  ) {}

  /** Emits decode/encode functions for a struct; returns their numeric suffix. */
  struct(fields: readonly FieldSchema[]): number {
    const id = this.next++;
    const present = fields.filter((f) => inVersions(f.versions, this.version));
    const isTagged = (f: FieldSchema) => f.tag !== undefined && inVersions(f.taggedVersions, this.version);
    const plain = present.filter((f) => !isTagged(f));
    const tagged = present.filter(isTagged).sort((a, b) => a.tag! - b.tag!);
    const absent = fields.filter((f) => !inVersions(f.versions, this.version));

    const dec: string[] = ['const o = {};'];
    const enc: string[] = [];
    for (const f of plain) {
      dec.push(`o.${f.name} = ${this.decodeExpr(f)};`);
      enc.push(this.encodeStmt(f, `o.${f.name}`, 'w'));
    }
    for (const f of [...tagged, ...absent]) dec.push(`o.${f.name} = ${this.defaultExpr(f)};`);
    if (this.flexible) {
      const cases = tagged.map((f) => `case ${f.tag}: o.${f.name} = ${this.decodeExpr(f)}; break;`);
      dec.push(
        `for (let n = r.uvarint(); n > 0; n--) { const tag = r.uvarint(), size = r.uvarint(), end = r.pos + size;`,
        `  switch (tag) { ${cases.join(' ')} default: r.skip(size); } r.pos = end; }`,
      );
      if (tagged.length === 0) {
        enc.push('w.uvarint(0);');
      } else {
        enc.push('const tags = [];');
        for (const f of tagged) {
          enc.push(
            `if (${this.isSetExpr(f, `o.${f.name}`)}) { const w = new Writer(64); ${this.encodeStmt(f, `o.${f.name}`, 'w')} tags.push(${f.tag}, w.toBuffer()); }`,
          );
        }
        enc.push('w.uvarint(tags.length / 2); for (let i = 0; i < tags.length; i += 2) { w.uvarint(tags[i]); w.uvarint(tags[i + 1].length); w.raw(tags[i + 1]); }');
      }
    }
    dec.push('return o;');
    this.functions.push(`function d${id}(r) { ${dec.join('\n')} }`, `function e${id}(w, o) { ${enc.join('\n')} }`);
    return id;
  }

  private nullable(f: FieldSchema): boolean {
    return inVersions(f.nullableVersions, this.version);
  }

  private decodeExpr(f: FieldSchema): string {
    const flex = this.flexible;
    const nullable = this.nullable(f);
    if (f.type.startsWith('[]')) {
      const elem = f.type.slice(2);
      const item = f.fields ? `d${this.struct(f.fields)}(r)` : this.primitiveDecode(elem, false);
      const len = flex ? 'r.compactArrayLength()' : 'r.arrayLength()';
      const onNull = nullable ? 'null' : `(() => { throw new RangeError('null array ${f.name}'); })()`;
      return `((n) => { if (n < 0) return ${onNull}; const a = new Array(n); for (let i = 0; i < n; i++) a[i] = ${item}; return a; })(${len})`;
    }
    if (f.fields) {
      const s = `d${this.struct(f.fields)}(r)`;
      return nullable ? `(r.int8() < 0 ? null : ${s})` : s;
    }
    return this.primitiveDecode(f.type, nullable);
  }

  private primitiveDecode(type: string, nullable: boolean): string {
    const flex = this.flexible;
    switch (type) {
      case 'bool':
        return 'r.bool()';
      case 'int8':
      case 'int16':
      case 'uint16':
      case 'int32':
      case 'int64':
      case 'float64':
      case 'uuid':
        return `r.${type}()`;
      case 'string':
        return flex ? (nullable ? 'r.compactNullableString()' : 'r.compactString()') : nullable ? 'r.nullableString()' : 'r.string()';
      case 'bytes':
        return flex ? (nullable ? 'r.compactNullableBytes()' : 'r.compactBytes()') : nullable ? 'r.nullableBytes()' : 'r.bytes()';
      case 'records':
        return flex ? 'r.compactNullableBytes()' : 'r.nullableBytes()';
      default:
        throw new Error(`unknown type ${type}`);
    }
  }

  private encodeStmt(f: FieldSchema, v: string, w: string): string {
    const flex = this.flexible;
    const nullable = this.nullable(f);
    const val = `(${v} === undefined ? ${this.defaultExpr(f)} : ${v})`;
    if (f.type.startsWith('[]')) {
      const elem = f.type.slice(2);
      const item = f.fields ? `e${this.struct(f.fields)}(${w}, a[i]);` : this.primitiveEncode(elem, 'a[i]', w, false);
      const writeLen = (n: string) => (flex ? `${w}.uvarint(${n} + 1);` : `${w}.int32(${n});`);
      const writeNull = flex ? `${w}.uvarint(0);` : `${w}.int32(-1);`;
      return `{ const a = ${val}; if (a === null) { ${nullable ? writeNull : writeLen('0')} } else { ${writeLen('a.length')} for (let i = 0; i < a.length; i++) ${item} } }`;
    }
    if (f.fields) {
      const id = this.struct(f.fields);
      if (nullable) return `{ const s = ${v}; if (s == null) ${w}.int8(-1); else { ${w}.int8(1); e${id}(${w}, s); } }`;
      return `e${id}(${w}, ${v} ?? {});`;
    }
    return this.primitiveEncode(f.type, val, w, nullable);
  }

  private primitiveEncode(type: string, v: string, w: string, nullable: boolean): string {
    const flex = this.flexible;
    switch (type) {
      case 'bool':
      case 'int8':
      case 'int16':
      case 'uint16':
      case 'int32':
      case 'int64':
      case 'float64':
      case 'uuid':
        return `${w}.${type}(${v});`;
      case 'string':
        if (flex) return nullable ? `${w}.compactNullableString(${v});` : `${w}.compactString(${v} ?? '');`;
        return nullable ? `${w}.nullableString(${v});` : `${w}.string(${v} ?? '');`;
      case 'bytes':
        if (flex) return nullable ? `${w}.compactNullableBytes(${v});` : `${w}.compactBytes(${v} ?? Buffer.alloc(0));`;
        return nullable ? `${w}.nullableBytes(${v});` : `${w}.bytes(${v} ?? Buffer.alloc(0));`;
      case 'records':
        return `${w}.records(${v}, ${flex});`;
      default:
        throw new Error(`unknown type ${type}`);
    }
  }

  /** True when a tagged field must be written: set and different from its default. */
  private isSetExpr(f: FieldSchema, v: string): string {
    if (f.type.startsWith('[]')) return `${v} != null && ${v}.length > 0`;
    if (f.fields) return `${v} != null`;
    return `${v} !== undefined && ${v} !== ${this.defaultExpr(f)}`;
  }

  private defaultExpr(f: FieldSchema): string {
    const d = f.default;
    const nullable = f.nullableVersions !== undefined && inVersions(f.nullableVersions, this.version);
    if (f.type.startsWith('[]')) return d === 'null' && nullable ? 'null' : '[]';
    if (f.fields) {
      if (nullable) return 'null';
      this.defaults.push(defaultStruct(f.fields));
      return `structuredClone(DEFAULTS[${this.defaults.length - 1}])`;
    }
    if (INT_TYPES.has(f.type)) {
      if (d === undefined) return '0';
      const n = d.startsWith('0x') ? Number.parseInt(d, 16) : Number(d);
      return String(n);
    }
    switch (f.type) {
      case 'bool':
        return d === 'true' ? 'true' : 'false';
      case 'string':
        if (d === 'null') return nullable ? 'null' : "''";
        return JSON.stringify(d ?? '');
      case 'uuid':
        return `'${ZERO_UUID}'`;
      case 'bytes':
        return nullable && d === 'null' ? 'null' : 'Buffer.alloc(0)';
      case 'records':
        return 'null';
      default:
        throw new Error(`unknown type ${f.type}`);
    }
  }
}

function defaultStruct(fields: readonly FieldSchema[]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const f of fields) {
    if (f.type.startsWith('[]')) o[f.name] = [];
    else if (f.fields) o[f.name] = defaultStruct(f.fields);
    else if (f.type === 'string') o[f.name] = f.default === 'null' ? null : (f.default ?? '');
    else if (f.type === 'bool') o[f.name] = f.default === 'true';
    else if (f.type === 'uuid') o[f.name] = ZERO_UUID;
    else if (f.type === 'bytes' || f.type === 'records') o[f.name] = null;
    else o[f.name] = f.default === undefined ? 0 : Number(f.default);
  }
  return o;
}

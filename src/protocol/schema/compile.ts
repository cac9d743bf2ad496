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
  return new Function('Writer', source)(Writer) as Codec<T>;
}

class Generator {
  readonly functions: string[] = [];
  private next = 0;
  /**
   * One set of functions per struct definition. The same fields array is reached from the
   * decoder, the encoder and the defaults; without this, each nesting level doubled the code.
   */
  private readonly ids = new Map<readonly FieldSchema[], number>();
  /** Structs whose encoded default (`b<id>()`) has been emitted. */
  private readonly defaultBytes = new Set<number>();

  constructor(
    private readonly version: number,
    private readonly flexible: boolean,
  ) {}

  /** Emits decode (d), encode (e) and default (z) functions for a struct; returns their suffix. */
  struct(fields: readonly FieldSchema[]): number {
    const known = this.ids.get(fields);
    if (known !== undefined) return known;
    const id = this.next++;
    this.ids.set(fields, id);
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
        // The size bounds known tags too: one claiming more than the frame holds is malformed.
        `for (let n = r.uvarint(); n > 0; n--) { const tag = r.uvarint(), size = r.uvarint(), end = r.pos + size;`,
        `  if (end > r.end) throw new RangeError('tagged field ' + tag + ' overruns the frame');`,
        `  switch (tag) { ${cases.join(' ')} } r.pos = end; }`,
      );
      if (tagged.length === 0) {
        enc.push('w.uvarint(0);');
      } else {
        enc.push('const tags = [];');
        for (const f of tagged) enc.push(this.taggedEncodeStmt(f, `o.${f.name}`));
        enc.push('w.uvarint(tags.length / 2); for (let i = 0; i < tags.length; i += 2) { w.uvarint(tags[i]); w.uvarint(tags[i + 1].length); w.raw(tags[i + 1]); }');
      }
    }
    dec.push('return o;');
    const zero = fields.map((f) => `${f.name}: ${this.defaultExpr(f)}`).join(', ');
    this.functions.push(
      `function d${id}(r) { ${dec.join('\n')} }`,
      `function e${id}(w, o) { ${enc.join('\n')} }`,
      `function z${id}() { return { ${zero} }; }`,
    );
    return id;
  }

  /**
   * A tagged field is written only when it differs from its default, as Kafka's generated code
   * does; a non-nullable struct is compared by its encoding (Kafka compares with equals()).
   */
  private taggedEncodeStmt(f: FieldSchema, v: string): string {
    if (f.fields && !f.type.startsWith('[]') && !this.nullable(f)) {
      const id = this.struct(f.fields);
      if (!this.defaultBytes.has(id)) {
        this.defaultBytes.add(id);
        this.functions.push(
          `let B${id}; function b${id}() { if (B${id} === undefined) { const w = new Writer(16); e${id}(w, z${id}()); B${id} = w.toBuffer(); } return B${id}; }`,
        );
      }
      return `if (${v} != null) { const w = new Writer(64); e${id}(w, ${v}); const b = w.toBuffer(); if (!b.equals(b${id}())) tags.push(${f.tag}, b); }`;
    }
    return `if (${this.isSetExpr(f, v)}) { const w = new Writer(64); ${this.encodeStmt(f, v, 'w')} tags.push(${f.tag}, w.toBuffer()); }`;
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

  /** True when a tagged field must be written: set (not undefined) and different from its default. */
  private isSetExpr(f: FieldSchema, v: string): string {
    const sized = f.type.startsWith('[]') || f.type === 'bytes' || f.type === 'records';
    if (f.fields && !f.type.startsWith('[]')) return `${v} != null`; // nullable struct, default null
    if (!sized) return `${v} !== undefined && ${v} !== ${this.defaultExpr(f)}`;
    if (this.defaultExpr(f) === 'null') return `${v} != null`;
    // Default empty: null differs from it where the version allows null.
    const nonEmpty = `${v} != null && ${v}.length > 0`;
    return this.nullable(f) ? `(${v} === null || ${nonEmpty})` : nonEmpty;
  }

  /**
   * A fresh default value. A "null" default applies in every version, as in Kafka (which only
   * allows it on fields nullable wherever they exist), so an absent field reads as null.
   */
  private defaultExpr(f: FieldSchema): string {
    const d = f.default;
    const nullable = f.nullableVersions !== undefined && f.nullableVersions !== 'none';
    if (f.type.startsWith('[]')) return d === 'null' && nullable ? 'null' : '[]';
    if (f.fields) return nullable ? 'null' : `z${this.struct(f.fields)}()`;
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

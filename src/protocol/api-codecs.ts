import { compile, type Codec } from './schema/compile.js';
import { inVersions, parseVersions, type ApiSchema } from './schema/types.js';
import { apiSchemas } from './messages/index.js';

export interface ApiVersionCodecs {
  readonly flexible: boolean;
  readonly request: Codec;
  readonly response: Codec;
}

/** Compiled codecs for every (API, version) the schemas define, built on first use and kept. */
export class ApiCodecs {
  private readonly byKey = new Map<number, ApiSchema>();
  private readonly cache = new Map<number, ApiVersionCodecs>();

  constructor(schemas: readonly ApiSchema[] = apiSchemas) {
    for (const s of schemas) this.byKey.set(s.apiKey, s);
  }

  schema(apiKey: number): ApiSchema | undefined {
    return this.byKey.get(apiKey);
  }

  /** Undefined when the schema does not define that version. */
  get(apiKey: number, version: number): ApiVersionCodecs | undefined {
    const id = apiKey * 1000 + version;
    let c = this.cache.get(id);
    if (c) return c;
    const s = this.byKey.get(apiKey);
    if (!s || !inVersions(s.request.validVersions, version)) return undefined;
    c = {
      flexible: inVersions(s.request.flexibleVersions, version),
      request: compile(s.request, version),
      response: compile(s.response, version),
    };
    this.cache.set(id, c);
    return c;
  }

  versionRange(apiKey: number): { min: number; max: number } | undefined {
    const s = this.byKey.get(apiKey);
    return s && parseVersions(s.request.validVersions);
  }
}

export const apiCodecs = new ApiCodecs();

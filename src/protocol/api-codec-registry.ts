import { compile, type Codec } from './schema/compile.js';
import { inVersions, parseVersions, type ApiSchema } from './schema/types.js';

// Compiled codecs per (API, version), for a given set of API schemas. api-codecs.ts holds the
// set of every API (what the broker serves); a client that needs only a few APIs builds its own
// set and does not pay for loading the other schemas (~60 ms of CPU at CLI start-up, measured).

export interface ApiVersionCodecs {
  readonly flexible: boolean;
  readonly request: Codec;
  readonly response: Codec;
}

/** Compiled codecs for every (API, version) of its schemas, built on first use and kept. */
export class ApiCodecs {
  private readonly byKey = new Map<number, ApiSchema>();
  private readonly cache = new Map<number, ApiVersionCodecs>();

  constructor(schemas: readonly ApiSchema[]) {
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

let everyApi: ApiCodecs | undefined;

/** Called by api-codecs.ts when it loads: the set of every API becomes the default. */
export function setDefaultCodecs(codecs: ApiCodecs): void {
  everyApi = codecs;
}

/**
 * The set of every API, for callers that name no set (the wire-level tests): available once
 * protocol/api-codecs.js has been imported somewhere in the process.
 */
export function defaultCodecs(): ApiCodecs {
  if (!everyApi) throw new Error('no API codecs loaded: import protocol/api-codecs.js, or pass a codec set');
  return everyApi;
}

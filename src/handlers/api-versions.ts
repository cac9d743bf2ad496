// ApiVersions v0-4. Built from the handler registry, so it advertises exactly what is
// implemented. An unknown version is answered by the connection with a v0 response and
// UNSUPPORTED_VERSION (KIP-511). No supported/finalized features are reported: Brook has no
// feature-gated behaviour yet.
import { defineHandler } from './handler.js';
import type { ApiVersionsRequest, ApiVersionsResponse } from '../protocol/messages/api-versions.js';

export const apiVersionsHandler = defineHandler<ApiVersionsRequest, ApiVersionsResponse>({
  apiKey: 18,
  name: 'ApiVersions',
  minVersion: 0,
  maxVersion: 4,
  handle(_req, ctx) {
    return {
      errorCode: 0,
      apiKeys: ctx.broker.apiVersions.map((v) => ({ apiKey: v.apiKey, minVersion: v.minVersion, maxVersion: v.maxVersion })),
      throttleTimeMs: 0,
    };
  },
});

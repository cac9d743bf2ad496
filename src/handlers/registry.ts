import type { Handler } from './handler.js';
import { apiVersionsHandler } from './api-versions.js';
import { metadataHandler } from './metadata.js';
import { produceHandler } from './produce.js';
import { fetchHandler } from './fetch.js';
import { listOffsetsHandler } from './list-offsets.js';

/**
 * Every API this broker answers. ApiVersions advertises exactly this list, so an API appears
 * on the wire only once its handler is registered here.
 */
export const handlers: readonly Handler[] = [
  apiVersionsHandler,
  metadataHandler,
  produceHandler,
  fetchHandler,
  listOffsetsHandler,
] as unknown as readonly Handler[];

import { ApiCodecs, setDefaultCodecs } from './api-codec-registry.js';
import { apiSchemas } from './messages/index.js';

export { ApiCodecs, type ApiVersionCodecs } from './api-codec-registry.js';

/** Codecs of every API the schemas define, built on first use and kept. */
export const apiCodecs = new ApiCodecs(apiSchemas);
setDefaultCodecs(apiCodecs);

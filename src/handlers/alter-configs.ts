// AlterConfigs v0-2 (the legacy API: a resource's given configs replace all its overrides), as
// Kafka 4 answers it (ConfigAdminManager.preprocess, then the controller). A resource named twice
// is INVALID_REQUEST for every copy; a config named twice, or with a null value, is INVALID_REQUEST.
// TOPIC: the resulting overrides are validated (INVALID_CONFIG), then the topic must exist
// (UNKNOWN_TOPIC_OR_PARTITION), then they replace the old ones unless validateOnly. BROKER ('' for
// the cluster-wide default, or this node's id): the given settings replace that resource's dynamic
// settings after Kafka's checks (INVALID_REQUEST: "Cannot update these configs dynamically" for
// read-only settings, ...), are saved and applied. GROUP: the given settings replace the group's
// (INVALID_CONFIG when invalid). Other resource types, BROKER_LOGGER included, are INVALID_REQUEST
// "Unknown resource type". Not implemented: AlterConfigPolicy.
import { defineHandler } from './handler.js';
import { alterBroker, alterEach, alterGroup, alterTopic, checkChanges, ConfigResourceType, invalidRequest, type ApiError } from './config-resource.js';
import type { BrokerContext } from './broker-context.js';
import type {
  AlterConfigsRequest,
  AlterConfigsRequestAlterConfigsResource,
  AlterConfigsResponse,
} from '../protocol/messages/alter-configs.js';

function alter(r: AlterConfigsRequestAlterConfigsResource, broker: BrokerContext, validateOnly: boolean): ApiError {
  const shapeError = checkChanges(r.configs);
  if (shapeError) return shapeError;
  // checkChanges refused null values, so every value is a string.
  const overrides = Object.fromEntries(r.configs.map((c) => [c.name, c.value as string]));
  switch (r.resourceType) {
    case ConfigResourceType.TOPIC:
      return alterTopic(broker, r.resourceName, () => ({ overrides }), validateOnly);
    case ConfigResourceType.BROKER:
      return alterBroker(broker, r.resourceName, () => ({ overrides }), validateOnly);
    case ConfigResourceType.GROUP:
      return alterGroup(broker, r.resourceName, () => ({ overrides }), validateOnly);
    default:
      return invalidRequest(`Unknown resource type ${r.resourceType}`);
  }
}

export const alterConfigsHandler = defineHandler<AlterConfigsRequest, AlterConfigsResponse>({
  apiKey: 33,
  name: 'AlterConfigs',
  minVersion: 0,
  maxVersion: 2,
  handle(req, ctx) {
    return { throttleTimeMs: 0, responses: alterEach(req.resources, (r) => alter(r, ctx.broker, req.validateOnly)) };
  },
});

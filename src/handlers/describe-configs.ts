// DescribeConfigs v0-4, as Kafka 4's ConfigHelper answers it. TOPIC: every topic setting with its
// value, source and synonyms (UNKNOWN_TOPIC_OR_PARTITION for a topic that does not exist,
// INVALID_TOPIC_EXCEPTION for an illegal name). BROKER: this node's id gives every broker setting
// (its value with the dynamic ones applied, sources DYNAMIC_BROKER_CONFIG, DYNAMIC_DEFAULT_BROKER_CONFIG,
// STATIC_BROKER_CONFIG, DEFAULT_CONFIG); the empty name gives the cluster-wide dynamic defaults
// only; any other id is INVALID_REQUEST. GROUP: every group setting, the group's own (GROUP_CONFIG)
// or the broker's default; the group need not exist. BROKER_LOGGER (this node's id): the one
// logger Brook has, "root", with its level. configurationKeys filters by name (null or empty: all;
// unknown names are left out). Synonyms are sent only when asked (v1+), documentation likewise
// (v3+); the type is sent from v3; v0's isDefault is "the source is the default". Sensitive values
// are null. The error message is "" unless an error says more (Kafka leaves the field at its
// default there). CLIENT_METRICS resources are not implemented: INVALID_REQUEST per resource.
import { defineHandler } from './handler.js';
import type { BrokerContext } from './broker-context.js';
import { ErrorCode } from '../protocol/errors.js';
import { topicNameError } from '../cluster/topic-name.js';
import { ConfigSource, type ConfigEntry } from '../config/config-store.js';
import { ConfigType } from '../config/config-def.js';
import { ConfigResourceType, invalidRequest, resourceTypeName, rootLogLevel, ROOT_LOGGER, type ApiError } from './config-resource.js';
import type {
  DescribeConfigsRequest,
  DescribeConfigsRequestDescribeConfigsResource,
  DescribeConfigsResponse,
  DescribeConfigsResponseDescribeConfigsResourceResult,
  DescribeConfigsResponseDescribeConfigsResult,
} from '../protocol/messages/describe-configs.js';

type Entry = DescribeConfigsResponseDescribeConfigsResourceResult;

interface Options {
  readonly includeSynonyms: boolean;
  readonly includeDocumentation: boolean;
}

function toEntry(e: ConfigEntry, opts: Options): Entry {
  return {
    name: e.name,
    value: e.value,
    readOnly: e.readOnly,
    isDefault: e.source === ConfigSource.DEFAULT_CONFIG,
    configSource: e.source,
    isSensitive: e.sensitive,
    synonyms: opts.includeSynonyms ? e.synonyms.map((s) => ({ name: s.name, value: s.value, source: s.source })) : [],
    configType: e.type,
    documentation: opts.includeDocumentation ? e.documentation : null,
  };
}

/** Java's Integer.parseInt accepts an optional sign and decimal digits. */
function isInteger(text: string): boolean {
  return /^[+-]?\d{1,10}$/.test(text) && Math.abs(Number(text)) <= 2147483647;
}

function describe(r: DescribeConfigsRequestDescribeConfigsResource, broker: BrokerContext, opts: Options): Entry[] | ApiError {
  switch (r.resourceType) {
    case ConfigResourceType.TOPIC: {
      const nameError = topicNameError(r.resourceName);
      if (nameError) return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: nameError };
      const topic = broker.cluster.topic(r.resourceName);
      if (!topic) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: '' };
      return broker.configs.describeTopic(topic.configs).map((e) => toEntry(e, opts));
    }
    case ConfigResourceType.BROKER: {
      if (r.resourceName === '') return broker.configs.describeBrokerDefaults().map((e) => toEntry(e, opts));
      if (!isInteger(r.resourceName)) return invalidRequest(`Broker id must be an integer, but it is: ${r.resourceName}`);
      if (Number(r.resourceName) !== broker.nodeId) {
        return invalidRequest(`Unexpected broker id, expected ${broker.nodeId} or empty string, but received ${r.resourceName}`);
      }
      return broker.configs.describeBroker().map((e) => toEntry(e, opts));
    }
    case ConfigResourceType.BROKER_LOGGER: {
      if (r.resourceName === '') return invalidRequest('Broker id must not be empty');
      if (!isInteger(r.resourceName)) return invalidRequest(`Broker id must be an integer, but it is: ${r.resourceName}`);
      if (Number(r.resourceName) !== broker.nodeId) {
        return invalidRequest(`Unexpected broker id, expected ${broker.nodeId} but received ${r.resourceName}`);
      }
      return [{
        name: ROOT_LOGGER,
        value: rootLogLevel(broker),
        readOnly: false,
        isDefault: false,
        configSource: ConfigSource.DYNAMIC_BROKER_LOGGER_CONFIG,
        isSensitive: false,
        synonyms: [],
        configType: ConfigType.UNKNOWN,
        documentation: null,
      }];
    }
    case ConfigResourceType.GROUP:
      if (r.resourceName === '') return invalidRequest('Group name must not be empty');
      return broker.configs.describeGroup(r.resourceName).map((e) => toEntry(e, opts));
    case ConfigResourceType.CLIENT_METRICS:
      return invalidRequest(`Resource type ${resourceTypeName(r.resourceType)} is not supported by this broker`);
    default:
      return invalidRequest(`Unsupported resource type: ${r.resourceType}`);
  }
}

export const describeConfigsHandler = defineHandler<DescribeConfigsRequest, DescribeConfigsResponse>({
  apiKey: 32,
  name: 'DescribeConfigs',
  minVersion: 0,
  maxVersion: 4,
  handle(req, ctx) {
    const opts: Options = {
      includeSynonyms: ctx.apiVersion >= 1 && req.includeSynonyms,
      includeDocumentation: ctx.apiVersion >= 3 && req.includeDocumentation,
    };
    const results = req.resources.map((r): DescribeConfigsResponseDescribeConfigsResult => {
      const base = { resourceType: r.resourceType, resourceName: r.resourceName };
      const found = describe(r, ctx.broker, opts);
      if (!Array.isArray(found)) return { ...base, errorCode: found.errorCode, errorMessage: found.errorMessage, configs: [] };
      const keys = r.configurationKeys;
      const configs = keys === null || keys.length === 0 ? found : found.filter((e) => keys.includes(e.name));
      return { ...base, errorCode: ErrorCode.NONE, errorMessage: '', configs };
    });
    return { throttleTimeMs: 0, results };
  },
});

// IncrementalAlterConfigs v0-1 (KIP-339), as Kafka 4 answers it (ConfigAdminManager.preprocess,
// then ConfigurationControlManager.incrementalAlterConfigResource). Operations: SET (0), DELETE
// (1, back to the default), APPEND (2) and SUBTRACT (3) for LIST settings (elements split on ',',
// APPEND skips elements already present, SUBTRACT removes one occurrence each; an unset setting
// starts from its default). A resource named twice is INVALID_REQUEST for every copy; a config
// named twice, or a null value outside DELETE, is INVALID_REQUEST. TOPIC: the resulting overrides
// are validated (INVALID_CONFIG), then the topic must exist (UNKNOWN_TOPIC_OR_PARTITION), then
// they apply unless validateOnly; all of a resource's changes apply or none. BROKER ('' for the
// cluster-wide default, or this node's id): the operations apply to that resource's saved dynamic
// settings, which are checked as Kafka's ConfigAdminManager does (INVALID_REQUEST; APPEND/SUBTRACT
// on a setting that is not a list is INVALID_CONFIG), saved and applied. GROUP: the operations
// apply to the group's settings (INVALID_CONFIG when the result is invalid). BROKER_LOGGER (this
// node's id): SET of the "root" logger's level changes the broker's log level. Not implemented:
// AlterConfigPolicy; CLIENT_METRICS resources (INVALID_REQUEST).
import { defineHandler } from './handler.js';
import { ErrorCode } from '../protocol/errors.js';
import { formatValue } from '../config/config-def.js';
import { TOPIC_CONFIGS } from '../config/topic-config.js';
import { BROKER_CONFIGS } from '../config/broker-config.js';
import { GROUP_CONFIGS } from '../config/group-config.js';
import type { ConfigDef } from '../config/config-def.js';
import {
  alterBroker,
  alterEach,
  alterGroup,
  alterLoggers,
  AlterOp,
  alterTopic,
  checkChanges,
  checkNodeName,
  ConfigResourceType,
  invalidRequest,
  resourceTypeName,
  type ApiError,
  type Computed,
} from './config-resource.js';
import type { BrokerContext } from './broker-context.js';
import type {
  IncrementalAlterConfigsRequest,
  IncrementalAlterConfigsRequestAlterableConfig,
  IncrementalAlterConfigsRequestAlterConfigsResource,
  IncrementalAlterConfigsResponse,
} from '../protocol/messages/incremental-alter-configs.js';

type Change = IncrementalAlterConfigsRequestAlterableConfig;

/** How a resource type's settings are typed, and how it refuses APPEND/SUBTRACT on a non-list. */
interface Schema {
  readonly defs: ReadonlyMap<string, ConfigDef>;
  notList(op: 'APPEND' | 'SUBTRACT', name: string): ApiError;
}

/** The controller's wording (ConfigurationControlManager), for TOPIC and GROUP. */
const controllerSchema = (defs: ReadonlyMap<string, ConfigDef>): Schema => ({
  defs,
  notList: (op, name) => ({ errorCode: ErrorCode.INVALID_CONFIG, errorMessage: `Can't ${op} to key ${name} because its type is not LIST.` }),
});

const TOPIC_SCHEMA = controllerSchema(TOPIC_CONFIGS);
const GROUP_SCHEMA = controllerSchema(GROUP_CONFIGS);
/** The broker's wording (ConfigAdminManager.prepareIncrementalConfigs), for BROKER. */
const BROKER_SCHEMA: Schema = {
  defs: BROKER_CONFIGS,
  notList: (op, name) =>
    BROKER_CONFIGS.has(name)
      ? { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: `Config value ${op === 'APPEND' ? 'append' : 'subtract'} is not allowed for config key: ${name}` }
      : { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: `Unknown config name: ${name}` },
};

/** The elements of a LIST setting's value; an unset setting starts from its own default. */
function parts(def: ConfigDef, value: string | undefined): string[] {
  const text = value ?? formatValue(def, def.default) ?? '';
  return text.split(',').filter((p) => p !== '');
}

/** Applies the operations to a resource's current settings. */
function apply(current: Readonly<Record<string, string>>, changes: readonly Change[], schema: Schema): Computed {
  const next: Record<string, string> = { ...current };
  for (const c of changes) {
    switch (c.configOperation) {
      case AlterOp.SET:
        next[c.name] = c.value as string;
        break;
      case AlterOp.DELETE:
        delete next[c.name];
        break;
      case AlterOp.APPEND:
      case AlterOp.SUBTRACT: {
        const op = c.configOperation === AlterOp.APPEND ? 'APPEND' : 'SUBTRACT';
        const def = schema.defs.get(c.name);
        if (def?.type !== 'list') return { error: schema.notList(op, c.name) };
        const list = parts(def, next[c.name]);
        for (const v of (c.value as string).split(',')) {
          if (c.configOperation === AlterOp.APPEND) {
            if (!list.includes(v)) list.push(v);
          } else {
            const at = list.indexOf(v);
            if (at >= 0) list.splice(at, 1);
          }
        }
        next[c.name] = list.join(',');
        break;
      }
      default:
        return { error: invalidRequest(`Unknown operations type ${c.configOperation}`) };
    }
  }
  return { overrides: next };
}

function alter(r: IncrementalAlterConfigsRequestAlterConfigsResource, broker: BrokerContext, validateOnly: boolean): ApiError {
  const shapeError = checkChanges(r.configs);
  if (shapeError) return shapeError;
  switch (r.resourceType) {
    case ConfigResourceType.TOPIC:
      return alterTopic(broker, r.resourceName, (current) => apply(current, r.configs, TOPIC_SCHEMA), validateOnly);
    case ConfigResourceType.BROKER: {
      const nameError = r.resourceName === '' ? null : checkNodeName(r.resourceName, broker.nodeId);
      if (nameError) return nameError;
      const unknownOp = r.configs.find((c) => c.configOperation < AlterOp.SET || c.configOperation > AlterOp.SUBTRACT);
      if (unknownOp) return invalidRequest(`Unknown operations type ${unknownOp.configOperation}`);
      return alterBroker(broker, r.resourceName, (current) => apply(current, r.configs, BROKER_SCHEMA), validateOnly);
    }
    case ConfigResourceType.GROUP:
      return alterGroup(broker, r.resourceName, (current) => apply(current, r.configs, GROUP_SCHEMA), validateOnly);
    case ConfigResourceType.BROKER_LOGGER:
      return alterLoggers(broker, r.resourceName, r.configs, validateOnly);
    case ConfigResourceType.CLIENT_METRICS:
      return invalidRequest(`Resource type ${resourceTypeName(r.resourceType)} is not supported by this broker`);
    default:
      return invalidRequest(`Unknown resource type ${r.resourceType}`);
  }
}

export const incrementalAlterConfigsHandler = defineHandler<IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse>({
  apiKey: 44,
  name: 'IncrementalAlterConfigs',
  minVersion: 0,
  maxVersion: 1,
  handle(req, ctx) {
    return { throttleTimeMs: 0, responses: alterEach(req.resources, (r) => alter(r, ctx.broker, req.validateOnly)) };
  },
});

// Client libraries wrap broker errors differently: kafkajs sets `type` to Kafka's error name,
// @platformatic/kafka nests ProtocolErrors (with `apiId`) inside AggregateErrors, librdkafka
// prints a sentence. This flattens an error tree so a test can ask "does it name X?".

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  type?: unknown;
  apiId?: unknown;
  errors?: unknown;
  cause?: unknown;
}

/** Every error in the tree (AggregateError.errors and cause chains), depth first. */
export function flattenErrors(err: unknown, out: ErrorLike[] = [], depth = 0): ErrorLike[] {
  if (err === null || typeof err !== 'object' || depth > 10) return out;
  const e = err as ErrorLike;
  out.push(e);
  if (Array.isArray(e.errors)) for (const inner of e.errors) flattenErrors(inner, out, depth + 1);
  if (e.cause !== undefined) flattenErrors(e.cause, out, depth + 1);
  return out;
}

/** Kafka error names found anywhere in the tree (kafkajs `type`, platformatic `apiId`). */
export function kafkaErrorNames(err: unknown): string[] {
  const names: string[] = [];
  for (const e of flattenErrors(err)) {
    for (const v of [e.type, e.apiId]) if (typeof v === 'string') names.push(v);
  }
  return names;
}

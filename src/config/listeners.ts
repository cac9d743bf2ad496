// Kafka's listener syntax: NAME://host:port, comma-separated. The name selects a security protocol
// through listener.security.protocol.map; an empty host means every interface; IPv6 hosts are
// written in brackets. Errors use Kafka's wording.

import { configError } from './config-def.js';

export interface Listener {
  /** Upper-cased listener name, e.g. PLAINTEXT. */
  readonly name: string;
  /** '' binds every interface. */
  readonly host: string;
  /** 0 lets the OS pick a free port. */
  readonly port: number;
  readonly securityProtocol: string;
}

const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'];
// Kafka's uriParseExp: the host part may be bracketed (IPv6) and may be empty.
const ENDPOINT = /^(.*):\/\/\[?([0-9a-zA-Z\-%._:]*?)\]?:(-?[0-9]+)$/;

/** Parses listener.security.protocol.map ("NAME:PROTOCOL,..."). */
export function parseSecurityProtocolMap(value: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const entry of value.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const colon = entry.lastIndexOf(':');
    if (colon <= 0) throw configError(`Invalid listener.security.protocol.map entry "${entry}": expected NAME:PROTOCOL`);
    const name = entry.slice(0, colon).trim().toUpperCase();
    const protocol = entry.slice(colon + 1).trim().toUpperCase();
    if (!SECURITY_PROTOCOLS.includes(protocol)) {
      throw configError(`Invalid listener.security.protocol.map: ${protocol} is not a security protocol (${SECURITY_PROTOCOLS.join(', ')})`);
    }
    map.set(name, protocol);
  }
  return map;
}

/** Parses a list of endpoints ("PLAINTEXT://localhost:9092", ...) against the protocol map. */
export function parseListeners(
  configName: string,
  endpoints: readonly string[],
  protocols: ReadonlyMap<string, string>,
): Listener[] {
  const listeners: Listener[] = [];
  for (const text of endpoints) {
    const match = ENDPOINT.exec(text.trim());
    if (match === null) throw configError(`Unable to parse ${text} to a broker endpoint`);
    const [, rawName, host, portText] = match as unknown as [string, string, string, string];
    const port = Number(portText);
    if (port < 0 || port > 65535) {
      throw configError(`Invalid port ${port} in ${configName} (${text}): must be between 0 and 65535`);
    }
    const name = rawName.toUpperCase();
    const securityProtocol = protocols.get(name);
    if (securityProtocol === undefined) throw configError(`No security protocol defined for listener ${name}`);
    listeners.push({ name, host, port, securityProtocol });
  }
  const names = listeners.map((l) => l.name);
  if (new Set(names).size !== names.length) {
    throw configError(`Each listener must have a different name, ${configName}: ${endpoints.join(',')}`);
  }
  return listeners;
}

/** Splits a comma-separated setting (listeners are strings in Kafka, not lists). */
export function splitCsv(value: string | null): string[] {
  return value === null ? [] : value.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/** Writes a listener back in Kafka's syntax. */
export function formatListener(listener: Pick<Listener, 'name' | 'host' | 'port'>): string {
  const host = listener.host.includes(':') ? `[${listener.host}]` : listener.host;
  return `${listener.name}://${host}:${listener.port}`;
}

/** True for hosts that bind every interface and can't be given to clients. */
export function isWildcardHost(host: string): boolean {
  return host === '' || host === '0.0.0.0' || host === '::' || host === '[::]';
}

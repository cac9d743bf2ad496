import { readFileSync } from 'node:fs';

// dist/src/version.js -> package.json at the package root.
const PACKAGE_JSON = new URL('../../package.json', import.meta.url);
let cached: string | undefined;

/** Brook's version from package.json (read once; 'unknown' if the file cannot be read). */
export function brookVersion(): string {
  if (cached !== undefined) return cached;
  try {
    cached = (JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    cached = 'unknown';
  }
  return cached;
}

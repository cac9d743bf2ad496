import { randomBytes } from 'node:crypto';

const LEGAL = /^[a-zA-Z0-9._-]+$/;
export const MAX_TOPIC_NAME_LENGTH = 249;

/** Kafka's rules (Topic.validate): returns why a name is illegal, or null when it is fine. */
export function topicNameError(name: string): string | null {
  if (name.length === 0) return 'Topic name is illegal, it can\'t be empty';
  if (name === '.' || name === '..') return 'Topic name cannot be "." or ".."';
  if (name.length > MAX_TOPIC_NAME_LENGTH) return `Topic name is illegal, it can't be longer than ${MAX_TOPIC_NAME_LENGTH} characters, topic name: ${name}`;
  if (!LEGAL.test(name)) return `Topic name "${name}" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`;
  return null;
}

/** '.' and '_' collide in metric names, so Kafka refuses topics that differ only by them. */
export function collisionKey(name: string): string {
  return name.replace(/\./g, '_');
}

export const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

/** A random Kafka Uuid in its text form; like Kafka, never one whose text starts with '-'. */
export function randomUuid(): string {
  for (;;) {
    const s = randomBytes(16).toString('base64url');
    if (!s.startsWith('-') && s !== ZERO_UUID) return s;
  }
}

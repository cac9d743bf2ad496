import type { LogConfig } from '../config/log-config.js';

/**
 * A topic's effective settings (its overrides over the broker's defaults), typed. The same
 * object configures the partition (validation, timestamps) and its log (segments, flush,
 * retention), which reads the subset it knows.
 */
export type TopicSettings = LogConfig;

export interface TopicSettingsResolver {
  /** Null when every name is known and every value valid; otherwise Kafka's error. */
  validate(overrides: Record<string, string>): { errorCode: number; message: string } | null;
  resolve(overrides: Record<string, string>): TopicSettings;
}

// The sensor example's topics. Readings are keyed by device: one device's readings stay in one
// partition, in the order the device sent them, which is what per-device windows need.
export const READINGS = 'sensor-readings';
export const WINDOWS = 'sensor-windows';

/** One-minute tumbling windows. */
export const WINDOW_MS = 60_000;
/** How long after a window's end a late reading is still counted in it. */
export const GRACE_MS = 10_000;

export interface Reading {
  deviceId: string;
  /** Event time: when the device measured, ms since the epoch (the record timestamp too). */
  at: number;
  value: number;
}

export interface WindowSummary {
  deviceId: string;
  windowStart: number;
  count: number;
  min: number;
  max: number;
  sum: number;
  mean: number;
}

// Simulated devices: every device sends one reading per second of event time. Some readings are
// delayed in transit (a flaky uplink): most by a few seconds (late, but within the grace period)
// and a few by more than a window plus the grace (too late to count). The generator knows which,
// so the scenario can compute the right answer independently of the processor.
import { GRACE_MS, WINDOW_MS, type Reading } from './events.js';

export interface Generated {
  /** What is sent, tick by tick, in sending order. */
  ticks: Reading[][];
  /** Readings meant to be counted (everything except the too-late ones and the final ones). */
  counted: Reading[];
  late: number;
  tooLate: number;
}

const LATE_DELAY_S = 3;
/** More than a window plus the grace period, in seconds. */
const TOO_LATE_DELAY_S = (WINDOW_MS + GRACE_MS) / 1000 + 5;

export function generateReadings(devices: number, minutes: number, base: number): Generated {
  const seconds = minutes * 60;
  const ticks: Reading[][] = Array.from({ length: seconds + 1 }, () => []);
  const counted: Reading[] = [];
  let late = 0;
  let tooLate = 0;
  let n = 0;
  // Devices measure at different points of each second; within a second they are sent in the
  // order measured, so only the delayed readings arrive behind the watermark.
  const offsetOf = (d: number): number => (d * 37) % 1000;
  const order = Array.from({ length: devices }, (_, d) => d).sort((a, b) => offsetOf(a) - offsetOf(b));
  for (let t = 0; t < seconds; t++) {
    for (const d of order) {
      n++;
      const r: Reading = { deviceId: `device-${d}`, at: base + t * 1000 + offsetOf(d), value: ((n * 7919) % 10_000) / 100 };
      if (n % 211 === 5 && t + TOO_LATE_DELAY_S < seconds) {
        ticks[t + TOO_LATE_DELAY_S].push(r);
        tooLate++;
        continue;
      }
      if (n % 23 === 7 && t + LATE_DELAY_S < seconds) {
        ticks[t + LATE_DELAY_S].push(r);
        late++;
      } else {
        ticks[t].push(r);
      }
      counted.push(r);
    }
  }
  // A last reading per device, two minutes on: it moves every watermark past the last window's
  // grace period, so all windows above close. Its own window stays open (and unchecked).
  for (let d = 0; d < devices; d++) ticks[seconds].push({ deviceId: `device-${d}`, at: base + (seconds + 120) * 1000, value: 0 });
  return { ticks, counted, late, tooLate };
}

// A consumer of the summaries (consumer group "dashboard"): what a dashboard or an alerting
// service would read instead of the raw readings. Keyed by device and window, so a summary
// published twice would simply overwrite itself.
import type { Cluster } from '../shared/cluster.js';
import { GroupService } from '../shared/group-service.js';
import { WINDOWS, type WindowSummary } from './events.js';

export class Dashboard {
  /** "device|windowStart" -> summary */
  readonly windows = new Map<string, WindowSummary>();
  received = 0;
  private member: GroupService<WindowSummary> | undefined;

  constructor(private readonly cluster: Pick<Cluster, 'bootstrap' | 'topic' | 'group'>) {}

  async start(): Promise<void> {
    this.member = await GroupService.start<WindowSummary>({
      name: 'dashboard',
      groupId: this.cluster.group('dashboard'),
      topics: [this.cluster.topic(WINDOWS)],
      bootstrap: this.cluster.bootstrap,
      handle: (batch) => {
        for (const d of batch) {
          this.received++;
          this.windows.set(`${d.value.deviceId}|${d.value.windowStart}`, d.value);
        }
      },
    });
  }

  async stop(): Promise<void> {
    await this.member?.stop();
    this.member = undefined;
  }
}

// The broker's Prometheus registry. Names are Kafka's JMX metric names as the Prometheus JMX
// exporter's usual Kafka rules turn them into Prometheus names (lower case, `<domain>_<type>_<name>`,
// `PerSec` meters as `_total` counters, dashes as underscores), and consumer-group lag as
// kafka_exporter names it, so that existing Kafka dashboards work with few changes. Counters on
// the request path are plain numbers (RequestMetrics); everything else is read from the broker
// when Prometheus scrapes. The README lists every metric.
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { AccumulatedHistogram, type HistogramCell } from './accumulated-histogram.js';
import { RequestMetrics } from './request-metrics.js';
import type { TopicCounters } from './topic-traffic.js';

/** What the registry reads of the broker at scrape time; attached once the broker is built. */
export interface MetricsSource {
  /** Name of the client listener, Kafka's `listener` label (PLAINTEXT). */
  readonly listener: string;
  topics(): Iterable<{
    readonly name: string;
    readonly partitions: readonly { readonly index: number; readonly offline: unknown; readonly log: { readonly size: number; readonly logStartOffset: number; readonly logEndOffset: number; readonly numberOfSegments: number } }[];
  }>;
  /** Every directory of log.dirs and whether its disk failed. */
  logDirs(): readonly { readonly path: string; readonly offline: boolean }[];
  topicExists(name: string): boolean;
  topicName(topicId: string): string | undefined;
  groups(): readonly {
    readonly groupId: string;
    readonly members: readonly unknown[];
    readonly offsets: readonly { readonly topic: string; readonly partition: number; readonly committedOffset: number; readonly lag: number | undefined }[];
  }[];
  connections(): { readonly open: number; readonly accepted: number };
  /** The log cleaner's gauges (Kafka LogCleaner, LogCleanerManager); without it they read 0. */
  cleaner?(): {
    readonly maxBufferUtilizationPercent: number;
    readonly cleanerRecopyPercent: number;
    readonly maxCleanTimeSecs: number;
    readonly maxCompactionDelaySecs: number;
    readonly deadThreadCount: number;
    readonly uncleanablePartitionsCount: number;
    readonly maxDirtyPercent: number;
    readonly timeSinceLastRunMs: number;
  };
}

/**
 * Node's default metrics (event-loop delay, CPU, memory, GC) describe the process, not one
 * broker: they are collected once per process, in their own registry, and every broker's scrape
 * includes them. (prom-client's collectors cannot be stopped, so collecting them per broker
 * would pile up observers as brokers start and stop in one process.)
 */
let processRegistry: Registry | undefined;

function processMetrics(): Registry {
  if (processRegistry === undefined) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** Request total time buckets in ms: from a cached metadata answer to a long-polling fetch. */
const TOTAL_TIME_MS_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000];
/** fsync buckets in ms: page-cache-backed tmpfs to a slow spinning disk. */
const FLUSH_MS_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500];

/** BrokerTopicMetrics meters: the Prometheus name part and the counter field. */
const TOPIC_METERS: readonly (readonly [string, keyof TopicCounters, string])[] = [
  ['messagesin', 'messagesIn', 'Records appended (Kafka MessagesInPerSec).'],
  ['bytesin', 'bytesIn', 'Record-batch bytes appended by producers (Kafka BytesInPerSec).'],
  ['bytesout', 'bytesOut', 'Record-batch bytes returned to fetchers (Kafka BytesOutPerSec).'],
  ['messagesout', 'messagesOut', 'Records returned to fetchers (Brook; Kafka has no such meter).'],
  ['totalproducerequests', 'produceRequests', 'Partitions in produce requests (Kafka TotalProduceRequestsPerSec).'],
  ['failedproducerequests', 'failedProduceRequests', 'Produce partitions answered with an error (Kafka FailedProduceRequestsPerSec).'],
  ['totalfetchrequests', 'fetchRequests', 'Partitions in fetch requests (Kafka TotalFetchRequestsPerSec).'],
  ['failedfetchrequests', 'failedFetchRequests', 'Fetch partitions answered with an error (Kafka FailedFetchRequestsPerSec).'],
];

export class BrokerMetrics {
  /** This broker's metrics; scrape() adds the process's (Node's default metrics). */
  readonly registry = new Registry();
  /** The connection layer's observer. */
  readonly requests: RequestMetrics;
  /** fsync/fdatasync durations of the log layer, in ms. */
  readonly fsync: HistogramCell;
  private source: MetricsSource | undefined;
  private groupsSnapshot: { at: number; groups: ReturnType<MetricsSource['groups']> } | undefined;

  constructor() {
    const r = this.registry;
    const totalTime = new AccumulatedHistogram(r, 'kafka_network_requestmetrics_totaltimems', 'Time from reading a request to its response being ready, in ms, per API (Kafka RequestMetrics TotalTimeMs).', TOTAL_TIME_MS_BUCKETS, 'request');
    this.requests = new RequestMetrics({ exists: (name) => this.source?.topicExists(name) ?? false, nameOf: (id) => this.source?.topicName(id) }, totalTime);
    this.fsync = new AccumulatedHistogram(r, 'kafka_log_logflushstats_logflushrateandtimems', 'Duration of each fsync/fdatasync of log segments, indexes and checkpoints, in ms (Kafka LogFlushStats LogFlushRateAndTimeMs).', FLUSH_MS_BUCKETS).cell();
    this.requestCounters(r);
    this.topicCounters(r);
    this.logGauges(r);
    this.brokerGauges(r);
    this.groupGauges(r);
    this.cleanerGauges(r);
  }

  /** From now on the scrape reads topics, groups and connections from `source`. */
  attach(source: MetricsSource): void {
    this.source = source;
  }

  /** The exposition text, every value read now: this broker's metrics and the process's. */
  scrape(): Promise<string> {
    this.groupsSnapshot = undefined;
    return Registry.merge([this.registry, processMetrics()]).metrics();
  }

  topicDeleted(name: string): void {
    this.requests.traffic.topicDeleted(name);
  }

  private requestCounters(r: Registry): void {
    const apis = this.requests.apis;
    new Counter({
      name: 'kafka_network_requestmetrics_requests_total', help: 'Requests answered, per API and version (Kafka RequestMetrics RequestsPerSec).', labelNames: ['request', 'version'], registers: [r],
      collect() {
        this.reset();
        for (const api of apis) {
          if (api === undefined) continue;
          api.requests.forEach((n, version) => this.inc({ request: api.name, version }, n));
        }
      },
    });
    new Counter({
      name: 'kafka_network_requestmetrics_errors_total', help: 'Error codes in responses, one per partition, group or resource that carried one; NONE is not counted (Kafka RequestMetrics ErrorsPerSec).', labelNames: ['request', 'error'], registers: [r],
      collect() {
        this.reset();
        for (const api of apis) if (api !== undefined) for (const [error, n] of api.errors) this.inc({ request: api.name, error }, n);
      },
    });
  }

  private topicCounters(r: Registry): void {
    const traffic = this.requests.traffic;
    for (const [part, field, help] of TOPIC_METERS) {
      new Counter({
        name: `kafka_server_brokertopicmetrics_${part}_total`, help: `${help} Without a topic label: all topics.`, labelNames: ['topic'], registers: [r],
        collect() {
          this.reset();
          this.inc(traffic.all[field]);
          for (const [topic, c] of traffic.byTopic) this.inc({ topic }, c[field]);
        },
      });
    }
  }

  private logGauges(r: Registry): void {
    const partitionGauge = (name: string, help: string, value: (log: { size: number; logStartOffset: number; logEndOffset: number; numberOfSegments: number }) => number): void => {
      const self = this;
      new Gauge({
        name, help, labelNames: ['topic', 'partition'], registers: [r],
        collect() {
          this.reset();
          for (const t of self.source?.topics() ?? []) for (const p of t.partitions) this.set({ topic: t.name, partition: p.index }, value(p.log));
        },
      });
    };
    partitionGauge('kafka_log_log_size', 'Bytes of the partition log on disk (Kafka Log Size).', (l) => l.size);
    partitionGauge('kafka_log_log_logstartoffset', 'First offset of the partition log (Kafka Log LogStartOffset).', (l) => l.logStartOffset);
    partitionGauge('kafka_log_log_logendoffset', 'Offset the next record will get (Kafka Log LogEndOffset).', (l) => l.logEndOffset);
    partitionGauge('kafka_log_log_numlogsegments', 'Segments of the partition log (Kafka Log NumLogSegments).', (l) => l.numberOfSegments);
    // kafka_exporter's names for the same offsets, which lag dashboards read.
    partitionGauge('kafka_topic_partition_current_offset', 'Log end offset of the partition (kafka_exporter).', (l) => l.logEndOffset);
    partitionGauge('kafka_topic_partition_oldest_offset', 'Log start offset of the partition (kafka_exporter).', (l) => l.logStartOffset);
    const self = this;
    new Gauge({
      name: 'kafka_topic_partitions', help: 'Partitions of the topic (kafka_exporter).', labelNames: ['topic'], registers: [r],
      collect() {
        this.reset();
        for (const t of self.source?.topics() ?? []) this.set({ topic: t.name }, t.partitions.length);
      },
    });
  }

  private cleanerGauges(r: Registry): void {
    const self = this;
    const gauges: readonly (readonly [string, string, keyof ReturnType<NonNullable<MetricsSource['cleaner']>>])[] = [
      ['kafka_log_logcleaner_max_buffer_utilization_percent', 'Fullest offset map of the cleaner threads\' last cleans, percent (Kafka LogCleaner max-buffer-utilization-percent).', 'maxBufferUtilizationPercent'],
      ['kafka_log_logcleaner_cleaner_recopy_percent', 'Bytes written per byte read by the last cleans, percent (Kafka LogCleaner cleaner-recopy-percent).', 'cleanerRecopyPercent'],
      ['kafka_log_logcleaner_max_clean_time_secs', 'Longest of the threads\' last cleans, seconds (Kafka LogCleaner max-clean-time-secs).', 'maxCleanTimeSecs'],
      ['kafka_log_logcleaner_max_compaction_delay_secs', 'How far past max.compaction.lag.ms the most overdue compacted log is, seconds (Kafka LogCleaner max-compaction-delay-secs).', 'maxCompactionDelaySecs'],
      ['kafka_log_logcleaner_deadthreadcount', 'Cleaner threads that died (Kafka LogCleaner DeadThreadCount).', 'deadThreadCount'],
      ['kafka_log_logcleanermanager_uncleanable_partitions_count', 'Partitions left alone after a failed clean, until restart (Kafka LogCleanerManager uncleanable-partitions-count).', 'uncleanablePartitionsCount'],
      ['kafka_log_logcleanermanager_max_dirty_percent', 'Dirty ratio of the dirtiest compacted log, percent (Kafka LogCleanerManager max-dirty-percent).', 'maxDirtyPercent'],
      ['kafka_log_logcleanermanager_time_since_last_run_ms', 'Since the cleaner last looked for work, ms (Kafka LogCleanerManager time-since-last-run-ms).', 'timeSinceLastRunMs'],
    ];
    for (const [name, help, field] of gauges) {
      new Gauge({ name, help, registers: [r], collect() { this.set(self.source?.cleaner?.()[field] ?? 0); } });
    }
  }

  private brokerGauges(r: Registry): void {
    const self = this;
    const partitions = (): number => {
      let n = 0;
      for (const t of self.source?.topics() ?? []) n += t.partitions.length;
      return n;
    };
    const gauge = (name: string, help: string, value: () => number): void => {
      new Gauge({ name, help, registers: [r], collect() { this.set(value()); } });
    };
    gauge('kafka_server_replicamanager_partitioncount', 'Partitions on this broker, internal topics included (Kafka ReplicaManager PartitionCount).', partitions);
    gauge('kafka_server_replicamanager_leadercount', 'Partitions this broker leads: all of them, it is the only node (Kafka ReplicaManager LeaderCount).', partitions);
    gauge('kafka_server_replicamanager_underreplicatedpartitions', 'Always 0: every partition has its one replica (Kafka ReplicaManager UnderReplicatedPartitions).', () => 0);
    gauge('kafka_controller_kafkacontroller_activecontrollercount', 'Always 1: this node is the controller (Kafka KafkaController ActiveControllerCount).', () => 1);
    const offlinePartitions = (): number => {
      let n = 0;
      for (const t of self.source?.topics() ?? []) for (const p of t.partitions) if (p.offline) n++;
      return n;
    };
    gauge('kafka_controller_kafkacontroller_offlinepartitionscount', 'Partitions whose log directory is offline: they answer KAFKA_STORAGE_ERROR (Kafka KafkaController OfflinePartitionsCount).', offlinePartitions);
    gauge('kafka_server_replicamanager_offlinereplicacount', 'Replicas on an offline log directory (Kafka ReplicaManager OfflineReplicaCount).', offlinePartitions);
    gauge('kafka_log_logmanager_offlinelogdirectorycount', 'Log directories whose disk failed, offline until a restart (Kafka LogManager OfflineLogDirectoryCount).', () => (self.source?.logDirs() ?? []).filter((d) => d.offline).length);
    new Gauge({
      name: 'kafka_log_logmanager_logdirectoryoffline', help: '1 for a log directory that is offline, 0 for one that serves (Kafka LogManager LogDirectoryOffline).', labelNames: ['logdirectory'], registers: [r],
      collect() {
        this.reset();
        for (const d of self.source?.logDirs() ?? []) this.set({ logdirectory: d.path }, d.offline ? 1 : 0);
      },
    });
    new Gauge({
      name: 'kafka_server_socket_server_metrics_connection_count', help: 'Open client connections (Kafka socket-server-metrics connection-count).', labelNames: ['listener'], registers: [r],
      collect() {
        this.reset();
        if (self.source) this.set({ listener: self.source.listener }, self.source.connections().open);
      },
    });
    new Counter({
      name: 'kafka_server_socket_server_metrics_connection_creation_total', help: 'Client connections accepted (Kafka socket-server-metrics connection-creation-total).', labelNames: ['listener'], registers: [r],
      collect() {
        this.reset();
        if (self.source) this.inc({ listener: self.source.listener }, self.source.connections().accepted);
      },
    });
  }

  /** kafka_exporter's consumer-group metrics, from one pass over the groups per scrape. */
  private groupGauges(r: Registry): void {
    const self = this;
    // The four gauges are collected one after the other in one scrape: inspect the groups once
    // per scrape (or per 100 ms when the registry is read directly).
    const groups = (): ReturnType<MetricsSource['groups']> => {
      const now = performance.now();
      if (self.groupsSnapshot === undefined || now - self.groupsSnapshot.at > 100) self.groupsSnapshot = { at: now, groups: self.source?.groups() ?? [] };
      return self.groupsSnapshot.groups;
    };
    new Gauge({
      name: 'kafka_consumergroup_lag', help: 'Log end offset minus committed offset, per partition with a committed offset (kafka_exporter).', labelNames: ['consumergroup', 'topic', 'partition'], registers: [r],
      collect() {
        this.reset();
        for (const g of groups()) for (const o of g.offsets) if (o.lag !== undefined) this.set({ consumergroup: g.groupId, topic: o.topic, partition: o.partition }, o.lag);
      },
    });
    new Gauge({
      name: 'kafka_consumergroup_lag_sum', help: 'Lag of the group summed over the partitions of a topic (kafka_exporter).', labelNames: ['consumergroup', 'topic'], registers: [r],
      collect() {
        this.reset();
        for (const g of groups()) {
          const sums = new Map<string, number>();
          for (const o of g.offsets) if (o.lag !== undefined) sums.set(o.topic, (sums.get(o.topic) ?? 0) + o.lag);
          for (const [topic, lag] of sums) this.set({ consumergroup: g.groupId, topic }, lag);
        }
      },
    });
    new Gauge({
      name: 'kafka_consumergroup_current_offset', help: 'Committed offset of the group, per partition (kafka_exporter).', labelNames: ['consumergroup', 'topic', 'partition'], registers: [r],
      collect() {
        this.reset();
        for (const g of groups()) for (const o of g.offsets) this.set({ consumergroup: g.groupId, topic: o.topic, partition: o.partition }, o.committedOffset);
      },
    });
    new Gauge({
      name: 'kafka_consumergroup_members', help: 'Members of the group (kafka_exporter).', labelNames: ['consumergroup'], registers: [r],
      collect() {
        this.reset();
        for (const g of groups()) this.set({ consumergroup: g.groupId }, g.members.length);
      },
    });
  }
}

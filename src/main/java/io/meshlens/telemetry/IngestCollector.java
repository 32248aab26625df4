package io.meshlens.telemetry;

import io.meshlens.ingest.IngestStats;
import io.meshlens.store.MetricStore;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;

/**
 * Meshlens' own ingest and store health for {@code /metrics}, read from the ingest path's counters
 * at scrape time (the hot path only bumps {@code LongAdder}s; nothing here runs per record).
 *
 * <p>Series: {@code meshlens_ingested_records_total{signal,topic}}, {@code
 * meshlens_ingested_bytes_total{signal,topic}}, {@code meshlens_ingested_total{signal,tenant}}
 * (data points stored), {@code meshlens_discarded_total{signal,reason,tenant}} (records and data
 * points left out; {@code tenant=""} when refused before attribution), {@code
 * meshlens_deadletter_total{signal,reason}}, {@code meshlens_kafka_consumer_lag{topic,partition}},
 * {@code meshlens_store_series}, {@code meshlens_store_samples}, {@code
 * meshlens_ingested_log_bytes_total{tenant}} (access log characters stored) and {@code
 * meshlens_cluster_last_seen_timestamp_seconds{cluster,signal}} (the newest data time stored from
 * each cluster, for the cluster-silent alert; data time, not arrival time, so a Meshlens that lags
 * behind Kafka shows the age of what it has, and the ingest-lag alert says why).
 */
final class IngestCollector implements MultiCollector {

  private final List<IngestStats> signals;
  private final Supplier<Map<TopicPartition, Long>> lag;
  private final MetricStore store;

  IngestCollector(
      List<IngestStats> signals, Supplier<Map<TopicPartition, Long>> lag, MetricStore store) {
    this.signals = List.copyOf(signals);
    this.lag = lag;
    this.store = store;
  }

  @Override
  public MetricSnapshots collect() {
    CounterSnapshot.Builder records =
        CounterSnapshot.builder()
            .name("meshlens_ingested_records")
            .help("Kafka records read, by signal and topic.");
    CounterSnapshot.Builder bytes =
        CounterSnapshot.builder()
            .name("meshlens_ingested_bytes")
            .help("Bytes of Kafka record values read, by signal and topic.");
    CounterSnapshot.Builder points =
        CounterSnapshot.builder()
            .name("meshlens_ingested")
            .help("Data points stored, by signal and tenant.");
    CounterSnapshot.Builder discarded =
        CounterSnapshot.builder()
            .name("meshlens_discarded")
            .help("Records or data points not stored, by signal, reason and tenant.");
    CounterSnapshot.Builder dead =
        CounterSnapshot.builder()
            .name("meshlens_deadletter")
            .help("Records written to the dead-letter topic, by signal and reason.");
    CounterSnapshot.Builder logBytes =
        CounterSnapshot.builder()
            .name("meshlens_ingested_log_bytes")
            .help("Characters of access log lines stored, by tenant.");
    GaugeSnapshot.Builder lastSeen =
        GaugeSnapshot.builder()
            .name("meshlens_cluster_last_seen_timestamp_seconds")
            .help(
                "Newest data time stored from each cluster, by signal (Unix seconds, capped at"
                    + " now).");
    long nowMs = System.currentTimeMillis();
    for (IngestStats s : signals) {
      String sig = s.signal();
      s.bytesByTenant().forEach((t, v) -> logBytes.dataPoint(counter(v, "tenant", t)));
      s.lastSeenByCluster()
          .forEach(
              (c, ms) ->
                  lastSeen.dataPoint(
                      GaugeDataPointSnapshot.builder()
                          .value(Math.min(ms, nowMs) / 1000.0)
                          .labels(Labels.of("cluster", c, "signal", sig))
                          .build()));
      s.recordsByTopic()
          .forEach((t, v) -> records.dataPoint(counter(v, "signal", sig, "topic", t)));
      s.bytesByTopic().forEach((t, v) -> bytes.dataPoint(counter(v, "signal", sig, "topic", t)));
      s.pointsByTenant()
          .forEach((t, v) -> points.dataPoint(counter(v, "signal", sig, "tenant", t)));
      s.rejectedRecords()
          .forEach(
              (r, v) -> discarded.dataPoint(counter(v, "signal", sig, "reason", r, "tenant", "")));
      s.discardedPoints()
          .forEach(
              (r, v) -> discarded.dataPoint(counter(v, "signal", sig, "reason", r, "tenant", "")));
      s.discardedByTenant()
          .forEach(
              (k, v) ->
                  discarded.dataPoint(
                      counter(v, "signal", sig, "reason", k.reason(), "tenant", k.tenant())));
      s.deadLettered().forEach((r, v) -> dead.dataPoint(counter(v, "signal", sig, "reason", r)));
      if (s.duplicateSamples() > 0) {
        // Samples at or before their series' last one: a replay after a restart or rebalance, a
        // producer retry, or out-of-order data (metrics must be keyed by resource).
        discarded.dataPoint(
            counter(s.duplicateSamples(), "signal", sig, "reason", "duplicate", "tenant", ""));
      }
    }
    GaugeSnapshot.Builder lagGauge =
        GaugeSnapshot.builder()
            .name("meshlens_kafka_consumer_lag")
            .help("Records between the consumer's position and the end of each owned partition.");
    lag.get()
        .forEach(
            (tp, v) ->
                lagGauge.dataPoint(
                    GaugeDataPointSnapshot.builder()
                        .value(v)
                        .labels(
                            Labels.of(
                                "topic", tp.topic(), "partition", Integer.toString(tp.partition())))
                        .build()));
    return MetricSnapshots.of(
        records.build(),
        bytes.build(),
        points.build(),
        discarded.build(),
        dead.build(),
        logBytes.build(),
        lastSeen.build(),
        lagGauge.build(),
        gauge("meshlens_store_series", "Series in the metric store.", store.seriesCount()),
        gauge("meshlens_store_samples", "Samples in the metric store.", store.sampleCount()));
  }

  private static CounterDataPointSnapshot counter(long value, String... labels) {
    return CounterDataPointSnapshot.builder().value(value).labels(Labels.of(labels)).build();
  }

  private static GaugeSnapshot gauge(String name, String help, double value) {
    return GaugeSnapshot.builder()
        .name(name)
        .help(help)
        .dataPoint(GaugeDataPointSnapshot.builder().value(value).build())
        .build();
  }
}

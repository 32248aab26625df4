package io.meshlens.telemetry;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The last {@link TenantRollups.Snapshot} on {@code /metrics}: the per-tenant counters, {@code
 * meshlens_tenant_request_duration_seconds} (a classic histogram with {@code le} buckets), {@code
 * meshlens_tenant_cpu_cores}, {@code meshlens_tenant_memory_bytes}, {@code
 * meshlens_tenant_quota_utilisation_ratio{resource}}, {@code meshlens_tenant_active_series}, and
 * the rollup job's own health. A scrape only formats the snapshot; it never queries the store.
 */
final class RollupCollector implements MultiCollector {

  /** The rollup job's counters, read at scrape time. */
  record JobStats(long runs, long failures, double lastDurationSeconds, long lastSuccessMs) {}

  private final Supplier<TenantRollups.Snapshot> snapshot;
  private final Supplier<JobStats> job;

  RollupCollector(Supplier<TenantRollups.Snapshot> snapshot, Supplier<JobStats> job) {
    this.snapshot = Objects.requireNonNull(snapshot, "snapshot");
    this.job = Objects.requireNonNull(job, "job");
  }

  @Override
  public MetricSnapshots collect() {
    TenantRollups.Snapshot s = snapshot.get();
    List<MetricSnapshot> out = new ArrayList<>();
    for (TenantRollups.Counter c : TenantRollups.Counter.values()) {
      CounterSnapshot.Builder b = CounterSnapshot.builder().name(c.metric).help(c.help);
      s.counters()
          .forEach(
              (k, v) ->
                  b.dataPoint(
                      CounterDataPointSnapshot.builder()
                          .value(v[c.ordinal()])
                          .labels(labels(k))
                          .build()));
      out.add(b.build());
    }
    HistogramSnapshot.Builder latency =
        HistogramSnapshot.builder()
            .name("meshlens_tenant_request_duration_seconds")
            .help(
                "Duration of the requests served by the tenant's workloads, as their sidecars"
                    + " measure it (destination-reported Istio request duration).");
    s.latency().forEach((k, v) -> latency.dataPoint(histogram(k, v)));
    out.add(latency.build());
    out.add(
        gauges(
            "meshlens_tenant_cpu_cores",
            "CPU cores the tenant's pods use (sidecars included).",
            s.cpuCores()));
    out.add(
        gauges(
            "meshlens_tenant_memory_bytes",
            "Working-set memory of the tenant's pods (sidecars included).",
            s.memoryBytes()));
    GaugeSnapshot.Builder quota =
        GaugeSnapshot.builder()
            .name("meshlens_tenant_quota_utilisation_ratio")
            .help(
                "Used over hard of each ResourceQuota resource in the tenant's namespaces (0..1).");
    s.quotaUtilisation()
        .forEach(
            (k, v) ->
                quota.dataPoint(
                    GaugeDataPointSnapshot.builder()
                        .value(v)
                        .labels(
                            Labels.of(
                                "cluster",
                                k.cluster(),
                                "resource",
                                k.resource(),
                                "tenant",
                                k.tenant()))
                        .build()));
    out.add(quota.build());
    GaugeSnapshot.Builder series =
        GaugeSnapshot.builder()
            .name("meshlens_tenant_active_series")
            .help("Metric series the tenant owns with a sample in the last 20 minutes.");
    s.activeSeries()
        .forEach(
            (t, v) ->
                series.dataPoint(
                    GaugeDataPointSnapshot.builder()
                        .value(v)
                        .labels(Labels.of("tenant", t))
                        .build()));
    out.add(series.build());

    JobStats j = job.get();
    out.add(counter("meshlens_rollup_runs", "Runs of the per-tenant rollup job.", j.runs()));
    out.add(
        counter(
            "meshlens_rollup_failures",
            "Runs of the per-tenant rollup job that failed (the previous values stay).",
            j.failures()));
    out.add(
        gauge(
            "meshlens_rollup_duration_seconds",
            "How long the last run of the rollup job took.",
            j.lastDurationSeconds()));
    out.add(
        gauge(
            "meshlens_rollup_last_success_timestamp_seconds",
            "When the rollup job last succeeded (Unix seconds; 0 before the first success).",
            j.lastSuccessMs() / 1000.0));
    out.add(
        gauge(
            "meshlens_rollup_dropped_series",
            "Rollup label sets left out of the last run by meshlens.alerting.max-series.",
            s.droppedSeries()));
    return new MetricSnapshots(out);
  }

  private static Labels labels(TenantRollups.Key k) {
    return Labels.of("cluster", k.cluster(), "tenant", k.tenant());
  }

  /** Cumulative buckets made monotonic, then per-bucket counts as the client model wants them. */
  static HistogramDataPointSnapshot histogram(TenantRollups.Key k, TenantRollups.Latency v) {
    double[] bounds = TenantRollups.LATENCY_BOUNDS_SECONDS;
    double[] upper = new double[bounds.length + 1];
    long[] counts = new long[bounds.length + 1];
    long previous = 0;
    for (int i = 0; i <= bounds.length; i++) {
      upper[i] = i < bounds.length ? bounds[i] : Double.POSITIVE_INFINITY;
      long cumulative =
          Math.max(previous, Math.round(i < bounds.length ? v.cumulativeBuckets()[i] : v.count()));
      counts[i] = cumulative - previous;
      previous = cumulative;
    }
    return HistogramDataPointSnapshot.builder()
        .classicHistogramBuckets(ClassicHistogramBuckets.of(upper, counts))
        .sum(v.sumSeconds())
        .labels(labels(k))
        .build();
  }

  private static GaugeSnapshot gauges(
      String name, String help, Map<TenantRollups.Key, Double> values) {
    GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(name).help(help);
    values.forEach(
        (k, v) -> b.dataPoint(GaugeDataPointSnapshot.builder().value(v).labels(labels(k)).build()));
    return b.build();
  }

  private static GaugeSnapshot gauge(String name, String help, double value) {
    return GaugeSnapshot.builder()
        .name(name)
        .help(help)
        .dataPoint(GaugeDataPointSnapshot.builder().value(value).build())
        .build();
  }

  private static CounterSnapshot counter(String name, String help, long value) {
    return CounterSnapshot.builder()
        .name(name)
        .help(help)
        .dataPoint(CounterDataPointSnapshot.builder().value(value).build())
        .build();
  }
}

package io.meshlens.ingest;

import static io.meshlens.testing.OtlpMetrics.attr;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshlens.ingest.otlp.OtlpMetricsTranslator;
import io.meshlens.ingest.otlp.TranslatorSettings;
import io.meshlens.store.LabelMatcher;
import io.meshlens.store.MetricStore;
import io.meshlens.store.Scope;
import io.meshlens.store.SeriesData;
import io.meshlens.tenancy.TenantDirectory;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.Histogram;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.metrics.v1.Sum;
import io.opentelemetry.proto.resource.v1.Resource;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * OTLP start times reveal counter resets that the values hide: a counter that restarted from zero
 * and grew past its old value before the next export. The pipeline stores a zero at the start time
 * (Prometheus' created-timestamp zero ingestion), so rate() and increase() see the reset; replays
 * add nothing, and a series seen for the first time gets no zero.
 */
class CounterResetTest {

  private static final long S = 1_000;
  private static final long T0 = 1_700_000_000_000L;

  private final MetricStore store = new MetricStore();
  private final IngestStats stats = new IngestStats("metrics");
  private final TenantDirectory tenants = TenantDirectory.load(Path.of("config/tenants.yaml"));
  private final MetricsPipeline pipeline =
      new MetricsPipeline(
          new OtlpMetricsTranslator(TranslatorSettings.defaults()),
          () -> tenants,
          store,
          stats,
          MetricsPipeline.Encoding.AUTO,
          1_000_000);

  @Test
  void aRestartedCounterGetsAZeroAtItsStartTime() {
    ingest(counter(100, T0 + 60 * S, T0));
    ingest(counter(150, T0 + 120 * S, T0));
    // The process restarted at +150 s and counted 400 by +180 s: above 150, so no visible drop.
    ingest(counter(400, T0 + 180 * S, T0 + 150 * S));
    ingest(counter(450, T0 + 240 * S, T0 + 150 * S));

    assertThat(samples("app_requests_total"))
        .containsExactly(
            Map.entry(T0 + 60 * S, 100.0),
            Map.entry(T0 + 120 * S, 150.0),
            Map.entry(T0 + 150 * S, 0.0),
            Map.entry(T0 + 180 * S, 400.0),
            Map.entry(T0 + 240 * S, 450.0));
    assertThat(store.resetZeroCount()).isEqualTo(1);
  }

  @Test
  void aReplayAddsNoSecondZero() {
    ExportMetricsServiceRequest before = counter(150, T0 + 120 * S, T0);
    ExportMetricsServiceRequest after = counter(400, T0 + 180 * S, T0 + 150 * S);
    ingest(before);
    ingest(after);
    ingest(before);
    ingest(after);

    assertThat(samples("app_requests_total")).hasSize(3).containsEntry(T0 + 150 * S, 0.0);
    assertThat(store.resetZeroCount()).isEqualTo(1);
  }

  @Test
  void aNewSeriesGetsNoZero() {
    ingest(counter(400, T0 + 180 * S, T0 + 150 * S));

    assertThat(samples("app_requests_total")).containsExactly(Map.entry(T0 + 180 * S, 400.0));
    assertThat(store.resetZeroCount()).isZero();
  }

  @Test
  void everySeriesOfARestartedHistogramGetsAZero() {
    ingest(histogram(new long[] {3, 1, 1}, 7.5, T0 + 60 * S, T0));
    ingest(histogram(new long[] {9, 4, 2}, 30.0, T0 + 120 * S, T0 + 90 * S));

    for (String name :
        List.of(
            "app_latency_seconds_sum", "app_latency_seconds_count", "app_latency_seconds_bucket")) {
      for (SeriesData s : select(name)) {
        assertThat(s.timestamps()).as(s.labels().toString()).contains(T0 + 90 * S);
        int at = java.util.Arrays.binarySearch(s.timestamps(), T0 + 90 * S);
        assertThat(s.values()[at]).as(s.labels().toString()).isZero();
      }
    }
    // _sum, _count and three buckets (0.1, 1, +Inf).
    assertThat(store.resetZeroCount()).isEqualTo(5);
    assertThat(samples("app_latency_seconds_count"))
        .containsExactly(
            Map.entry(T0 + 60 * S, 5.0),
            Map.entry(T0 + 90 * S, 0.0),
            Map.entry(T0 + 120 * S, 15.0));
  }

  @Test
  void aStaleMarkerIsNoReset() {
    ingest(counter(100, T0 + 60 * S, T0));
    ExportMetricsServiceRequest stale =
        request(
            Metric.newBuilder()
                .setName("app_requests")
                .setSum(
                    Sum.newBuilder()
                        .setIsMonotonic(true)
                        .setAggregationTemporality(
                            AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE)
                        .addDataPoints(
                            NumberDataPoint.newBuilder()
                                .setTimeUnixNano((T0 + 120 * S) * 1_000_000L)
                                .setStartTimeUnixNano((T0 + 90 * S) * 1_000_000L)
                                .setFlags(1)))
                .build());
    ingest(stale);

    assertThat(store.resetZeroCount()).isZero();
  }

  private void ingest(ExportMetricsServiceRequest r) {
    assertThat(pipeline.accept("otlp_metrics", r.toByteArray(), null)).isEmpty();
  }

  private List<SeriesData> select(String name) {
    return store.select(
        Scope.everything(), List.of(LabelMatcher.equal("__name__", name)), 0, Long.MAX_VALUE);
  }

  private Map<Long, Double> samples(String name) {
    List<SeriesData> series = select(name);
    assertThat(series).hasSize(1);
    Map<Long, Double> out = new TreeMap<>();
    SeriesData s = series.get(0);
    for (int i = 0; i < s.size(); i++) {
      out.put(s.timestamps()[i], s.values()[i]);
    }
    return out;
  }

  private static ExportMetricsServiceRequest counter(double value, long timeMs, long startMs) {
    return request(
        Metric.newBuilder()
            .setName("app_requests")
            .setSum(
                Sum.newBuilder()
                    .setIsMonotonic(true)
                    .setAggregationTemporality(
                        AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE)
                    .addDataPoints(
                        NumberDataPoint.newBuilder()
                            .setTimeUnixNano(timeMs * 1_000_000L)
                            .setStartTimeUnixNano(startMs * 1_000_000L)
                            .setAsDouble(value)))
            .build());
  }

  private static ExportMetricsServiceRequest histogram(
      long[] counts, double sum, long timeMs, long startMs) {
    HistogramDataPoint.Builder p =
        HistogramDataPoint.newBuilder()
            .setTimeUnixNano(timeMs * 1_000_000L)
            .setStartTimeUnixNano(startMs * 1_000_000L)
            .addExplicitBounds(0.1)
            .addExplicitBounds(1)
            .setSum(sum);
    long count = 0;
    for (long c : counts) {
      p.addBucketCounts(c);
      count += c;
    }
    p.setCount(count);
    return request(
        Metric.newBuilder()
            .setName("app_latency")
            .setUnit("s")
            .setHistogram(
                Histogram.newBuilder()
                    .setAggregationTemporality(
                        AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE)
                    .addDataPoints(p))
            .build());
  }

  private static ExportMetricsServiceRequest request(Metric metric) {
    return ExportMetricsServiceRequest.newBuilder()
        .addResourceMetrics(
            ResourceMetrics.newBuilder()
                .setResource(
                    Resource.newBuilder()
                        .addAttributes(attr("k8s.cluster.name", "east-1"))
                        .addAttributes(attr("k8s.namespace.name", "payments"))
                        .addAttributes(attr("k8s.pod.name", "api-0")))
                .addScopeMetrics(ScopeMetrics.newBuilder().addMetrics(metric)))
        .build();
  }
}

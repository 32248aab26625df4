package io.meshlens.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshlens.model.Labels;
import io.meshlens.store.LabelMatcher;
import io.meshlens.store.MetricStore;
import io.meshlens.store.Scope;
import io.meshlens.store.SeriesData;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SelfMetricsRecorderTest {

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final MetricStore store = new MetricStore();
  private final SelfMetricsRecorder recorder =
      new SelfMetricsRecorder(registry, store, "east-1", "meshlens-0");
  private Counter ingested;
  private Gauge lag;
  private Histogram latency;

  @BeforeEach
  void metrics() {
    ingested =
        Counter.builder()
            .name("meshlens_ingested")
            .help("points")
            .labelNames("signal", "tenant")
            .register(registry);
    lag =
        Gauge.builder()
            .name("meshlens_kafka_consumer_lag")
            .help("lag")
            .labelNames("topic", "cluster")
            .register(registry);
    latency =
        Histogram.builder()
            .name("meshlens_query_seconds")
            .help("latency")
            .classicUpperBounds(0.1, 1)
            .register(registry);
  }

  private List<SeriesData> read(Scope scope, String name) {
    return store.select(scope, List.of(LabelMatcher.equal("__name__", name)), 0, Long.MAX_VALUE);
  }

  @Test
  void countersGaugesAndHistogramsBecomeTheSeriesAScrapeWouldStoreUnderPlatform() {
    ingested.labelValues("metrics", "shop").inc(5);
    lag.labelValues("otlp_metrics", "west-1").set(7);
    latency.observe(0.05);
    latency.observe(0.5);
    latency.observe(3);

    assertThat(recorder.record(1_000)).isEqualTo(1 + 1 + 3 + 1 + 1);

    List<SeriesData> counter = read(Scope.everything(), "meshlens_ingested_total");
    assertThat(counter).hasSize(1);
    assertThat(counter.get(0).labels())
        .isEqualTo(
            Labels.of(
                "__name__", "meshlens_ingested_total",
                "cluster", "east-1",
                "exported_tenant", "shop",
                "instance", "meshlens-0",
                "job", "meshlens",
                "signal", "metrics",
                "tenant", "platform"));
    assertThat(counter.get(0).values()).containsExactly(5);
    assertThat(counter.get(0).timestamps()).containsExactly(1_000);

    SeriesData gauge = read(Scope.everything(), "meshlens_kafka_consumer_lag").get(0);
    assertThat(gauge.labels().get("exported_cluster")).isEqualTo("west-1");
    assertThat(gauge.labels().get("cluster")).isEqualTo("east-1");
    assertThat(gauge.values()).containsExactly(7);

    Map<String, Double> buckets = new TreeMap<>();
    for (SeriesData s : read(Scope.everything(), "meshlens_query_seconds_bucket")) {
      buckets.put(s.labels().get("le"), s.values()[0]);
    }
    // Cumulative, as in the text format.
    assertThat(buckets)
        .containsExactlyEntriesOf(new TreeMap<>(Map.of("0.1", 1.0, "1.0", 2.0, "+Inf", 3.0)));
    assertThat(read(Scope.everything(), "meshlens_query_seconds_count").get(0).values())
        .containsExactly(3);
    assertThat(read(Scope.everything(), "meshlens_query_seconds_sum").get(0).values())
        .containsExactly(3.55);
  }

  @Test
  void onlyThePlatformScopeSeesThemNotATenantNamedInALabel() {
    ingested.labelValues("metrics", "shop").inc();
    recorder.record(1_000);
    assertThat(read(Scope.tenants(Set.of("platform")), "meshlens_ingested_total")).hasSize(1);
    assertThat(read(Scope.tenants(Set.of("shop")), "meshlens_ingested_total")).isEmpty();
    assertThat(store.metadata(Scope.tenants(Set.of("platform")), "meshlens_ingested_total", -1))
        .containsEntry(
            "meshlens_ingested_total", List.of(new MetricStore.Metadata("counter", "points", "")));
  }

  @Test
  void eachSnapshotAppendsASampleToTheSameSeriesAndARepeatedTimestampIsNotStoredTwice() {
    ingested.labelValues("metrics", "shop").inc(1);
    recorder.record(1_000);
    ingested.labelValues("metrics", "shop").inc(2);
    recorder.record(2_000);
    assertThat(recorder.record(2_000)).isZero();
    SeriesData s = read(Scope.everything(), "meshlens_ingested_total").get(0);
    assertThat(s.timestamps()).containsExactly(1_000, 2_000);
    assertThat(s.values()).containsExactly(1, 3);
  }
}

package io.meshlens.query.promql.compliance;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshlens.bench.IstioBenchData;
import io.meshlens.bench.PromqlLatencyBenchmark;
import io.meshlens.query.promql.EngineSettings;
import io.meshlens.query.promql.PromqlEngine;
import io.meshlens.store.MetricStore;
import io.meshlens.store.Scope;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The queries and data of {@link PromqlLatencyBenchmark}, at a small scale: Meshlens answers each
 * benchmark query as Prometheus 2.42 does (same series, timestamps and values) when both hold the
 * same {@link IstioBenchData}, Prometheus loaded through its remote-write receiver exactly as the
 * benchmark loads it. So the benchmark times two engines doing the same work.
 */
class DashboardQueriesAgreeTest {

  private static final int SERIES = 2_500; // 100 edges: both reporters, every code and cluster
  private static final int INTERVAL_S = 60;
  private static final int SCRAPES = 3 * 60; // 3 h

  @TempDir Path work;

  @Test
  void benchmarkQueriesAnswerAsInPrometheus() throws Exception {
    Optional<Path> prometheus = PrometheusReference.find("prometheus");
    assertThat(prometheus).as(PrometheusReference.INSTALL_HINT).isPresent();
    MetricStore store = new MetricStore();
    long scrapeMs = INTERVAL_S * 1000L;
    for (int i = 0; i < SERIES; i++) {
      int id = store.seriesId(IstioBenchData.series(i));
      for (int k = 0; k < SCRAPES; k++) {
        store.append(
            id,
            PromqlLatencyBenchmark.START_MS + k * scrapeMs,
            IstioBenchData.value(i, k, INTERVAL_S));
      }
    }
    assertThat(store.seriesCount()).isEqualTo(SERIES);
    long end = PromqlLatencyBenchmark.START_MS + (SCRAPES - 1) * scrapeMs;
    PromqlEngine engine = new PromqlEngine(EngineSettings.defaults());
    List<String> diffs = new ArrayList<>();
    int nonEmpty = 0;
    try (PrometheusReference ref =
        PrometheusReference.startForRemoteWrite(prometheus.get(), work)) {
      PromqlLatencyBenchmark.remoteWriteAll(ref, SERIES, SCRAPES, INTERVAL_S);
      for (PromqlLatencyBenchmark.BenchQuery q : PromqlLatencyBenchmark.QUERIES) {
        for (PromqlLatencyBenchmark.Variant v : PromqlLatencyBenchmark.VARIANTS) {
          String promql =
              q.promql()
                  .replace(
                      "$W",
                      PromqlLatencyBenchmark.duration(
                          PromqlLatencyBenchmark.rateInterval(v, scrapeMs)));
          Outcome want;
          Outcome got;
          if (v.instant()) {
            want = Outcome.fromPrometheus(ref.instantQuery(promql, end));
            got = Outcome.fromMeshlens(engine.instantQuery(store, Scope.everything(), promql, end));
          } else {
            long e = Math.floorDiv(end, v.stepMs()) * v.stepMs();
            long s = e - v.rangeMs();
            want = Outcome.fromPrometheus(ref.rangeQuery(promql, s, e, v.stepMs()));
            got =
                Outcome.fromMeshlens(
                    engine.rangeQuery(store, Scope.everything(), promql, s, e, v.stepMs()));
          }
          if (want.points() > 0) {
            nonEmpty++;
          }
          String d = want.differenceFrom(got, false);
          if (d != null) {
            diffs.add(q.name() + ", " + v.name() + ": " + d);
          }
        }
      }
    }
    assertThat(diffs).isEmpty();
    // Every query and variant has data: the comparison is not between two empty answers.
    assertThat(nonEmpty)
        .isEqualTo(PromqlLatencyBenchmark.QUERIES.size() * PromqlLatencyBenchmark.VARIANTS.size());
  }
}

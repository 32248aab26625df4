package io.meshlens.api;

import io.meshlens.model.Labels;
import io.meshlens.query.promql.PromqlEngine;
import io.meshlens.query.promql.QueryResult;
import io.meshlens.store.MetricStore;
import io.meshlens.store.Scope;
import io.meshlens.tenancy.AttributedSeries;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Runs the kinds of queries dashboards send (rates summed by label, ratios, {@code or}, histogram
 * quantiles, {@code topk}, {@code unless} with {@code label_replace}), instant and as ranges,
 * through the engine and the response writer over a small private store of made-up Istio series, so
 * that the JIT has compiled the query path before the first real query arrives. Without it the
 * first dashboard after a start runs interpreted: the ten benchmark queries' first runs took 2-10
 * times their steady-state time in the engine alone.
 *
 * <p>Touches no tenant data: the store is its own and is dropped afterwards.
 */
final class QueryWarmUp {

  private static final String[] TENANTS = {"warm-a", "warm-b"};
  private static final String[] CLUSTERS = {"east", "west"};
  private static final String[] CODES = {"200", "503"};
  private static final String[] LE = {"5", "25", "100", "500", "2500", "+Inf"};
  private static final int SERVICES = 6;
  private static final int SCRAPES = 180;
  private static final long INTERVAL_MS = 60_000;
  private static final long START_MS = 1_700_000_000_000L;

  static final List<String> QUERIES =
      List.of(
          "sum by (destination_canonical_service) (rate(istio_requests_total{reporter=\"destination\","
              + " tenant=\"warm-a\", cluster=~\".+\"}[4m]))",
          "(sum by (destination_canonical_service) (rate(istio_requests_total{reporter=\"destination\","
              + " response_code=~\"5..\"}[4m])) or sum by (destination_canonical_service)"
              + " (rate(istio_requests_total{reporter=\"destination\"}[4m])) * 0) / sum by"
              + " (destination_canonical_service) (rate(istio_requests_total{reporter=\"destination\"}[4m]))",
          "histogram_quantile(0.95, sum by (le, destination_canonical_service)"
              + " (rate(istio_request_duration_milliseconds_bucket{reporter=\"destination\"}[4m])))",
          "topk(3, sum by (destination_canonical_service) (rate(istio_requests_total[4m])))",
          "sum by (tenant, cluster) (increase(istio_requests_total{cluster=~\"e.*\"}[10m]))",
          "(sum by (source_cluster, destination_cluster) (rate(istio_requests_total{reporter=\"source\"}[4m])))"
              + " unless on (source_cluster, destination_cluster) label_replace(count by"
              + " (source_cluster) (istio_requests_total{reporter=\"source\"}), \"destination_cluster\","
              + " \"$1\", \"source_cluster\", \"(.*)\")",
          "avg by (cluster) (rate(istio_requests_total[4m])) > bool 0",
          "max by (tenant) (istio_requests_total) - min by (tenant) (istio_requests_total offset 5m)");

  private QueryWarmUp() {}

  /**
   * Evaluates every query {@code rounds} times as an instant query and as a 1 h range query,
   * handing each result to {@code render}; stops early when {@code stop} turns true.
   */
  static int run(
      PromqlEngine engine,
      Consumer<QueryResult> render,
      int rounds,
      java.util.function.BooleanSupplier stop) {
    Objects.requireNonNull(engine, "engine");
    MetricStore store = new MetricStore();
    fill(store);
    long end = START_MS + (SCRAPES - 1) * INTERVAL_MS;
    int evaluations = 0;
    for (int round = 0; round < rounds && !stop.getAsBoolean(); round++) {
      for (String q : QUERIES) {
        render.accept(engine.instantQuery(store, Scope.everything(), q, end));
        render.accept(
            engine.rangeQuery(store, Scope.everything(), q, end - 3_600_000, end, 15_000));
        evaluations += 2;
      }
    }
    return evaluations;
  }

  private static void fill(MetricStore store) {
    int s = 0;
    for (String tenant : TENANTS) {
      for (String cluster : CLUSTERS) {
        for (int svc = 0; svc < SERVICES; svc++) {
          for (String reporter : new String[] {"source", "destination"}) {
            for (String code : CODES) {
              Labels base =
                  Labels.builder()
                      .put("reporter", reporter)
                      .put("tenant", tenant)
                      .put("cluster", cluster)
                      .put("source_cluster", cluster)
                      .put("destination_cluster", CLUSTERS[svc % CLUSTERS.length])
                      .put("destination_canonical_service", "svc-" + svc)
                      .put("response_code", code)
                      .build();
              add(store, base, "istio_requests_total", null, s++);
              for (String le : LE) {
                add(store, base, "istio_request_duration_milliseconds_bucket", le, s++);
              }
            }
          }
        }
      }
    }
  }

  private static void add(MetricStore store, Labels base, String name, String le, int seed) {
    Labels.Builder b = base.toBuilder().put("__name__", name);
    if (le != null) {
      b.put("le", le);
    }
    String tenant = base.get("tenant");
    String cluster = base.get("cluster");
    int id = store.seriesId(new AttributedSeries(b.build(), tenant, cluster, Set.of(tenant)));
    double v = 0;
    for (int k = 0; k < SCRAPES; k++) {
      v += (seed % 7) + (k % 5) * 0.25;
      store.append(id, START_MS + k * INTERVAL_MS, v);
    }
  }
}

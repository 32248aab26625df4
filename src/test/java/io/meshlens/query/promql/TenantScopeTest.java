package io.meshlens.query.promql;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshlens.model.Labels;
import io.meshlens.store.Scope;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Tenant isolation (design, Access): the engine reads only through {@code SeriesReader.select} with
 * the caller's scope, so a query over a store shared with other tenants answers exactly as if the
 * store held only the caller's data, whatever the query does.
 */
class TenantScopeTest {

  static Stream<String> queries() {
    return Stream.of(
        "up",
        "{__name__=~\".+\"}",
        "{__name__=~\".+\", job=~\".*\"}",
        "up or vector(1)",
        "up or on() vector(1)",
        "absent(secret)",
        "absent(up{job=\"blue-api\"})",
        "absent_over_time(secret[10m])",
        "label_replace(up, \"job\", \"blue-api\", \"job\", \".*\")",
        "label_replace({__name__=~\".+\"}, \"x\", \"$1\", \"job\", \"(.*)\")",
        "max_over_time(rate(req_total[2m])[10m:1m])",
        "sum_over_time(secret[10m:1m] @ 600) or vector(0)",
        "count by (job) ({__name__=~\"up|secret\"})",
        "up * on(instance) group_left(job) secret",
        "topk(10, req_total) or bottomk(10, {job=~\"blue.*\"})",
        "sum(rate(req_total[5m] offset -5m)) + sum(req_total @ start())",
        "count_values(\"v\", {__name__=~\"secret|up\"})",
        "histogram_quantile(0.9, {__name__=~\".+\", le=~\".*\"})");
  }

  /** Red's data, plus (unless {@code redOnly}) blue's, including a series red has no twin of. */
  private static InMemorySeriesReader store(boolean redOnly) {
    InMemorySeriesReader r = new InMemorySeriesReader();
    for (int i = 0; i <= 20; i++) {
      long t = i * 30_000L;
      r.add("red", Labels.of("__name__", "up", "job", "red-api", "instance", "a"), t, 1);
      r.add("red", Labels.of("__name__", "req_total", "job", "red-api"), t, i * 10.0);
      if (!redOnly) {
        r.add("blue", Labels.of("__name__", "up", "job", "blue-api", "instance", "a"), t, 0);
        r.add("blue", Labels.of("__name__", "req_total", "job", "blue-api"), t, i * 100.0);
        r.add("blue", Labels.of("__name__", "secret", "job", "blue-api", "le", "1"), t, 42);
      }
    }
    return r;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("queries")
  void scopedQueryOverSharedStoreEqualsQueryOverTenantsOwnData(String query) {
    Scope red = Scope.tenants(Set.of("red"));
    PromqlEngine engine = new PromqlEngine(EngineSettings.defaults());
    InMemorySeriesReader shared = store(false);
    InMemorySeriesReader own = store(true);

    assertThat(engine.instantQuery(shared, red, query, 600_000))
        .isEqualTo(engine.instantQuery(own, red, query, 600_000));
    assertThat(engine.rangeQuery(shared, red, query, 0, 600_000, 60_000))
        .isEqualTo(engine.rangeQuery(own, red, query, 0, 600_000, 60_000));

    assertThat(shared.calls()).isNotEmpty();
    assertThat(shared.calls()).allSatisfy(c -> assertThat(c.scope()).isSameAs(red));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"sum(secret)", "count({job=\"blue-api\"})", "secret"})
  void anotherTenantsSeriesAreInvisibleButVisibleToTheSreScope(String query) {
    InMemorySeriesReader shared = store(false);
    PromqlEngine engine = new PromqlEngine(EngineSettings.defaults());
    QueryResult red = engine.instantQuery(shared, Scope.tenants(Set.of("red")), query, 600_000);
    assertThat(((QueryResult.Vector) red).samples()).isEmpty();
    QueryResult sre = engine.instantQuery(shared, Scope.everything(), query, 600_000);
    assertThat(((QueryResult.Vector) sre).samples()).isNotEmpty();
    assertThat(shared.calls())
        .extracting(InMemorySeriesReader.Select::scope)
        .containsOnly(Scope.tenants(Set.of("red")), Scope.everything());
  }
}

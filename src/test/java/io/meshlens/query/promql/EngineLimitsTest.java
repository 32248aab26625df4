package io.meshlens.query.promql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshlens.model.Labels;
import io.meshlens.store.Scope;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Sample limit, timeout and range-query parameter checks, with Prometheus' errors. */
class EngineLimitsTest {

  private final Scope scope = Scope.tenants(Set.of("t"));
  private final InMemorySeriesReader data = new InMemorySeriesReader();

  EngineLimitsTest() {
    for (int s = 0; s < 20; s++) {
      for (int i = 0; i < 10; i++) {
        data.add("t", Labels.of("__name__", "m", "s", Integer.toString(s)), i * 60_000L, i);
      }
    }
  }

  private static void assertError(Runnable r, String type, String message) {
    assertThatThrownBy(r::run)
        .isInstanceOfSatisfying(
            PromqlException.class,
            e -> {
              assertThat(e.errorType()).isEqualTo(type);
              assertThat(e.getMessage()).isEqualTo(message);
            });
  }

  @Test
  void tooManySamplesIsAnExecutionError() {
    PromqlEngine small = new PromqlEngine(EngineSettings.defaults().withMaxSamples(19));
    String msg = "query processing would load too many samples into memory in query execution";
    // 20 series at one step: 20 samples.
    assertError(() -> small.instantQuery(data, scope, "m", 0), PromqlException.EXECUTION, msg);
    // Each range window holds up to 10 samples: fine for one series at a time.
    assertThat(small.instantQuery(data, scope, "count_over_time(m{s=\"1\"}[10m])", 540_000))
        .isInstanceOf(QueryResult.Vector.class);
    // 3 steps of 20 series exceed 19 as well.
    assertError(
        () -> small.rangeQuery(data, scope, "m", 0, 120_000, 60_000),
        PromqlException.EXECUTION,
        msg);
    PromqlEngine enough = new PromqlEngine(EngineSettings.defaults().withMaxSamples(20));
    assertThat(enough.instantQuery(data, scope, "m", 0)).isInstanceOf(QueryResult.Vector.class);
  }

  @Test
  void timeoutUsesTheEngineClock() {
    AtomicLong now = new AtomicLong();
    // The clock jumps 10 seconds every time it is read.
    PromqlEngine engine =
        new PromqlEngine(
            EngineSettings.defaults().withTimeout(Duration.ofSeconds(15)),
            () -> now.getAndAdd(10_000_000_000L));
    assertThatThrownBy(() -> engine.rangeQuery(data, scope, "sum(m)", 0, 540_000, 60_000))
        .isInstanceOfSatisfying(
            PromqlException.class,
            e -> {
              assertThat(e.errorType()).isEqualTo(PromqlException.TIMEOUT);
              assertThat(e.getMessage()).startsWith("query timed out in ");
            });
    AtomicLong frozen = new AtomicLong();
    PromqlEngine patient =
        new PromqlEngine(EngineSettings.defaults().withTimeout(Duration.ofSeconds(1)), frozen::get);
    assertThat(patient.rangeQuery(data, scope, "sum(m)", 0, 540_000, 60_000))
        .isInstanceOf(QueryResult.Matrix.class);
  }

  @Test
  void rangeQueryParametersAreCheckedAsByPrometheus() {
    PromqlEngine engine = new PromqlEngine(EngineSettings.defaults());
    assertError(
        () -> engine.rangeQuery(data, scope, "m", 0, 11_001_000, 1000),
        PromqlException.BAD_DATA,
        "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query"
            + " resolution (?step=XX)");
    // Exactly 11,000 intervals (11,001 points) is still allowed, as in Prometheus.
    assertThat(engine.rangeQuery(data, scope, "vector(1)", 0, 11_000_000, 1000))
        .isInstanceOfSatisfying(
            QueryResult.Matrix.class, m -> assertThat(m.series().get(0).size()).isEqualTo(11_001));
    assertError(
        () -> engine.rangeQuery(data, scope, "m", 0, 1000, 0),
        PromqlException.BAD_DATA,
        "invalid parameter \"step\": zero or negative query resolution step widths are not"
            + " accepted. Try a positive integer");
    assertError(
        () -> engine.rangeQuery(data, scope, "m", 1000, 0, 1000),
        PromqlException.BAD_DATA,
        "invalid parameter \"end\": end timestamp must not be before start time");
  }

  @Test
  void runtimeErrorsOfFunctionsAreExecutionErrors() {
    PromqlEngine engine = new PromqlEngine(EngineSettings.defaults());
    assertError(
        () -> engine.instantQuery(data, scope, "holt_winters(m[5m], 2, 0.5)", 300_000),
        PromqlException.EXECUTION,
        "invalid smoothing factor. Expected: 0 < sf < 1, got: 2.000000");
    assertError(
        () -> engine.instantQuery(data, scope, "topk(1e20, m)", 0),
        PromqlException.EXECUTION,
        "Scalar value 1e+20 overflows int64");
    assertError(
        () -> engine.instantQuery(data, scope, "label_replace(m, \"a\", \"\", \"s\", \"(\")", 0),
        PromqlException.EXECUTION,
        "invalid regular expression in label_replace(): (");
  }

  @Test
  void storeFailuresAreInternalErrors() {
    PromqlEngine engine = new PromqlEngine(EngineSettings.defaults());
    assertError(
        () ->
            engine.instantQuery(
                (sc, matchers, min, max) -> {
                  throw new IllegalStateException("disk on fire");
                },
                scope,
                "m",
                0),
        PromqlException.INTERNAL,
        "expanding series: disk on fire");
  }
}

package io.meshlens.query.promql;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshlens.store.Scope;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Date functions give what Prometheus 2.42 (Go 1.19's {@code time} package) gives, also where Go's
 * calendar wraps around: {@code int64(NaN)}, {@code int64(±Inf)} and out-of-range values become
 * MinInt64, whose date Go computes with overflowing unsigned arithmetic. Expected values are
 * Prometheus 2.42's answers to {@code f(vector(v))}.
 */
class GoDateFunctionsTest {

  private final PromqlEngine engine = new PromqlEngine(EngineSettings.defaults());

  @ParameterizedTest(name = "{0}(vector({1})) = {2}")
  @CsvSource({
    "year, NaN, 292277026596",
    "month, NaN, 12",
    "day_of_month, NaN, 4",
    "day_of_year, NaN, 339",
    "day_of_week, NaN, 0",
    "days_in_month, NaN, 31",
    "hour, NaN, 15",
    "minute, NaN, 30",
    "hour, Inf, 15",
    "minute, -Inf, 30",
    "year, -9.223372036e18, 292277026624",
    "month, -9.223372036e18, 1",
    "day_of_month, -9.223372036e18, 6",
    "day_of_year, -9.223372036e18, 6",
    "day_of_week, -9.223372036e18, 2",
    "hour, -9.223372036e18, 21",
    "minute, -9.223372036e18, 13",
    "year, 1e18, 31688740476",
    "month, 1e18, 10",
    "day_of_month, 1e18, 23",
    "day_of_year, 1e18, 297",
    "day_of_week, 1e18, 5",
    "hour, 1e18, 1",
    "minute, 1e18, 46",
    "year, -62135596801, 0",
    "day_of_year, -62135596801, 366",
    "day_of_week, -62135596801, 0",
    "days_in_month, 1709164800, 29",
    "days_in_month, 1700000000, 30",
    "day_of_year, 951782400, 60",
    "hour, -1, 23",
    "day_of_week, -1, 3",
  })
  void dateFunctionsMatchGo(String function, String value, double expected) {
    QueryResult r =
        engine.instantQuery(
            new InMemorySeriesReader(),
            Scope.everything(),
            function + "(vector(" + value + "))",
            1_700_000_000_000L);
    assertThat(((QueryResult.Vector) r).samples().get(0).value()).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0}() at {1} ms = {2}")
  @CsvSource({"hour, -1500, 23", "minute, -1500, 59", "year, 1700000000000, 2023"})
  void dateFunctionsWithoutArgumentUseTheEvaluationTime(String function, long t, double expected) {
    QueryResult r =
        engine.instantQuery(new InMemorySeriesReader(), Scope.everything(), function + "()", t);
    assertThat(((QueryResult.Vector) r).samples().get(0).value()).isEqualTo(expected);
  }
}

package io.meshlens.query.promql;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshlens.model.Labels;
import io.meshlens.store.Scope;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * A range query's value at each step is, to the bit, the instant query's at that time. Range
 * queries aggregate series by series ({@code Evaluator.aggregateSeriesMajor}) and slide {@code
 * rate}'s window with cursors; instant queries take the step-by-step path ({@code
 * Evaluator.rangeEval}, {@code Aggregations.aggregate}) and binary-search the window, so this
 * compares the fast paths with the reference ones on counters with resets and gaps and on gauges
 * with NaN and infinities. NaNs count as one value: the sign of a NaN from {@code Inf - Inf}
 * depends on whether the JIT folded the operation, not on the path, and no response shows it.
 */
class RangeMatchesInstantTest {

  private static final long T0 = 1_700_000_000_000L;
  private static final long SCRAPE = 15_000;
  private static final int POINTS = 480; // 2 h

  private static InMemorySeriesReader data() {
    InMemorySeriesReader r = new InMemorySeriesReader();
    SplittableRandom rnd = new SplittableRandom(7);
    for (int s = 0; s < 60; s++) {
      Labels counter =
          Labels.of(
              "__name__",
              "x_total",
              "instance",
              "i" + s,
              "job",
              "j" + (s % 3),
              "zone",
              "z" + s % 4);
      double c = rnd.nextInt(1000);
      for (int k = 0; k < POINTS; k++) {
        if (rnd.nextInt(40) == 0) {
          continue; // a missed scrape
        }
        c = rnd.nextInt(300) == 0 ? rnd.nextInt(5) : c + rnd.nextDouble() * 17.3;
        r.add("t", counter, T0 + k * SCRAPE + rnd.nextInt(900), c);
      }
      Labels gauge = Labels.of("__name__", "g", "instance", "i" + s, "job", "j" + (s % 3));
      for (int k = 0; k < POINTS; k++) {
        if (s % 7 == 0 && k > 200 && k < 260) {
          continue; // a series gone for a while
        }
        int pick = rnd.nextInt(200);
        double v =
            pick == 0
                ? Double.NaN
                : pick == 1
                    ? Double.POSITIVE_INFINITY
                    : pick == 2 ? Double.NEGATIVE_INFINITY : rnd.nextDouble() * 1e3 - 500;
        r.add("t", gauge, T0 + k * SCRAPE, v);
      }
    }
    return r;
  }

  @TestFactory
  Stream<DynamicTest> rangeStepsEqualInstantQueries() {
    InMemorySeriesReader reader = data();
    PromqlEngine engine = new PromqlEngine(EngineSettings.defaults());
    List<String> queries =
        List.of(
            "sum by (job) (rate(x_total[2m]))",
            "count by (job) (rate(x_total[1m]))",
            "avg by (job) (rate(x_total[5m]))",
            "min by (zone) (increase(x_total[3m]))",
            "max without (instance) (rate(x_total[2m] offset 1m))",
            "group by (job) (x_total)",
            "sum(delta(g[4m]))",
            "avg by (job) (g)",
            "avg(g)",
            "max by (job) (g)",
            "min by (job) (g)",
            "count by (job) (g)",
            "sum without (instance) (g)",
            "count(x_total)",
            "rate(x_total[90s])",
            "irate(x_total[1m])",
            "sum by (job) (rate(x_total[2m])) / on (job) count by (job) (x_total)");
    long[][] ranges = {
      {T0 + 600_000, T0 + 7_000_000, 15_000},
      {T0 + 61_000, T0 + 6_000_000, 37_000},
      {T0, T0 + 7_200_000, 120_000},
    };
    return queries.stream()
        .flatMap(
            q ->
                Stream.of(ranges)
                    .map(
                        range ->
                            DynamicTest.dynamicTest(
                                q + " step " + range[2] / 1000 + "s",
                                () -> compare(engine, reader, q, range[0], range[1], range[2]))));
  }

  private static void compare(
      PromqlEngine engine, InMemorySeriesReader reader, String q, long start, long end, long step) {
    QueryResult.Matrix range =
        (QueryResult.Matrix) engine.rangeQuery(reader, Scope.everything(), q, start, end, step);
    Map<Long, Map<Labels, Double>> byStep = new HashMap<>();
    int points = 0;
    for (QueryResult.Series s : range.series()) {
      for (int i = 0; i < s.timestamps().length; i++) {
        byStep
            .computeIfAbsent(s.timestamps()[i], t -> new HashMap<>())
            .put(s.labels(), s.values()[i]);
        points++;
      }
    }
    assertThat(points).as("points of %s", q).isGreaterThan(0);
    for (long t = start; t <= end; t += step) {
      QueryResult.Vector instant =
          (QueryResult.Vector) engine.instantQuery(reader, Scope.everything(), q, t);
      Map<Labels, Double> want = new HashMap<>();
      for (QueryResult.Sample s : instant.samples()) {
        want.put(s.labels(), s.value());
      }
      Map<Labels, Double> got = byStep.getOrDefault(t, Map.of());
      assertThat(got.keySet()).as("series of %s at %d", q, t).isEqualTo(want.keySet());
      for (Map.Entry<Labels, Double> e : want.entrySet()) {
        assertThat(Double.doubleToLongBits(got.get(e.getKey())))
            .as("%s %s at %d: %s vs %s", q, e.getKey(), t, got.get(e.getKey()), e.getValue())
            .isEqualTo(Double.doubleToLongBits(e.getValue()));
      }
    }
  }
}

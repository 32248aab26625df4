package io.meshlens.query.promql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.meshlens.model.Labels;
import io.meshlens.store.Scope;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Evaluation cases whose expected values are worked out by hand in the comments. */
class PromqlEngineTest {

  private static final String T = "t";
  private final Scope scope = Scope.tenants(Set.of(T));
  private final InMemorySeriesReader data = new InMemorySeriesReader();
  private final PromqlEngine engine = new PromqlEngine(EngineSettings.defaults());

  private static Labels l(String... kv) {
    return Labels.of(kv);
  }

  /** Samples at 0, step, 2*step, ... (seconds); null leaves a gap. */
  private void series(Labels labels, long stepSeconds, Double... values) {
    data.addSeries(T, labels, 0, stepSeconds * 1000, values);
  }

  /** The instant vector at {@code seconds} as "labels value" lines, in result order. */
  private List<String> at(String query, double seconds) {
    QueryResult r = engine.instantQuery(data, scope, query, Math.round(seconds * 1000));
    List<String> out = new ArrayList<>();
    for (QueryResult.Sample s : ((QueryResult.Vector) r).samples()) {
      assertThat(s.timestampMs()).isEqualTo(Math.round(seconds * 1000));
      out.add(s.labels() + " " + GoText.formatFloat(s.value()));
    }
    return out;
  }

  private double value(String query, double seconds) {
    QueryResult r = engine.instantQuery(data, scope, query, Math.round(seconds * 1000));
    if (r instanceof QueryResult.Scalar s) {
      return s.value();
    }
    List<QueryResult.Sample> samples = ((QueryResult.Vector) r).samples();
    assertThat(samples).as(query).hasSize(1);
    return samples.get(0).value();
  }

  private PromqlException failure(String query, double seconds) {
    try {
      engine.instantQuery(data, scope, query, Math.round(seconds * 1000));
    } catch (PromqlException e) {
      return e;
    }
    throw new AssertionError("expected " + query + " to fail");
  }

  // ---------------------------------------------------------------- rate and friends

  @Test
  void rateOfSteadyCounterIsItsSlope() {
    // 1 per second, scraped every 15s.
    series(l("__name__", "c"), 15, 0.0, 15.0, 30.0, 45.0, 60.0);
    // [0s, 60s] holds all five samples: increase 60 over exactly 60s, nothing to extrapolate.
    assertThat(value("rate(c[1m])", 60)).isEqualTo(1.0);
    // [10s, 70s] holds 15..60: increase 45 over 45s, extrapolated 5s back and 10s forward
    // (both under 1.1 x the 15s average interval): 45 * 60/45 = 60.
    assertThat(value("increase(c[1m])", 70)).isCloseTo(60.0, within(1e-12));
    assertThat(value("rate(c[1m])", 70)).isCloseTo(1.0, within(1e-12));
  }

  @Test
  void extrapolationStopsAtCounterZeroAndHalfAnIntervalFromSparseEnds() {
    series(l("__name__", "c"), 15, 10.0, 25.0, 40.0);
    // At 100s, [−20s, 100s]: increase 30 over 30s, average interval 15s (threshold 16.5s).
    // Start: 20s to the boundary, but the counter would hit zero 30*(10/30) = 10s before the
    // first sample, so extrapolate 10s. End: 70s away, more than the threshold, so only half an
    // interval (7.5s). 30 * (30 + 10 + 7.5) / 30 = 47.5.
    assertThat(value("increase(c[2m])", 100)).isCloseTo(47.5, within(1e-12));
    assertThat(value("rate(c[2m])", 100)).isCloseTo(47.5 / 120, within(1e-12));
  }

  @Test
  void counterResetsAddThePreviousValue() {
    series(l("__name__", "c"), 15, 0.0, 10.0, 20.0, 5.0, 15.0);
    // 20 -> 5 is a reset: 15 - 0 + 20 = 35 over the full minute.
    assertThat(value("increase(c[1m])", 60)).isEqualTo(35.0);
    assertThat(value("rate(c[1m])", 60)).isEqualTo(35.0 / 60);
    assertThat(value("resets(c[1m])", 60)).isEqualTo(1.0);
    // irate uses the last two samples only; after a reset, the new value itself.
    assertThat(value("irate(c[1m])", 60)).isEqualTo(10.0 / 15);
    assertThat(value("irate(c[1m])", 45)).isEqualTo(5.0 / 15);
    // delta does not treat the drop as a reset.
    assertThat(value("delta(c[1m])", 60)).isEqualTo(15.0);
  }

  @Test
  void rateNeedsTwoSamples() {
    series(l("__name__", "c"), 15, 1.0);
    assertThat(at("rate(c[1m])", 30)).isEmpty();
    assertThat(at("count_over_time(c[1m])", 30)).containsExactly("{} 1");
  }

  // ---------------------------------------------------------------- staleness and lookback

  @Test
  void staleMarkerEndsSeriesForInstantSelectors() {
    series(l("__name__", "g"), 10, 1.0, 2.0, StaleMarker.VALUE, 3.0);
    assertThat(at("g", 15)).containsExactly("g{} 2");
    assertThat(at("g", 20)).isEmpty();
    assertThat(at("g", 25)).isEmpty();
    assertThat(at("g", 30)).containsExactly("g{} 3");
    // Range selectors skip the marker.
    assertThat(at("count_over_time(g[1m])", 30)).containsExactly("{} 3");
    assertThat(at("last_over_time(g[1m])", 25)).containsExactly("g{} 2");
  }

  @Test
  void lookbackIncludesItsBoundaryAsInPrometheus2() {
    series(l("__name__", "g"), 10, 7.0);
    assertThat(at("g", 300)).containsExactly("g{} 7");
    assertThat(at("g", 300.001)).isEmpty();
    PromqlEngine oneMinute =
        new PromqlEngine(EngineSettings.defaults().withLookbackDelta(Duration.ofMinutes(1)));
    assertThat(oneMinute.instantQuery(data, scope, "g", 60_000))
        .isInstanceOfSatisfying(QueryResult.Vector.class, v -> assertThat(v.samples()).hasSize(1));
    assertThat(oneMinute.instantQuery(data, scope, "g", 60_001))
        .isInstanceOfSatisfying(QueryResult.Vector.class, v -> assertThat(v.samples()).isEmpty());
  }

  @Test
  void rangeSelectorIncludesBothEnds() {
    series(l("__name__", "g"), 10, 1.0, 2.0, 3.0, 4.0);
    // [10s, 30s] with both ends: 2, 3, 4 (Prometheus 3 would leave out the sample at 10s).
    assertThat(value("count_over_time(g[20s])", 30)).isEqualTo(3.0);
    assertThat(value("sum_over_time(g[20s])", 30)).isEqualTo(9.0);
  }

  // ---------------------------------------------------------------- offset and @

  @Test
  void offsetAndAtShiftTheReadTime() {
    Double[] v = new Double[11];
    for (int i = 0; i <= 10; i++) {
      v[i] = (double) i;
    }
    series(l("__name__", "s"), 60, v);
    assertThat(value("s offset 2m", 600)).isEqualTo(8.0);
    assertThat(value("s offset -1m", 300)).isEqualTo(6.0);
    assertThat(value("s @ 300", 600)).isEqualTo(5.0);
    assertThat(value("s @ 300 offset 1m", 600)).isEqualTo(4.0);
    // [480s, 600s] holds 8, 9, 10: increase 2 over 120s.
    assertThat(value("rate(s[2m] @ 600)", 0)).isEqualTo(2.0 / 120);

    QueryResult.Matrix m =
        (QueryResult.Matrix) engine.rangeQuery(data, scope, "s @ 120", 0, 600_000, 300_000);
    assertThat(m.series()).hasSize(1);
    assertThat(m.series().get(0).timestamps()).containsExactly(0, 300_000, 600_000);
    assertThat(m.series().get(0).values()).containsExactly(2, 2, 2);

    QueryResult.Matrix ends =
        (QueryResult.Matrix)
            engine.rangeQuery(data, scope, "s @ end() - s @ start()", 0, 600_000, 300_000);
    assertThat(ends.series().get(0).values()).containsExactly(10, 10, 10);
  }

  @Test
  void subqueryStepsAlignToAbsoluteTimeAndIncludeRangeStart() {
    Double[] v = new Double[11];
    for (int i = 0; i <= 10; i++) {
      v[i] = (double) i;
    }
    series(l("__name__", "s"), 60, v);
    // Steps at 300, 360, ..., 600: values 5..10.
    assertThat(value("sum_over_time(s[5m:1m])", 600)).isEqualTo(45.0);
    assertThat(value("max_over_time(s[5m:1m])", 600)).isEqualTo(10.0);
    // 2m steps are multiples of 120s: 360, 480, 600 -> 6 + 8 + 10.
    assertThat(value("sum_over_time(s[5m:2m])", 600)).isEqualTo(24.0);
    // Default step (1m) when omitted.
    assertThat(value("count_over_time(s[5m:])", 600)).isEqualTo(6.0);
    // Offset moves the whole subquery: steps 180..480 -> 3..8.
    assertThat(value("sum_over_time(s[5m:1m] offset 2m)", 600)).isEqualTo(33.0);
  }

  // ---------------------------------------------------------------- binary operators

  @Test
  void groupLeftCopiesLabelsFromTheOneSide() {
    series(l("__name__", "requests", "instance", "a", "job", "x"), 60, 10.0);
    series(l("__name__", "requests", "instance", "b", "job", "x"), 60, 20.0);
    series(l("__name__", "info", "instance", "a", "version", "1"), 60, 1.0);
    series(l("__name__", "info", "instance", "b", "version", "2"), 60, 1.0);
    assertThat(at("requests * on(instance) group_left(version) info", 0))
        .containsExactly(
            "{instance=\"a\", job=\"x\", version=\"1\"} 10",
            "{instance=\"b\", job=\"x\", version=\"2\"} 20");
    // One-to-one on(instance) keeps only the matching labels.
    assertThat(at("requests - on(instance) info", 0))
        .containsExactly("{instance=\"a\"} 9", "{instance=\"b\"} 19");
    // Comparisons keep the left side's value (and name, without on()); bool drops the name.
    assertThat(at("requests > on(instance) info", 0))
        .containsExactly("{instance=\"a\"} 10", "{instance=\"b\"} 20");
    assertThat(at("requests > ignoring(job, version) info", 0))
        .containsExactly("requests{instance=\"a\"} 10", "requests{instance=\"b\"} 20");
    assertThat(at("requests > bool 15", 0))
        .containsExactly("{instance=\"a\", job=\"x\"} 0", "{instance=\"b\", job=\"x\"} 1");
    assertThat(at("requests > 15", 0)).containsExactly("requests{instance=\"b\", job=\"x\"} 20");
  }

  @Test
  void duplicateOneSideIsAnExecutionError() {
    series(l("__name__", "requests", "instance", "a"), 60, 10.0);
    series(l("__name__", "info", "instance", "a", "version", "1"), 60, 1.0);
    series(l("__name__", "info", "instance", "a", "version", "3"), 60, 1.0);
    PromqlException e = failure("requests * on(instance) group_left(version) info", 0);
    assertThat(e.errorType()).isEqualTo(PromqlException.EXECUTION);
    assertThat(e.getMessage())
        .isEqualTo(
            "found duplicate series for the match group {instance=\"a\"} on the right hand-side of"
                + " the operation: [{__name__=\"info\", instance=\"a\", version=\"3\"},"
                + " {__name__=\"info\", instance=\"a\", version=\"1\"}];many-to-many matching not"
                + " allowed: matching labels must be unique on one side");
  }

  @Test
  void manyToOneWithoutGroupModifierIsAnError() {
    series(l("__name__", "a", "job", "x", "i", "1"), 60, 1.0);
    series(l("__name__", "a", "job", "x", "i", "2"), 60, 2.0);
    series(l("__name__", "b", "job", "x"), 60, 3.0);
    assertThat(failure("a + on(job) b", 0).getMessage())
        .isEqualTo(
            "multiple matches for labels: many-to-one matching must be explicit"
                + " (group_left/group_right)");
    assertThat(at("a + on(job) group_left b", 0))
        .containsExactly("{i=\"1\", job=\"x\"} 4", "{i=\"2\", job=\"x\"} 5");
    assertThat(at("b - on(job) group_right a", 0))
        .containsExactly("{i=\"1\", job=\"x\"} 2", "{i=\"2\", job=\"x\"} 1");
  }

  @Test
  void sameLabelsetAfterDroppingNamesIsAnError() {
    series(l("__name__", "a", "x", "1"), 60, 1.0);
    series(l("__name__", "b", "x", "1"), 60, 2.0);
    assertThat(failure("{__name__=~\"a|b\"} + 1", 0).getMessage())
        .isEqualTo("vector cannot contain metrics with the same labelset");
    assertThat(failure("count_over_time({__name__=~\"a|b\"}[5m])", 0).getMessage())
        .isEqualTo("vector cannot contain metrics with the same labelset");
    // Comparisons keep the name, so the two series stay distinct.
    assertThat(at("{__name__=~\"a|b\"} > 0", 0)).hasSize(2);
  }

  @Test
  void setOperatorsMatchOnLabelsWithoutTheName() {
    series(l("__name__", "up", "job", "a"), 60, 1.0);
    series(l("__name__", "up", "job", "b"), 60, 0.0);
    series(l("__name__", "alive", "job", "a"), 60, 1.0);
    assertThat(at("up and alive", 0)).containsExactly("up{job=\"a\"} 1");
    assertThat(at("up unless alive", 0)).containsExactly("up{job=\"b\"} 0");
    assertThat(at("alive or up", 0)).containsExactly("alive{job=\"a\"} 1", "up{job=\"b\"} 0");
    assertThat(at("nothing or on() vector(7)", 0)).containsExactly("{} 7");
    assertThat(at("up or on() vector(7)", 0)).hasSize(2);
  }

  @Test
  void arithmeticFollowsGoFloatRules() {
    assertThat(value("7 % 3", 0)).isEqualTo(1.0);
    assertThat(value("-7 % 3", 0)).isEqualTo(-1.0);
    assertThat(value("2 ^ 10", 0)).isEqualTo(1024.0);
    assertThat(value("1 ^ NaN", 0)).isEqualTo(1.0);
    assertThat(value("-2 ^ 2", 0)).isEqualTo(-4.0);
    assertThat(value("1 / 0", 0)).isEqualTo(Double.POSITIVE_INFINITY);
    assertThat(value("0 / 0", 0)).isNaN();
    assertThat(value("1 > bool 2", 0)).isEqualTo(0.0);
    assertThat(value("1 atan2 1", 0)).isEqualTo(Math.PI / 4);
  }

  // ---------------------------------------------------------------- aggregations

  @Test
  void aggregatesByAndWithout() {
    double[] values = {2, 4, 4, 4, 5, 5, 7, 9};
    for (int i = 0; i < values.length; i++) {
      series(l("__name__", "m", "job", i < 4 ? "a" : "b", "i", Integer.toString(i)), 60, values[i]);
    }
    assertThat(at("sum by (job) (m)", 0)).containsExactly("{job=\"a\"} 14", "{job=\"b\"} 26");
    assertThat(at("avg without (i) (m)", 0)).containsExactly("{job=\"a\"} 3.5", "{job=\"b\"} 6.5");
    assertThat(at("count(m)", 0)).containsExactly("{} 8");
    // Population standard deviation of 2,4,4,4,5,5,7,9 is 2.
    assertThat(at("stddev(m)", 0)).containsExactly("{} 2");
    assertThat(at("stdvar(m)", 0)).containsExactly("{} 4");
    assertThat(at("min by (job) (m)", 0)).containsExactly("{job=\"a\"} 2", "{job=\"b\"} 5");
    assertThat(at("group by (job) (m)", 0)).containsExactly("{job=\"a\"} 1", "{job=\"b\"} 1");
    assertThat(at("sum by (__name__) (m)", 0)).containsExactly("m{} 40");
  }

  @Test
  void topkBottomkQuantileAndCountValues() {
    series(l("__name__", "m", "i", "1"), 60, 1.0);
    series(l("__name__", "m", "i", "2"), 60, 5.0);
    series(l("__name__", "m", "i", "3"), 60, 3.0);
    series(l("__name__", "m", "i", "4"), 60, 4.0);
    // topk decides the order: highest first, labels (with name) kept.
    assertThat(at("topk(2, m)", 0)).containsExactly("m{i=\"2\"} 5", "m{i=\"4\"} 4");
    assertThat(at("bottomk(1, m)", 0)).containsExactly("m{i=\"1\"} 1");
    assertThat(at("topk(0, m)", 0)).isEmpty();
    // Sorted 1,3,4,5: rank 0.5*3 = 1.5 -> halfway between 3 and 4.
    assertThat(value("quantile(0.5, m)", 0)).isEqualTo(3.5);
    // rank 0.9*3 = 2.7 -> 4*0.3 + 5*0.7.
    assertThat(value("quantile(0.9, m)", 0)).isCloseTo(4.7, within(1e-12));
    assertThat(value("quantile(2, m)", 0)).isEqualTo(Double.POSITIVE_INFINITY);
    series(l("__name__", "m", "i", "5"), 60, 5.0);
    assertThat(at("count_values(\"value\", m)", 0))
        .containsExactly(
            "{value=\"1\"} 1", "{value=\"3\"} 1", "{value=\"4\"} 1", "{value=\"5\"} 2");
    assertThat(failure("count_values(\"a-b\", m)", 0).getMessage())
        .isEqualTo("invalid label name \"a-b\"");
  }

  @Test
  void sortOrdersByValueWithNaNLast() {
    series(l("__name__", "m", "i", "1"), 60, 3.0);
    series(l("__name__", "m", "i", "2"), 60, Double.NaN);
    series(l("__name__", "m", "i", "3"), 60, 1.0);
    assertThat(at("sort(m)", 0)).containsExactly("m{i=\"3\"} 1", "m{i=\"1\"} 3", "m{i=\"2\"} NaN");
    assertThat(at("sort_desc(m)", 0))
        .containsExactly("m{i=\"1\"} 3", "m{i=\"3\"} 1", "m{i=\"2\"} NaN");
  }

  // ---------------------------------------------------------------- functions

  @Test
  void histogramQuantileInterpolatesWithinClassicBuckets() {
    String[] le = {"0.1", "0.5", "1", "+Inf"};
    double[] counts = {10, 30, 40, 40};
    for (int i = 0; i < le.length; i++) {
      series(l("__name__", "h_bucket", "job", "x", "le", le[i]), 60, counts[i]);
    }
    // 40 observations; the median (rank 20) is in (0.1, 0.5]: 10 of its 20 -> 0.1 + 0.4/2.
    assertThat(at("histogram_quantile(0.5, h_bucket)", 0))
        .containsExactly("{job=\"x\"} 0.30000000000000004");
    // rank 36 is in (0.5, 1]: 6 of 10 -> 0.5 + 0.5*0.6.
    assertThat(value("histogram_quantile(0.9, h_bucket)", 0)).isCloseTo(0.8, within(1e-12));
    assertThat(value("histogram_quantile(1.5, h_bucket)", 0)).isEqualTo(Double.POSITIVE_INFINITY);
  }

  @Test
  void histogramQuantileFixesNonMonotonicBucketsAndUsesLastFiniteBoundForInfBucket() {
    // le=0.5 has fewer than le=0.1 (a partial scrape): treated as 10. The +Inf bucket holds 5
    // observations above 1.
    String[] le = {"0.1", "0.5", "1", "+Inf"};
    double[] counts = {10, 5, 40, 45};
    for (int i = 0; i < le.length; i++) {
      series(l("__name__", "h_bucket", "le", le[i]), 60, counts[i]);
    }
    // rank 0.99*45 = 44.55 is beyond the last finite bucket: its bound, 1.
    assertThat(value("histogram_quantile(0.99, h_bucket)", 0)).isEqualTo(1.0);
    // rank 0.5*45 = 22.5 is in (0.5, 1] holding 40-10 = 30: 0.5 + 0.5 * 12.5/30.
    assertThat(value("histogram_quantile(0.5, h_bucket)", 0))
        .isCloseTo(0.5 + 0.5 * 12.5 / 30, within(1e-12));
  }

  @Test
  void labelReplaceUsesGoTemplateRules() {
    series(l("__name__", "up", "instance", "host:9090"), 60, 1.0);
    assertThat(at("label_replace(up, \"host\", \"$1\", \"instance\", \"(.*):.*\")", 0))
        .containsExactly("up{host=\"host\", instance=\"host:9090\"} 1");
    // "$1x" names group "1x", which does not exist: the label becomes empty and is dropped.
    assertThat(at("label_replace(up, \"host\", \"$1x\", \"instance\", \"(.*):.*\")", 0))
        .containsExactly("up{instance=\"host:9090\"} 1");
    assertThat(at("label_replace(up, \"host\", \"${1}x\", \"instance\", \"(.*):.*\")", 0))
        .containsExactly("up{host=\"hostx\", instance=\"host:9090\"} 1");
    // No match: unchanged.
    assertThat(at("label_replace(up, \"host\", \"$1\", \"instance\", \"nomatch\")", 0))
        .containsExactly("up{instance=\"host:9090\"} 1");
    assertThat(failure("label_replace(up, \"a-b\", \"\", \"instance\", \".*\")", 0).getMessage())
        .isEqualTo("invalid destination label name in label_replace(): a-b");
    assertThat(at("label_join(up, \"both\", \"/\", \"__name__\", \"instance\")", 0))
        .containsExactly("up{both=\"up/host:9090\", instance=\"host:9090\"} 1");
  }

  @Test
  void absentReportsEqualityMatchersOfAMissingSelector() {
    series(l("__name__", "up", "job", "a"), 60, 1.0);
    assertThat(at("absent(up)", 0)).isEmpty();
    assertThat(at("absent(nonexistent{job=\"x\", instance=~\"i.*\"})", 0))
        .containsExactly("{job=\"x\"} 1");
    assertThat(at("absent(nonexistent{job=\"x\", job=\"y\"})", 0)).containsExactly("{} 1");
    assertThat(at("absent_over_time(nonexistent{job=\"x\"}[5m])", 0))
        .containsExactly("{job=\"x\"} 1");
    assertThat(at("absent_over_time(up[5m])", 0)).isEmpty();
  }

  @Test
  void functionsDropTheMetricNameExceptLabelAndOrderingFunctions() {
    series(l("__name__", "m", "i", "1"), 60, -1.5);
    assertThat(at("abs(m)", 0)).containsExactly("{i=\"1\"} 1.5");
    assertThat(at("m + 0", 0)).containsExactly("{i=\"1\"} -1.5");
    assertThat(at("-m", 0)).containsExactly("{i=\"1\"} 1.5");
    assertThat(at("m", 0)).containsExactly("m{i=\"1\"} -1.5");
    assertThat(at("sort(m)", 0)).containsExactly("m{i=\"1\"} -1.5");
    assertThat(at("last_over_time(m[1m])", 0)).containsExactly("m{i=\"1\"} -1.5");
    assertThat(at("max_over_time(m[1m])", 0)).containsExactly("{i=\"1\"} -1.5");
    assertThat(at("round(m)", 0)).containsExactly("{i=\"1\"} -1");
    assertThat(at("round(m, 0.2)", 0)).containsExactly("{i=\"1\"} -1.4");
    assertThat(at("clamp(m, -1, 1)", 0)).containsExactly("{i=\"1\"} -1");
    assertThat(at("clamp(m, 1, -1)", 0)).isEmpty();
    assertThat(at("timestamp(m)", 30)).containsExactly("{i=\"1\"} 0");
    assertThat(at("timestamp(m + 0)", 30)).containsExactly("{i=\"1\"} 30");
  }

  @Test
  void dateFunctionsUseUtc() {
    // 2023-11-14T22:13:20Z was a Tuesday, day 318 of the year.
    double t = 1_700_000_000;
    assertThat(value("year()", t)).isEqualTo(2023);
    assertThat(value("month()", t)).isEqualTo(11);
    assertThat(value("day_of_month()", t)).isEqualTo(14);
    assertThat(value("day_of_week()", t)).isEqualTo(2);
    assertThat(value("day_of_year()", t)).isEqualTo(318);
    assertThat(value("hour()", t)).isEqualTo(22);
    assertThat(value("minute()", t)).isEqualTo(13);
    assertThat(value("days_in_month()", t)).isEqualTo(30);
    assertThat(value("days_in_month(vector(951782400))", 0)).isEqualTo(29); // 2000-02-29
  }

  @Test
  void scalarVectorAndTime() {
    series(l("__name__", "m", "i", "1"), 60, 4.0);
    series(l("__name__", "m", "i", "2"), 60, 5.0);
    assertThat(value("scalar(m{i=\"1\"})", 0)).isEqualTo(4.0);
    assertThat(value("scalar(m)", 0)).isNaN();
    assertThat(value("time()", 12.5)).isEqualTo(12.5);
    assertThat(at("vector(1)", 0)).containsExactly("{} 1");
    assertThat(engine.instantQuery(data, scope, "\"hello\"", 1000))
        .isEqualTo(new QueryResult.StringResult(1000, "hello", List.of()));
  }

  // ---------------------------------------------------------------- range queries

  @Test
  void rangeQueryEvaluatesFromStartByStepUpToEnd() {
    QueryResult.Matrix m =
        (QueryResult.Matrix) engine.rangeQuery(data, scope, "vector(time())", 0, 100_000, 30_000);
    assertThat(m.series()).hasSize(1);
    assertThat(m.series().get(0).labels()).isEqualTo(Labels.EMPTY);
    assertThat(m.series().get(0).timestamps()).containsExactly(0, 30_000, 60_000, 90_000);
    assertThat(m.series().get(0).values()).containsExactly(0, 30, 60, 90);
    // Scalars come back as a series without labels too.
    QueryResult.Matrix s =
        (QueryResult.Matrix) engine.rangeQuery(data, scope, "1 + 1", 0, 60_000, 30_000);
    assertThat(s.series().get(0).values()).containsExactly(2, 2, 2);
  }

  @Test
  void rangeQuerySeriesAreSortedAndHaveGapsWhereValuesAreMissing() {
    series(l("__name__", "g", "i", "2"), 60, 1.0, null, null, null, null, null, null, 7.0);
    series(l("__name__", "g", "i", "1"), 60, 2.0);
    QueryResult.Matrix m =
        (QueryResult.Matrix) engine.rangeQuery(data, scope, "g", 0, 420_000, 60_000);
    assertThat(m.series())
        .extracting(QueryResult.Series::labels)
        .containsExactly(l("__name__", "g", "i", "1"), l("__name__", "g", "i", "2"));
    // i=1: one sample at 0, visible for 5 minutes of lookback.
    assertThat(m.series().get(0).timestamps())
        .containsExactly(0, 60_000, 120_000, 180_000, 240_000, 300_000);
    // i=2: 0..300s from the first sample, then 420s from the second.
    assertThat(m.series().get(1).timestamps())
        .containsExactly(0, 60_000, 120_000, 180_000, 240_000, 300_000, 420_000);
    assertThat(m.series().get(1).values()).endsWith(1, 7);
  }

  @Test
  void instantQueryOfRangeSelectorReturnsRawSamples() {
    series(l("__name__", "g"), 10, 1.0, 2.0, 3.0);
    QueryResult r = engine.instantQuery(data, scope, "g[15s]", 20_000);
    assertThat(r).isInstanceOf(QueryResult.Matrix.class);
    QueryResult.Series s = ((QueryResult.Matrix) r).series().get(0);
    assertThat(s.labels()).isEqualTo(l("__name__", "g"));
    assertThat(s.timestamps()).containsExactly(10_000, 20_000);
    assertThat(s.values()).containsExactly(2, 3);
  }

  @Test
  void rangeQueryRejectsNonInstantTypes() {
    assertThatThrownBy(() -> engine.rangeQuery(data, scope, "g[5m]", 0, 60_000, 1000))
        .isInstanceOfSatisfying(
            PromqlException.class,
            e -> {
              assertThat(e.errorType()).isEqualTo(PromqlException.BAD_DATA);
              assertThat(e.getMessage())
                  .isEqualTo(
                      "invalid expression type \"range vector\" for range query, must be Scalar"
                          + " or instant Vector");
            });
  }

  @Test
  void parseErrorsOfInstantQueriesNameTheParameter() {
    assertThatThrownBy(() -> engine.instantQuery(data, scope, "1 +", 0))
        .hasMessage("invalid parameter \"query\": 1:4: parse error: unexpected end of input");
    assertThatThrownBy(() -> engine.rangeQuery(data, scope, "1 +", 0, 1000, 1000))
        .hasMessage("1:4: parse error: unexpected end of input");
  }
}

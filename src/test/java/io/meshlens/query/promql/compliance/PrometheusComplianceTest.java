package io.meshlens.query.promql.compliance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.meshlens.query.promql.EngineSettings;
import io.meshlens.query.promql.Expr;
import io.meshlens.query.promql.PromqlEngine;
import io.meshlens.query.promql.PromqlException;
import io.meshlens.query.promql.PromqlParser;
import io.meshlens.query.promql.QueryResult;
import io.meshlens.store.MetricStore;
import io.meshlens.store.Scope;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The PromQL compliance harness: the same deterministic data ({@link ComplianceDataset}) goes into
 * a real Prometheus 2.42 (Debian's package, through {@code promtool tsdb create-blocks-from
 * openmetrics}) and into a {@link MetricStore}; every query of {@link ComplianceQueries} (modelled
 * on prometheus/compliance's PromQL suite) is asked of both as instant queries at {@link #INSTANTS}
 * and range queries over {@link #RANGES}, and the answers are compared as the compliance tester
 * compares them: same result type, same label sets, same timestamps, values equal within {@link
 * Outcome#RELATIVE_TOLERANCE} with NaN equal to NaN, order only where the query sorts.
 *
 * <p>A query scores when all its evaluations agree. The test writes {@code
 * docs/promql-compliance.md} (when its content other than the date changed) and fails when the
 * score is below {@link #MIN_SCORE}, when a query differs that {@code
 * promql/compliance/known-differences.txt} does not list, or when a listed query no longer differs.
 */
class PrometheusComplianceTest {

  static final double MIN_SCORE = 0.97;

  private static final long S = ComplianceDataset.START_MS;
  private static final long MIN = 60_000;
  private static final long HOUR = 60 * MIN;

  /**
   * Instant evaluation times: mid-data (with +Inf temperatures), fractional, just after the data,
   * the first scrapes, NaN temperatures.
   */
  static final long[] INSTANTS = {
    S + HOUR,
    S + 2 * HOUR + 7 * MIN + 13_456,
    S + 3 * HOUR + 2 * MIN,
    S + 25_000,
    S + 25 * MIN + 30_000
  };

  /**
   * Range queries {start, end, step}: an hour at 1 m, a window across the 2 h block boundary with
   * an unaligned start and step, the start of the data at 15 s, the end of the data at 30 s, the
   * scrapes an instance misses at 7 s.
   */
  static final long[][] RANGES = {
    {S + HOUR, S + 2 * HOUR, MIN},
    {S + 110 * MIN + 500, S + 140 * MIN, 37_000},
    {S - 5 * MIN, S + 15 * MIN, 15_000},
    {S + 170 * MIN, S + 190 * MIN, 30_000},
    {S + 44 * MIN + 250, S + HOUR, 7_000},
  };

  @TempDir Path work;

  @Test
  void meshlensAnswersLikePrometheus242() throws Exception {
    Optional<Path> prometheus = PrometheusReference.find("prometheus");
    Optional<Path> promtool = PrometheusReference.find("promtool");
    if (prometheus.isEmpty() || promtool.isEmpty()) {
      fail(
          "The PromQL compliance test compares with a real Prometheus 2.42 and needs the"
              + " `prometheus` and `promtool` programs, which are not installed: "
              + PrometheusReference.INSTALL_HINT);
    }
    long t0 = System.nanoTime();
    ComplianceDataset data = ComplianceDataset.generate();
    Path om = work.resolve("data.om");
    data.writeOpenMetrics(om);
    MetricStore store = new MetricStore();
    data.load(store);
    List<ComplianceQueries.Query> queries = ComplianceQueries.load();
    Map<String, String> known = knownDifferences();
    PromqlEngine engine = new PromqlEngine(EngineSettings.defaults());

    Map<String, String> differences = new LinkedHashMap<>();
    int evaluations = 0;
    long points = 0;
    String version;
    try (PrometheusReference ref =
        PrometheusReference.start(prometheus.get(), promtool.get(), om, work)) {
      version = ref.version();
      for (ComplianceQueries.Query q : queries) {
        boolean ordered = ordersItsResult(q.text());
        List<String> diffs = new ArrayList<>();
        for (long t : INSTANTS) {
          Outcome want = Outcome.fromPrometheus(ref.instantQuery(q.text(), t));
          Outcome got = meshlens(() -> engine.instantQuery(store, Scope.everything(), q.text(), t));
          evaluations++;
          points += want.points();
          check(q, want, got, ordered, "instant at " + PrometheusReference.seconds(t), diffs);
        }
        for (long[] r : q.instantOnly() ? new long[0][] : RANGES) {
          Outcome want = Outcome.fromPrometheus(ref.rangeQuery(q.text(), r[0], r[1], r[2]));
          Outcome got =
              meshlens(
                  () -> engine.rangeQuery(store, Scope.everything(), q.text(), r[0], r[1], r[2]));
          evaluations++;
          points += want.points();
          check(
              q,
              want,
              got,
              false,
              "range "
                  + PrometheusReference.seconds(r[0])
                  + ".."
                  + PrometheusReference.seconds(r[1])
                  + " step "
                  + r[2] / 1000
                  + "s",
              diffs);
        }
        diffs.forEach(d -> System.out.println("  " + q.text() + "\n    " + d));
        if (!diffs.isEmpty()) {
          differences.put(
              q.text(),
              diffs.size()
                  + " of "
                  + (INSTANTS.length + (q.instantOnly() ? 0 : RANGES.length))
                  + " evaluations differ; first: "
                  + diffs.get(0));
        }
      }
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    int passed = queries.size() - differences.size();
    double score = (double) passed / queries.size();
    System.out.printf(
        "PromQL compliance: %d of %d queries identical (%.2f%%), %d evaluations, %d points, %.1f s%n",
        passed, queries.size(), 100 * score, evaluations, points, seconds);

    List<String> unexplained = new ArrayList<>();
    differences.forEach(
        (q, d) -> {
          if (!known.containsKey(q)) {
            unexplained.add(q + "\n    " + d);
          }
        });
    List<String> stale = new ArrayList<>();
    for (String q : known.keySet()) {
      if (!differences.containsKey(q)) {
        stale.add(q);
      }
    }
    ComplianceReport.write(
        Path.of("docs", "promql-compliance.md"),
        new ComplianceReport.Run(
            LocalDate.now(ZoneOffset.UTC),
            version,
            data,
            queries.size(),
            (int) queries.stream().filter(ComplianceQueries.Query::instantOnly).count(),
            evaluations,
            points,
            passed,
            differences,
            known,
            unexplained));

    assertThat(unexplained)
        .as("queries that differ from Prometheus and are not in known-differences.txt")
        .isEmpty();
    assertThat(stale)
        .as("known-differences.txt lists queries that now agree with Prometheus: remove them")
        .isEmpty();
    assertThat(score).as("compliance score").isGreaterThanOrEqualTo(MIN_SCORE);
  }

  private static Outcome meshlens(Supplier<QueryResult> evaluation) {
    try {
      return Outcome.fromMeshlens(evaluation.get());
    } catch (PromqlException ex) {
      return Outcome.fromMeshlens(ex);
    }
  }

  private static void check(
      ComplianceQueries.Query q,
      Outcome want,
      Outcome got,
      boolean ordered,
      String where,
      List<String> diffs) {
    if (q.shouldFail() && want.errorType() == null) {
      throw new IllegalStateException("Prometheus answered " + q.text() + ", marked FAIL");
    }
    // Other queries may fail too, e.g. a range vector asked as a range query: the errors are
    // compared.
    String d = want.differenceFrom(got, ordered && "vector".equals(want.resultType()));
    if (d != null) {
      diffs.add(where + ": " + d);
    }
  }

  /** Whether an instant query's vector keeps the order its outermost operation gives it. */
  static boolean ordersItsResult(String query) {
    Expr e;
    try {
      e = PromqlParser.parse(query);
    } catch (PromqlException ex) {
      return false;
    }
    while (e instanceof Expr.ParenExpr p) {
      e = p.expr();
    }
    if (e instanceof Expr.Call c) {
      return c.function().name().equals("sort") || c.function().name().equals("sort_desc");
    }
    return e instanceof Expr.AggregateExpr a
        && (a.op() == Expr.AggregateOp.TOPK || a.op() == Expr.AggregateOp.BOTTOMK);
  }

  /** Query → explanation, from {@code promql/compliance/known-differences.txt}. */
  static Map<String, String> knownDifferences() throws IOException {
    String text;
    try (InputStream in =
        PrometheusComplianceTest.class.getResourceAsStream(
            "/promql/compliance/known-differences.txt")) {
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int tab = line.indexOf('\t');
      if (tab < 0) {
        throw new IllegalArgumentException("known-differences.txt: no tab in " + line);
      }
      out.put(line.substring(0, tab), line.substring(tab + 1).strip());
    }
    return out;
  }
}

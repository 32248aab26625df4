package io.meshlens.query.logql;

import io.meshlens.query.logql.LogqlExpr.Grouping;
import io.meshlens.query.logql.LogqlExpr.LogQuery;
import io.meshlens.query.logql.LogqlExpr.MetricExpr;
import io.meshlens.query.logql.LogqlExpr.RangeAggregation;
import io.meshlens.query.logql.LogqlExpr.VectorAggregation;
import io.meshlens.query.logql.LogqlExpr.VectorOp;
import io.meshlens.store.Scope;
import io.meshlens.store.logs.AccessLogStore;
import io.meshlens.store.logs.StreamBucket;
import io.meshlens.store.logs.StreamSelection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Evaluates LogQL on the {@link AccessLogStore}, always inside the caller's {@link Scope}: the
 * store's SQL applies the scope, the time range, the stream selector and every line filter; Java
 * runs only what SQL cannot ({@code | json}, {@code | logfmt}, label filters, {@code drop}) and the
 * aggregations.
 *
 * <p>Times are nanoseconds since the epoch at the API and milliseconds in the store (Envoy logs
 * milliseconds). Log queries select starts in {@code [start, end)}; a range aggregation at step
 * {@code t} over {@code [r]} counts starts in {@code (t - r, t]}, as Loki does.
 *
 * <pre>{@code
 * LogqlEngine engine = new LogqlEngine(store, LogqlLimits.defaults());
 * LogqlResult r = engine.rangeQuery(scope, "sum by (cluster) (rate({namespace=\"shop\"}[5m]))",
 *     startNs, endNs, 60_000_000_000L, 100, false);
 * }</pre>
 */
public final class LogqlEngine {

  private static final long NS_PER_MS = 1_000_000L;

  /** Rows per page when entries are filtered in Java after the store. */
  private static final int SCAN_PAGE = 2000;

  private static final Comparator<Map<String, String>> BY_LABELS =
      Comparator.comparing(Object::toString);

  private final AccessLogStore store;
  private final LogqlLimits limits;

  public LogqlEngine(AccessLogStore store, LogqlLimits limits) {
    this.store = Objects.requireNonNull(store, "store");
    this.limits = Objects.requireNonNull(limits, "limits");
  }

  /**
   * A range query: streams for a log query (at most {@code limit} entries, newest first unless
   * {@code forward}), a matrix for a metric query.
   */
  public LogqlResult rangeQuery(
      Scope scope,
      String query,
      long startNs,
      long endNs,
      long stepNs,
      int limit,
      boolean forward) {
    LogqlExpr e = LogqlParser.parse(query);
    if (endNs < startNs) {
      throw new LogqlException("end timestamp must not be before or equal to start time");
    }
    if (e instanceof LogQuery q) {
      return logs(scope, q, startNs, endNs, limit, forward);
    }
    if (stepNs <= 0) {
      throw new LogqlException(
          "zero or negative query resolution step widths are not accepted. Try a positive"
              + " integer");
    }
    long stepMs = Math.max(1, stepNs / NS_PER_MS);
    long startMs = Math.floorDiv(startNs, NS_PER_MS);
    long endMs = Math.floorDiv(endNs, NS_PER_MS);
    long points = (endMs - startMs) / stepMs + 1;
    if (points > limits.maxPoints()) {
      throw new LogqlException(
          "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query"
              + " resolution (?step=XX)");
    }
    long[] steps = new long[(int) points];
    for (int i = 0; i < steps.length; i++) {
      steps[i] = startMs + i * stepMs;
    }
    Map<Map<String, String>, double[]> series = metric(scope, (MetricExpr) e, steps, null);
    List<LogqlResult.Series> out = new ArrayList<>();
    for (Map.Entry<Map<String, String>, double[]> s : sorted(series)) {
      double[] v = s.getValue();
      int n = 0;
      for (double x : v) {
        n += Double.isNaN(x) ? 0 : 1;
      }
      long[] ts = new long[n];
      double[] vs = new double[n];
      int j = 0;
      for (int i = 0; i < v.length; i++) {
        if (!Double.isNaN(v[i])) {
          ts[j] = steps[i];
          vs[j++] = v[i];
        }
      }
      if (n > 0) {
        out.add(new LogqlResult.Series(s.getKey(), ts, vs));
      }
    }
    checkSeries(out.size(), limits.maxSeries());
    return new LogqlResult.Matrix(out);
  }

  /**
   * An instant query at {@code timeNs}: a vector for a metric query; for a log query, the streams
   * of the {@code lookbackNs} before it (Loki 2.9 answers log queries at one instant too).
   */
  public LogqlResult instantQuery(
      Scope scope, String query, long timeNs, long lookbackNs, int limit, boolean forward) {
    LogqlExpr e = LogqlParser.parse(query);
    if (e instanceof LogQuery q) {
      return logs(scope, q, timeNs - lookbackNs, timeNs + 1, limit, forward);
    }
    long t = Math.floorDiv(timeNs, NS_PER_MS);
    Map<Map<String, String>, double[]> series = metric(scope, (MetricExpr) e, new long[] {t}, null);
    List<LogqlResult.Sample> out = new ArrayList<>();
    for (Map.Entry<Map<String, String>, double[]> s : sorted(series)) {
      if (!Double.isNaN(s.getValue()[0])) {
        out.add(new LogqlResult.Sample(s.getKey(), t, s.getValue()[0]));
      }
    }
    checkSeries(out.size(), limits.maxSeries());
    return new LogqlResult.Vector(out);
  }

  // ---- log queries

  private LogqlResult.Streams logs(
      Scope scope, LogQuery q, long startNs, long endNs, int limit, boolean forward) {
    if (limit <= 0) {
      throw new LogqlException("limit must be a positive value");
    }
    if (limit > limits.maxEntries()) {
      throw new LogqlException(
          "max entries limit per query exceeded, limit > max_entries_limit ("
              + limit
              + " > "
              + limits.maxEntries()
              + ")");
    }
    StreamSelection sel =
        new StreamSelection(
            ceilDiv(startNs, NS_PER_MS), ceilDiv(endNs, NS_PER_MS), q.matchers(), q.lineFilters());
    Pipeline pipeline = new Pipeline(q);
    boolean javaSide = !q.onlyLineFilters();
    Map<Map<String, String>, List<LogqlResult.Entry>> streams = new HashMap<>();
    int[] taken = {0};
    long[] scanned = {0};
    run(
        () ->
            store.scan(
                scope,
                sel,
                !forward,
                javaSide ? Math.max(SCAN_PAGE, limit) : limit,
                log -> {
                  if (++scanned[0] > limits.maxScannedLines()) {
                    throw tooManyLines();
                  }
                  Pipeline.Entry entry = pipeline.run(log);
                  if (entry == null) {
                    return true;
                  }
                  streams
                      .computeIfAbsent(entry.labels(), k -> new ArrayList<>())
                      .add(new LogqlResult.Entry(log.startTimeMs() * NS_PER_MS, entry.line()));
                  return ++taken[0] < limit;
                }));
    List<LogqlResult.Stream> out = new ArrayList<>();
    for (Map.Entry<Map<String, String>, List<LogqlResult.Entry>> s : sorted(streams)) {
      out.add(new LogqlResult.Stream(s.getKey(), s.getValue()));
    }
    return new LogqlResult.Streams(out);
  }

  // ---- metric queries

  /**
   * Series of {@code e} at each of {@code steps} (milliseconds), {@code NaN} where a series has no
   * value. {@code keep}, when not null, names the only labels the caller (a {@code sum by}) will
   * look at, so series may be merged on them early.
   */
  private Map<Map<String, String>, double[]> metric(
      Scope scope, MetricExpr e, long[] steps, Set<String> keep) {
    if (e instanceof RangeAggregation r) {
      return range(scope, r, steps, keep);
    }
    VectorAggregation v = (VectorAggregation) e;
    Grouping g = v.grouping();
    Set<String> innerKeep = null;
    if (v.op() == VectorOp.SUM && v.inner() instanceof RangeAggregation) {
      // sum by (a) (rate(...)) needs rate's series only per value of a.
      innerKeep = g == null ? Set.of() : g.without() ? null : Set.copyOf(g.labels());
    }
    Map<Map<String, String>, double[]> inner = metric(scope, v.inner(), steps, innerKeep);
    Map<Map<String, String>, double[][]> groups = new HashMap<>();
    int n = steps.length;
    for (Map.Entry<Map<String, String>, double[]> s : inner.entrySet()) {
      Map<String, String> key = group(s.getKey(), g);
      // acc[0] = value, acc[1] = number of series with a value at the step
      double[][] acc =
          groups.computeIfAbsent(key, k -> new double[][] {new double[n], new double[n]});
      double[] vals = s.getValue();
      for (int i = 0; i < n; i++) {
        double x = vals[i];
        if (Double.isNaN(x)) {
          continue;
        }
        double c = acc[1][i];
        acc[0][i] =
            c == 0
                ? (v.op() == VectorOp.COUNT ? 1 : x)
                : switch (v.op()) {
                  case SUM, AVG -> acc[0][i] + x;
                  case COUNT -> acc[0][i] + 1;
                  case MIN -> Math.min(acc[0][i], x);
                  case MAX -> Math.max(acc[0][i], x);
                };
        acc[1][i] = c + 1;
      }
    }
    Map<Map<String, String>, double[]> out = new HashMap<>();
    for (Map.Entry<Map<String, String>, double[][]> gr : groups.entrySet()) {
      double[] vals = new double[n];
      double[][] acc = gr.getValue();
      for (int i = 0; i < n; i++) {
        vals[i] =
            acc[1][i] == 0
                ? Double.NaN
                : v.op() == VectorOp.AVG ? acc[0][i] / acc[1][i] : acc[0][i];
      }
      out.put(gr.getKey(), vals);
    }
    return out;
  }

  private static Map<String, String> group(Map<String, String> labels, Grouping g) {
    TreeMap<String, String> key = new TreeMap<>();
    if (g == null) {
      return key;
    }
    if (g.without()) {
      key.putAll(labels);
      g.labels().forEach(key::remove);
      return key;
    }
    for (String l : g.labels()) {
      String v = labels.get(l);
      if (v != null && !v.isEmpty()) {
        key.put(l, v);
      }
    }
    return key;
  }

  /** Counts per bucket of one series: bucket ends ascending, with running totals. */
  private static final class Buckets {
    final TreeMap<Long, long[]> byEnd = new TreeMap<>();

    void add(long end, long count, long bytes) {
      long[] c = byEnd.computeIfAbsent(end, k -> new long[2]);
      c[0] += count;
      c[1] += bytes;
    }
  }

  private Map<Map<String, String>, double[]> range(
      Scope scope, RangeAggregation r, long[] steps, Set<String> keep) {
    long first = steps[0];
    long last = steps[steps.length - 1];
    long rangeMs = r.rangeMs();
    long stepMs = steps.length > 1 ? steps[1] - steps[0] : rangeMs;
    long width = gcd(stepMs, rangeMs);
    long origin = first - rangeMs;
    LogQuery q = r.logs();
    StreamSelection sel = new StreamSelection(origin + 1, last + 1, q.matchers(), q.lineFilters());
    Map<Map<String, String>, Buckets> series = new HashMap<>();
    if (q.onlyLineFilters()) {
      List<String> cols =
          keep == null
              ? AccessLogStore.STREAM_LABELS
              : AccessLogStore.STREAM_LABELS.stream().filter(keep::contains).toList();
      List<StreamBucket> rows = read(() -> store.countBuckets(scope, sel, cols, origin, width));
      for (StreamBucket b : rows) {
        TreeMap<String, String> labels = new TreeMap<>();
        for (int i = 0; i < cols.size(); i++) {
          if (!b.labelValues().get(i).isEmpty()) {
            labels.put(cols.get(i), b.labelValues().get(i));
          }
        }
        addTo(series, labels, b.bucketEndMs(), b.count(), b.bytes());
      }
    } else {
      Pipeline pipeline = new Pipeline(q);
      long[] scanned = {0};
      run(
          () ->
              store.scan(
                  scope,
                  sel,
                  false,
                  SCAN_PAGE,
                  log -> {
                    if (++scanned[0] > limits.maxScannedLines()) {
                      throw tooManyLines();
                    }
                    Pipeline.Entry entry = pipeline.run(log);
                    if (entry == null) {
                      return true;
                    }
                    TreeMap<String, String> labels = entry.labels();
                    if (keep != null) {
                      labels.keySet().retainAll(keep);
                    }
                    long end = origin + ceilDiv(log.startTimeMs() - origin, width) * width;
                    addTo(series, labels, end, 1, utf8Length(entry.line()));
                    return true;
                  }));
    }
    checkSeries(series.size(), limits.maxInnerSeries());
    Map<Map<String, String>, double[]> out = new HashMap<>();
    double seconds = rangeMs / 1000.0;
    for (Map.Entry<Map<String, String>, Buckets> s : series.entrySet()) {
      double[] vals = new double[steps.length];
      Arrays.fill(vals, Double.NaN);
      TreeMap<Long, long[]> byEnd = s.getValue().byEnd;
      for (int i = 0; i < steps.length; i++) {
        long count = 0;
        long bytes = 0;
        for (long[] c : byEnd.subMap(steps[i] - rangeMs, false, steps[i], true).values()) {
          count += c[0];
          bytes += c[1];
        }
        if (count == 0) {
          continue;
        }
        vals[i] =
            switch (r.op()) {
              case COUNT_OVER_TIME -> count;
              case RATE -> count / seconds;
              case BYTES_OVER_TIME -> bytes;
              case BYTES_RATE -> bytes / seconds;
            };
      }
      out.put(s.getKey(), vals);
    }
    return out;
  }

  private void addTo(
      Map<Map<String, String>, Buckets> series,
      TreeMap<String, String> labels,
      long end,
      long count,
      long bytes) {
    Buckets b = series.get(labels);
    if (b == null) {
      checkSeries(series.size() + 1, limits.maxInnerSeries());
      b = new Buckets();
      series.put(labels, b);
    }
    b.add(end, count, bytes);
  }

  // ---- helpers

  private static <V> List<Map.Entry<Map<String, String>, V>> sorted(Map<Map<String, String>, V> m) {
    List<Map.Entry<Map<String, String>, V>> l = new ArrayList<>(m.entrySet());
    l.sort(Map.Entry.comparingByKey(BY_LABELS));
    return l;
  }

  private static void checkSeries(int n, int max) {
    if (n > max) {
      throw new LogqlException("maximum of series (" + max + ") reached for a single query");
    }
  }

  private LogqlException tooManyLines() {
    return new LogqlException(
        "the query would read more than "
            + limits.maxScannedLines()
            + " log lines; narrow the stream selector, add a line filter or shorten the time range");
  }

  private static long utf8Length(String s) {
    long n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        n++;
      } else if (c < 0x800) {
        n += 2;
      } else if (Character.isHighSurrogate(c)) {
        n += 4;
        i++;
      } else {
        n += 3;
      }
    }
    return n;
  }

  static long ceilDiv(long a, long b) {
    return -Math.floorDiv(-a, b);
  }

  private static long gcd(long a, long b) {
    while (b != 0) {
      long t = a % b;
      a = b;
      b = t;
    }
    return a;
  }

  private interface Read<T> {
    T run() throws SQLException;
  }

  private interface ReadVoid {
    void run() throws SQLException;
  }

  private static <T> T read(Read<T> r) {
    try {
      return r.run();
    } catch (SQLException e) {
      throw storeError(e);
    }
  }

  private static void run(ReadVoid r) {
    try {
      r.run();
    } catch (SQLException e) {
      throw storeError(e);
    }
  }

  private static RuntimeException storeError(SQLException e) {
    String m = String.valueOf(e.getMessage());
    if (m.contains("regex") || m.contains("Regex")) {
      // A pattern Java accepted and RE2 refuses: the query's fault, not the store's.
      return new LogqlException("error parsing regexp: " + m);
    }
    return new IllegalStateException("log store read failed", e);
  }
}

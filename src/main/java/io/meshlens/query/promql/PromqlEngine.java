package io.meshlens.query.promql;

import io.meshlens.query.promql.Expr.AggregateExpr;
import io.meshlens.query.promql.Expr.AtPreprocessor;
import io.meshlens.query.promql.Expr.BinaryExpr;
import io.meshlens.query.promql.Expr.Call;
import io.meshlens.query.promql.Expr.MatrixSelector;
import io.meshlens.query.promql.Expr.ParenExpr;
import io.meshlens.query.promql.Expr.StringLiteral;
import io.meshlens.query.promql.Expr.SubqueryExpr;
import io.meshlens.query.promql.Expr.UnaryExpr;
import io.meshlens.query.promql.Expr.VectorSelector;
import io.meshlens.store.LabelMatcher;
import io.meshlens.store.Scope;
import io.meshlens.store.SeriesData;
import io.meshlens.store.SeriesReader;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;
import java.util.function.ToLongFunction;

/**
 * Answers PromQL queries over a {@link SeriesReader} with Prometheus 2.42's semantics: the entry
 * point of the query package, used by the {@code /api/v1/query} and {@code /api/v1/query_range}
 * endpoints.
 *
 * <p>Tenant isolation: every read goes through {@link SeriesReader#select} with exactly the {@link
 * Scope} the caller passed, once per selector of the query, before evaluation starts. Nothing is
 * cached between queries, so no expression ({@code or vector(1)}, {@code absent}, {@code
 * label_replace}, subqueries, regex matchers on {@code __name__}) can see data outside the scope.
 *
 * <p>Thread-safe: an engine holds only its settings; each query has its own evaluation state.
 *
 * <pre>{@code
 * PromqlEngine engine = new PromqlEngine(EngineSettings.defaults());
 * QueryResult r = engine.instantQuery(store, scope, "sum by (job) (rate(x_total[5m]))", nowMs);
 * }</pre>
 */
public final class PromqlEngine {

  private final EngineSettings settings;
  private final LongSupplier nanoClock;

  public PromqlEngine(EngineSettings settings) {
    this(settings, System::nanoTime);
  }

  /**
   * An engine whose timeout is measured with {@code nanoClock} (a {@link System#nanoTime}-like
   * clock), so tests can advance time without sleeping.
   */
  public PromqlEngine(EngineSettings settings, LongSupplier nanoClock) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
  }

  public EngineSettings settings() {
    return settings;
  }

  /**
   * Evaluates {@code query} at {@code timeMs} (ms since the epoch), like {@code GET /api/v1/query}.
   * The result type is the expression's: {@link QueryResult.Vector}, {@link QueryResult.Scalar},
   * {@link QueryResult.Matrix} (for a range selector or subquery) or {@link
   * QueryResult.StringResult}.
   *
   * <p>Parse errors carry Prometheus' {@code invalid parameter "query": } prefix, as its API
   * reports them for instant queries.
   *
   * @throws PromqlException when the query is invalid or fails
   */
  public QueryResult instantQuery(SeriesReader reader, Scope scope, String query, long timeMs) {
    Objects.requireNonNull(reader, "reader");
    Objects.requireNonNull(scope, "scope");
    Objects.requireNonNull(query, "query");
    Expr expr;
    try {
      expr = parse(query);
    } catch (PromqlException e) {
      throw new PromqlException(e.errorType(), "invalid parameter \"query\": " + e.getMessage(), e);
    }
    return run(reader, scope, expr, timeMs, timeMs, 0);
  }

  /**
   * Evaluates {@code query} at {@code startMs}, {@code startMs + stepMs}, ... up to {@code endMs},
   * like {@code GET /api/v1/query_range}. Always a {@link QueryResult.Matrix}, series ordered by
   * labels.
   *
   * @throws PromqlException when the query or the parameters are invalid (bad_data) or the query
   *     fails
   */
  public QueryResult rangeQuery(
      SeriesReader reader, Scope scope, String query, long startMs, long endMs, long stepMs) {
    Objects.requireNonNull(reader, "reader");
    Objects.requireNonNull(scope, "scope");
    Objects.requireNonNull(query, "query");
    if (endMs < startMs) {
      throw PromqlException.badData(
          "invalid parameter \"end\": end timestamp must not be before start time");
    }
    if (stepMs <= 0) {
      throw PromqlException.badData(
          "invalid parameter \"step\": zero or negative query resolution step widths are not"
              + " accepted. Try a positive integer");
    }
    if ((endMs - startMs) / stepMs > settings.maxPointsPerSeries()) {
      throw PromqlException.badData(
          String.format(
              Locale.ROOT,
              "exceeded maximum resolution of %,d points per timeseries. Try decreasing the query"
                  + " resolution (?step=XX)",
              settings.maxPointsPerSeries()));
    }
    Expr expr = parse(query);
    if (expr.type() != ValueType.VECTOR && expr.type() != ValueType.SCALAR) {
      throw PromqlException.badData(
          "invalid expression type "
              + GoText.quote(expr.type().documentedName())
              + " for range query, must be Scalar or instant Vector");
    }
    return run(reader, scope, expr, startMs, endMs, stepMs);
  }

  /**
   * Upper bounds under which {@link #isSmall} calls a query small: points the selected series can
   * yield over the query's steps, and samples a read decodes: those in the time the query reads at
   * one sample per {@link #SMALL_SAMPLE_SPACING_MS} (Istio's default scrape interval), plus up to a
   * chunk's {@link #SMALL_CHUNK_SAMPLES} per series, since a chunk decodes from its start.
   */
  static final long SMALL_MAX_POINTS = 25_000;

  static final long SMALL_MAX_SAMPLES = 100_000;
  static final long SMALL_SAMPLE_SPACING_MS = 15_000;
  static final long SMALL_CHUNK_SAMPLES = 120;

  /** Label values a small query's regular-expression matchers may be tried against in postings. */
  static final long SMALL_MAX_VALUES_SCANNED = 10_000;

  /**
   * Whether a query reads and returns so little that answering it costs less than handing it to
   * another thread: at most {@value #SMALL_MAX_POINTS} series × steps and {@value
   * #SMALL_MAX_SAMPLES} samples decoded and {@value #SMALL_MAX_VALUES_SCANNED} label values tried
   * against regular expressions ({@code valuesScanned}, e.g. {@code
   * MetricStore.labelValuesScanned}), counting each selector's series by {@code seriesBound} (an
   * upper bound such as {@code MetricStore.seriesUpperBound}), and no subquery. Queries that do not
   * parse or whose parameters are invalid are small: they fail at once. Only a judgement of cost:
   * the answer is the same whichever thread evaluates the query.
   */
  public boolean isSmall(
      String query,
      long startMs,
      long endMs,
      long stepMs,
      ToLongFunction<List<LabelMatcher>> seriesBound,
      ToLongFunction<List<LabelMatcher>> valuesScanned) {
    Expr expr;
    try {
      expr = parse(query);
    } catch (PromqlException e) {
      return true;
    }
    if (endMs < startMs || stepMs < 0 || (stepMs == 0 && endMs != startMs)) {
      return true;
    }
    long steps = stepMs == 0 ? 1 : (endMs - startMs) / stepMs + 1;
    if (steps > SMALL_MAX_POINTS) {
      return false;
    }
    long[] totals = new long[3]; // points, samples, label values scanned
    if (!addFootprint(expr, endMs - startMs, steps, seriesBound, valuesScanned, totals)) {
      return false;
    }
    return totals[0] <= SMALL_MAX_POINTS
        && totals[1] <= SMALL_MAX_SAMPLES
        && totals[2] <= SMALL_MAX_VALUES_SCANNED;
  }

  /** Adds the selectors' points and samples below {@code e}; false at a subquery. */
  private boolean addFootprint(
      Expr e,
      long spanMs,
      long steps,
      ToLongFunction<List<LabelMatcher>> seriesBound,
      ToLongFunction<List<LabelMatcher>> valuesScanned,
      long[] totals) {
    if (e instanceof VectorSelector vs) {
      return addSelector(
          vs,
          spanMs + settings.lookbackDelta().toMillis(),
          steps,
          seriesBound,
          valuesScanned,
          totals);
    } else if (e instanceof MatrixSelector ms) {
      return addSelector(
          ms.selector(), spanMs + ms.rangeMs(), steps, seriesBound, valuesScanned, totals);
    } else if (e instanceof SubqueryExpr) {
      return false;
    } else if (e instanceof ParenExpr p) {
      return addFootprint(p.expr(), spanMs, steps, seriesBound, valuesScanned, totals);
    } else if (e instanceof UnaryExpr u) {
      return addFootprint(u.expr(), spanMs, steps, seriesBound, valuesScanned, totals);
    } else if (e instanceof BinaryExpr b) {
      return addFootprint(b.lhs(), spanMs, steps, seriesBound, valuesScanned, totals)
          && addFootprint(b.rhs(), spanMs, steps, seriesBound, valuesScanned, totals);
    } else if (e instanceof AggregateExpr a) {
      return addFootprint(a.expr(), spanMs, steps, seriesBound, valuesScanned, totals)
          && (a.param() == null
              || addFootprint(a.param(), spanMs, steps, seriesBound, valuesScanned, totals));
    } else if (e instanceof Call c) {
      for (Expr arg : c.args()) {
        if (!addFootprint(arg, spanMs, steps, seriesBound, valuesScanned, totals)) {
          return false;
        }
      }
    }
    return true;
  }

  private static boolean addSelector(
      VectorSelector vs,
      long readMs,
      long steps,
      ToLongFunction<List<LabelMatcher>> seriesBound,
      ToLongFunction<List<LabelMatcher>> valuesScanned,
      long[] totals) {
    totals[2] += valuesScanned.applyAsLong(vs.matchers());
    long series = seriesBound.applyAsLong(vs.matchers());
    long samplesPerSeries = readMs / SMALL_SAMPLE_SPACING_MS + 1 + SMALL_CHUNK_SAMPLES;
    if (series > SMALL_MAX_POINTS || readMs < 0 || samplesPerSeries > SMALL_MAX_SAMPLES) {
      return false;
    }
    totals[0] += series * steps;
    totals[1] += series * samplesPerSeries;
    return totals[0] <= SMALL_MAX_POINTS && totals[1] <= SMALL_MAX_SAMPLES;
  }

  private static Expr parse(String query) {
    try {
      return PromqlParser.parse(query);
    } catch (StackOverflowError e) {
      throw PromqlException.badData("query is too deeply nested");
    }
  }

  private QueryResult run(
      SeriesReader reader, Scope scope, Expr parsed, long start, long end, long step) {
    long deadline = nanoClock.getAsLong() + settings.timeout().toNanos();
    Expr expr = resolveAt(parsed, start, end);
    Evaluator.Context ctx =
        new Evaluator.Context(
            settings.lookbackDelta().toMillis(),
            settings.maxSamples(),
            settings.defaultSubqueryStep().toMillis(),
            nanoClock,
            deadline,
            new IdentityHashMap<>());
    ctx.stepInvariant = StepInvariance.roots(expr);
    new Fetcher(reader, scope, start, end, ctx).walk(expr, new ArrayList<>());
    try {
      return step == 0 ? instant(expr, start, ctx) : range(expr, start, end, step, ctx);
    } catch (StackOverflowError e) {
      throw PromqlException.badData("query is too deeply nested");
    }
  }

  private static QueryResult instant(Expr expr, long time, Evaluator.Context ctx) {
    Expr unwrapped = Evaluator.unwrapParens(expr);
    if (unwrapped instanceof StringLiteral s) {
      return new QueryResult.StringResult(time, s.value(), List.of());
    }
    // An instant query is a range evaluation of one step, as in Prometheus.
    List<Evaluator.Ser> mat = new Evaluator(time, time, 1, ctx).eval(expr);
    switch (expr.type()) {
      case SCALAR -> {
        return new QueryResult.Scalar(time, mat.get(0).v[0], List.of());
      }
      case VECTOR -> {
        List<QueryResult.Sample> samples = new ArrayList<>(mat.size());
        for (Evaluator.Ser s : mat) {
          samples.add(new QueryResult.Sample(s.labels, time, s.v[0]));
        }
        if (!Evaluator.isOrderedResult(expr)) {
          samples.sort(Comparator.comparing(QueryResult.Sample::labels));
        }
        return new QueryResult.Vector(samples, List.of());
      }
      default -> {
        return matrix(mat);
      }
    }
  }

  private static QueryResult range(
      Expr expr, long start, long end, long step, Evaluator.Context ctx) {
    return matrix(new Evaluator(start, end, step, ctx).eval(expr));
  }

  private static QueryResult.Matrix matrix(List<Evaluator.Ser> mat) {
    List<QueryResult.Series> series = new ArrayList<>(mat.size());
    for (Evaluator.Ser s : mat) {
      series.add(
          new QueryResult.Series(
              s.labels, java.util.Arrays.copyOf(s.t, s.n), java.util.Arrays.copyOf(s.v, s.n)));
    }
    series.sort(Comparator.comparing(QueryResult.Series::labels));
    return new QueryResult.Matrix(series, List.of());
  }

  // ---------------------------------------------------------------- @ start() / end()

  /** Replaces {@code @ start()} and {@code @ end()} by the query's start and end times. */
  static Expr resolveAt(Expr e, long start, long end) {
    if (e instanceof VectorSelector vs) {
      return resolveSelector(vs, start, end);
    } else if (e instanceof MatrixSelector ms) {
      VectorSelector vs = resolveSelector(ms.selector(), start, end);
      return vs == ms.selector() ? ms : new MatrixSelector(vs, ms.rangeMs(), ms.position());
    } else if (e instanceof SubqueryExpr sq) {
      Expr inner = resolveAt(sq.expr(), start, end);
      Long at = preprocess(sq.atMs(), sq.atPreprocessor(), start, end);
      if (inner == sq.expr() && Objects.equals(at, sq.atMs())) {
        return sq;
      }
      return new SubqueryExpr(
          inner, sq.rangeMs(), sq.stepMs(), sq.offsetMs(), at, sq.atPreprocessor(), sq.position());
    } else if (e instanceof ParenExpr p) {
      Expr inner = resolveAt(p.expr(), start, end);
      return inner == p.expr() ? p : new ParenExpr(inner, p.position());
    } else if (e instanceof UnaryExpr u) {
      Expr inner = resolveAt(u.expr(), start, end);
      return inner == u.expr() ? u : new UnaryExpr(u.negate(), inner, u.position());
    } else if (e instanceof BinaryExpr b) {
      Expr l = resolveAt(b.lhs(), start, end);
      Expr r = resolveAt(b.rhs(), start, end);
      return l == b.lhs() && r == b.rhs()
          ? b
          : new BinaryExpr(b.op(), l, r, b.matching(), b.returnBool());
    } else if (e instanceof AggregateExpr a) {
      Expr inner = resolveAt(a.expr(), start, end);
      Expr param = a.param() == null ? null : resolveAt(a.param(), start, end);
      return inner == a.expr() && param == a.param()
          ? a
          : new AggregateExpr(a.op(), inner, param, a.grouping(), a.without(), a.position());
    } else if (e instanceof Call c) {
      List<Expr> args = new ArrayList<>(c.args().size());
      boolean changed = false;
      for (Expr arg : c.args()) {
        Expr r = resolveAt(arg, start, end);
        changed |= r != arg;
        args.add(r);
      }
      return changed ? new Call(c.function(), args, c.position()) : c;
    }
    return e;
  }

  private static VectorSelector resolveSelector(VectorSelector vs, long start, long end) {
    Long at = preprocess(vs.atMs(), vs.atPreprocessor(), start, end);
    if (Objects.equals(at, vs.atMs())) {
      return vs;
    }
    return new VectorSelector(
        vs.name(), vs.matchers(), vs.offsetMs(), at, vs.atPreprocessor(), vs.position());
  }

  private static Long preprocess(Long at, AtPreprocessor pre, long start, long end) {
    return switch (pre) {
      case START -> start;
      case END -> end;
      case NONE -> at;
    };
  }

  // ---------------------------------------------------------------- data fetching

  /**
   * Reads the data of every selector before evaluation: one {@code select} per selector over the
   * whole time range it can need (Prometheus' {@code getTimeRangesForSelector}).
   */
  private final class Fetcher {
    private final SeriesReader reader;
    private final Scope scope;
    private final long start;
    private final long end;
    private final Evaluator.Context ctx;

    /** Identical selectors over identical ranges share one read within this query. */
    private final Map<FetchKey, List<SeriesData>> reads = new HashMap<>();

    private record FetchKey(List<LabelMatcher> matchers, long mint, long maxt) {}

    Fetcher(SeriesReader reader, Scope scope, long start, long end, Evaluator.Context ctx) {
      this.reader = reader;
      this.scope = scope;
      this.start = start;
      this.end = end;
      this.ctx = ctx;
    }

    void walk(Expr e, List<SubqueryExpr> path) {
      if (e instanceof VectorSelector vs) {
        fetch(vs, path, 0);
      } else if (e instanceof MatrixSelector ms) {
        fetch(ms.selector(), path, ms.rangeMs());
      } else if (e instanceof SubqueryExpr sq) {
        path.add(sq);
        walk(sq.expr(), path);
        path.remove(path.size() - 1);
      } else if (e instanceof ParenExpr p) {
        walk(p.expr(), path);
      } else if (e instanceof UnaryExpr u) {
        walk(u.expr(), path);
      } else if (e instanceof BinaryExpr b) {
        walk(b.lhs(), path);
        walk(b.rhs(), path);
      } else if (e instanceof AggregateExpr a) {
        walk(a.expr(), path);
        if (a.param() != null) {
          walk(a.param(), path);
        }
      } else if (e instanceof Call c) {
        for (Expr arg : c.args()) {
          walk(arg, path);
        }
      }
    }

    private void fetch(VectorSelector vs, List<SubqueryExpr> path, long evalRange) {
      long s = start;
      long e = end;
      long subqOffset = 0;
      long subqRange = 0;
      Long subqAt = null;
      for (SubqueryExpr sq : path) {
        subqOffset += sq.offsetMs();
        subqRange += sq.rangeMs();
        if (sq.atMs() != null) {
          // @ on a subquery pins everything below it; offsets and ranges restart there.
          subqOffset = sq.offsetMs();
          subqRange = sq.rangeMs();
          subqAt = sq.atMs();
        }
      }
      if (subqAt != null) {
        s = subqAt;
        e = subqAt;
      }
      if (vs.atMs() != null) {
        s = vs.atMs();
        e = vs.atMs();
      } else {
        s = s - subqOffset - subqRange;
        e = e - subqOffset;
      }
      s -= evalRange == 0 ? ctx.lookbackMs : evalRange;
      s -= vs.offsetMs();
      e -= vs.offsetMs();
      FetchKey key = new FetchKey(vs.matchers(), s, e);
      List<SeriesData> raw = reads.get(key);
      if (raw == null) {
        ctx.checkDeadline(Evaluator.ENV);
        try {
          raw = reader.select(scope, vs.matchers(), s, e);
        } catch (PromqlException ex) {
          throw ex;
        } catch (RuntimeException ex) {
          throw new PromqlException(
              PromqlException.INTERNAL, "expanding series: " + ex.getMessage(), ex);
        }
        raw = sortedByLabels(raw);
        reads.put(key, raw);
      }
      ctx.data.put(vs, evalRange == 0 ? raw : withoutStaleMarkers(raw));
    }
  }

  private static List<SeriesData> sortedByLabels(List<SeriesData> data) {
    for (int i = 1; i < data.size(); i++) {
      if (data.get(i - 1).labels().compareTo(data.get(i).labels()) > 0) {
        List<SeriesData> copy = new ArrayList<>(data);
        copy.sort(Comparator.comparing(SeriesData::labels));
        return copy;
      }
    }
    return data;
  }

  /** Range selectors ignore staleness markers entirely. */
  private static List<SeriesData> withoutStaleMarkers(List<SeriesData> data) {
    List<SeriesData> out = null;
    for (int i = 0; i < data.size(); i++) {
      SeriesData sd = data.get(i);
      double[] v = sd.values();
      int stale = 0;
      for (double x : v) {
        if (StaleMarker.isStale(x)) {
          stale++;
        }
      }
      if (stale == 0) {
        if (out != null) {
          out.add(sd);
        }
        continue;
      }
      if (out == null) {
        out = new ArrayList<>(data.subList(0, i));
      }
      long[] nt = new long[v.length - stale];
      double[] nv = new double[v.length - stale];
      int j = 0;
      for (int k = 0; k < v.length; k++) {
        if (!StaleMarker.isStale(v[k])) {
          nt[j] = sd.timestamps()[k];
          nv[j] = v[k];
          j++;
        }
      }
      if (nt.length > 0) {
        out.add(new SeriesData(sd.labels(), nt, nv));
      }
    }
    return out == null ? data : out;
  }
}

package io.meshlens.query.promql;

import io.meshlens.model.Labels;
import io.meshlens.query.promql.Expr.AggregateExpr;
import io.meshlens.query.promql.Expr.AggregateOp;
import io.meshlens.query.promql.Expr.BinaryExpr;
import io.meshlens.query.promql.Expr.BinaryOp;
import io.meshlens.query.promql.Expr.Call;
import io.meshlens.query.promql.Expr.MatrixSelector;
import io.meshlens.query.promql.Expr.NumberLiteral;
import io.meshlens.query.promql.Expr.ParenExpr;
import io.meshlens.query.promql.Expr.StringLiteral;
import io.meshlens.query.promql.Expr.SubqueryExpr;
import io.meshlens.query.promql.Expr.UnaryExpr;
import io.meshlens.query.promql.Expr.VectorMatching;
import io.meshlens.query.promql.Expr.VectorSelector;
import io.meshlens.store.SeriesData;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * Evaluates an expression at every step of {@code [start, end]}, a node at a time: each node yields
 * a matrix holding its value at all steps (Prometheus' evaluator design, {@code promql/engine.go}).
 * Working a node at a time lets per-series work such as grouping keys and match signatures be done
 * once per query instead of once per step, and gives exactly Prometheus' semantics for subqueries,
 * {@code @} and the sample limit.
 *
 * <p>Not thread-safe: one evaluator (and its {@link Context}) serves one query.
 */
final class Evaluator {

  /** The samples of one series, growing as steps are evaluated. */
  static final class Ser {
    final Labels labels;
    long[] t;
    double[] v;
    int n;

    Ser(Labels labels, int capacity) {
      this.labels = labels;
      this.t = new long[Math.max(1, capacity)];
      this.v = new double[Math.max(1, capacity)];
    }

    Ser(Labels labels, long[] t, double[] v) {
      this.labels = labels;
      this.t = t;
      this.v = v;
      this.n = t.length;
    }

    void add(long ts, double val) {
      if (n == t.length) {
        int cap = t.length * 2;
        t = Arrays.copyOf(t, cap);
        v = Arrays.copyOf(v, cap);
      }
      t[n] = ts;
      v[n] = val;
      n++;
    }
  }

  /**
   * One element of the vector an operation sees at one step. {@code key} is the per-series grouping
   * key or match signature computed once by {@link #rangeEval}.
   */
  record StepSample(Labels labels, long t, double v, Object key) {
    StepSample(Labels labels, long t, double v) {
      this(labels, t, v, null);
    }
  }

  /** An operation applied at each step to the argument vectors. */
  @FunctionalInterface
  interface StepFunction {
    List<StepSample> apply(List<List<StepSample>> args, long ts);
  }

  /** State shared by the evaluators of one query (subqueries get their own evaluator). */
  static final class Context {
    final long lookbackMs;
    final long maxSamples;
    final long defaultSubqueryStepMs;
    final LongSupplier nanoClock;
    final long deadlineNanos;

    /** Data fetched for each selector of the query, stale markers removed for range selectors. */
    final Map<VectorSelector, List<SeriesData>> data;

    /** Per-node state reused across steps (compiled label_replace regexes, ...). */
    final Map<Expr, Object> nodeCache = new IdentityHashMap<>();

    /** Subexpressions evaluated once and repeated at every step (see {@link StepInvariance}). */
    Set<Expr> stepInvariant = Set.of();

    long samples;

    Context(
        long lookbackMs,
        long maxSamples,
        long defaultSubqueryStepMs,
        LongSupplier nanoClock,
        long deadlineNanos,
        Map<VectorSelector, List<SeriesData>> data) {
      this.lookbackMs = lookbackMs;
      this.maxSamples = maxSamples;
      this.defaultSubqueryStepMs = defaultSubqueryStepMs;
      this.nanoClock = nanoClock;
      this.deadlineNanos = deadlineNanos;
      this.data = data;
    }

    void checkDeadline(String where) {
      if (nanoClock.getAsLong() - deadlineNanos > 0) {
        throw new PromqlException(PromqlException.TIMEOUT, "query timed out in " + where);
      }
      if (Thread.currentThread().isInterrupted()) {
        throw new PromqlException(PromqlException.CANCELED, "query was canceled in " + where);
      }
    }

    List<SeriesData> data(VectorSelector vs) {
      List<SeriesData> d = data.get(vs);
      return d == null ? List.of() : d;
    }
  }

  static final String ENV = "query execution";
  private static final String EVAL = "expression evaluation";

  static PromqlException tooManySamples() {
    return PromqlException.execution(
        "query processing would load too many samples into memory in " + ENV);
  }

  static PromqlException sameLabelset() {
    return PromqlException.execution("vector cannot contain metrics with the same labelset");
  }

  private final long start;
  private final long end;
  private final long interval;
  private final Context ctx;

  Evaluator(long start, long end, long interval, Context ctx) {
    this.start = start;
    this.end = end;
    this.interval = interval;
    this.ctx = ctx;
  }

  private int numSteps() {
    return end < start ? 0 : (int) ((end - start) / interval) + 1;
  }

  // ---------------------------------------------------------------- dispatch

  /** The value of {@code e} at every step; strings are handled by the callers. */
  List<Ser> eval(Expr e) {
    ctx.checkDeadline(EVAL);
    if (ctx.stepInvariant.contains(e)
        && !(e instanceof NumberLiteral)
        && !(e instanceof StringLiteral)) {
      return evalStepInvariant(e);
    }
    return evalNode(e);
  }

  private List<Ser> evalNode(Expr e) {
    if (e instanceof AggregateExpr a) {
      return evalAggregate(a);
    } else if (e instanceof Call c) {
      return evalCall(c);
    } else if (e instanceof ParenExpr p) {
      return eval(p.expr());
    } else if (e instanceof UnaryExpr u) {
      return evalUnary(u);
    } else if (e instanceof BinaryExpr b) {
      return evalBinary(b);
    } else if (e instanceof NumberLiteral n) {
      return evalNumber(n.value());
    } else if (e instanceof VectorSelector vs) {
      return evalVectorSelector(vs);
    } else if (e instanceof MatrixSelector ms) {
      return evalMatrixSelector(ms);
    } else if (e instanceof SubqueryExpr sq) {
      return evalSubquery(sq);
    } else if (e instanceof StringLiteral) {
      throw new IllegalStateException("string literal evaluated as a vector");
    }
    throw new IllegalStateException("unknown expression " + e);
  }

  static Expr unwrapParens(Expr e) {
    while (e instanceof ParenExpr p) {
      e = p.expr();
    }
    return e;
  }

  /**
   * Evaluates an expression whose value cannot change from step to step once, at the first step,
   * and repeats it: as Prometheus does, which also decides how many samples count toward the limit.
   */
  private List<Ser> evalStepInvariant(Expr e) {
    List<Ser> res = new Evaluator(start, start, interval, ctx).evalNode(e);
    if (e instanceof MatrixSelector || e instanceof SubqueryExpr || start == end) {
      // Range results keep their own timestamps.
      return res;
    }
    for (Ser s : res) {
      double v = s.v[0];
      for (long ts = start + interval; ts <= end; ts += interval) {
        s.add(ts, v);
        ctx.samples++;
        if (ctx.samples > ctx.maxSamples) {
          throw tooManySamples();
        }
      }
    }
    return res;
  }

  // ---------------------------------------------------------------- rangeEval

  /**
   * Evaluates {@code exprs} and applies {@code fn} to their vectors at each step, collecting the
   * results into series. {@code keyFn}, when given, computes each input series' key once.
   */
  List<Ser> rangeEval(Function<Labels, Object> keyFn, StepFunction fn, Expr... exprs) {
    int steps = numSteps();
    long originalSamples = ctx.samples;
    List<List<Ser>> mats = new ArrayList<>(exprs.length);
    List<Object[]> keys = new ArrayList<>(exprs.length);
    for (Expr e : exprs) {
      List<Ser> m = e == null || e.type() == ValueType.STRING ? List.of() : eval(e);
      mats.add(m);
      Object[] k = new Object[m.size()];
      if (keyFn != null) {
        for (int i = 0; i < m.size(); i++) {
          k[i] = keyFn.apply(m.get(i).labels);
        }
      }
      keys.add(k);
    }
    int[][] cursors = new int[exprs.length][];
    for (int i = 0; i < exprs.length; i++) {
      cursors[i] = new int[mats.get(i).size()];
    }
    Map<Labels, Ser> out = new LinkedHashMap<>();
    long tempSamples = ctx.samples;
    for (long ts = start; ts <= end; ts += interval) {
      ctx.checkDeadline(EVAL);
      ctx.samples = tempSamples;
      List<List<StepSample>> args = new ArrayList<>(exprs.length);
      for (int i = 0; i < exprs.length; i++) {
        List<Ser> m = mats.get(i);
        int[] cur = cursors[i];
        Object[] k = keys.get(i);
        List<StepSample> vec = new ArrayList<>(m.size());
        for (int si = 0; si < m.size(); si++) {
          Ser s = m.get(si);
          int c = cur[si];
          while (c < s.n && s.t[c] < ts) {
            c++;
          }
          if (c < s.n && s.t[c] == ts) {
            if (ctx.samples >= ctx.maxSamples) {
              throw tooManySamples();
            }
            vec.add(new StepSample(s.labels, ts, s.v[c], k[si]));
            ctx.samples++;
            c++;
          }
          cur[si] = c;
        }
        args.add(vec);
      }
      List<StepSample> result = fn.apply(args, ts);
      if (containsSameLabelset(result)) {
        throw sameLabelset();
      }
      ctx.samples += result.size();
      tempSamples += result.size();
      if (ctx.samples > ctx.maxSamples) {
        throw tooManySamples();
      }
      if (start == end) {
        // Instant evaluation: keep the operation's order (sort, topk, ...).
        List<Ser> mat = new ArrayList<>(result.size());
        for (StepSample s : result) {
          Ser ser = new Ser(s.labels(), 1);
          ser.add(ts, s.v());
          mat.add(ser);
        }
        ctx.samples = originalSamples + mat.size();
        return mat;
      }
      for (StepSample s : result) {
        Ser ser = out.get(s.labels());
        if (ser == null) {
          ser = new Ser(s.labels(), Math.min(steps, 64));
          out.put(s.labels(), ser);
        }
        ser.add(ts, s.v());
      }
    }
    List<Ser> mat = new ArrayList<>(out.values());
    ctx.samples = originalSamples + totalSamples(mat);
    return mat;
  }

  private static long totalSamples(List<Ser> mat) {
    long n = 0;
    for (Ser s : mat) {
      n += s.n;
    }
    return n;
  }

  static boolean containsSameLabelset(List<StepSample> vec) {
    if (vec.size() < 2) {
      return false;
    }
    if (vec.size() == 2) {
      return vec.get(0).labels().equals(vec.get(1).labels());
    }
    Set<Labels> seen = new HashSet<>();
    for (StepSample s : vec) {
      if (!seen.add(s.labels())) {
        return true;
      }
    }
    return false;
  }

  private static boolean matrixContainsSameLabelset(List<Ser> mat) {
    if (mat.size() < 2) {
      return false;
    }
    Set<Labels> seen = new HashSet<>();
    for (Ser s : mat) {
      if (!seen.add(s.labels)) {
        return true;
      }
    }
    return false;
  }

  // ---------------------------------------------------------------- leaves

  private List<Ser> evalNumber(double value) {
    int steps = numSteps();
    if (ctx.samples + steps > ctx.maxSamples) {
      throw tooManySamples();
    }
    Ser s = new Ser(Labels.EMPTY, steps);
    for (long ts = start; ts <= end; ts += interval) {
      s.add(ts, value);
    }
    ctx.samples += steps;
    return steps == 0 ? List.of() : List.of(s);
  }

  static boolean isStale(double v) {
    return StaleMarker.isStale(v);
  }

  private List<Ser> evalVectorSelector(VectorSelector vs) {
    List<SeriesData> data = ctx.data(vs);
    List<Ser> mat = new ArrayList<>(data.size());
    int steps = numSteps();
    for (SeriesData sd : data) {
      long[] t = sd.timestamps();
      double[] v = sd.values();
      Ser out = null;
      // Index of the first sample after the reference time; reference times only grow with the
      // step unless pinned by @, so a cursor replaces per-step binary searches.
      int p = 0;
      for (long ts = start; ts <= end; ts += interval) {
        long ref = (vs.atMs() != null ? vs.atMs() : ts) - vs.offsetMs();
        if (vs.atMs() != null) {
          p = upperBound(t, t.length, ref);
        } else {
          while (p < t.length && t[p] <= ref) {
            p++;
          }
        }
        int i = p - 1;
        if (i < 0 || t[i] < ref - ctx.lookbackMs || isStale(v[i])) {
          continue;
        }
        if (ctx.samples >= ctx.maxSamples) {
          throw tooManySamples();
        }
        if (out == null) {
          out = new Ser(sd.labels(), Math.min(steps, 64));
        }
        out.add(ts, v[i]);
        ctx.samples++;
      }
      if (out != null) {
        mat.add(out);
      }
    }
    return mat;
  }

  /**
   * The vector a selector yields at {@code ts} with the samples' own timestamps (for {@code
   * timestamp()}). With {@code @}, Prometheus 2.42 measures the lookback from the {@code @} time
   * even when there is an offset; the data fetched for the selector ends at {@code @ - offset},
   * which is what makes the offset count. Reproduced as is.
   */
  private List<StepSample> vectorSelectorAt(VectorSelector vs, long ts) {
    long ref = vs.atMs() != null ? vs.atMs() : ts - vs.offsetMs();
    List<StepSample> vec = new ArrayList<>();
    for (SeriesData sd : ctx.data(vs)) {
      long[] t = sd.timestamps();
      int i = upperBound(t, t.length, ref) - 1;
      if (i < 0 || t[i] < ref - ctx.lookbackMs || isStale(sd.values()[i])) {
        continue;
      }
      vec.add(new StepSample(sd.labels(), t[i], sd.values()[i]));
      ctx.samples++;
      if (ctx.samples > ctx.maxSamples) {
        throw tooManySamples();
      }
    }
    return vec;
  }

  /** First index in {@code t[0..n)} whose value is greater than {@code x}. */
  static int upperBound(long[] t, int n, long x) {
    int lo = 0;
    int hi = n;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (t[mid] <= x) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /** First index in {@code t[0..n)} whose value is at least {@code x}. */
  static int lowerBound(long[] t, int n, long x) {
    int lo = 0;
    int hi = n;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (t[mid] < x) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /** A range selector evaluated on its own: only in instant queries. */
  private List<Ser> evalMatrixSelector(MatrixSelector ms) {
    VectorSelector vs = ms.selector();
    long maxt = (vs.atMs() != null ? vs.atMs() : start) - vs.offsetMs();
    long mint = maxt - ms.rangeMs();
    List<Ser> mat = new ArrayList<>();
    for (SeriesData sd : ctx.data(vs)) {
      ctx.checkDeadline(EVAL);
      long[] t = sd.timestamps();
      // Prometheus 2.x ranges include both ends.
      int from = lowerBound(t, t.length, mint);
      int to = upperBound(t, t.length, maxt);
      if (from >= to) {
        continue;
      }
      ctx.samples += to - from;
      if (ctx.samples > ctx.maxSamples) {
        throw tooManySamples();
      }
      mat.add(
          new Ser(
              sd.labels(),
              Arrays.copyOfRange(t, from, to),
              Arrays.copyOfRange(sd.values(), from, to)));
    }
    return mat;
  }

  /** Evaluates a subquery's inner expression at its own aligned steps. */
  private List<Ser> evalSubquery(SubqueryExpr sq) {
    long step = sq.stepMs() != 0 ? sq.stepMs() : ctx.defaultSubqueryStepMs;
    long refStart = (sq.atMs() != null ? sq.atMs() : start) - sq.offsetMs();
    long refEnd = (sq.atMs() != null ? sq.atMs() : end) - sq.offsetMs();
    // The first step at or after the range start that is a multiple of the step, as Prometheus
    // aligns subquery steps to absolute time.
    long first = refStart - sq.rangeMs();
    long aligned = Math.floorDiv(first, step) * step;
    if (aligned < first) {
      aligned += step;
    }
    Evaluator inner = new Evaluator(aligned, refEnd, step, ctx);
    return inner.eval(sq.expr());
  }

  // ---------------------------------------------------------------- unary and binary

  private List<Ser> evalUnary(UnaryExpr u) {
    List<Ser> mat = eval(u.expr());
    if (!u.negate()) {
      return mat;
    }
    List<Ser> out = new ArrayList<>(mat.size());
    for (Ser s : mat) {
      double[] neg = new double[s.n];
      for (int i = 0; i < s.n; i++) {
        neg[i] = -s.v[i];
      }
      out.add(new Ser(s.labels.withoutMetricName(), Arrays.copyOf(s.t, s.n), neg));
    }
    if (matrixContainsSameLabelset(out)) {
      throw sameLabelset();
    }
    return out;
  }

  private List<Ser> evalBinary(BinaryExpr b) {
    ValueType lt = b.lhs().type();
    ValueType rt = b.rhs().type();
    BinaryOp op = b.op();
    if (lt == ValueType.SCALAR && rt == ValueType.SCALAR) {
      return rangeEval(
          null,
          (args, ts) ->
              List.of(
                  new StepSample(
                      Labels.EMPTY,
                      ts,
                      BinaryOps.scalarBinop(op, args.get(0).get(0).v(), args.get(1).get(0).v()))),
          b.lhs(),
          b.rhs());
    }
    if (lt == ValueType.VECTOR && rt == ValueType.VECTOR) {
      VectorMatching vm = b.matching();
      Function<Labels, Object> sig = BinaryOps.signatureFunction(vm.on(), vm.matchingLabels());
      return switch (op) {
        case AND -> rangeEval(sig, (a, ts) -> BinaryOps.and(a.get(0), a.get(1)), b.lhs(), b.rhs());
        case OR -> rangeEval(sig, (a, ts) -> BinaryOps.or(a.get(0), a.get(1)), b.lhs(), b.rhs());
        case UNLESS ->
            rangeEval(sig, (a, ts) -> BinaryOps.unless(a.get(0), a.get(1)), b.lhs(), b.rhs());
        default -> {
          BinaryOps.VectorBinop binop = new BinaryOps.VectorBinop(op, vm, b.returnBool());
          yield rangeEval(sig, (a, ts) -> binop.apply(a.get(0), a.get(1)), b.lhs(), b.rhs());
        }
      };
    }
    boolean scalarLeft = lt == ValueType.SCALAR;
    return rangeEval(
        null,
        (args, ts) -> {
          List<StepSample> vec = args.get(scalarLeft ? 1 : 0);
          double scalar = args.get(scalarLeft ? 0 : 1).get(0).v();
          return BinaryOps.vectorScalar(op, vec, scalar, scalarLeft, b.returnBool());
        },
        b.lhs(),
        b.rhs());
  }

  // ---------------------------------------------------------------- aggregation

  private List<Ser> evalAggregate(AggregateExpr a) {
    List<String> grouping = new ArrayList<>(a.grouping());
    Collections.sort(grouping);
    Function<Labels, Labels> grouper = Aggregations.grouper(grouping, a.without());
    Function<Labels, Object> keyFn = grouper::apply;
    if (start != end && SERIES_MAJOR.contains(a.op())) {
      return aggregateSeriesMajor(a.op(), a.expr(), grouper);
    }
    Expr param = a.param() == null ? null : unwrapParens(a.param());
    if (param instanceof StringLiteral s) {
      return rangeEval(
          keyFn,
          (args, ts) ->
              Aggregations.aggregate(a.op(), grouping, a.without(), s.value(), args.get(0)),
          a.expr());
    }
    return rangeEval(
        keyFn,
        (args, ts) -> {
          Object p = a.param() == null ? null : args.get(0).get(0).v();
          return Aggregations.aggregate(a.op(), grouping, a.without(), p, args.get(1));
        },
        a.param(),
        a.expr());
  }

  /** The aggregations {@link #aggregateSeriesMajor} computes. */
  private static final Set<AggregateOp> SERIES_MAJOR =
      Set.of(
          AggregateOp.SUM,
          AggregateOp.COUNT,
          AggregateOp.AVG,
          AggregateOp.MIN,
          AggregateOp.MAX,
          AggregateOp.GROUP);

  /**
   * Per-step state of one group of {@link #aggregateSeriesMajor}, as {@code Aggregations.Group}.
   */
  private static final class StepGroup {
    final double[] value;
    final double[] mean;
    final long[] count;
    final boolean[] present;
    final int[] first; // {step, input series} where the group first appears

    StepGroup(int steps, boolean withMean, int si) {
      value = new double[steps];
      mean = withMean ? new double[steps] : null;
      count = new long[steps];
      present = new boolean[steps];
      first = new int[] {Integer.MAX_VALUE, si};
    }
  }

  /**
   * {@code sum}, {@code count}, {@code avg}, {@code min}, {@code max} and {@code group} in a range
   * query, computed series by series instead of step by step: each input series' group is looked up
   * once and its points are folded into that group's per-step state. The step-by-step form ({@link
   * #rangeEval}) gathers every input series' point into a vector at each step, which walks all
   * series' arrays once per step and allocates a sample per series and step (most of a dashboard
   * query's time at 100k series). The result is the same to the bit: at each step the values are
   * folded in input series order with {@link Aggregations#aggregate}'s arithmetic; groups come out
   * in the order the step-by-step form first meets them; the sample limit is checked with the same
   * counts at the same steps.
   */
  private List<Ser> aggregateSeriesMajor(
      AggregateOp op, Expr inner, Function<Labels, Labels> grouper) {
    int steps = numSteps();
    long originalSamples = ctx.samples;
    List<Ser> m = eval(inner);
    Map<Labels, Integer> index = new HashMap<>();
    List<Labels> groups = new ArrayList<>();
    List<StepGroup> states = new ArrayList<>();
    int[] inputsAt = new int[steps];
    for (int si = 0; si < m.size(); si++) {
      ctx.checkDeadline(EVAL);
      Ser s = m.get(si);
      if (s.n == 0) {
        continue;
      }
      Labels key = grouper.apply(s.labels);
      Integer gi = index.get(key);
      if (gi == null) {
        gi = groups.size();
        index.put(key, gi);
        groups.add(key);
        states.add(new StepGroup(steps, op == AggregateOp.AVG, si));
      }
      StepGroup g = states.get(gi);
      double[] value = g.value;
      boolean[] has = g.present;
      int[] f = g.first;
      for (int i = 0; i < s.n; i++) {
        long off = s.t[i] - start;
        int j = (int) (off / interval);
        if (off < 0 || off % interval != 0 || j >= steps) {
          throw new IllegalStateException("vector point off the step grid at " + s.t[i]);
        }
        double v = s.v[i];
        if (!has[j]) {
          has[j] = true;
          value[j] = op == AggregateOp.GROUP ? 1 : v;
          g.count[j] = 1;
          if (g.mean != null) {
            g.mean[j] = v;
          }
        } else {
          fold(op, g, j, v);
        }
        inputsAt[j]++;
        if (j < f[0]) {
          f[0] = j;
          f[1] = si;
        }
      }
    }
    // The limit, as rangeEval counts: the step's input samples, then the step's results.
    int[] groupsAt = new int[steps];
    for (StepGroup g : states) {
      boolean[] has = g.present;
      for (int j = 0; j < steps; j++) {
        if (has[j]) {
          groupsAt[j]++;
        }
      }
    }
    long temp = ctx.samples;
    for (int j = 0; j < steps; j++) {
      if (temp + inputsAt[j] > ctx.maxSamples
          || temp + inputsAt[j] + groupsAt[j] > ctx.maxSamples) {
        throw tooManySamples();
      }
      temp += groupsAt[j];
    }
    Integer[] order = new Integer[groups.size()];
    for (int g = 0; g < order.length; g++) {
      order[g] = g;
    }
    Arrays.sort(
        order,
        (x, y) -> {
          int[] a = states.get(x).first;
          int[] b = states.get(y).first;
          return a[0] != b[0] ? Integer.compare(a[0], b[0]) : Integer.compare(a[1], b[1]);
        });
    List<Ser> mat = new ArrayList<>(groups.size());
    long total = 0;
    for (int g : order) {
      StepGroup state = states.get(g);
      boolean[] has = state.present;
      Ser out = new Ser(groups.get(g), Math.min(steps, 64));
      for (int j = 0; j < steps; j++) {
        if (has[j]) {
          double v =
              switch (op) {
                case COUNT -> state.count[j];
                case AVG -> state.mean[j];
                default -> state.value[j];
              };
          out.add(start + j * interval, v);
        }
      }
      total += out.n;
      mat.add(out);
    }
    ctx.samples = originalSamples + total;
    return mat;
  }

  /** One more value of a group at a step: {@link Aggregations#aggregate}'s update, verbatim. */
  private static void fold(AggregateOp op, StepGroup g, int j, double v) {
    switch (op) {
      case SUM -> g.value[j] += v;
      case COUNT -> g.count[j]++;
      case GROUP -> {
        // Always 1.
      }
      case MAX -> {
        if (g.value[j] < v || Double.isNaN(g.value[j])) {
          g.value[j] = v;
        }
      }
      case MIN -> {
        if (g.value[j] > v || Double.isNaN(g.value[j])) {
          g.value[j] = v;
        }
      }
      case AVG -> {
        long count = ++g.count[j];
        double mean = g.mean[j];
        if (Double.isInfinite(mean)) {
          if (Double.isInfinite(v) && (mean > 0) == (v > 0)) {
            return;
          }
          if (!Double.isInfinite(v) && !Double.isNaN(v)) {
            return;
          }
        }
        g.mean[j] = mean + (v / count - mean / count);
      }
      default -> throw new IllegalStateException("not a series-major aggregation: " + op);
    }
  }

  // ---------------------------------------------------------------- calls

  private List<Ser> evalCall(Call call) {
    String name = call.function().name();
    List<Expr> args = new ArrayList<>(call.args().size());
    for (Expr arg : call.args()) {
      args.add(unwrapParens(arg));
    }
    if (name.equals("timestamp") && args.get(0) instanceof VectorSelector vs) {
      // A selector must be read with its samples' own timestamps, which evaluating it as a
      // matrix would replace with the step times.
      return rangeEval(null, (a, ts) -> FunctionCalls.timestamp(vectorSelectorAt(vs, ts)));
    }
    for (int i = 0; i < args.size(); i++) {
      Expr arg = args.get(i);
      if (arg instanceof MatrixSelector || arg instanceof SubqueryExpr) {
        return evalRangeFunction(call, args, i);
      }
    }
    Expr[] exprs = args.toArray(new Expr[0]);
    return rangeEval(
        null, (vals, ts) -> FunctionCalls.vectorFunction(call, args, vals, ts, ctx), exprs);
  }

  /** A source of samples for a range-vector function: a selector's data or a subquery's result. */
  private record RangeSource(Labels labels, long[] t, double[] v, int n) {}

  private List<Ser> evalRangeFunction(Call call, List<Expr> args, int matrixIndex) {
    String name = call.function().name();
    Expr arg = args.get(matrixIndex);
    List<RangeSource> sources = new ArrayList<>();
    long rangeMs;
    long offsetMs;
    Long atMs;
    long subquerySamples = 0;
    Labels absentLabels;
    if (arg instanceof MatrixSelector ms) {
      VectorSelector vs = ms.selector();
      for (SeriesData sd : ctx.data(vs)) {
        sources.add(new RangeSource(sd.labels(), sd.timestamps(), sd.values(), sd.size()));
      }
      rangeMs = ms.rangeMs();
      offsetMs = vs.offsetMs();
      atMs = vs.atMs();
      absentLabels = FunctionCalls.labelsForAbsent(vs);
    } else {
      SubqueryExpr sq = (SubqueryExpr) arg;
      for (Ser s : evalSubquery(sq)) {
        sources.add(new RangeSource(s.labels, s.t, s.v, s.n));
        subquerySamples += s.n;
      }
      rangeMs = sq.rangeMs();
      offsetMs = sq.offsetMs();
      atMs = sq.atMs();
      absentLabels = Labels.EMPTY;
    }
    // The other arguments are scalars: one value per step.
    double[][] scalarArgs = new double[args.size()][];
    for (int j = 0; j < args.size(); j++) {
      if (j == matrixIndex) {
        continue;
      }
      List<Ser> m = eval(args.get(j));
      double[] perStep = new double[numSteps()];
      Arrays.fill(perStep, Double.NaN);
      if (!m.isEmpty()) {
        Ser s = m.get(0);
        for (int i = 0; i < s.n; i++) {
          perStep[(int) ((s.t[i] - start) / interval)] = s.v[i];
        }
      }
      scalarArgs[j] = perStep;
    }
    FunctionCalls.RangeFunction fn = FunctionCalls.rangeFunction(name);
    double[] stepArgs = new double[args.size()];
    double[] result = new double[1];
    int steps = numSteps();
    List<Ser> mat = new ArrayList<>(sources.size());
    for (RangeSource src : sources) {
      ctx.checkDeadline(EVAL);
      // last_over_time acts like an offset, so it keeps the metric name.
      Labels metric =
          name.equals("last_over_time") ? src.labels() : src.labels().withoutMetricName();
      Ser out = null;
      int step = -1;
      // The samples of the current window count toward the limit until the next series starts.
      int window = 0;
      // Without @ the window only moves forward with the step, so two cursors slide over the
      // series instead of two binary searches per step; they find the same bounds.
      int from = 0;
      int to = 0;
      for (long ts = start; ts <= end; ts += interval) {
        step++;
        if ((step & 0xff) == 0xff) {
          // One series over many steps of a wide window (quantile_over_time(...[1d:1s])) is
          // long work between two per-series checks.
          ctx.checkDeadline(EVAL);
        }
        long maxt = (atMs != null ? atMs : ts) - offsetMs;
        long mint = maxt - rangeMs;
        // Prometheus 2.x ranges include both ends; stale markers are not part of a range.
        if (atMs != null) {
          from = lowerBound(src.t(), src.n(), mint);
          to = upperBound(src.t(), src.n(), maxt);
        } else {
          long[] t = src.t();
          int n = src.n();
          while (from < n && t[from] < mint) {
            from++;
          }
          if (to < from) {
            to = from;
          }
          while (to < n && t[to] <= maxt) {
            to++;
          }
        }
        window = Math.max(0, to - from);
        if (from >= to) {
          continue;
        }
        if (ctx.samples + (to - from) > ctx.maxSamples) {
          throw tooManySamples();
        }
        for (int j = 0; j < args.size(); j++) {
          if (j != matrixIndex) {
            stepArgs[j] = scalarArgs[j][step];
          }
        }
        FunctionCalls.Window w =
            new FunctionCalls.Window(src.t(), src.v(), from, to, mint, maxt, rangeMs);
        if (!fn.apply(w, stepArgs, ts, result)) {
          continue;
        }
        if (out == null) {
          out = new Ser(metric, Math.min(steps, 64));
        }
        out.add(ts, result[0]);
      }
      if (out != null) {
        if (ctx.samples + window + out.n > ctx.maxSamples) {
          throw tooManySamples();
        }
        ctx.samples += out.n;
        mat.add(out);
      }
    }
    ctx.samples -= subquerySamples;
    if (name.equals("absent_over_time")) {
      return absentOverTime(mat, absentLabels);
    }
    if (matrixContainsSameLabelset(mat)) {
      throw sameLabelset();
    }
    return mat;
  }

  /** 1 at each step where no series had a sample in range, as one series. */
  private List<Ser> absentOverTime(List<Ser> mat, Labels labels) {
    int steps = numSteps();
    Set<Long> found = new TreeSet<>();
    for (Ser s : mat) {
      if (s.n == steps) {
        return List.of();
      }
      for (int i = 0; i < s.n; i++) {
        found.add(s.t[i]);
      }
    }
    if (found.size() == steps) {
      return List.of();
    }
    Ser out = new Ser(labels, steps - found.size());
    for (long ts = start; ts <= end; ts += interval) {
      if (!found.contains(ts)) {
        out.add(ts, 1);
      }
    }
    return List.of(out);
  }

  /** Evaluation state kept per call node across steps, created on first use. */
  @SuppressWarnings("unchecked")
  static <T> T nodeState(Context ctx, Expr node, java.util.function.Supplier<T> create) {
    Object o = ctx.nodeCache.get(node);
    if (o == null) {
      o = create.get();
      ctx.nodeCache.put(node, o);
    }
    return (T) o;
  }

  static boolean isOrderedResult(Expr e) {
    Expr u = unwrapParens(e);
    if (u instanceof Call c) {
      String n = c.function().name();
      return n.equals("sort") || n.equals("sort_desc");
    }
    return u instanceof AggregateExpr a
        && (a.op() == AggregateOp.TOPK || a.op() == AggregateOp.BOTTOMK);
  }
}

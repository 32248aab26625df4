package io.meshlens.query.promql;

import io.meshlens.model.Labels;
import io.meshlens.store.Scope;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An interpreter for Prometheus' PromQL test scripts ({@code promql/testdata/*.test}, the format of
 * {@code promql/test.go} in Prometheus 2.42), so the upstream cases run against this engine:
 *
 * <pre>
 * load 5m
 *   http_requests{job="api"} 0+10x10
 * eval instant at 50m sum(http_requests)
 *   {} 100
 * eval_ordered instant at 50m sort(...)   # order matters
 * eval_fail instant at 0m ...              # must fail
 * clear
 * </pre>
 *
 * <p>Like {@code test.go}, each eval runs as an instant query, again as a range query (start-1m to
 * start+1m, step 1m) compared at the middle step, and again with {@code @ <eval time>} added to
 * every selector and evaluated at other times (skipped when the query uses a function whose result
 * depends on the evaluation time).
 */
final class PromqlTestScript {

  static final String TENANT = "t";
  static final Scope SCOPE = Scope.tenants(Set.of(TENANT));

  /** The value a series description omits ({@code _}). */
  private static final Double OMITTED = null;

  private static final Pattern LOAD = Pattern.compile("^load\\s+(.+?)$");
  private static final Pattern EVAL =
      Pattern.compile("^eval(?:_(fail|ordered))?\\s+instant\\s+(?:at\\s+(.+?))?\\s+(.+)$");

  /** One {@code eval} command with its expectations and the data loaded before it. */
  record Eval(
      String file,
      int line,
      String query,
      long timeMs,
      boolean fail,
      boolean ordered,
      List<Expected> expected,
      Double scalar,
      InMemorySeriesReader data) {

    String name() {
      return file + ":" + line + " " + query;
    }
  }

  /** One expected sample (labels and value) at its position in the listing. */
  record Expected(Labels labels, double value, int position) {}

  private PromqlTestScript() {}

  /** The eval commands of a script, each paired with the data loaded (and not cleared) before. */
  static List<Eval> parse(String file, String text) {
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String l = lines[i].trim();
      lines[i] = l.startsWith("#") ? "" : l;
    }
    List<Eval> evals = new ArrayList<>();
    InMemorySeriesReader data = new InMemorySeriesReader();
    boolean dataUsed = false;
    for (int i = 0; i < lines.length; i++) {
      String l = lines[i];
      if (l.isEmpty()) {
        continue;
      }
      String cmd = l.split("[\t ]+", 2)[0].toLowerCase(java.util.Locale.ROOT);
      if (cmd.equals("clear")) {
        data = new InMemorySeriesReader();
        dataUsed = false;
      } else if (cmd.equals("load")) {
        Matcher m = LOAD.matcher(l);
        if (!m.matches()) {
          throw new IllegalArgumentException(file + ":" + (i + 1) + ": invalid load command");
        }
        long gap = Durations.parse(m.group(1));
        if (dataUsed) {
          // Earlier evals keep the data they saw.
          data = copy(data);
          dataUsed = false;
        }
        while (i + 1 < lines.length && !lines[i + 1].isEmpty()) {
          i++;
          SeriesLine s = parseSeries(lines[i]);
          long t = 0;
          for (Double v : s.values()) {
            if (v != OMITTED) {
              data.add(TENANT, s.labels(), t, v);
            }
            t += gap;
          }
        }
      } else if (cmd.startsWith("eval")) {
        Matcher m = EVAL.matcher(l);
        if (!m.matches()) {
          throw new IllegalArgumentException(file + ":" + (i + 1) + ": invalid eval command");
        }
        String mod = m.group(1);
        long at = m.group(2) == null ? 0 : Durations.parse(m.group(2));
        String query = m.group(3);
        int evalLine = i + 1;
        List<Expected> expected = new ArrayList<>();
        Double scalar = null;
        for (int j = 1; i + 1 < lines.length && !lines[i + 1].isEmpty(); j++) {
          i++;
          Optional<Double> number = parseNumber(lines[i]);
          if (number.isPresent()) {
            scalar = number.get();
            break;
          }
          SeriesLine s = parseSeries(lines[i]);
          if (s.values().size() != 1) {
            throw new IllegalArgumentException(
                file + ":" + (i + 1) + ": expecting multiple values in instant evaluation");
          }
          expected.add(new Expected(s.labels(), s.values().get(0), j));
        }
        evals.add(
            new Eval(
                file,
                evalLine,
                query,
                at,
                "fail".equals(mod),
                "ordered".equals(mod),
                expected,
                scalar,
                data));
        dataUsed = true;
      } else {
        throw new IllegalArgumentException(file + ":" + (i + 1) + ": invalid command " + l);
      }
    }
    return evals;
  }

  private static InMemorySeriesReader copy(InMemorySeriesReader from) {
    InMemorySeriesReader to = new InMemorySeriesReader();
    for (var sd : from.select(SCOPE, List.of(), Long.MIN_VALUE, Long.MAX_VALUE)) {
      for (int k = 0; k < sd.size(); k++) {
        to.add(TENANT, sd.labels(), sd.timestamps()[k], sd.values()[k]);
      }
    }
    return to;
  }

  /** Go's {@code strconv.ParseInt(s, 0, 64)} then {@code ParseFloat}, as {@code test.go} does. */
  static Optional<Double> parseNumber(String s) {
    Long asInt = GoText.parseIntBase0(s);
    if (asInt != null) {
      return Optional.of((double) asInt);
    }
    try {
      return Optional.of(GoText.parseFloat(s));
    } catch (GoText.NumberSyntaxException e) {
      return Optional.empty();
    }
  }

  // ---------------------------------------------------------------- series descriptions

  /** A series description: labels and values (null where omitted). */
  record SeriesLine(Labels labels, List<Double> values) {}

  private static final String UNUM =
      "(?:[0-9]+(?:\\.[0-9]*)?(?:[eE][+-]?[0-9]+)?"
          + "|\\.[0-9]+(?:[eE][+-]?[0-9]+)?|[Ii]nf|NaN|nan)";
  private static final Pattern VALUE =
      Pattern.compile("^([+-]?" + UNUM + "|stale)(?:([+-])(" + UNUM + "))?(?:x([0-9]+))?$");
  private static final Pattern BLANK = Pattern.compile("^_(?:x([0-9]+))?$");

  /** Parses {@code metric{a="b"} 1 2+3x4 _ _x2 stale}. */
  static SeriesLine parseSeries(String line) {
    int i = 0;
    int n = line.length();
    Labels.Builder b = Labels.builder();
    int nameEnd = i;
    while (nameEnd < n && isNameChar(line.charAt(nameEnd))) {
      nameEnd++;
    }
    if (nameEnd > i) {
      b.put(Labels.METRIC_NAME, line.substring(i, nameEnd));
    }
    i = nameEnd;
    if (i < n && line.charAt(i) == '{') {
      i++;
      while (true) {
        while (i < n && Character.isWhitespace(line.charAt(i))) {
          i++;
        }
        if (line.charAt(i) == '}') {
          i++;
          break;
        }
        int ls = i;
        while (i < n && isNameChar(line.charAt(i))) {
          i++;
        }
        String label = line.substring(ls, i);
        while (Character.isWhitespace(line.charAt(i))) {
          i++;
        }
        if (line.charAt(i) != '=') {
          throw new IllegalArgumentException("bad series description: " + line);
        }
        i++;
        while (Character.isWhitespace(line.charAt(i))) {
          i++;
        }
        char quote = line.charAt(i);
        int vs = i;
        i++;
        while (line.charAt(i) != quote) {
          if (line.charAt(i) == '\\') {
            i++;
          }
          i++;
        }
        i++;
        String value = PromqlParser.unquote(line.substring(vs, i));
        if (value == null) {
          throw new IllegalArgumentException("bad label value in " + line);
        }
        b.put(label, value);
        while (i < n && Character.isWhitespace(line.charAt(i))) {
          i++;
        }
        if (line.charAt(i) == ',') {
          i++;
        }
      }
    }
    List<Double> values = new ArrayList<>();
    String rest = line.substring(i).trim();
    if (!rest.isEmpty()) {
      for (String item : rest.split("[\t ]+")) {
        Matcher blank = BLANK.matcher(item);
        if (blank.matches()) {
          int times = blank.group(1) == null ? 1 : Integer.parseInt(blank.group(1));
          for (int k = 0; k < times; k++) {
            values.add(OMITTED);
          }
          continue;
        }
        Matcher m = VALUE.matcher(item);
        if (!m.matches()) {
          throw new IllegalArgumentException("bad value " + item + " in " + line);
        }
        double start = m.group(1).equals("stale") ? StaleMarker.VALUE : number(m.group(1));
        if (m.group(4) == null) {
          if (m.group(2) != null) {
            throw new IllegalArgumentException("bad value " + item + " in " + line);
          }
          values.add(start);
          continue;
        }
        int times = Integer.parseInt(m.group(4));
        double delta = m.group(2) == null ? 0 : number(m.group(3));
        if ("-".equals(m.group(2))) {
          delta = -delta;
        }
        double v = start;
        for (int k = 0; k <= times; k++) {
          values.add(v);
          v += delta;
        }
      }
    }
    return new SeriesLine(b.build(), values);
  }

  private static boolean isNameChar(char c) {
    return c == '_' || c == ':' || Character.isLetterOrDigit(c);
  }

  private static double number(String s) {
    try {
      return GoText.parseFloat(s);
    } catch (GoText.NumberSyntaxException e) {
      throw new IllegalArgumentException(s, e);
    }
  }

  // ---------------------------------------------------------------- running

  /** Runs one eval like {@code test.go}; returns null when it passes, else what went wrong. */
  static String run(PromqlEngine engine, Eval ev) {
    List<Long> times = new ArrayList<>();
    List<String> queries = new ArrayList<>();
    times.add(ev.timeMs());
    queries.add(ev.query());
    String atQuery = withAtModifier(ev.query(), ev.timeMs());
    if (atQuery != null) {
      long ts = ev.timeMs();
      long[] extra =
          ts == 0 ? new long[] {-1000, 0, 1000} : new long[] {-10 * ts, 0, ts / 5, ts, 10 * ts};
      for (long t : extra) {
        times.add(t);
        queries.add(atQuery);
      }
    }
    for (int q = 0; q < queries.size(); q++) {
      String query = queries.get(q);
      long t = times.get(q);
      QueryResult res;
      try {
        res = engine.instantQuery(ev.data(), SCOPE, query, t);
      } catch (PromqlException e) {
        if (ev.fail()) {
          continue;
        }
        return "error evaluating " + query + " at " + t + ": " + e.getMessage();
      }
      if (ev.fail()) {
        return "expected error evaluating " + query + " but got none";
      }
      String err = compare(ev, res, ev.ordered());
      if (err != null) {
        return "instant " + query + " at " + t + ": " + err;
      }
      QueryResult range;
      try {
        range = engine.rangeQuery(ev.data(), SCOPE, query, t - 60_000, t + 60_000, 60_000);
      } catch (PromqlException e) {
        return "error evaluating " + query + " in range mode: " + e.getMessage();
      }
      if (ev.ordered()) {
        continue;
      }
      List<QueryResult.Sample> mid = new ArrayList<>();
      for (QueryResult.Series s : ((QueryResult.Matrix) range).series()) {
        for (int k = 0; k < s.size(); k++) {
          if (s.timestamps()[k] == t) {
            mid.add(new QueryResult.Sample(s.labels(), t, s.values()[k]));
            break;
          }
        }
      }
      QueryResult asInstant =
          res instanceof QueryResult.Scalar
              ? (mid.isEmpty() ? null : new QueryResult.Scalar(t, mid.get(0).value(), List.of()))
              : new QueryResult.Vector(mid, List.of());
      if (asInstant == null) {
        return "range mode " + query + " at " + t + ": no scalar value";
      }
      err = compare(ev, asInstant, false);
      if (err != null) {
        return "range mode " + query + " at " + t + ": " + err;
      }
    }
    return null;
  }

  private static String compare(Eval ev, QueryResult res, boolean ordered) {
    if (res instanceof QueryResult.Matrix) {
      return "received range result on instant evaluation";
    }
    if (res instanceof QueryResult.Scalar s) {
      double want = ev.scalar() != null ? ev.scalar() : Double.NaN;
      if (ev.scalar() == null && !ev.expected().isEmpty()) {
        want = ev.expected().get(0).value();
      }
      if (!almostEqual(want, s.value())) {
        return "expected scalar " + want + " but got " + s.value();
      }
      return null;
    }
    if (res instanceof QueryResult.StringResult) {
      return "unexpected string result";
    }
    List<QueryResult.Sample> samples = ((QueryResult.Vector) res).samples();
    Map<Labels, Expected> byLabels = new HashMap<>();
    for (Expected e : ev.expected()) {
      byLabels.put(e.labels(), e);
    }
    if (ev.scalar() != null) {
      return "expected scalar " + ev.scalar() + " but got vector " + samples;
    }
    java.util.Set<Labels> seen = new java.util.HashSet<>();
    for (int pos = 0; pos < samples.size(); pos++) {
      QueryResult.Sample s = samples.get(pos);
      Expected e = byLabels.get(s.labels());
      if (e == null) {
        return "unexpected metric " + GoText.labels(s.labels()) + " in result " + samples;
      }
      if (ordered && e.position() != pos + 1) {
        return "expected metric "
            + GoText.labels(s.labels())
            + " at position "
            + e.position()
            + " but was at "
            + (pos + 1);
      }
      if (!almostEqual(e.value(), s.value())) {
        return "expected "
            + e.value()
            + " for "
            + GoText.labels(s.labels())
            + " but got "
            + s.value();
      }
      seen.add(s.labels());
    }
    for (Expected e : ev.expected()) {
      if (!seen.contains(e.labels())) {
        return "expected metric " + GoText.labels(e.labels()) + " not found in " + samples;
      }
    }
    return null;
  }

  private static final double MIN_NORMAL = Double.longBitsToDouble(0x0010000000000000L);

  /** {@code test.go}'s comparison: relative error below 1e-6; NaN equals NaN. */
  static boolean almostEqual(double a, double b) {
    if (Double.isNaN(a) && Double.isNaN(b)) {
      return true;
    }
    if (a == b) {
      return true;
    }
    double diff = Math.abs(a - b);
    if (a == 0 || b == 0 || diff < MIN_NORMAL) {
      return diff < 1e-6 * MIN_NORMAL;
    }
    return diff / (Math.abs(a) + Math.abs(b)) < 1e-6;
  }

  // ---------------------------------------------------------------- @ variants

  private static final Set<String> AT_UNSAFE =
      Set.of(
          "days_in_month",
          "day_of_month",
          "day_of_week",
          "day_of_year",
          "hour",
          "minute",
          "month",
          "year",
          "predict_linear",
          "time",
          "timestamp");

  /**
   * The query with {@code @ timeMs} on every outermost selector and subquery lacking one, printed
   * back to text; null when a function makes the result depend on the evaluation time.
   */
  static String withAtModifier(String query, long timeMs) {
    Expr e;
    try {
      e = PromqlParser.parse(query);
    } catch (PromqlException ex) {
      return null;
    }
    if (usesUnsafe(e)) {
      return null;
    }
    return setAt(e, timeMs).toString();
  }

  private static boolean usesUnsafe(Expr e) {
    if (e instanceof Expr.Call c) {
      if (AT_UNSAFE.contains(c.function().name())) {
        return true;
      }
      for (Expr a : c.args()) {
        if (usesUnsafe(a)) {
          return true;
        }
      }
      return false;
    } else if (e instanceof Expr.ParenExpr p) {
      return usesUnsafe(p.expr());
    } else if (e instanceof Expr.UnaryExpr u) {
      return usesUnsafe(u.expr());
    } else if (e instanceof Expr.BinaryExpr b) {
      return usesUnsafe(b.lhs()) || usesUnsafe(b.rhs());
    } else if (e instanceof Expr.AggregateExpr a) {
      return usesUnsafe(a.expr()) || (a.param() != null && usesUnsafe(a.param()));
    } else if (e instanceof Expr.SubqueryExpr s) {
      return usesUnsafe(s.expr());
    }
    return false;
  }

  private static Expr setAt(Expr e, long t) {
    if (e instanceof Expr.VectorSelector vs) {
      return vs.atMs() == null && vs.atPreprocessor() == Expr.AtPreprocessor.NONE
          ? vs.withAt(t, Expr.AtPreprocessor.NONE, vs.position().end())
          : vs;
    } else if (e instanceof Expr.MatrixSelector ms) {
      return new Expr.MatrixSelector(
          (Expr.VectorSelector) setAt(ms.selector(), t), ms.rangeMs(), ms.position());
    } else if (e instanceof Expr.SubqueryExpr sq) {
      if (sq.atMs() != null || sq.atPreprocessor() != Expr.AtPreprocessor.NONE) {
        return sq;
      }
      // Selectors inside a pinned subquery stay relative to it.
      return sq.withAt(t, Expr.AtPreprocessor.NONE, sq.position().end());
    } else if (e instanceof Expr.ParenExpr p) {
      return new Expr.ParenExpr(setAt(p.expr(), t), p.position());
    } else if (e instanceof Expr.UnaryExpr u) {
      return new Expr.UnaryExpr(u.negate(), setAt(u.expr(), t), u.position());
    } else if (e instanceof Expr.BinaryExpr b) {
      return new Expr.BinaryExpr(
          b.op(), setAt(b.lhs(), t), setAt(b.rhs(), t), b.matching(), b.returnBool());
    } else if (e instanceof Expr.AggregateExpr a) {
      return new Expr.AggregateExpr(
          a.op(),
          setAt(a.expr(), t),
          a.param() == null ? null : setAt(a.param(), t),
          a.grouping(),
          a.without(),
          a.position());
    } else if (e instanceof Expr.Call c) {
      List<Expr> args = new ArrayList<>();
      for (Expr a : c.args()) {
        args.add(setAt(a, t));
      }
      return new Expr.Call(c.function(), args, c.position());
    }
    return e;
  }
}

package io.meshlens.query.promql;

import io.meshlens.model.Labels;
import io.meshlens.query.promql.Evaluator.Context;
import io.meshlens.query.promql.Evaluator.StepSample;
import io.meshlens.query.promql.Expr.Call;
import io.meshlens.query.promql.Expr.StringLiteral;
import io.meshlens.query.promql.Expr.VectorSelector;
import io.meshlens.store.LabelMatcher;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.DoubleUnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The PromQL functions, ported from Prometheus 2.42's {@code promql/functions.go} so that results
 * match to the last bit where Java's arithmetic allows: the extrapolation of {@code rate}, {@code
 * increase} and {@code delta}, Kahan summation in the {@code *_over_time} functions, the linear
 * regression of {@code deriv} and {@code predict_linear}.
 */
final class FunctionCalls {

  private FunctionCalls() {}

  /**
   * The samples of one series in a range: {@code t[from..to)} and {@code v[from..to)} lie in {@code
   * [mint, maxt]}; {@code rangeMs} is the selector's range.
   */
  record Window(long[] t, double[] v, int from, int to, long mint, long maxt, long rangeMs) {
    int size() {
      return to - from;
    }

    double first() {
      return v[from];
    }

    double last() {
      return v[to - 1];
    }
  }

  /** A function over a range vector, called once per series and step with a non-empty window. */
  @FunctionalInterface
  interface RangeFunction {
    /**
     * Computes the value into {@code out[0]}; returns false when the series has no value at this
     * step (e.g. fewer than two samples for {@code rate}).
     *
     * @param args the scalar arguments by position (the range argument's slot is unused)
     */
    boolean apply(Window w, double[] args, long ts, double[] out);
  }

  // ---------------------------------------------------------------- range-vector functions

  static RangeFunction rangeFunction(String name) {
    return switch (name) {
      case "rate" -> (w, a, ts, out) -> extrapolatedRate(w, true, true, out);
      case "increase" -> (w, a, ts, out) -> extrapolatedRate(w, true, false, out);
      case "delta" -> (w, a, ts, out) -> extrapolatedRate(w, false, false, out);
      case "irate" -> (w, a, ts, out) -> instantValue(w, true, out);
      case "idelta" -> (w, a, ts, out) -> instantValue(w, false, out);
      case "deriv" -> FunctionCalls::deriv;
      case "predict_linear" -> FunctionCalls::predictLinear;
      case "holt_winters" -> FunctionCalls::holtWinters;
      case "resets" -> (w, a, ts, out) -> set(out, resets(w));
      case "changes" -> (w, a, ts, out) -> set(out, changes(w));
      case "avg_over_time" -> (w, a, ts, out) -> set(out, avgOverTime(w));
      case "count_over_time" -> (w, a, ts, out) -> set(out, w.size());
      case "last_over_time" -> (w, a, ts, out) -> set(out, w.last());
      case "max_over_time" -> (w, a, ts, out) -> set(out, maxOverTime(w));
      case "min_over_time" -> (w, a, ts, out) -> set(out, minOverTime(w));
      case "sum_over_time" -> (w, a, ts, out) -> set(out, sumOverTime(w));
      case "quantile_over_time" -> (w, a, ts, out) -> set(out, quantileOverTime(w, a[0]));
      case "stddev_over_time" -> (w, a, ts, out) -> set(out, Math.sqrt(stdvarOverTime(w)));
      case "stdvar_over_time" -> (w, a, ts, out) -> set(out, stdvarOverTime(w));
      case "present_over_time", "absent_over_time" -> (w, a, ts, out) -> set(out, 1);
      default -> throw new IllegalStateException("no range function " + name);
    };
  }

  private static boolean set(double[] out, double v) {
    out[0] = v;
    return true;
  }

  /** Go's {@code time.Duration.Seconds()} for a whole number of milliseconds. */
  private static double seconds(long ms) {
    long sec = ms / 1000;
    long nsec = (ms % 1000) * 1_000_000L;
    return sec + nsec / 1e9;
  }

  /**
   * rate/increase/delta: the change over the range (with counter resets for counters), extrapolated
   * to the range boundaries when the first/last samples are close to them, but never to before a
   * counter's zero point.
   */
  static boolean extrapolatedRate(Window w, boolean isCounter, boolean isRate, double[] out) {
    int n = w.size();
    if (n < 2) {
      return false;
    }
    long[] t = w.t();
    double[] v = w.v();
    int first = w.from();
    int last = w.to() - 1;
    double result = v[last] - v[first];
    if (isCounter) {
      double prev = v[first];
      for (int i = first + 1; i <= last; i++) {
        double cur = v[i];
        if (cur < prev) {
          result += prev;
        }
        prev = cur;
      }
    }
    long rangeStart = w.maxt() - w.rangeMs();
    long rangeEnd = w.maxt();
    double durationToStart = (double) (t[first] - rangeStart) / 1000;
    double durationToEnd = (double) (rangeEnd - t[last]) / 1000;
    double sampledInterval = (double) (t[last] - t[first]) / 1000;
    double averageDurationBetweenSamples = sampledInterval / (n - 1);
    if (isCounter && result > 0 && v[first] >= 0) {
      // Counters cannot go below zero: do not extrapolate past the zero point.
      double durationToZero = sampledInterval * (v[first] / result);
      if (durationToZero < durationToStart) {
        durationToStart = durationToZero;
      }
    }
    double extrapolationThreshold = averageDurationBetweenSamples * 1.1;
    double extrapolateToInterval = sampledInterval;
    if (durationToStart < extrapolationThreshold) {
      extrapolateToInterval += durationToStart;
    } else {
      extrapolateToInterval += averageDurationBetweenSamples / 2;
    }
    if (durationToEnd < extrapolationThreshold) {
      extrapolateToInterval += durationToEnd;
    } else {
      extrapolateToInterval += averageDurationBetweenSamples / 2;
    }
    double factor = extrapolateToInterval / sampledInterval;
    if (isRate) {
      factor /= seconds(w.rangeMs());
    }
    out[0] = result * factor;
    return true;
  }

  /** irate/idelta: from the last two samples only. */
  static boolean instantValue(Window w, boolean isRate, double[] out) {
    if (w.size() < 2) {
      return false;
    }
    int last = w.to() - 1;
    double lastV = w.v()[last];
    double prevV = w.v()[last - 1];
    double result = isRate && lastV < prevV ? lastV : lastV - prevV;
    long sampledInterval = w.t()[last] - w.t()[last - 1];
    if (sampledInterval == 0) {
      return false;
    }
    if (isRate) {
      result /= (double) sampledInterval / 1000;
    }
    out[0] = result;
    return true;
  }

  /** Kahan-Neumaier summation step; returns {sum, compensation}. */
  private static void kahanInc(double inc, double[] acc) {
    double sum = acc[0];
    double t = sum + inc;
    if (Math.abs(sum) >= Math.abs(inc)) {
      acc[1] += (sum - t) + inc;
    } else {
      acc[1] += (inc - t) + sum;
    }
    acc[0] = t;
  }

  /** Least-squares slope and intercept (at {@code interceptTime}). */
  private static double[] linearRegression(Window w, long interceptTime) {
    double n = 0;
    double[] sumX = new double[2];
    double[] sumY = new double[2];
    double[] sumXY = new double[2];
    double[] sumX2 = new double[2];
    double initY = w.first();
    boolean constY = true;
    for (int i = w.from(); i < w.to(); i++) {
      double y = w.v()[i];
      if (constY && i > w.from() && y != initY) {
        constY = false;
      }
      n += 1.0;
      double x = (double) (w.t()[i] - interceptTime) / 1e3;
      kahanInc(x, sumX);
      kahanInc(y, sumY);
      kahanInc(x * y, sumXY);
      kahanInc(x * x, sumX2);
    }
    if (constY) {
      if (Double.isInfinite(initY)) {
        return new double[] {Double.NaN, Double.NaN};
      }
      return new double[] {0, initY};
    }
    double sx = sumX[0] + sumX[1];
    double sy = sumY[0] + sumY[1];
    double sxy = sumXY[0] + sumXY[1];
    double sx2 = sumX2[0] + sumX2[1];
    double covXY = sxy - sx * sy / n;
    double varX = sx2 - sx * sx / n;
    double slope = covXY / varX;
    double intercept = sy / n - slope * sx / n;
    return new double[] {slope, intercept};
  }

  private static boolean deriv(Window w, double[] args, long ts, double[] out) {
    if (w.size() < 2) {
      return false;
    }
    // Relative to the first sample to keep the numbers small (prometheus/prometheus#2674).
    out[0] = linearRegression(w, w.t()[w.from()])[0];
    return true;
  }

  private static boolean predictLinear(Window w, double[] args, long ts, double[] out) {
    if (w.size() < 2) {
      return false;
    }
    double[] r = linearRegression(w, ts);
    out[0] = r[0] * args[1] + r[1];
    return true;
  }

  private static boolean holtWinters(Window w, double[] args, long ts, double[] out) {
    double sf = args[1];
    double tf = args[2];
    if (sf <= 0 || sf >= 1) {
      throw PromqlException.execution(
          "invalid smoothing factor. Expected: 0 < sf < 1, got: " + GoText.formatFixed6(sf));
    }
    if (tf <= 0 || tf >= 1) {
      throw PromqlException.execution(
          "invalid trend factor. Expected: 0 < tf < 1, got: " + GoText.formatFixed6(tf));
    }
    int l = w.size();
    if (l < 2) {
      return false;
    }
    double[] v = w.v();
    int f = w.from();
    double s0 = 0;
    double s1 = v[f];
    double b = v[f + 1] - v[f];
    for (int i = 1; i < l; i++) {
      double x = sf * v[f + i];
      // The trend at i-1.
      if (i - 1 != 0) {
        b = tf * (s1 - s0) + (1 - tf) * b;
      }
      double y = (1 - sf) * (s1 + b);
      s0 = s1;
      s1 = x + y;
    }
    out[0] = s1;
    return true;
  }

  private static double resets(Window w) {
    int resets = 0;
    double prev = w.first();
    for (int i = w.from() + 1; i < w.to(); i++) {
      double cur = w.v()[i];
      if (cur < prev) {
        resets++;
      }
      prev = cur;
    }
    return resets;
  }

  private static double changes(Window w) {
    int changes = 0;
    double prev = w.first();
    for (int i = w.from() + 1; i < w.to(); i++) {
      double cur = w.v()[i];
      if (cur != prev && !(Double.isNaN(cur) && Double.isNaN(prev))) {
        changes++;
      }
      prev = cur;
    }
    return changes;
  }

  private static double avgOverTime(Window w) {
    double count = 0;
    double[] mean = new double[2];
    for (int i = w.from(); i < w.to(); i++) {
      double v = w.v()[i];
      count++;
      if (Double.isInfinite(mean[0])) {
        if (Double.isInfinite(v) && (mean[0] > 0) == (v > 0)) {
          // Same-signed infinities: the mean is already right.
          continue;
        }
        if (!Double.isInfinite(v) && !Double.isNaN(v)) {
          // A finite value cannot change an infinite mean; the update would give NaN.
          continue;
        }
      }
      kahanInc(v / count - mean[0] / count, mean);
    }
    if (Double.isInfinite(mean[0])) {
      return mean[0];
    }
    return mean[0] + mean[1];
  }

  private static double maxOverTime(Window w) {
    double max = w.first();
    for (int i = w.from(); i < w.to(); i++) {
      double v = w.v()[i];
      if (v > max || Double.isNaN(max)) {
        max = v;
      }
    }
    return max;
  }

  private static double minOverTime(Window w) {
    double min = w.first();
    for (int i = w.from(); i < w.to(); i++) {
      double v = w.v()[i];
      if (v < min || Double.isNaN(min)) {
        min = v;
      }
    }
    return min;
  }

  private static double sumOverTime(Window w) {
    double[] sum = new double[2];
    for (int i = w.from(); i < w.to(); i++) {
      kahanInc(w.v()[i], sum);
    }
    if (Double.isInfinite(sum[0])) {
      return sum[0];
    }
    return sum[0] + sum[1];
  }

  private static double quantileOverTime(Window w, double q) {
    double[] values = new double[w.size()];
    System.arraycopy(w.v(), w.from(), values, 0, values.length);
    return Quantiles.quantile(q, values);
  }

  private static double stdvarOverTime(Window w) {
    double count = 0;
    double[] mean = new double[2];
    double[] aux = new double[2];
    for (int i = w.from(); i < w.to(); i++) {
      double v = w.v()[i];
      count++;
      double delta = v - (mean[0] + mean[1]);
      kahanInc(delta / count, mean);
      kahanInc(delta * (v - (mean[0] + mean[1])), aux);
    }
    return (aux[0] + aux[1]) / count;
  }

  // ---------------------------------------------------------------- instant-vector functions

  /** {@code timestamp()}: each sample's timestamp in seconds. */
  static List<StepSample> timestamp(List<StepSample> vec) {
    List<StepSample> out = new ArrayList<>(vec.size());
    for (StepSample s : vec) {
      out.add(new StepSample(s.labels().withoutMetricName(), s.t(), (double) s.t() / 1000));
    }
    return out;
  }

  /**
   * Evaluates a function without range arguments at one step. {@code args} are the call's arguments
   * with parentheses removed; {@code vals} their values at this step (empty for strings; scalars
   * are one-element vectors).
   */
  static List<StepSample> vectorFunction(
      Call call, List<Expr> args, List<List<StepSample>> vals, long ts, Context ctx) {
    String name = call.function().name();
    return switch (name) {
      case "abs" -> simple(vals, Math::abs);
      case "ceil" -> simple(vals, Math::ceil);
      case "floor" -> simple(vals, Math::floor);
      case "exp" -> simple(vals, StrictMath::exp);
      case "sqrt" -> simple(vals, Math::sqrt);
      case "ln" -> simple(vals, StrictMath::log);
      case "log2" -> simple(vals, GoMath::log2);
      case "log10" -> simple(vals, GoMath::log10);
      case "sin" -> simple(vals, StrictMath::sin);
      case "cos" -> simple(vals, StrictMath::cos);
      case "tan" -> simple(vals, StrictMath::tan);
      case "asin" -> simple(vals, StrictMath::asin);
      case "acos" -> simple(vals, StrictMath::acos);
      case "atan" -> simple(vals, StrictMath::atan);
      case "sinh" -> simple(vals, StrictMath::sinh);
      case "cosh" -> simple(vals, StrictMath::cosh);
      case "tanh" -> simple(vals, StrictMath::tanh);
      case "asinh" -> simple(vals, GoMath::asinh);
      case "acosh" -> simple(vals, GoMath::acosh);
      case "atanh" -> simple(vals, GoMath::atanh);
      case "rad" -> simple(vals, v -> v * Math.PI / 180);
      case "deg" -> simple(vals, v -> v * 180 / Math.PI);
      case "sgn" -> simple(vals, v -> v < 0 ? -1 : v > 0 ? 1 : v);
      case "clamp" -> clamp(vals.get(0), scalar(vals, 1), scalar(vals, 2));
      case "clamp_max" -> simple(vals, v -> Math.min(scalar(vals, 1), v));
      case "clamp_min" -> simple(vals, v -> Math.max(scalar(vals, 1), v));
      case "round" -> {
        double toNearest = vals.size() >= 2 ? scalar(vals, 1) : 1;
        // Multiplying by the inverse gives fewer floating point surprises.
        double inverse = 1.0 / toNearest;
        yield simple(vals, v -> Math.floor(v * inverse + 0.5) / inverse);
      }
      case "scalar" -> {
        List<StepSample> v = vals.get(0);
        yield List.of(new StepSample(Labels.EMPTY, ts, v.size() == 1 ? v.get(0).v() : Double.NaN));
      }
      case "vector" -> List.of(new StepSample(Labels.EMPTY, ts, scalar(vals, 0)));
      case "time" -> List.of(new StepSample(Labels.EMPTY, ts, (double) ts / 1000));
      case "pi" -> List.of(new StepSample(Labels.EMPTY, ts, Math.PI));
      case "sort" -> sorted(vals.get(0), Aggregations.ascendingNaNLast());
      case "sort_desc" -> sorted(vals.get(0), Aggregations.descendingNaNLast());
      case "timestamp" -> timestamp(vals.get(0));
      case "absent" ->
          vals.get(0).isEmpty()
              ? List.of(new StepSample(labelsForAbsent(args.get(0)), ts, 1))
              : List.of();
      case "label_replace" -> labelReplace(call, args, vals.get(0), ctx);
      case "label_join" -> labelJoin(args, vals.get(0));
      case "days_in_month",
          "day_of_month",
          "day_of_week",
          "day_of_year",
          "hour",
          "minute",
          "month",
          "year" ->
          date(name, vals, ts);
      case "histogram_quantile" -> histogramQuantile(scalar(vals, 0), vals.get(1));
      // Native histograms only; classic float samples are skipped, as in Prometheus.
      case "histogram_count", "histogram_sum", "histogram_fraction" -> List.of();
      default -> throw new IllegalStateException("no function " + name);
    };
  }

  private static double scalar(List<List<StepSample>> vals, int i) {
    return vals.get(i).get(0).v();
  }

  /** Applies {@code f} to every element of the first argument, dropping the metric name. */
  private static List<StepSample> simple(List<List<StepSample>> vals, DoubleUnaryOperator f) {
    List<StepSample> vec = vals.get(0);
    List<StepSample> out = new ArrayList<>(vec.size());
    for (StepSample s : vec) {
      out.add(new StepSample(s.labels().withoutMetricName(), s.t(), f.applyAsDouble(s.v())));
    }
    return out;
  }

  private static List<StepSample> clamp(List<StepSample> vec, double min, double max) {
    if (max < min) {
      return List.of();
    }
    List<StepSample> out = new ArrayList<>(vec.size());
    for (StepSample s : vec) {
      out.add(
          new StepSample(
              s.labels().withoutMetricName(), s.t(), Math.max(min, Math.min(max, s.v()))));
    }
    return out;
  }

  private static List<StepSample> sorted(
      List<StepSample> vec, java.util.Comparator<StepSample> order) {
    List<StepSample> out = new ArrayList<>(vec);
    out.sort(order);
    return out;
  }

  /**
   * The labels {@code absent()} reports: those fixed by equality matchers (a label matched twice is
   * left out, as in Prometheus).
   */
  static Labels labelsForAbsent(Expr arg) {
    if (!(arg instanceof VectorSelector vs)) {
      return Labels.EMPTY;
    }
    Labels.Builder b = Labels.builder();
    Set<String> has = new HashSet<>();
    for (LabelMatcher m : vs.matchers()) {
      if (m.name().equals(Labels.METRIC_NAME)) {
        continue;
      }
      if (m.type() == LabelMatcher.Type.EQUAL && !has.contains(m.name())) {
        b.put(m.name(), m.value());
        has.add(m.name());
      } else {
        b.remove(m.name());
      }
    }
    return b.build();
  }

  private static String stringArg(Expr e) {
    return ((StringLiteral) Evaluator.unwrapParens(e)).value();
  }

  /** Compiled regex and per-series results of one {@code label_replace} call node. */
  private record ReplaceState(Pattern regex, Map<Labels, Labels> results) {}

  private static List<StepSample> labelReplace(
      Call call, List<Expr> args, List<StepSample> vec, Context ctx) {
    String dst = stringArg(args.get(1));
    String repl = stringArg(args.get(2));
    String src = stringArg(args.get(3));
    String regexStr = stringArg(args.get(4));
    ReplaceState state =
        Evaluator.nodeState(
            ctx,
            call,
            () -> {
              Pattern p;
              try {
                p = GoRegex.compileAnchored(regexStr);
              } catch (PatternSyntaxException e) {
                throw PromqlException.execution(
                    "invalid regular expression in label_replace(): " + regexStr);
              }
              if (!PromqlLexer.isLabel(dst)) {
                throw PromqlException.execution(
                    "invalid destination label name in label_replace(): " + dst);
              }
              return new ReplaceState(p, new HashMap<>());
            });
    List<StepSample> out = new ArrayList<>(vec.size());
    for (StepSample s : vec) {
      Labels result = state.results().get(s.labels());
      if (result == null) {
        String srcVal = s.labels().getOrEmpty(src);
        Matcher m = state.regex().matcher(srcVal);
        if (!m.matches()) {
          result = s.labels();
        } else {
          String res = expandTemplate(repl, m);
          result = s.labels().toBuilder().remove(dst).put(dst, res).build();
        }
        state.results().put(s.labels(), result);
      }
      out.add(new StepSample(result, s.t(), s.v()));
    }
    return out;
  }

  /** Go's {@code Regexp.Expand}: {@code $1}, {@code ${1}}, {@code $name}, {@code $$}. */
  static String expandTemplate(String template, Matcher m) {
    StringBuilder sb = new StringBuilder();
    int i = 0;
    while (i < template.length()) {
      char c = template.charAt(i);
      if (c != '$') {
        sb.append(c);
        i++;
        continue;
      }
      i++;
      if (i < template.length() && template.charAt(i) == '$') {
        sb.append('$');
        i++;
        continue;
      }
      // Extract a name: letters, digits and '_', optionally in braces.
      int j = i;
      boolean brace = j < template.length() && template.charAt(j) == '{';
      if (brace) {
        j++;
      }
      int nameStart = j;
      while (j < template.length()) {
        int cp = template.codePointAt(j);
        if (!Character.isLetter(cp) && !Character.isDigit(cp) && cp != '_') {
          break;
        }
        j += Character.charCount(cp);
      }
      String name = template.substring(nameStart, j);
      boolean ok = !name.isEmpty();
      if (ok && brace) {
        if (j >= template.length() || template.charAt(j) != '}') {
          ok = false;
        } else {
          j++;
        }
      }
      if (!ok) {
        // Malformed: keep the '$' literally.
        sb.append('$');
        continue;
      }
      i = j;
      int num = 0;
      for (int k = 0; k < name.length(); k++) {
        char d = name.charAt(k);
        if (d < '0' || d > '9' || num >= 100_000_000) {
          num = -1;
          break;
        }
        num = num * 10 + (d - '0');
      }
      if (name.charAt(0) == '0' && name.length() > 1) {
        num = -1;
      }
      if (num >= 0) {
        if (num <= m.groupCount() && m.group(num) != null) {
          sb.append(m.group(num));
        }
      } else {
        try {
          String g = m.group(name);
          if (g != null) {
            sb.append(g);
          }
        } catch (IllegalArgumentException e) {
          // No such group: expands to nothing.
        }
      }
    }
    return sb.toString();
  }

  private static List<StepSample> labelJoin(List<Expr> args, List<StepSample> vec) {
    String dst = stringArg(args.get(1));
    String sep = stringArg(args.get(2));
    List<String> srcLabels = new ArrayList<>();
    for (int i = 3; i < args.size(); i++) {
      String src = stringArg(args.get(i));
      if (!PromqlLexer.isLabel(src)) {
        throw PromqlException.execution("invalid source label name in label_join(): " + src);
      }
      srcLabels.add(src);
    }
    if (!PromqlLexer.isLabel(dst)) {
      throw PromqlException.execution("invalid destination label name in label_join(): " + dst);
    }
    List<StepSample> out = new ArrayList<>(vec.size());
    for (StepSample s : vec) {
      List<String> values = new ArrayList<>(srcLabels.size());
      for (String src : srcLabels) {
        values.add(s.labels().getOrEmpty(src));
      }
      String joined = String.join(sep, values);
      Labels l = s.labels().toBuilder().put(dst, joined).build();
      out.add(new StepSample(l, s.t(), s.v()));
    }
    return out;
  }

  private static List<StepSample> date(String name, List<List<StepSample>> vals, long ts) {
    if (vals.isEmpty()) {
      // Go's integer division truncates: time.Unix(enh.Ts/1000, 0).
      return List.of(new StepSample(Labels.EMPTY, ts, dateField(name, ts / 1000)));
    }
    List<StepSample> vec = vals.get(0);
    List<StepSample> out = new ArrayList<>(vec.size());
    for (StepSample s : vec) {
      out.add(
          new StepSample(s.labels().withoutMetricName(), s.t(), dateField(name, goInt64(s.v()))));
    }
    return out;
  }

  /** Go's float64-to-int64 conversion on amd64: truncation, MinInt64 when out of range. */
  private static long goInt64(double v) {
    if (Double.isNaN(v) || v >= 0x1p63 || v < -0x1p63) {
      return Long.MIN_VALUE;
    }
    return (long) v;
  }

  // Go's time package (1.19, which Prometheus 2.42 is built with) counts seconds from an absolute
  // zero in year -292277022399 in a uint64. Porting its arithmetic, wrap-around included, gives
  // the same fields for every int64, also for int64(NaN) = MinInt64, where a true calendar would
  // not.
  private static final long SECONDS_PER_DAY = 86_400;
  private static final long ABSOLUTE_ZERO_YEAR = -292_277_022_399L;
  private static final long UNIX_TO_ABSOLUTE = 9_223_372_028_715_321_600L;
  private static final long DAYS_PER_400_YEARS = 365 * 400 + 97;
  private static final long DAYS_PER_100_YEARS = 365 * 100 + 24;
  private static final long DAYS_PER_4_YEARS = 365 * 4 + 1;
  private static final int[] DAYS_BEFORE = {
    0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365
  };

  /**
   * A calendar field of a Unix time in UTC as Go's {@code time.Unix(sec, 0).UTC()} gives it: the
   * usual Gregorian calendar, and Go's wrapped-around answer beyond about ±292 billion years.
   */
  static double dateField(String name, long unixSeconds) {
    long abs = unixSeconds + UNIX_TO_ABSOLUTE; // a uint64 in Go; Java's long wraps the same bits
    return switch (name) {
      case "hour" -> Long.remainderUnsigned(abs, SECONDS_PER_DAY) / 3600;
      case "minute" -> Long.remainderUnsigned(abs, 3600) / 60;
      case "day_of_week" ->
          Long.remainderUnsigned(abs + SECONDS_PER_DAY, 7 * SECONDS_PER_DAY) / SECONDS_PER_DAY;
      case "year" -> absDate(abs)[0];
      case "month" -> absDate(abs)[1];
      case "day_of_month" -> absDate(abs)[2];
      case "day_of_year" -> absDate(abs)[3] + 1;
      case "days_in_month" -> {
        // Prometheus: 32 - time.Date(year, month, 32, 0, 0, 0, 0, time.UTC).Day()
        long[] date = absDate(abs);
        long d = daysSinceAbsoluteZero(date[0]) + DAYS_BEFORE[(int) date[1] - 1];
        if (isLeap(date[0]) && date[1] >= 3) {
          d++;
        }
        yield 32 - absDate((d + 31) * SECONDS_PER_DAY)[2];
      }
      default -> throw new IllegalStateException(name);
    };
  }

  /** Go's {@code absDate}: {year, month, day of month, day of year from 0}. */
  private static long[] absDate(long abs) {
    long d = Long.divideUnsigned(abs, SECONDS_PER_DAY);
    long n = d / DAYS_PER_400_YEARS;
    long y = 400 * n;
    d -= DAYS_PER_400_YEARS * n;
    n = d / DAYS_PER_100_YEARS;
    n -= n >> 2;
    y += 100 * n;
    d -= DAYS_PER_100_YEARS * n;
    n = d / DAYS_PER_4_YEARS;
    y += 4 * n;
    d -= DAYS_PER_4_YEARS * n;
    n = d / 365;
    n -= n >> 2;
    y += n;
    d -= 365 * n;
    long year = y + ABSOLUTE_ZERO_YEAR;
    long yday = d;
    long day = yday;
    if (isLeap(year)) {
      if (day > 31 + 29 - 1) {
        day--;
      } else if (day == 31 + 29 - 1) {
        return new long[] {year, 2, 29, yday};
      }
    }
    int month = (int) (day / 31);
    int end = DAYS_BEFORE[month + 1];
    int begin;
    if (day >= end) {
      month++;
      begin = end;
    } else {
      begin = DAYS_BEFORE[month];
    }
    return new long[] {year, month + 1, day - begin + 1, yday};
  }

  /** Go's {@code daysSinceEpoch}: days from the absolute zero to January 1 of {@code year}. */
  private static long daysSinceAbsoluteZero(long year) {
    long y = year - ABSOLUTE_ZERO_YEAR;
    long n = y / 400;
    y -= 400 * n;
    long d = DAYS_PER_400_YEARS * n;
    n = y / 100;
    y -= 100 * n;
    d += DAYS_PER_100_YEARS * n;
    n = y / 4;
    y -= 4 * n;
    d += DAYS_PER_4_YEARS * n;
    return d + 365 * y;
  }

  private static boolean isLeap(long year) {
    return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
  }

  private static List<StepSample> histogramQuantile(double q, List<StepSample> vec) {
    record Group(Labels labels, List<Quantiles.Bucket> buckets) {}
    Map<Labels, Group> groups = new LinkedHashMap<>();
    Set<String> le = Set.of("le");
    Set<String> excluded = Set.of(Labels.METRIC_NAME, "le");
    for (StepSample s : vec) {
      String bound = s.labels().get("le");
      if (bound == null) {
        continue;
      }
      double upper;
      try {
        upper = GoText.parseFloat(bound);
      } catch (GoText.NumberSyntaxException e) {
        continue;
      }
      // Buckets of one histogram share all labels but "le" (including the metric name).
      Labels key = BinaryOps.drop(s.labels(), le);
      Group g = groups.get(key);
      if (g == null) {
        g = new Group(BinaryOps.drop(s.labels(), excluded), new ArrayList<>());
        groups.put(key, g);
      }
      g.buckets().add(new Quantiles.Bucket(upper, s.v()));
    }
    List<StepSample> out = new ArrayList<>(groups.size());
    for (Group g : groups.values()) {
      out.add(
          new StepSample(
              g.labels(),
              0,
              Quantiles.bucketQuantile(q, g.buckets().toArray(new Quantiles.Bucket[0]))));
    }
    return out;
  }
}

package io.meshlens.query.promql;

import io.meshlens.model.Labels;
import io.meshlens.query.promql.Evaluator.StepSample;
import io.meshlens.query.promql.Expr.AggregateOp;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The aggregation operators ({@code sum}, {@code topk}, {@code count_values}, ...) over one step's
 * vector, as Prometheus' {@code aggregation()} computes them, including its numerically careful
 * mean and variance and its heap-based {@code topk}/{@code bottomk} (which decides ties the same
 * way).
 */
final class Aggregations {

  private Aggregations() {}

  /**
   * The group of a series, which is also the output labels: the {@code by} labels, or all labels
   * except the {@code without} ones and the metric name.
   */
  static Labels groupLabels(Labels l, List<String> grouping, boolean without) {
    return grouper(grouping, without).apply(l);
  }

  /** {@link #groupLabels} for many series: the name set is built once. */
  static Function<Labels, Labels> grouper(List<String> grouping, boolean without) {
    if (without) {
      Set<String> drop = new HashSet<>(grouping);
      drop.add(Labels.METRIC_NAME);
      return l -> l.without(drop);
    }
    if (grouping.isEmpty()) {
      return l -> Labels.EMPTY;
    }
    Set<String> keep = new HashSet<>(grouping);
    return l -> l.only(keep);
  }

  private static final class Group {
    final Labels labels;
    double value;
    double mean;
    long count;
    List<StepSample> heap;

    Group(Labels labels) {
      this.labels = labels;
    }
  }

  /**
   * Aggregates one step's vector. {@code param} is the scalar parameter ({@code topk}, {@code
   * quantile}) or the label name ({@code count_values}); {@code grouping} is sorted.
   */
  static List<StepSample> aggregate(
      AggregateOp op, List<String> grouping, boolean without, Object param, List<StepSample> vec) {
    long k = 0;
    if (op == AggregateOp.TOPK || op == AggregateOp.BOTTOMK) {
      double f = (Double) param;
      // The largest/smallest doubles that convert to int64 without overflow, as Prometheus checks.
      if (!(f <= 9223372036854774784.0 && f >= -9223372036854775808.0)) {
        throw PromqlException.execution(
            "Scalar value " + GoText.formatFloat(f) + " overflows int64");
      }
      k = (long) f;
      if (k < 1) {
        return new ArrayList<>();
      }
    }
    double q = op == AggregateOp.QUANTILE ? (Double) param : 0;
    String valueLabel = null;
    List<String> groupingForKey = grouping;
    if (op == AggregateOp.COUNT_VALUES) {
      valueLabel = (String) param;
      if (!PromqlLexer.isLabel(valueLabel)) {
        throw PromqlException.execution("invalid label name " + GoText.quote(valueLabel));
      }
      if (!without) {
        groupingForKey = new ArrayList<>(grouping);
        groupingForKey.add(valueLabel);
      }
    }

    Map<Labels, Group> groups = new LinkedHashMap<>();
    for (StepSample s : vec) {
      Labels key;
      Labels metric = s.labels();
      if (op == AggregateOp.COUNT_VALUES) {
        metric = metric.toBuilder().put(valueLabel, GoText.formatFloatPlain(s.v())).build();
        key = groupLabels(metric, groupingForKey, without);
      } else {
        key = (Labels) s.key();
      }
      Group g = groups.get(key);
      if (g == null) {
        g = new Group(key);
        g.value = s.v();
        g.mean = s.v();
        g.count = 1;
        groups.put(key, g);
        switch (op) {
          case STDVAR, STDDEV -> g.value = 0;
          case TOPK, QUANTILE, BOTTOMK -> {
            g.heap = new ArrayList<>();
            g.heap.add(new StepSample(s.labels(), s.t(), s.v()));
          }
          case GROUP -> g.value = 1;
          default -> {
            // The first sample's value is the start value.
          }
        }
        continue;
      }
      double v = s.v();
      switch (op) {
        case SUM -> g.value += v;
        case AVG -> {
          g.count++;
          if (Double.isInfinite(g.mean)) {
            if (Double.isInfinite(v) && (g.mean > 0) == (v > 0)) {
              // Same-signed infinities: the mean is already right and cannot be subtracted.
              break;
            }
            if (!Double.isInfinite(v) && !Double.isNaN(v)) {
              // A finite value cannot change an infinite mean; the update below would give NaN.
              break;
            }
          }
          // Dividing each term first avoids overflow.
          g.mean += v / g.count - g.mean / g.count;
        }
        case GROUP -> {
          // Always 1.
        }
        case MAX -> {
          if (g.value < v || Double.isNaN(g.value)) {
            g.value = v;
          }
        }
        case MIN -> {
          if (g.value > v || Double.isNaN(g.value)) {
            g.value = v;
          }
        }
        case COUNT, COUNT_VALUES -> g.count++;
        case STDVAR, STDDEV -> {
          g.count++;
          double delta = v - g.mean;
          g.mean += delta / g.count;
          g.value += delta * (v - g.mean);
        }
        case TOPK -> {
          StepSample top = g.heap.get(0);
          if (g.heap.size() < k || top.v() < v || Double.isNaN(top.v())) {
            if (g.heap.size() == k) {
              if (k == 1) {
                g.heap.set(0, new StepSample(s.labels(), s.t(), v));
                break;
              }
              GoHeap.pop(g.heap, GoHeap.BY_VALUE);
            }
            GoHeap.push(g.heap, new StepSample(s.labels(), s.t(), v), GoHeap.BY_VALUE);
          }
        }
        case BOTTOMK -> {
          StepSample top = g.heap.get(0);
          if (g.heap.size() < k || top.v() > v || Double.isNaN(top.v())) {
            if (g.heap.size() == k) {
              if (k == 1) {
                g.heap.set(0, new StepSample(s.labels(), s.t(), v));
                break;
              }
              GoHeap.pop(g.heap, GoHeap.BY_REVERSE_VALUE);
            }
            GoHeap.push(g.heap, new StepSample(s.labels(), s.t(), v), GoHeap.BY_REVERSE_VALUE);
          }
        }
        case QUANTILE -> g.heap.add(s);
      }
    }

    List<StepSample> out = new ArrayList<>(groups.size());
    for (Group g : groups.values()) {
      double value = g.value;
      switch (op) {
        case AVG -> value = g.mean;
        case COUNT, COUNT_VALUES -> value = g.count;
        case STDVAR -> value = g.value / g.count;
        case STDDEV -> value = Math.sqrt(g.value / g.count);
        case TOPK -> {
          // Highest first; NaN last.
          g.heap.sort(descendingNaNLast());
          for (StepSample s : g.heap) {
            out.add(new StepSample(s.labels(), s.t(), s.v()));
          }
          continue;
        }
        case BOTTOMK -> {
          g.heap.sort(ascendingNaNLast());
          for (StepSample s : g.heap) {
            out.add(new StepSample(s.labels(), s.t(), s.v()));
          }
          continue;
        }
        case QUANTILE -> {
          double[] values = new double[g.heap.size()];
          for (int i = 0; i < values.length; i++) {
            values[i] = g.heap.get(i).v();
          }
          value = Quantiles.quantile(q, values);
        }
        default -> {
          // The accumulated value.
        }
      }
      out.add(new StepSample(g.labels, 0, value));
    }
    return out;
  }

  static Comparator<StepSample> descendingNaNLast() {
    return (a, b) -> compareNaNLast(b.v(), a.v(), a.v(), b.v());
  }

  static Comparator<StepSample> ascendingNaNLast() {
    return (a, b) -> compareNaNLast(a.v(), b.v(), a.v(), b.v());
  }

  /** Orders by {@code x} vs {@code y} with NaN (of {@code a} or {@code b}) sorting last. */
  private static int compareNaNLast(double x, double y, double a, double b) {
    boolean an = Double.isNaN(a);
    boolean bn = Double.isNaN(b);
    if (an || bn) {
      return an == bn ? 0 : an ? 1 : -1;
    }
    return x < y ? -1 : x > y ? 1 : 0;
  }

  /**
   * Go's {@code container/heap} over a list with Prometheus' orderings, reproduced exactly so that
   * which of several equal values {@code topk} keeps matches Prometheus.
   */
  static final class GoHeap {
    /** Prometheus' {@code vectorByValueHeap.Less}: NaN is smallest. */
    static final Less BY_VALUE = (x, y) -> Double.isNaN(x) || x < y;

    /** Prometheus' {@code vectorByReverseValueHeap.Less}. */
    static final Less BY_REVERSE_VALUE = (x, y) -> Double.isNaN(x) || x > y;

    @FunctionalInterface
    interface Less {
      boolean less(double x, double y);
    }

    private GoHeap() {}

    static void push(List<StepSample> h, StepSample s, Less less) {
      h.add(s);
      up(h, h.size() - 1, less);
    }

    static void pop(List<StepSample> h, Less less) {
      int n = h.size() - 1;
      swap(h, 0, n);
      down(h, 0, n, less);
      h.remove(h.size() - 1);
    }

    private static boolean less(List<StepSample> h, int i, int j, Less less) {
      return less.less(h.get(i).v(), h.get(j).v());
    }

    private static void swap(List<StepSample> h, int i, int j) {
      StepSample t = h.get(i);
      h.set(i, h.get(j));
      h.set(j, t);
    }

    private static void up(List<StepSample> h, int j, Less less) {
      while (true) {
        int i = (j - 1) / 2;
        if (i == j || !less(h, j, i, less)) {
          break;
        }
        swap(h, i, j);
        j = i;
      }
    }

    private static void down(List<StepSample> h, int i0, int n, Less less) {
      int i = i0;
      while (true) {
        int j1 = 2 * i + 1;
        if (j1 >= n || j1 < 0) {
          break;
        }
        int j = j1;
        int j2 = j1 + 1;
        if (j2 < n && less(h, j2, j1, less)) {
          j = j2;
        }
        if (!less(h, j, i, less)) {
          break;
        }
        swap(h, i, j);
        i = j;
      }
    }
  }
}

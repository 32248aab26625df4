package io.meshlens.ingest.otlp;

import io.meshlens.model.Labels;
import java.util.Arrays;

/**
 * The Prometheus series one explicit-bucket histogram data point becomes, in the order Prometheus
 * writes them: {@code <name>_sum} (only when the point has a sum), {@code <name>_count}, then
 * {@code <name>_bucket} for every bound and for {@code +Inf}. All of them carry the data point's
 * labels; the buckets add {@code le}.
 *
 * <p>Every data point of a metric usually has the same bounds, so one instance describes them all
 * and a sink can remember what it resolved for (data point labels, this shape) instead of building
 * and looking up a label set per bucket. Immutable; equal when name, sum presence and bounds are.
 */
public final class HistogramSeries {

  private final String name;
  private final boolean hasSum;
  private final double[] bounds;

  /** Metric name of each series. */
  private final String[] names;

  /** {@code le} of each series, null for {@code _sum} and {@code _count}. */
  private final String[] le;

  private final int hash;

  HistogramSeries(String name, boolean hasSum, double[] bounds) {
    this(name, hasSum, bounds, s -> s);
  }

  /**
   * @param shared gives the copy of a series name or {@code le} text to hold (the translator's
   *     shared copy, so that label sets made with this shape are canonical as they are)
   */
  HistogramSeries(
      String name,
      boolean hasSum,
      double[] bounds,
      java.util.function.UnaryOperator<String> shared) {
    this.name = name;
    this.hasSum = hasSum;
    this.bounds = bounds.clone();
    int first = hasSum ? 2 : 1;
    int n = first + bounds.length + 1;
    this.names = new String[n];
    this.le = new String[n];
    if (hasSum) {
      names[0] = shared.apply(name + "_sum");
    }
    names[first - 1] = shared.apply(name + "_count");
    String bucket = shared.apply(name + "_bucket");
    for (int b = 0; b < bounds.length; b++) {
      names[first + b] = bucket;
      le[first + b] = shared.apply(GoFloats.formatPlain(bounds[b]));
    }
    names[n - 1] = bucket;
    le[n - 1] = shared.apply("+Inf");
    this.hash = (name.hashCode() * 31 + Boolean.hashCode(hasSum)) * 31 + Arrays.hashCode(bounds);
  }

  /** Whether this describes a point of metric {@code name} with these bounds and sum presence. */
  boolean matches(String name, boolean hasSum, java.util.List<Double> bounds) {
    if (!this.name.equals(name) || this.hasSum != hasSum || this.bounds.length != bounds.size()) {
      return false;
    }
    for (int i = 0; i < this.bounds.length; i++) {
      if (Double.doubleToLongBits(this.bounds[i]) != Double.doubleToLongBits(bounds.get(i))) {
        return false;
      }
    }
    return true;
  }

  /** {@link #matches(String, boolean, java.util.List)} for {@code bounds[from..from+size)}. */
  boolean matches(String name, boolean hasSum, double[] bounds, int from, int size) {
    if (!this.name.equals(name) || this.hasSum != hasSum || this.bounds.length != size) {
      return false;
    }
    for (int i = 0; i < size; i++) {
      if (Double.doubleToLongBits(this.bounds[i]) != Double.doubleToLongBits(bounds[from + i])) {
        return false;
      }
    }
    return true;
  }

  /** Number of series (and of values per data point). */
  public int size() {
    return names.length;
  }

  /** Whether the first series is {@code _sum}. */
  boolean hasSum() {
    return hasSum;
  }

  /** Index of {@code _count}; the {@code +Inf} bucket is the last one. */
  int countIndex() {
    return hasSum ? 1 : 0;
  }

  /** Index of the first {@code _bucket} series. */
  int firstBucketIndex() {
    return hasSum ? 2 : 1;
  }

  /** The labels of series {@code i} of a data point whose own labels are {@code point}. */
  public Labels labels(Labels point, int i) {
    Labels.Builder b = point.toBuilder().put(Labels.METRIC_NAME, names[i]);
    if (le[i] != null) {
      b.put("le", le[i]);
    }
    return b.build();
  }

  @Override
  public boolean equals(Object o) {
    return this == o
        || (o instanceof HistogramSeries other
            && hash == other.hash
            && hasSum == other.hasSum
            && name.equals(other.name)
            && Arrays.equals(bounds, other.bounds));
  }

  @Override
  public int hashCode() {
    return hash;
  }
}

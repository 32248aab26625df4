package io.meshlens.query.promql;

import java.util.Arrays;

/**
 * Quantile estimation as Prometheus does it: {@code quantile}/{@code quantile_over_time} over
 * samples, and {@code histogram_quantile} over classic {@code le} buckets ({@code
 * promql/quantile.go}).
 */
final class Quantiles {

  private Quantiles() {}

  /** A classic histogram bucket: upper bound and cumulative count. */
  record Bucket(double upperBound, double count) {}

  /**
   * The q-quantile of {@code values} (which is sorted in place), interpolating linearly between the
   * two nearest ranks. NaN when empty or q is NaN; -Inf for q < 0; +Inf for q > 1.
   */
  static double quantile(double q, double[] values) {
    if (values.length == 0 || Double.isNaN(q)) {
      return Double.NaN;
    }
    if (q < 0) {
      return Double.NEGATIVE_INFINITY;
    }
    if (q > 1) {
      return Double.POSITIVE_INFINITY;
    }
    sortNaNFirst(values);
    double n = values.length;
    double rank = q * (n - 1);
    double lowerIndex = Math.max(0, Math.floor(rank));
    double upperIndex = Math.min(n - 1, lowerIndex + 1);
    double weight = rank - Math.floor(rank);
    return values[(int) lowerIndex] * (1 - weight) + values[(int) upperIndex] * weight;
  }

  /** Ascending with NaN first, as Prometheus' {@code vectorByValueHeap} sorts. */
  private static void sortNaNFirst(double[] values) {
    int nans = 0;
    double[] rest = new double[values.length];
    int r = 0;
    for (double v : values) {
      if (Double.isNaN(v)) {
        nans++;
      } else {
        rest[r++] = v;
      }
    }
    // Order -0.0 and 0.0 as equal, like Go's '<'; a stable sort keeps them in input order.
    Double[] boxed = new Double[r];
    for (int i = 0; i < r; i++) {
      boxed[i] = rest[i];
    }
    Arrays.sort(boxed, (a, b) -> a < b ? -1 : a > b ? 1 : 0);
    for (int i = 0; i < nans; i++) {
      values[i] = Double.NaN;
    }
    for (int i = 0; i < r; i++) {
      values[nans + i] = boxed[i];
    }
  }

  /**
   * The q-quantile of a classic histogram. Buckets are sorted by upper bound, buckets with equal
   * bounds merged, and counts forced to be monotonic (partial scrapes and rate() can break that).
   * NaN without a +Inf bucket or without observations.
   */
  static double bucketQuantile(double q, Bucket[] buckets) {
    if (Double.isNaN(q)) {
      return Double.NaN;
    }
    if (q < 0) {
      return Double.NEGATIVE_INFINITY;
    }
    if (q > 1) {
      return Double.POSITIVE_INFINITY;
    }
    Bucket[] b = buckets.clone();
    // A total order (NaN last) that treats -0 and 0 as equal, like Go's '<'.
    Arrays.sort(
        b,
        (x, y) ->
            x.upperBound() == y.upperBound() ? 0 : Double.compare(x.upperBound(), y.upperBound()));
    if (b[b.length - 1].upperBound() != Double.POSITIVE_INFINITY) {
      return Double.NaN;
    }
    b = coalesce(b);
    ensureMonotonic(b);
    if (b.length < 2) {
      return Double.NaN;
    }
    double observations = b[b.length - 1].count();
    if (observations == 0) {
      return Double.NaN;
    }
    double rank = q * observations;
    // First bucket (excluding +Inf) whose count reaches the rank.
    int lo = 0;
    int hi = b.length - 1;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (b[mid].count() >= rank) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    int i = lo;
    if (i == b.length - 1) {
      return b[b.length - 2].upperBound();
    }
    if (i == 0 && b[0].upperBound() <= 0) {
      return b[0].upperBound();
    }
    double bucketStart = 0;
    double bucketEnd = b[i].upperBound();
    double count = b[i].count();
    if (i > 0) {
      bucketStart = b[i - 1].upperBound();
      count -= b[i - 1].count();
      rank -= b[i - 1].count();
    }
    return bucketStart + (bucketEnd - bucketStart) * (rank / count);
  }

  private static Bucket[] coalesce(Bucket[] b) {
    Bucket[] out = new Bucket[b.length];
    Bucket last = b[0];
    int n = 0;
    for (int i = 1; i < b.length; i++) {
      if (b[i].upperBound() == last.upperBound()) {
        last = new Bucket(last.upperBound(), last.count() + b[i].count());
      } else {
        out[n++] = last;
        last = b[i];
      }
    }
    out[n++] = last;
    return Arrays.copyOf(out, n);
  }

  private static void ensureMonotonic(Bucket[] b) {
    double max = b[0].count();
    for (int i = 1; i < b.length; i++) {
      if (b[i].count() > max) {
        max = b[i].count();
      } else if (b[i].count() < max) {
        b[i] = new Bucket(b[i].upperBound(), max);
      }
    }
  }
}

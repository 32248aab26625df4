package io.meshlens.views;

import java.util.Arrays;
import java.util.NavigableMap;

/** Summaries of a view's time series: average, quantile (as PromQL's quantile_over_time), max. */
final class Stats {

  private Stats() {}

  static Double avg(double[] v) {
    if (v.length == 0) {
      return null;
    }
    double s = 0;
    for (double x : v) {
      s += x;
    }
    return s / v.length;
  }

  static Double max(double[] v) {
    if (v.length == 0) {
      return null;
    }
    double m = Double.NEGATIVE_INFINITY;
    for (double x : v) {
      m = Math.max(m, x);
    }
    return m;
  }

  /** The {@code q}-quantile with linear interpolation between ranks, as quantile_over_time. */
  static Double quantile(double q, double[] v) {
    if (v.length == 0) {
      return null;
    }
    double[] s = v.clone();
    Arrays.sort(s);
    double rank = q * (s.length - 1);
    int lo = (int) Math.max(0, Math.floor(rank));
    int hi = (int) Math.min(s.length - 1, lo + 1);
    double w = rank - Math.floor(rank);
    return s[lo] * (1 - w) + s[hi] * w;
  }

  /** {@code a / b}, or null when either is unknown or {@code b} is zero. */
  static Double ratio(Double a, Double b) {
    if (a == null || b == null || b == 0) {
      return null;
    }
    return a / b;
  }

  /** {@code a / b}, null when {@code b} is zero. */
  static Double ratio(double a, double b) {
    return b == 0 ? null : a / b;
  }

  /** A bucket's {@code le} label as a number ({@code +Inf} included), NaN when it is not one. */
  static double parseLe(String le) {
    try {
      return switch (le) {
        case "+Inf", "Inf", "+inf", "inf" -> Double.POSITIVE_INFINITY;
        default -> Double.parseDouble(le);
      };
    } catch (NumberFormatException e) {
      return Double.NaN;
    }
  }

  /**
   * The {@code q}-quantile of cumulative histogram buckets (upper bound to count), as Prometheus'
   * {@code histogram_quantile}: linear interpolation inside the bucket holding the rank, the first
   * bucket starting at 0, the upper bound of the last finite bucket when the rank falls into {@code
   * +Inf}. NaN without a {@code +Inf} bucket or observations.
   */
  static double bucketQuantile(double q, NavigableMap<Double, Double> cumulative) {
    if (cumulative.isEmpty() || cumulative.lastKey() != Double.POSITIVE_INFINITY) {
      return Double.NaN;
    }
    Double[] bounds = cumulative.keySet().toArray(new Double[0]);
    double[] counts = new double[bounds.length];
    double max = 0;
    for (int i = 0; i < bounds.length; i++) {
      // Buckets summed from series scraped at different times can be slightly non-monotonic.
      max = Math.max(max, cumulative.get(bounds[i]));
      counts[i] = max;
    }
    double total = counts[counts.length - 1];
    if (total == 0 || q < 0 || q > 1) {
      return q < 0 ? Double.NEGATIVE_INFINITY : q > 1 ? Double.POSITIVE_INFINITY : Double.NaN;
    }
    double rank = q * total;
    int b = 0;
    while (b < counts.length - 1 && counts[b] < rank) {
      b++;
    }
    if (b == bounds.length - 1) {
      return bounds.length > 1 ? bounds[bounds.length - 2] : Double.NaN;
    }
    if (b == 0 && bounds[0] <= 0) {
      return bounds[0];
    }
    double lower = b == 0 ? 0 : bounds[b - 1];
    double below = b == 0 ? 0 : counts[b - 1];
    double inBucket = counts[b] - below;
    return lower + (bounds[b] - lower) * ((rank - below) / inBucket);
  }
}

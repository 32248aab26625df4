package io.meshlens.views;

import java.util.Arrays;

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
}

package io.meshlens.ingest;

import io.meshlens.model.Labels;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns delta-temporality samples (what OpenTelemetry SDKs configured for delta export send) into
 * the cumulative series PromQL's {@code rate()} expects, as the Collector's {@code
 * deltatocumulative} processor does: a running total per series.
 *
 * <p>A delta at or before the series' last accumulated timestamp is a replay and is not added
 * again, so at-least-once delivery does not double-count. The totals live in memory: after a
 * restart a series starts again from its next delta, which PromQL reads as a counter reset.
 */
final class DeltaToCumulative {

  /** Past this many series the state starts over rather than growing without bound. */
  private static final int MAX_SERIES = 1_000_000;

  private static final class Total {
    long lastT = Long.MIN_VALUE;
    double sum;
  }

  private final Map<Labels, Total> totals = new ConcurrentHashMap<>();

  /**
   * The cumulative value after adding {@code delta} at {@code t}, or NaN when the delta was already
   * counted (a replay or an out-of-order point).
   */
  double add(Labels series, long t, double delta) {
    Total total = totals.get(series);
    if (total == null) {
      if (totals.size() >= MAX_SERIES) {
        totals.clear();
      }
      total = totals.computeIfAbsent(series, k -> new Total());
    }
    synchronized (total) {
      if (t <= total.lastT) {
        return Double.NaN;
      }
      total.lastT = t;
      total.sum += delta;
      return total.sum;
    }
  }
}

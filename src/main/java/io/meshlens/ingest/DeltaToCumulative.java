package io.meshlens.ingest;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntFunction;

/**
 * Turns delta-temporality samples (what OpenTelemetry SDKs configured for delta export send) into
 * the cumulative series PromQL's {@code rate()} expects, as the Collector's {@code
 * deltatocumulative} processor does: a running total per series.
 *
 * <p>The stored series is the running total, so a series seen for the first time since start-up
 * continues from its last stored sample: after a restart, deltas replayed from Kafka that the store
 * already has (at or before that sample) are not added again, and newer ones add to the stored
 * total. Nothing is counted twice and no artificial counter reset appears.
 */
final class DeltaToCumulative {

  /** Past this many series the state starts over (from the store) rather than growing unbounded. */
  private static final int MAX_SERIES = 1_000_000;

  private static final class Total {
    long lastT = Long.MIN_VALUE;
    double sum;
  }

  private final Map<Integer, Total> totals = new ConcurrentHashMap<>();
  private final IntFunction<long[]> lastStored;

  /**
   * @param lastStored a series' last stored sample as {@code {timestamp, value bits}}, or null
   */
  DeltaToCumulative(IntFunction<long[]> lastStored) {
    this.lastStored = lastStored;
  }

  /**
   * The cumulative value after adding {@code delta} at {@code t}, or NaN when the delta was already
   * counted (a replay or an out-of-order point).
   */
  double add(int seriesId, long t, double delta) {
    Total total = totals.get(seriesId);
    if (total == null) {
      if (totals.size() >= MAX_SERIES) {
        totals.clear();
      }
      total =
          totals.computeIfAbsent(
              seriesId,
              id -> {
                Total fresh = new Total();
                long[] last = lastStored.apply(id);
                if (last != null) {
                  fresh.lastT = last[0];
                  fresh.sum = Double.longBitsToDouble(last[1]);
                }
                return fresh;
              });
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

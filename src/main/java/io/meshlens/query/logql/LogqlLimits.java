package io.meshlens.query.logql;

/**
 * Limits of one LogQL query; the defaults are Loki's where Loki has the limit.
 *
 * @param maxEntries largest {@code limit} a log query may ask for (Loki's {@code
 *     max_entries_limit_per_query}, 5000)
 * @param maxSeries most series a metric query may answer (Loki's {@code max_query_series}, 500)
 * @param maxInnerSeries most series a range aggregation may build before it is aggregated
 * @param maxScannedLines most entries one query may read from the store to filter in Java
 * @param maxPoints most steps of a range query (Loki's and Prometheus' 11,000)
 */
public record LogqlLimits(
    int maxEntries, int maxSeries, int maxInnerSeries, long maxScannedLines, int maxPoints) {

  public static LogqlLimits defaults() {
    return new LogqlLimits(5000, 500, 50_000, 2_000_000, 11_000);
  }
}

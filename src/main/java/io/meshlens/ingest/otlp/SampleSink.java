package io.meshlens.ingest.otlp;

import io.meshlens.model.Labels;

/**
 * Receives the Prometheus samples that {@link OtlpMetricsTranslator} makes out of OTLP metrics, one
 * call per sample, so that a caller can store, count or tag them without the translator building
 * lists in between.
 *
 * <p>Implementations are called on the translating thread, in the order of the request.
 */
@FunctionalInterface
public interface SampleSink {

  /**
   * One sample of the series {@code labels} (which include {@code __name__}). A Prometheus stale
   * marker arrives as the NaN whose bits are {@link OtlpMetricsTranslator#STALE_NAN_BITS}.
   */
  void accept(Labels labels, long timestampMillis, double value);

  /**
   * A data point that was not translated, with one of the {@link DiscardReason} values and the
   * metric's name as sent in OTLP. Called once per skipped data point (once per metric when the
   * metric has no data at all).
   */
  default void discard(String reason, String metricName) {}

  /**
   * The Prometheus metadata of a metric family about to be sent: its name (as the series carry it,
   * without {@code _bucket}/{@code _sum}/{@code _count}), type ({@code counter}, {@code gauge},
   * {@code histogram}, {@code summary}), help (the OTLP description) and unit (as sent in OTLP).
   * Called once per metric of a request. Ignored by default.
   */
  default void metadata(String family, String type, String help, String unit) {}

  /**
   * One sample of a cumulative series (monotonic sum, histogram, summary count and sum) whose data
   * point carries a start time ({@code startTimestampMillis}, 0 when unset): the time the counter
   * last started from zero. A sink can use it to see a counter reset that the values alone hide.
   * The default ignores the start time.
   */
  default void acceptCumulative(
      Labels labels, long timestampMillis, double value, long startTimestampMillis) {
    accept(labels, timestampMillis, value);
  }

  /**
   * The samples of one histogram data point: {@code values[i]} belongs to the series {@code
   * series.labels(point, i)}, where {@code point} holds the data point's labels (without {@code
   * __name__}). All share one timestamp and start time (0 when unset; always 0 with stale markers).
   * The default builds each series' labels and hands the samples to {@link #acceptCumulative} one
   * by one; a sink can instead remember what it resolved per (point, series shape), since the same
   * shape arrives for every data point of the metric at every export.
   */
  default void acceptHistogram(
      Labels point,
      HistogramSeries series,
      long timestampMillis,
      double[] values,
      long startTimestampMillis) {
    for (int i = 0; i < values.length; i++) {
      acceptCumulative(series.labels(point, i), timestampMillis, values[i], startTimestampMillis);
    }
  }

  /**
   * Whether this sink takes delta-temporality sums and histograms through {@link #acceptDelta}.
   * When false (the default) their data points are discarded with reason {@code delta_temporality},
   * as Prometheus' own OTLP endpoint does.
   */
  default boolean acceptsDelta() {
    return false;
  }

  /**
   * One sample of a delta-temporality series: the change since the previous point, which the sink
   * accumulates into a cumulative series. A stale marker still arrives through {@link #accept}.
   * Only called when {@link #acceptsDelta()} is true.
   */
  default void acceptDelta(Labels labels, long timestampMillis, double delta) {
    throw new UnsupportedOperationException("this sink does not take delta samples");
  }
}

package io.meshlens.ingest.otlp;

/**
 * Why {@link OtlpMetricsTranslator} skipped a data point, as passed to {@link SampleSink#discard}.
 * The values are stable label values for a discard counter.
 */
public final class DiscardReason {

  /** Delta sums and histograms; Prometheus rejects them unless delta ingestion is turned on. */
  public static final String DELTA_TEMPORALITY = "delta_temporality";

  /** Sums and histograms whose temporality is unspecified (0) or unknown; Prometheus rejects. */
  public static final String INVALID_TEMPORALITY = "invalid_temporality";

  /** A metric name with no character left that Prometheus accepts. */
  public static final String INVALID_METRIC_NAME = "invalid_metric_name";

  /** An attribute key that is empty or only underscores once sanitized. */
  public static final String INVALID_LABEL_NAME = "invalid_label_name";

  /** A metric without gauge, sum, histogram, exponential histogram or summary data. */
  public static final String UNSUPPORTED_METRIC_TYPE = "unsupported_metric_type";

  private DiscardReason() {}
}

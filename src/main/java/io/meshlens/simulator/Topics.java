package io.meshlens.simulator;

import java.util.Objects;

/**
 * Kafka topic names the simulated producers write to.
 *
 * <p>The defaults are the OpenTelemetry Collector {@code kafka} exporter defaults for the three
 * OTLP signals, plus the topic a log forwarder ships raw Istio access log lines to.
 *
 * @param metrics topic for ExportMetricsServiceRequest messages
 * @param spans topic for ExportTraceServiceRequest messages
 * @param logs topic for ExportLogsServiceRequest messages (Envoy OpenTelemetry access logger)
 * @param accessLogs topic for raw access log lines shipped by a log forwarder
 */
public record Topics(String metrics, String spans, String logs, String accessLogs) {

  public Topics {
    Objects.requireNonNull(metrics, "metrics");
    Objects.requireNonNull(spans, "spans");
    Objects.requireNonNull(logs, "logs");
    Objects.requireNonNull(accessLogs, "accessLogs");
  }

  /** {@code otlp_metrics}, {@code otlp_spans}, {@code otlp_logs}, {@code istio_access_logs}. */
  public static Topics defaults() {
    return new Topics("otlp_metrics", "otlp_spans", "otlp_logs", "istio_access_logs");
  }
}

package io.meshlens.simulator;

import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.util.List;

/**
 * Everything the simulated collectors and log forwarders export at one tick.
 *
 * @param metrics Istio edge metrics, istiod metrics, pod/container usage and quotas; a few requests
 *     per cluster
 * @param spans Envoy client/server spans of the sampled traces, per cluster
 * @param logs OTLP access log records from the Envoy OpenTelemetry access logger (east-2)
 * @param accessLogLines raw lines a log forwarder puts on the access log topic (east-1 Fluent Bit
 *     records, west-1 plain Istio JSON lines)
 * @param accessLogLineClusters the cluster each line of {@code accessLogLines} came from, same
 *     order and size (for a forwarder-added Kafka header; the lines themselves may not say it)
 */
public record TickOutput(
    List<ExportMetricsServiceRequest> metrics,
    List<ExportTraceServiceRequest> spans,
    List<ExportLogsServiceRequest> logs,
    List<String> accessLogLines,
    List<String> accessLogLineClusters) {

  public TickOutput {
    metrics = List.copyOf(metrics);
    spans = List.copyOf(spans);
    logs = List.copyOf(logs);
    accessLogLines = List.copyOf(accessLogLines);
    accessLogLineClusters = List.copyOf(accessLogLineClusters);
    if (accessLogLines.size() != accessLogLineClusters.size()) {
      throw new IllegalArgumentException("one cluster per access log line");
    }
  }

  /** Number of data points over all metric requests. */
  public long dataPointCount() {
    long n = 0;
    for (ExportMetricsServiceRequest r : metrics) {
      for (var rm : r.getResourceMetricsList()) {
        for (var sm : rm.getScopeMetricsList()) {
          for (var m : sm.getMetricsList()) {
            n +=
                switch (m.getDataCase()) {
                  case GAUGE -> m.getGauge().getDataPointsCount();
                  case SUM -> m.getSum().getDataPointsCount();
                  case HISTOGRAM -> m.getHistogram().getDataPointsCount();
                  case EXPONENTIAL_HISTOGRAM -> m.getExponentialHistogram().getDataPointsCount();
                  case SUMMARY -> m.getSummary().getDataPointsCount();
                  default -> 0;
                };
          }
        }
      }
    }
    return n;
  }

  /** Number of spans over all trace requests. */
  public long spanCount() {
    long n = 0;
    for (ExportTraceServiceRequest r : spans) {
      for (var rs : r.getResourceSpansList()) {
        for (var ss : rs.getScopeSpansList()) {
          n += ss.getSpansCount();
        }
      }
    }
    return n;
  }

  /** Number of OTLP log records over all log requests. */
  public long logRecordCount() {
    long n = 0;
    for (ExportLogsServiceRequest r : logs) {
      for (var rl : r.getResourceLogsList()) {
        for (var sl : rl.getScopeLogsList()) {
          n += sl.getLogRecordsCount();
        }
      }
    }
    return n;
  }
}

package io.meshlens.simulator;

import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import java.util.List;

/**
 * Groups resources into export requests of about 8192 data points, as the Collector's batch
 * processor does with its default {@code send_batch_size}.
 */
final class MetricBatches {

  private static final int BATCH_POINTS = 8192;

  private final List<ExportMetricsServiceRequest> out;
  private ExportMetricsServiceRequest.Builder current = ExportMetricsServiceRequest.newBuilder();
  private int points;

  MetricBatches(List<ExportMetricsServiceRequest> out) {
    this.out = out;
  }

  void add(ResourceMetrics rm, int dataPoints) {
    if (points > 0 && points + dataPoints > BATCH_POINTS) {
      flush();
    }
    current.addResourceMetrics(rm);
    points += dataPoints;
  }

  void flush() {
    if (current.getResourceMetricsCount() > 0) {
      out.add(current.build());
      current = ExportMetricsServiceRequest.newBuilder();
      points = 0;
    }
  }
}

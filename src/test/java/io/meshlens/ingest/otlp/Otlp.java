package io.meshlens.ingest.otlp;

import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.Gauge;
import io.opentelemetry.proto.metrics.v1.Histogram;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.metrics.v1.Sum;
import io.opentelemetry.proto.resource.v1.Resource;
import java.util.List;

/** Short builders for OTLP test messages. */
final class Otlp {

  static final AggregationTemporality CUMULATIVE =
      AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE;
  static final AggregationTemporality DELTA = AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA;

  private Otlp() {}

  static KeyValue attr(String key, String value) {
    return attr(key, AnyValue.newBuilder().setStringValue(value).build());
  }

  static KeyValue attr(String key, AnyValue value) {
    return KeyValue.newBuilder().setKey(key).setValue(value).build();
  }

  static Resource resource(String... keysAndValues) {
    Resource.Builder r = Resource.newBuilder();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      r.addAttributes(attr(keysAndValues[i], keysAndValues[i + 1]));
    }
    return r.build();
  }

  static ExportMetricsServiceRequest request(Resource resource, Metric... metrics) {
    return ExportMetricsServiceRequest.newBuilder()
        .addResourceMetrics(
            ResourceMetrics.newBuilder()
                .setResource(resource)
                .addScopeMetrics(ScopeMetrics.newBuilder().addAllMetrics(List.of(metrics))))
        .build();
  }

  static ExportMetricsServiceRequest request(Metric... metrics) {
    return request(Resource.getDefaultInstance(), metrics);
  }

  static NumberDataPoint.Builder point(long timeUnixNano, double value, KeyValue... attributes) {
    return NumberDataPoint.newBuilder()
        .setTimeUnixNano(timeUnixNano)
        .setAsDouble(value)
        .addAllAttributes(List.of(attributes));
  }

  static Metric gauge(String name, String unit, NumberDataPoint.Builder... points) {
    Gauge.Builder g = Gauge.newBuilder();
    for (NumberDataPoint.Builder p : points) {
      g.addDataPoints(p);
    }
    return Metric.newBuilder().setName(name).setUnit(unit).setGauge(g).build();
  }

  static Metric sum(
      String name,
      String unit,
      boolean monotonic,
      AggregationTemporality temporality,
      NumberDataPoint.Builder... points) {
    Sum.Builder s =
        Sum.newBuilder().setIsMonotonic(monotonic).setAggregationTemporality(temporality);
    for (NumberDataPoint.Builder p : points) {
      s.addDataPoints(p);
    }
    return Metric.newBuilder().setName(name).setUnit(unit).setSum(s).build();
  }

  static Metric histogram(
      String name,
      String unit,
      AggregationTemporality temporality,
      HistogramDataPoint.Builder... points) {
    Histogram.Builder h = Histogram.newBuilder().setAggregationTemporality(temporality);
    for (HistogramDataPoint.Builder p : points) {
      h.addDataPoints(p);
    }
    return Metric.newBuilder().setName(name).setUnit(unit).setHistogram(h).build();
  }
}

package io.meshlens.testing;

import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.metrics.v1.Sum;
import io.opentelemetry.proto.resource.v1.Resource;

/** Builds small OTLP metric requests for end-to-end tests. */
public final class OtlpMetrics {

  private OtlpMetrics() {}

  public static KeyValue attr(String key, String value) {
    return KeyValue.newBuilder()
        .setKey(key)
        .setValue(AnyValue.newBuilder().setStringValue(value))
        .build();
  }

  /**
   * One resource (cluster, namespace, pod) with one monotonic cumulative counter point.
   *
   * @param pointAttributes alternating names and values
   */
  public static ExportMetricsServiceRequest counter(
      String cluster,
      String namespace,
      String pod,
      String metric,
      double value,
      long timeMs,
      String... pointAttributes) {
    NumberDataPoint.Builder p =
        NumberDataPoint.newBuilder().setTimeUnixNano(timeMs * 1_000_000L).setAsDouble(value);
    for (int i = 0; i < pointAttributes.length; i += 2) {
      p.addAttributes(attr(pointAttributes[i], pointAttributes[i + 1]));
    }
    Metric m =
        Metric.newBuilder()
            .setName(metric)
            .setSum(
                Sum.newBuilder()
                    .setIsMonotonic(true)
                    .setAggregationTemporality(
                        AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE)
                    .addDataPoints(p))
            .build();
    Resource.Builder r = Resource.newBuilder();
    if (cluster != null) {
      r.addAttributes(attr("k8s.cluster.name", cluster));
    }
    r.addAttributes(attr("k8s.namespace.name", namespace)).addAttributes(attr("k8s.pod.name", pod));
    return ExportMetricsServiceRequest.newBuilder()
        .addResourceMetrics(
            ResourceMetrics.newBuilder()
                .setResource(r)
                .addScopeMetrics(ScopeMetrics.newBuilder().addMetrics(m)))
        .build();
  }

  /** An Istio edge counter point as the reporting sidecar exports it. */
  public static ExportMetricsServiceRequest istioRequests(
      String reporter,
      String srcNs,
      String srcCluster,
      String dstNs,
      String dstCluster,
      String code,
      double value,
      long timeMs) {
    boolean source = reporter.equals("source");
    String ns = source ? srcNs : dstNs;
    String cluster = source ? srcCluster : dstCluster;
    return counter(
        cluster,
        ns,
        ns + "-pod-1",
        "istio_requests_total",
        value,
        timeMs,
        "reporter",
        reporter,
        "source_workload",
        srcNs + "-app",
        "source_workload_namespace",
        srcNs,
        "source_cluster",
        srcCluster,
        "destination_workload",
        dstNs + "-app",
        "destination_workload_namespace",
        dstNs,
        "destination_service",
        dstNs + "-app." + dstNs + ".svc.cluster.local",
        "destination_service_namespace",
        dstNs,
        "destination_cluster",
        dstCluster,
        "response_code",
        code,
        "connection_security_policy",
        source ? "unknown" : "mutual_tls");
  }
}

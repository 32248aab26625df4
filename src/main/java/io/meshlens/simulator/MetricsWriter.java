package io.meshlens.simulator;

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
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Turns the simulator's cumulative state into OTLP metrics the way the Collector receivers would:
 * the Prometheus receiver for Envoy and istiod scrapes (counters as cumulative monotonic sums of
 * doubles, histograms with per-bucket counts), kubeletstats for usage, k8s_cluster for quotas.
 *
 * <p>One instance per tick; {@link #lastPoints} holds the data point count of the last resource
 * built, for batching.
 */
final class MetricsWriter {

  private static final List<KeyValue> NO_ATTRIBUTES = List.of();
  private static final long SECONDS_PER_TEN_YEARS = 10L * 365 * 24 * 3600;

  private final Otlp otlp;
  private final long now;
  int lastPoints;

  MetricsWriter(Otlp otlp, long nowNanos) {
    this.otlp = otlp;
    this.now = nowNanos;
  }

  /** What the Prometheus receiver exports from a scrape of an Envoy's Istio series. */
  ResourceMetrics istioProxy(
      Resource resource,
      Instant podStart,
      Map<EdgeSeries.Key, EdgeSeries.Http> http,
      Map<EdgeSeries.Key, EdgeSeries.Tcp> tcp) {
    long start = nanos(podStart);
    ScopeMetrics.Builder sm = ScopeMetrics.newBuilder().setScope(Otlp.PROMETHEUS_SCOPE);
    int points = 0;
    if (http != null && !http.isEmpty()) {
      Sum.Builder requests = cumulativeSum();
      Histogram.Builder duration = cumulativeHistogram();
      Histogram.Builder requestBytes = cumulativeHistogram();
      Histogram.Builder responseBytes = cumulativeHistogram();
      for (EdgeSeries.Http s : http.values()) {
        requests.addDataPoints(number(s.attributes, start, s.count));
        duration.addDataPoints(
            histogram(
                s.attributes,
                start,
                s.count,
                s.durationSum,
                s.durationBuckets,
                Otlp.DURATION_BOUNDS_LIST));
        requestBytes.addDataPoints(
            histogram(
                s.attributes,
                start,
                s.count,
                s.requestBytesSum,
                s.requestBytesBuckets,
                Otlp.BYTES_BOUNDS_LIST));
        responseBytes.addDataPoints(
            histogram(
                s.attributes,
                start,
                s.count,
                s.responseBytesSum,
                s.responseBytesBuckets,
                Otlp.BYTES_BOUNDS_LIST));
      }
      sm.addMetrics(Metric.newBuilder().setName("istio_requests_total").setSum(requests));
      sm.addMetrics(
          Metric.newBuilder()
              .setName("istio_request_duration_milliseconds")
              .setHistogram(duration));
      sm.addMetrics(Metric.newBuilder().setName("istio_request_bytes").setHistogram(requestBytes));
      sm.addMetrics(
          Metric.newBuilder().setName("istio_response_bytes").setHistogram(responseBytes));
      points += 4 * http.size();
    }
    if (tcp != null && !tcp.isEmpty()) {
      Sum.Builder sent = cumulativeSum();
      Sum.Builder received = cumulativeSum();
      Sum.Builder opened = cumulativeSum();
      Sum.Builder closed = cumulativeSum();
      for (EdgeSeries.Tcp s : tcp.values()) {
        sent.addDataPoints(number(s.attributes, start, s.sentBytes));
        received.addDataPoints(number(s.attributes, start, s.receivedBytes));
        opened.addDataPoints(number(s.attributes, start, s.opened));
        closed.addDataPoints(number(s.attributes, start, s.closed));
      }
      sm.addMetrics(Metric.newBuilder().setName("istio_tcp_sent_bytes_total").setSum(sent));
      sm.addMetrics(Metric.newBuilder().setName("istio_tcp_received_bytes_total").setSum(received));
      sm.addMetrics(
          Metric.newBuilder().setName("istio_tcp_connections_opened_total").setSum(opened));
      sm.addMetrics(
          Metric.newBuilder().setName("istio_tcp_connections_closed_total").setSum(closed));
      points += 4 * tcp.size();
    }
    lastPoints = points;
    return ResourceMetrics.newBuilder().setResource(resource).addScopeMetrics(sm).build();
  }

  /** The root certificate istiod reports: valid for ten years from the istiod pod's start. */
  static long rootCertExpiry(MeshSimulator.IstiodState s) {
    return s.istiodPod().startTime().getEpochSecond() + SECONDS_PER_TEN_YEARS;
  }

  /** What the Prometheus receiver exports from a scrape of istiod's {@code /metrics}. */
  ResourceMetrics istiod(Resource resource, MeshSimulator.IstiodState s) {
    long start = nanos(s.istiodPod().startTime());
    ScopeMetrics.Builder sm = ScopeMetrics.newBuilder().setScope(Otlp.PROMETHEUS_SCOPE);
    sm.addMetrics(
        Metric.newBuilder()
            .setName("pilot_xds")
            .setDescription("Number of endpoints connected to this pilot using XDS.")
            .setGauge(
                Gauge.newBuilder()
                    .addDataPoints(
                        gaugePoint(otlp.attrs("version", MeshTopology.ISTIO_VERSION), s.proxies))));
    Sum.Builder pushes = cumulativeSum();
    for (int i = 0; i < MeshSimulator.PUSH_TYPES.length; i++) {
      pushes.addDataPoints(
          number(otlp.attrs("type", MeshSimulator.PUSH_TYPES[i]), start, s.pushes[i]));
    }
    sm.addMetrics(
        Metric.newBuilder()
            .setName("pilot_xds_pushes")
            .setDescription("Pilot build and send errors for lds, rds, cds and eds.")
            .setSum(pushes));
    sm.addMetrics(
        Metric.newBuilder()
            .setName("pilot_total_xds_internal_errors")
            .setDescription("Total number of internal XDS errors in pilot.")
            .setSum(cumulativeSum().addDataPoints(number(NO_ATTRIBUTES, start, s.internalErrors))));
    sm.addMetrics(
        Metric.newBuilder()
            .setName("pilot_xds_push_context_errors")
            .setDescription("Number of errors (timeouts) initiating push context.")
            .setSum(cumulativeSum().addDataPoints(number(NO_ATTRIBUTES, start, s.contextErrors))));
    sm.addMetrics(
        Metric.newBuilder()
            .setName("pilot_proxy_convergence_time")
            .setDescription(
                "Delay in seconds between config change and a proxy receiving all"
                    + " required configuration.")
            .setHistogram(
                cumulativeHistogram()
                    .addDataPoints(
                        histogram(
                            NO_ATTRIBUTES,
                            start,
                            s.convergenceCount,
                            s.convergenceSum,
                            s.convergence,
                            Otlp.CONVERGENCE_BOUNDS_LIST))));
    long expiry = rootCertExpiry(s);
    sm.addMetrics(
        Metric.newBuilder()
            .setName("citadel_server_root_cert_expiry_timestamp")
            .setDescription(
                "The unix timestamp, in seconds, when Citadel root cert will expire. A"
                    + " negative time indicates the cert is expired.")
            .setGauge(Gauge.newBuilder().addDataPoints(gaugePoint(NO_ATTRIBUTES, expiry))));
    sm.addMetrics(
        Metric.newBuilder()
            .setName("istio_build")
            .setDescription("Istio component build info")
            .setGauge(
                Gauge.newBuilder()
                    .addDataPoints(
                        gaugePoint(
                            otlp.attrs("component", "pilot", "tag", MeshTopology.ISTIO_VERSION),
                            1))));
    lastPoints = 11;
    return ResourceMetrics.newBuilder().setResource(resource).addScopeMetrics(sm).build();
  }

  /** kubeletstats pod metrics. */
  ResourceMetrics podUsage(Resource resource, Instant podStart, double cpuCores, long memoryBytes) {
    long start = nanos(podStart);
    ScopeMetrics.Builder sm =
        ScopeMetrics.newBuilder()
            .setScope(Otlp.KUBELETSTATS_SCOPE)
            .addMetrics(doubleGauge("k8s.pod.cpu.usage", "{cpu}", start, cpuCores))
            .addMetrics(intGauge("k8s.pod.memory.working_set", "By", start, memoryBytes));
    return ResourceMetrics.newBuilder().setResource(resource).addScopeMetrics(sm).build();
  }

  /** kubeletstats container metrics, with the container's requests and limits. */
  ResourceMetrics containerUsage(
      Resource resource,
      Instant podStart,
      double cpuCores,
      long memoryBytes,
      MeshSimulator.ContainerRequests r) {
    long start = nanos(podStart);
    ScopeMetrics.Builder sm =
        ScopeMetrics.newBuilder()
            .setScope(Otlp.KUBELETSTATS_SCOPE)
            .addMetrics(doubleGauge("container.cpu.usage", "{cpu}", start, cpuCores))
            .addMetrics(intGauge("container.memory.working_set", "By", start, memoryBytes))
            .addMetrics(doubleGauge("k8s.container.cpu_request", "{cpu}", start, r.cpuRequest()))
            .addMetrics(doubleGauge("k8s.container.cpu_limit", "{cpu}", start, r.cpuLimit()))
            .addMetrics(intGauge("k8s.container.memory_request", "By", start, r.memoryRequest()))
            .addMetrics(intGauge("k8s.container.memory_limit", "By", start, r.memoryLimit()));
    return ResourceMetrics.newBuilder().setResource(resource).addScopeMetrics(sm).build();
  }

  /** k8s_cluster receiver resource quota metrics (CPU in millicores). */
  ResourceMetrics quota(Resource resource, Map<String, Long> hard, Map<String, Long> used) {
    Gauge.Builder h = Gauge.newBuilder();
    for (Map.Entry<String, Long> e : hard.entrySet()) {
      h.addDataPoints(intPoint(otlp.attrs("resource", e.getKey()), e.getValue()));
    }
    Gauge.Builder u = Gauge.newBuilder();
    for (Map.Entry<String, Long> e : used.entrySet()) {
      u.addDataPoints(intPoint(otlp.attrs("resource", e.getKey()), e.getValue()));
    }
    ScopeMetrics.Builder sm =
        ScopeMetrics.newBuilder()
            .setScope(Otlp.K8S_CLUSTER_SCOPE)
            .addMetrics(
                Metric.newBuilder()
                    .setName("k8s.resource_quota.hard_limit")
                    .setDescription(
                        "The upper limit for a particular resource in a specific namespace.")
                    .setUnit("{resource}")
                    .setGauge(h))
            .addMetrics(
                Metric.newBuilder()
                    .setName("k8s.resource_quota.used")
                    .setDescription("The usage for a particular resource in a specific namespace.")
                    .setUnit("{resource}")
                    .setGauge(u));
    return ResourceMetrics.newBuilder().setResource(resource).addScopeMetrics(sm).build();
  }

  private static Sum.Builder cumulativeSum() {
    return Sum.newBuilder()
        .setIsMonotonic(true)
        .setAggregationTemporality(AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE);
  }

  private static Histogram.Builder cumulativeHistogram() {
    return Histogram.newBuilder()
        .setAggregationTemporality(AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE);
  }

  private NumberDataPoint number(List<KeyValue> attrs, long start, double value) {
    return NumberDataPoint.newBuilder()
        .addAllAttributes(attrs)
        .setStartTimeUnixNano(start)
        .setTimeUnixNano(now)
        .setAsDouble(value)
        .build();
  }

  private NumberDataPoint gaugePoint(List<KeyValue> attrs, double value) {
    return NumberDataPoint.newBuilder()
        .addAllAttributes(attrs)
        .setTimeUnixNano(now)
        .setAsDouble(value)
        .build();
  }

  private NumberDataPoint intPoint(List<KeyValue> attrs, long value) {
    return NumberDataPoint.newBuilder()
        .addAllAttributes(attrs)
        .setTimeUnixNano(now)
        .setAsInt(value)
        .build();
  }

  private HistogramDataPoint histogram(
      List<KeyValue> attrs,
      long start,
      long count,
      double sum,
      long[] buckets,
      List<Double> bounds) {
    HistogramDataPoint.Builder b =
        HistogramDataPoint.newBuilder()
            .addAllAttributes(attrs)
            .setStartTimeUnixNano(start)
            .setTimeUnixNano(now)
            .setCount(count)
            .setSum(sum)
            .addAllExplicitBounds(bounds);
    for (long c : buckets) {
      b.addBucketCounts(c);
    }
    return b.build();
  }

  private Metric doubleGauge(String name, String unit, long start, double value) {
    return Metric.newBuilder()
        .setName(name)
        .setUnit(unit)
        .setGauge(
            Gauge.newBuilder()
                .addDataPoints(
                    NumberDataPoint.newBuilder()
                        .setStartTimeUnixNano(start)
                        .setTimeUnixNano(now)
                        .setAsDouble(value)))
        .build();
  }

  private Metric intGauge(String name, String unit, long start, long value) {
    return Metric.newBuilder()
        .setName(name)
        .setUnit(unit)
        .setGauge(
            Gauge.newBuilder()
                .addDataPoints(
                    NumberDataPoint.newBuilder()
                        .setStartTimeUnixNano(start)
                        .setTimeUnixNano(now)
                        .setAsInt(value)))
        .build();
  }

  private static long nanos(Instant t) {
    return t.getEpochSecond() * 1_000_000_000L + t.getNano();
  }
}

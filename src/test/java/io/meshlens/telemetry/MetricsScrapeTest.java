package io.meshlens.telemetry;

import static io.meshlens.testing.OtlpMetrics.attr;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshlens.testing.InJvmKafka;
import io.meshlens.testing.Kafka;
import io.meshlens.testing.OtlpMetrics;
import io.meshlens.testing.PrometheusServer;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.Gauge;
import io.opentelemetry.proto.metrics.v1.Histogram;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.resource.v1.Resource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

/**
 * {@code /metrics} of the running service, scraped over HTTP: Istio edge counters, a latency
 * histogram, pod usage and a quota go through a real broker into the store, and the per-tenant
 * rollups equal what those inputs add up to (also across a second export and a counter reset);
 * {@code promtool check metrics} parses the whole scrape.
 */
@QuarkusTest
@WithTestResource(InJvmKafka.class)
@TestProfile(MetricsScrapeTest.FastRollups.class)
class MetricsScrapeTest {

  /** Rollups every second (default 15 s). */
  public static final class FastRollups implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("meshlens.alerting.rollup-interval", "1s");
    }
  }

  private static final String TOPIC = "otlp_metrics";

  /** One destination-reported istio_requests_total point. */
  private static ExportMetricsServiceRequest served(
      String srcNs,
      String srcCluster,
      String dstNs,
      String dstService,
      String dstCluster,
      String code,
      String grpcStatus,
      String security,
      double value,
      long timeMs) {
    return OtlpMetrics.counter(
        dstCluster,
        dstNs,
        dstService + "-pod-1",
        "istio_requests_total",
        value,
        timeMs,
        "reporter",
        "destination",
        "source_workload",
        srcNs + "-caller",
        "source_workload_namespace",
        srcNs,
        "source_cluster",
        srcCluster,
        "destination_workload",
        dstService,
        "destination_workload_namespace",
        dstNs,
        "destination_service_name",
        dstService,
        "destination_service_namespace",
        dstNs,
        "destination_cluster",
        dstCluster,
        "response_code",
        code,
        "grpc_response_status",
        grpcStatus,
        "connection_security_policy",
        security);
  }

  /** The same export at two times: {@code values} maps a series index to its value. */
  private static List<ExportMetricsServiceRequest> edges(long t, double[] v) {
    return List.of(
        served(
            "shop",
            "east-1",
            "payments",
            "payments-api",
            "east-1",
            "200",
            "",
            "mutual_tls",
            v[0],
            t),
        served(
            "shop",
            "east-1",
            "payments",
            "payments-api",
            "east-1",
            "503",
            "",
            "mutual_tls",
            v[1],
            t),
        served("analytics", "west-1", "search", "search-api", "east-2", "200", "", "none", v[2], t),
        served(
            "payments",
            "east-1",
            "payments",
            "fraud-check",
            "east-1",
            "200",
            "",
            "mutual_tls",
            v[3],
            t),
        served(
            "payments",
            "east-1",
            "payments",
            "fraud-check",
            "west-1",
            "200",
            "",
            "mutual_tls",
            v[4],
            t),
        served("shop", "east-1", "search", "ranker", "east-2", "200", "14", "mutual_tls", v[5], t),
        // Source-reported: not read by the rollups (the destination's series counts the call).
        OtlpMetrics.istioRequests(
            "source", "shop", "east-1", "payments", "east-1", "200", 1000, t));
  }

  private static Resource pod(String cluster, String namespace, String pod) {
    return Resource.newBuilder()
        .addAttributes(attr("k8s.cluster.name", cluster))
        .addAttributes(attr("k8s.namespace.name", namespace))
        .addAttributes(attr("k8s.pod.name", pod))
        .build();
  }

  /** Istio's latency histogram with buckets 5, 100, 1000 ms: 2, 3, 4 and 1 above. */
  private static ExportMetricsServiceRequest latency(long t) {
    HistogramDataPoint.Builder p =
        HistogramDataPoint.newBuilder()
            .setTimeUnixNano(t * 1_000_000L)
            .addAllExplicitBounds(List.of(5.0, 100.0, 1000.0))
            .addAllBucketCounts(List.of(2L, 3L, 4L, 1L))
            .setCount(10)
            .setSum(3000);
    for (String[] kv :
        new String[][] {
          {"reporter", "destination"},
          {"source_workload_namespace", "shop"},
          {"source_cluster", "east-1"},
          {"destination_service_name", "payments-api"},
          {"destination_service_namespace", "payments"},
          {"destination_cluster", "east-1"},
          {"response_code", "200"}
        }) {
      p.addAttributes(attr(kv[0], kv[1]));
    }
    Metric m =
        Metric.newBuilder()
            .setName("istio_request_duration_milliseconds")
            .setHistogram(
                Histogram.newBuilder()
                    .setAggregationTemporality(
                        AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE)
                    .addDataPoints(p))
            .build();
    return wrap(pod("east-1", "payments", "payments-api-pod-1"), m);
  }

  private static Metric gauge(String name, String unit, double value, long t, KeyValue... attrs) {
    NumberDataPoint.Builder p =
        NumberDataPoint.newBuilder().setTimeUnixNano(t * 1_000_000L).setAsDouble(value);
    for (KeyValue kv : attrs) {
      p.addAttributes(kv);
    }
    return Metric.newBuilder()
        .setName(name)
        .setUnit(unit)
        .setGauge(Gauge.newBuilder().addDataPoints(p))
        .build();
  }

  private static ExportMetricsServiceRequest wrap(Resource r, Metric... metrics) {
    return ExportMetricsServiceRequest.newBuilder()
        .addResourceMetrics(
            ResourceMetrics.newBuilder()
                .setResource(r)
                .addScopeMetrics(ScopeMetrics.newBuilder().addAllMetrics(List.of(metrics))))
        .build();
  }

  private static void send(List<ExportMetricsServiceRequest> requests) {
    byte[][] values = new byte[requests.size()][];
    for (int i = 0; i < values.length; i++) {
      values[i] = requests.get(i).toByteArray();
    }
    Kafka.send(InJvmKafka.bootstrapServers(), TOPIC, values);
  }

  private static String scrape() {
    return given()
        .port(ConfigProvider.getConfig().getValue("quarkus.management.test-port", Integer.class))
        .header("Accept", "text/plain; version=0.0.4")
        .get("/metrics")
        .then()
        .statusCode(200)
        .extract()
        .asString();
  }

  private static final Pattern SAMPLE =
      Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\\{.*\\})?) (\\S+)$", Pattern.MULTILINE);

  /** Every sample of the scrape, keyed by name and labels as written. */
  private static Map<String, Double> samples(String text) {
    Map<String, Double> out = new HashMap<>();
    Matcher m = SAMPLE.matcher(text);
    while (m.find()) {
      out.put(m.group(1), Double.parseDouble(m.group(2)));
    }
    return out;
  }

  private static String tc(String metric, String tenant, String cluster) {
    return metric + "{cluster=\"" + cluster + "\",tenant=\"" + tenant + "\"}";
  }

  @Test
  void rollupsEqualTheInputsAndPromtoolParsesTheScrape() throws Exception {
    long t1 = System.currentTimeMillis() - 20_000;
    List<ExportMetricsServiceRequest> first =
        new ArrayList<>(edges(t1, new double[] {100, 5, 7, 10, 3, 2}));
    first.add(latency(t1));
    first.add(
        wrap(
            pod("east-1", "payments", "payments-api-pod-1"),
            gauge("k8s.pod.cpu.usage", "{cpu}", 0.25, t1),
            gauge("k8s.pod.memory.working_set", "By", 1e8, t1)));
    first.add(
        wrap(
            pod("east-1", "payments", "payments-api-pod-1"),
            gauge("k8s.resource_quota.used", "{resource}", 900, t1, attr("resource", "limits.cpu")),
            gauge(
                "k8s.resource_quota.hard_limit",
                "{resource}",
                1000,
                t1,
                attr("resource", "limits.cpu"))));
    send(first);

    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(250))
        .untilAsserted(
            () ->
                assertThat(samples(scrape()))
                    .containsEntry(
                        tc("meshlens_tenant_requests_total", "payments", "east-1"), 115.0)
                    .containsEntry(tc("meshlens_tenant_requests_total", "search", "east-2"), 9.0)
                    .containsEntry(tc("meshlens_tenant_cpu_cores", "payments", "east-1"), 0.25));
    Map<String, Double> s = samples(scrape());
    // payments-api 100 + 5 and fraud-check 10 in east-1; fraud-check 3 in west-1 for east-1's
    // callers.
    assertThat(s)
        .containsEntry(tc("meshlens_tenant_request_errors_total", "payments", "east-1"), 5.0)
        .containsEntry(tc("meshlens_tenant_requests_total", "payments", "west-1"), 3.0)
        .containsEntry(
            tc("meshlens_tenant_cross_cluster_requests_total", "payments", "west-1"), 3.0)
        .containsEntry(
            tc("meshlens_tenant_cross_cluster_requests_total", "payments", "east-1"), 0.0)
        .containsEntry(tc("meshlens_tenant_failover_requests_total", "payments", "east-1"), 3.0)
        .containsEntry(tc("meshlens_tenant_isolation_violations_total", "payments", "east-1"), 0.0)
        .containsEntry(tc("meshlens_tenant_plaintext_requests_total", "payments", "east-1"), 0.0)
        // search: 7 plaintext calls from analytics (not a peer), 2 gRPC UNAVAILABLE from shop (a
        // peer).
        .containsEntry(tc("meshlens_tenant_request_errors_total", "search", "east-2"), 2.0)
        .containsEntry(tc("meshlens_tenant_cross_cluster_requests_total", "search", "east-2"), 9.0)
        .containsEntry(tc("meshlens_tenant_plaintext_requests_total", "search", "east-2"), 7.0)
        .containsEntry(tc("meshlens_tenant_isolation_violations_total", "search", "east-2"), 7.0)
        .containsEntry(tc("meshlens_tenant_memory_bytes", "payments", "east-1"), 1e8)
        .containsEntry(
            "meshlens_tenant_quota_utilisation_ratio{cluster=\"east-1\",resource=\"limits.cpu\",tenant=\"payments\"}",
            0.9)
        .containsEntry(
            "meshlens_cluster_last_seen_timestamp_seconds{cluster=\"east-1\",signal=\"metrics\"}",
            t1 / 1000.0);
    // The histogram: Istio's 5/100/1000 ms buckets land on 0.005/0.1/1 s; bounds Istio did not
    // send read as the bound below them.
    String h = "meshlens_tenant_request_duration_seconds";
    String lbl = "cluster=\"east-1\",tenant=\"payments\"";
    assertThat(s)
        .containsEntry(h + "_bucket{" + lbl + ",le=\"0.005\"}", 2.0)
        .containsEntry(h + "_bucket{" + lbl + ",le=\"0.05\"}", 2.0)
        .containsEntry(h + "_bucket{" + lbl + ",le=\"0.1\"}", 5.0)
        .containsEntry(h + "_bucket{" + lbl + ",le=\"1.0\"}", 9.0)
        .containsEntry(h + "_bucket{" + lbl + ",le=\"60.0\"}", 9.0)
        .containsEntry(h + "_bucket{" + lbl + ",le=\"+Inf\"}", 10.0)
        .containsEntry(h + "_count{" + lbl + "}", 10.0)
        .containsEntry(h + "_sum{" + lbl + "}", 3.0);
    assertThat(s.keySet())
        .noneMatch(k -> k.startsWith("meshlens_tenant_") && k.contains("unknown"));

    // Second export: payments-api's 200s grow by 50; analytics' series restarted at 2.
    long t2 = t1 + 10_000;
    send(edges(t2, new double[] {150, 5, 2, 10, 3, 2}));
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(250))
        .untilAsserted(
            () ->
                assertThat(samples(scrape()))
                    .containsEntry(
                        tc("meshlens_tenant_requests_total", "payments", "east-1"), 165.0)
                    .containsEntry(tc("meshlens_tenant_requests_total", "search", "east-2"), 11.0)
                    .containsEntry(
                        tc("meshlens_tenant_isolation_violations_total", "search", "east-2"), 9.0)
                    .containsEntry(
                        tc("meshlens_tenant_plaintext_requests_total", "search", "east-2"), 9.0)
                    .containsEntry(
                        tc("meshlens_tenant_request_errors_total", "payments", "east-1"), 5.0));

    // A query, so the query latency histogram has a sample.
    given()
        .header("Authorization", "Bearer demo-sre-token")
        .queryParam("query", "sum(istio_requests_total)")
        .get("/api/v1/query")
        .then()
        .statusCode(200);
    String text = scrape();
    assertThat(samples(text))
        .containsEntry("meshlens_query_duration_seconds_count{api=\"prometheus\"}", 1.0)
        .containsKey("meshlens_rollup_runs_total")
        .containsEntry("meshlens_rollup_failures_total", 0.0)
        .containsEntry("meshlens_tenant_active_series{tenant=\"payments\"}", 14.0);

    // promtool parses the whole scrape (exit 1 would be a parse error; 3 only lint findings,
    // which must not concern these metrics either).
    Process p =
        new ProcessBuilder(PrometheusServer.program("promtool").toString(), "check", "metrics")
            .redirectErrorStream(true)
            .start();
    p.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
  }
}

package io.meshlens.views;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.meshlens.ingest.IngestStats;
import io.meshlens.ingest.MetricsPipeline;
import io.meshlens.ingest.otlp.OtlpMetricsTranslator;
import io.meshlens.ingest.otlp.TranslatorSettings;
import io.meshlens.query.promql.EngineSettings;
import io.meshlens.query.promql.PromqlEngine;
import io.meshlens.store.MetricStore;
import io.meshlens.store.Scope;
import io.meshlens.tenancy.TenantDirectory;
import io.meshlens.testdata.PromTextToOtlp;
import io.meshlens.testdata.RealData;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The views on the real Istio 1.7.1 sidecar scrape (bookinfo productpage, {@code
 * ../shared/data/real/istio-proxy-1.7.1.prom}), ingested once at {@code T} as an OTLP export from
 * east-1. Every series starts inside the window {@code [T-60s, T]}, so what each counter grew by is
 * its value in the file; the expected numbers below are computed by hand from the file.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ViewsRealDataTest {

  private static final long T = 1_700_000_000_000L;
  private static final double WINDOW_S = 60;

  private final MetricStore store = new MetricStore();
  private final TenantDirectory tenants = TenantDirectory.load(Path.of("config/tenants.yaml"));
  private final ViewParams params = new ViewParams(T - 60_000, T, 15_000);
  private ViewQueries queries;

  @BeforeAll
  void ingest() throws Exception {
    MetricsPipeline pipeline =
        new MetricsPipeline(
            new OtlpMetricsTranslator(TranslatorSettings.defaults()),
            () -> tenants,
            store,
            new IngestStats("metrics"),
            MetricsPipeline.Encoding.AUTO,
            8 << 20);
    byte[] otlp =
        PromTextToOtlp.convert(
                RealData.path("istio-proxy-1.7.1.prom"),
                Map.of(
                    "k8s.cluster.name", "east-1",
                    "k8s.namespace.name", "default",
                    "k8s.pod.name", "productpage-v1-6987489c74-xxxxx"),
                T)
            .toByteArray();
    assertThat(pipeline.accept("otlp_metrics", otlp, null)).isEmpty();
    queries =
        new ViewQueries(new PromqlEngine(EngineSettings.defaults()), store, Scope.everything());
  }

  private TrafficReport.Edge edgeTo(TrafficReport r, String service) {
    return r.edges().stream()
        .filter(e -> e.destination().service().equals(service))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void onlyTheDestinationReportedCallsAreEdges() {
    TrafficReport r = new TrafficView(queries, params, tenants).compute();
    // The 4 source-reported series (productpage -> details, reviews v1-v3) reached destination
    // sidecars whose own reports are not in this scrape: Kiali's rule leaves them to those.
    assertThat(r.edges())
        .extracting(e -> e.source().service() + " -> " + e.destination().service())
        .containsExactlyInAnyOrder(
            "istio-ingressgateway -> productpage", "unknown -> InboundPassthroughClusterIpv4");
  }

  @Test
  void ingressToProductpageByHand() {
    TrafficReport.Edge e =
        edgeTo(new TrafficView(queries, params, tenants).compute(), "productpage");
    // istio_requests_total{reporter="destination",source_workload="istio-ingressgateway"} 6, all
    // 200
    assertThat(e.requests()).isEqualTo(6.0);
    assertThat(e.requestsPerSecond()).isCloseTo(6 / WINDOW_S, within(1e-12));
    assertThat(e.errorRate()).isEqualTo(0.0);
    // connection_security_policy="mutual_tls" on all 6
    assertThat(e.mtlsShare()).isEqualTo(1.0);
    assertThat(e.source())
        .isEqualTo(
            new TrafficReport.Endpoint(
                "platform", "unknown", "istio-system", "istio-ingressgateway"));
    assertThat(e.destination())
        .isEqualTo(new TrafficReport.Endpoint("unassigned", "east-1", "default", "productpage"));
    // Buckets (le: count) 25:1 50:3 100:5 250:5 500:6. p50: rank 3 in (25,50] -> 25+25*(3-1)/(3-1)
    // = 50; p95: rank 5.7 in (250,500] -> 250+250*(5.7-5)/1 = 425; p99: rank 5.94 -> 485.
    assertThat(e.latencyMs().get("p50")).isCloseTo(50.0, within(1e-9));
    assertThat(e.latencyMs().get("p95")).isCloseTo(425.0, within(1e-9));
    assertThat(e.latencyMs().get("p99")).isCloseTo(485.0, within(1e-9));
    // istio_request_bytes_sum 3690, istio_response_bytes_sum 34500 on that series
    assertThat(e.bytesSentPerSecond()).isCloseTo(3690 / WINDOW_S, within(1e-9));
    assertThat(e.bytesReceivedPerSecond()).isCloseTo(34500 / WINDOW_S, within(1e-9));
  }

  @Test
  void passthroughCallsWithUpstreamFailuresByHand() {
    TrafficReport.Edge e =
        edgeTo(
            new TrafficView(queries, params, tenants).compute(), "InboundPassthroughClusterIpv4");
    // 5 x 503 UF + 2 x 200, plaintext (connection_security_policy="none")
    assertThat(e.requests()).isEqualTo(7.0);
    assertThat(e.errors()).isEqualTo(5.0);
    assertThat(e.errorRate()).isCloseTo(5 / 7.0, within(1e-12));
    assertThat(e.mtlsShare()).isEqualTo(0.0);
    // Buckets 0.5:5 5:6 25:7. p50: rank 3.5 in (0,0.5] -> 0.5*3.5/5 = 0.35; p95: rank 6.65 in
    // (10,25] -> 10+15*0.65 = 19.75; p99: rank 6.93 -> 10+15*0.93 = 23.95.
    assertThat(e.latencyMs().get("p50")).isCloseTo(0.35, within(1e-9));
    assertThat(e.latencyMs().get("p95")).isCloseTo(19.75, within(1e-9));
    assertThat(e.latencyMs().get("p99")).isCloseTo(23.95, within(1e-9));
    assertThat(e.bytesSentPerSecond()).isCloseTo(1745 / WINDOW_S, within(1e-9));
    assertThat(e.bytesReceivedPerSecond()).isCloseTo(801125 / WINDOW_S, within(1e-9));
  }

  @Test
  void productpageWorkloadUsageByHand() {
    UsageReport r = new UsageView(queries, params, UsageGroupBy.WORKLOAD).compute(List.of());
    UsageReport.Row row = r.rows().get(0);
    assertThat(r.rows()).hasSize(1);
    assertThat(row.group())
        .isEqualTo(new UsageReport.Group("unassigned", "east-1", "default", "productpage-v1"));
    // inbound: destination-reported 6 + 5 + 2; outbound: source-reported 6 + 3 + 2 + 1
    assertThat(row.requests().inbound()).isEqualTo(13.0);
    assertThat(row.requests().outbound()).isEqualTo(12.0);
    // No kubelet or cAdvisor network counters in a sidecar scrape: bytes through the sidecar.
    // received = request bytes it served (5,435) + response bytes of its calls (4,890);
    // sent = request bytes of its calls (15,000) + response bytes it served (835,625).
    assertThat(r.sources()).containsEntry("networkReceive", "istio");
    assertThat(row.network().receiveBytes()).isEqualTo(5435.0 + 4890.0);
    assertThat(row.network().transmitBytes()).isEqualTo(15000.0 + 835625.0);
    assertThat(row.network().transmitBytesPerSecond()).isCloseTo(850625 / WINDOW_S, within(1e-9));
    assertThat(row.cpu().avg()).isNull();
  }
}

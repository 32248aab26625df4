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
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The health view and the isolation audit on real Istio 1.7.1 scrapes: istiod's {@code /metrics}
 * ({@code ../shared/data/real/istiod-1.7.1.prom}) and the bookinfo productpage sidecar ({@code
 * istio-proxy-1.7.1.prom}), both ingested once at {@code T} as OTLP exports from east-1. Every
 * series starts inside {@code [T-60s, T]}, so what a counter grew by is its value in the file; the
 * expected numbers are computed by hand from the files.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HealthIsolationRealDataTest {

  private static final long T = 1_700_000_000_000L;
  private static final double WINDOW_S = 60;

  private final MetricStore store = new MetricStore();
  private final TenantDirectory tenants = TenantDirectory.load(Path.of("config/tenants.yaml"));
  private final ViewParams params = new ViewParams(T - 60_000, T, 15_000);
  private final PromqlEngine engine = new PromqlEngine(EngineSettings.defaults());

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
    byte[] proxy =
        PromTextToOtlp.convert(
                RealData.path("istio-proxy-1.7.1.prom"),
                Map.of(
                    "k8s.cluster.name", "east-1",
                    "k8s.namespace.name", "default",
                    "k8s.pod.name", "productpage-v1-6987489c74-xxxxx"),
                T)
            .toByteArray();
    byte[] istiod =
        PromTextToOtlp.convert(
                RealData.path("istiod-1.7.1.prom"),
                Map.of(
                    "k8s.cluster.name", "east-1",
                    "k8s.namespace.name", "istio-system",
                    "k8s.pod.name", "istiod-5c9f8b6c4d-xxxxx"),
                T)
            .toByteArray();
    assertThat(pipeline.accept("otlp_metrics", proxy, null)).isEmpty();
    assertThat(pipeline.accept("otlp_metrics", istiod, null)).isEmpty();
  }

  private HealthReport health(Scope scope) {
    return new HealthView(new ViewQueries(engine, store, scope), params, tenants, 4, 15_000)
        .compute(
            store.newestSampleBy(scope, "cluster"),
            Map.of(new TopicPartition("otlp_metrics", 0), 7L));
  }

  @Test
  void istiodControlPlaneByHand() {
    HealthReport r = health(Scope.everything());
    assertThat(r.controlPlanes()).hasSize(1);
    HealthReport.ControlPlane cp = r.controlPlanes().get(0);
    assertThat(cp.cluster()).isEqualTo("east-1");
    assertThat(cp.istiodUp()).isTrue();
    assertThat(cp.lastScrape()).isEqualTo(T);
    // istio_build{component="pilot",tag="1.7.1"} 1
    assertThat(cp.version()).isEqualTo("1.7.1");
    // pilot_xds{version="1.7.1"} 8
    assertThat(cp.connectedProxies()).isEqualTo(8.0);
    // pilot_xds_pushes cds 9 + eds 49 + lds 9 + rds 9
    assertThat(cp.xdsPushes()).isEqualTo(76.0);
    assertThat(cp.xdsPushesPerSecond()).isCloseTo(76 / WINDOW_S, within(1e-12));
    // istiod 1.7.1 exposes none of the error counters while they are zero
    assertThat(cp.xdsPushErrors()).isEmpty();
    assertThat(cp.xdsPushErrorsTotal()).isZero();
    // pilot_proxy_convergence_time: 1 observation, in le=0.1 -> 0.1 * 0.99
    assertThat(cp.proxyConvergenceP99Seconds()).isCloseTo(0.099, within(1e-12));
    // citadel_server_root_cert_expiry_timestamp 1.916309303e+09
    assertThat(cp.rootCertExpiry()).isEqualTo(1_916_309_303L);
    assertThat(cp.certChainExpiry()).isNull();
    assertThat(cp.certExpiresInDays())
        .isCloseTo((1_916_309_303_000.0 - T) / 86_400_000.0, within(1e-9));
  }

  @Test
  void goldenSignalsOfTheProductpageByHand() {
    HealthReport r = health(Scope.everything());
    // Destination-reported: 6 x 200 (mTLS), 5 x 503 UF, 2 x 200; namespace default is unassigned.
    assertThat(r.goldenSignals()).hasSize(1);
    HealthReport.GoldenSignals g = r.goldenSignals().get(0);
    assertThat(g.tenant()).isEqualTo("unassigned");
    assertThat(g.cluster()).isEqualTo("east-1");
    assertThat(g.requests()).isEqualTo(13.0);
    assertThat(g.requestsPerSecond()).isCloseTo(13 / WINDOW_S, within(1e-12));
    assertThat(g.errors()).isEqualTo(5.0);
    assertThat(g.errorRate()).isCloseTo(5 / 13.0, within(1e-12));
    // Buckets summed over the three series (le: count): 0.5:5 5:6 25:8 50:10 100:12 500:13.
    // p50: rank 6.5 in (10,25] -> 10+15*(6.5-6)/2 = 13.75; p95: rank 12.35 in (250,500]
    // -> 250+250*0.35 = 337.5; p99: rank 12.87 -> 250+250*0.87 = 467.5.
    assertThat(g.latencyMs().get("p50")).isCloseTo(13.75, within(1e-9));
    assertThat(g.latencyMs().get("p95")).isCloseTo(337.5, within(1e-9));
    assertThat(g.latencyMs().get("p99")).isCloseTo(467.5, within(1e-9));
  }

  @Test
  void freshnessAndIngestLag() {
    HealthReport r = health(Scope.everything());
    assertThat(r.freshness().clusters())
        .containsExactly(new HealthReport.ClusterFreshness("east-1", T, 0.0, false));
    assertThat(r.freshness().thresholdSeconds()).isEqualTo(60.0);
    assertThat(r.ingestLag().totalRecords()).isEqualTo(7);
    HealthReport later =
        new HealthView(
                new ViewQueries(engine, store, Scope.everything()),
                new ViewParams(T, T + 61_000, 15_000),
                tenants,
                4,
                15_000)
            .compute(store.newestSampleBy(Scope.everything(), "cluster"), Map.of());
    assertThat(later.freshness().silentClusters()).containsExactly("east-1");
    assertThat(later.controlPlanes().get(0).istiodUp()).isFalse();
  }

  @Test
  void aTenantSeesOnlyItsOwnGoldenSignalsAndNothingMeshWide() {
    HealthReport r = health(Scope.tenants(Set.of("shop")));
    assertThat(r.goldenSignals()).isEmpty();
    assertThat(r.controlPlanes()).isNull();
    assertThat(r.freshness()).isNull();
    assertThat(r.ingestLag()).isNull();
  }

  @Test
  void plaintextPassthroughCallsAreTheOnlyFinding() {
    IsolationReport r =
        new IsolationAudit(engine, store, null, tenants)
            .audit(Scope.everything(), params.startMs(), params.endMs(), params.stepMs());
    // connection_security_policy="none" on the destination-reported 5 x 503 UF and 2 x 200 from an
    // unidentified caller; the ingress gateway's 6 calls are mutual_tls and from the platform.
    assertThat(r.findings()).hasSize(1);
    IsolationReport.Finding f = r.findings().get(0);
    assertThat(f.kind()).isEqualTo(IsolationReport.Kind.PLAINTEXT);
    assertThat(f.violation()).isTrue();
    assertThat(f.securityPolicy()).isEqualTo("none");
    assertThat(f.source())
        .isEqualTo(new TrafficReport.Endpoint("unassigned", "unknown", "unknown", "unknown"));
    assertThat(f.destination())
        .isEqualTo(
            new TrafficReport.Endpoint(
                "unassigned", "east-1", "default", "InboundPassthroughClusterIpv4"));
    assertThat(f.protocol()).isEqualTo("http");
    assertThat(f.count()).isEqualTo(7.0);
    assertThat(f.ratePerSecond()).isCloseTo(7 / WINDOW_S, within(1e-12));
    // The series appear with the single scrape at T: first and last seen at that step.
    assertThat(f.firstSeen()).isEqualTo(T);
    assertThat(f.lastSeen()).isEqualTo(T);
    assertThat(f.exampleRequestId()).isNull();
    assertThat(r.tenants())
        .containsExactly(new IsolationReport.TenantSummary("unassigned", 0, 0, 7 / WINDOW_S, 0));
    assertThat(List.of(f.kind().json())).containsExactly("plaintext");
  }
}

package io.meshlens.simulator;

import static io.meshlens.simulator.SimulatorFixtures.START;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshlens.simulator.MeshTopology.Pod;
import io.meshlens.simulator.Telemetry.Point;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IstioMetricsTest {

  private static final Set<String> HTTP_LABELS =
      Set.of(
          "reporter",
          "source_workload",
          "source_canonical_service",
          "source_canonical_revision",
          "source_workload_namespace",
          "source_principal",
          "source_app",
          "source_version",
          "source_cluster",
          "destination_workload",
          "destination_workload_namespace",
          "destination_principal",
          "destination_app",
          "destination_version",
          "destination_service",
          "destination_canonical_service",
          "destination_canonical_revision",
          "destination_service_name",
          "destination_service_namespace",
          "destination_cluster",
          "request_protocol",
          "response_code",
          "grpc_response_status",
          "response_flags",
          "connection_security_policy");

  private MeshSimulator sim;
  private List<TickOutput> outs;
  private List<Point> last;

  @BeforeAll
  void run() {
    // Eight ticks of 10 s cross the failover episode (20 s to 50 s): UH, UF and failover.
    sim = new MeshSimulator(SimulatorFixtures.quick(), START);
    outs = SimulatorFixtures.run(sim, 8, 10);
    last = Telemetry.points(outs.get(outs.size() - 1).metrics());
  }

  private List<Point> named(String metric) {
    return last.stream().filter(p -> p.metric().equals(metric)).toList();
  }

  @Test
  void cumulativeCountersAndHistogramsNeverDecreaseAndNeverDisappear() {
    Map<String, Double> previous = new HashMap<>();
    for (TickOutput o : outs) {
      Map<String, Double> now = new HashMap<>();
      for (Point p : Telemetry.points(o.metrics())) {
        if (p.metric().startsWith("istio_") && !p.metric().equals("istio_build")
            || p.metric().equals("pilot_xds_pushes")) {
          double v = p.histogram() != null ? p.count() : p.value();
          now.put(p.seriesId(), v);
        }
      }
      for (Map.Entry<String, Double> e : previous.entrySet()) {
        assertThat(now).containsKey(e.getKey());
        assertThat(now.get(e.getKey())).as(e.getKey()).isGreaterThanOrEqualTo(e.getValue());
      }
      previous = now;
    }
    assertThat(previous).hasSizeGreaterThan(100);
  }

  /** The projection both sides can be compared on: who called which service, where, result. */
  private record Edge(
      String srcNs,
      String srcSvc,
      String srcCluster,
      String dstNs,
      String dstSvc,
      String dstCluster,
      int code,
      String policy) {}

  private Map<Edge, Long> metricEdges(String reporter, boolean withPolicy) {
    Map<Edge, Long> m = new TreeMap<>(java.util.Comparator.comparing(Edge::toString));
    for (Point p : named("istio_requests_total")) {
      if (p.attr("reporter").equals(reporter)) {
        m.merge(
            new Edge(
                p.attr("source_workload_namespace"),
                p.attr("source_canonical_service"),
                p.attr("source_cluster"),
                p.attr("destination_service_namespace"),
                p.attr("destination_service_name"),
                p.attr("destination_cluster"),
                Integer.parseInt(p.attr("response_code")),
                withPolicy ? p.attr("connection_security_policy") : "-"),
            (long) p.value(),
            Long::sum);
      }
    }
    return m;
  }

  private static Map<Edge, Long> truthEdges(Map<EdgeKey, Long> truth, boolean withPolicy) {
    Map<Edge, Long> m = new TreeMap<>(java.util.Comparator.comparing(Edge::toString));
    truth.forEach(
        (k, v) ->
            m.merge(
                new Edge(
                    k.sourceNamespace(),
                    k.sourceService(),
                    k.sourceCluster(),
                    k.destinationNamespace(),
                    k.destinationService(),
                    k.destinationCluster(),
                    k.responseCode(),
                    withPolicy ? k.securityPolicy() : "-"),
                v,
                Long::sum));
    return m;
  }

  @Test
  void sourceReporterCountersEqualGroundTruthRequestsPerEdge() {
    assertThat(metricEdges("source", false))
        .isEqualTo(truthEdges(sim.groundTruth().requestsByEdge(), false));
    long total =
        named("istio_requests_total").stream()
            .filter(p -> p.attr("reporter").equals("source"))
            .mapToLong(p -> (long) p.value())
            .sum();
    assertThat(total).isEqualTo(sim.groundTruth().requestsTotal());
  }

  @Test
  void destinationReporterCountersEqualGroundTruthRequestsThatReachedTheDestination() {
    assertThat(metricEdges("destination", true))
        .isEqualTo(truthEdges(sim.groundTruth().requestsReachedDestinationByEdge(), true));
    assertThat(sim.groundTruth().requestsReachedDestinationTotal())
        .isLessThan(sim.groundTruth().requestsTotal());
  }

  @Test
  void histogramCountsMatchTheRequestCounterOfTheSameSeries() {
    Map<String, Double> counters =
        named("istio_requests_total").stream()
            .collect(Collectors.toMap(p -> p.resource() + "" + p.attrs(), Point::value));
    for (String h :
        List.of(
            "istio_request_duration_milliseconds", "istio_request_bytes", "istio_response_bytes")) {
      List<Point> hs = named(h);
      assertThat(hs).hasSize(counters.size());
      for (Point p : hs) {
        assertThat((double) p.count()).isEqualTo(counters.get(p.resource() + "" + p.attrs()));
        assertThat(p.histogram().getBucketCountsList().stream().mapToLong(Long::longValue).sum())
            .isEqualTo(p.count());
      }
    }
    assertThat(
            named("istio_request_duration_milliseconds").get(0).histogram().getExplicitBoundsList())
        .containsExactly(
            0.5, 1.0, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 2500.0, 5000.0, 10000.0,
            30000.0, 60000.0, 300000.0, 600000.0, 1800000.0, 3600000.0);
    assertThat(named("istio_response_bytes").get(0).histogram().getExplicitBoundsList())
        .containsExactly(1.0, 10.0, 100.0, 1000.0, 10000.0, 100000.0, 1000000.0, 10000000.0);
  }

  @Test
  void tcpCountersFromTheDestinationEqualGroundTruthConnectionsAndBytes() {
    Map<String, Long> opened = new TreeMap<>();
    Map<String, Long> sent = new TreeMap<>();
    for (Point p : last) {
      if (p.metric().startsWith("istio_tcp_") && p.attr("reporter").equals("destination")) {
        String k =
            p.attr("source_canonical_service")
                + "@"
                + p.attr("source_cluster")
                + "->"
                + p.attr("destination_service_name")
                + "@"
                + p.attr("destination_cluster");
        if (p.metric().equals("istio_tcp_connections_opened_total")) {
          opened.merge(k, (long) p.value(), Long::sum);
        } else if (p.metric().equals("istio_tcp_sent_bytes_total")) {
          sent.merge(k, (long) p.value(), Long::sum);
        }
      }
    }
    Map<String, Long> truthOpened = new TreeMap<>();
    Map<String, Long> truthSent = new TreeMap<>();
    sim.groundTruth()
        .tcpConnectionsByEdge()
        .forEach(
            (k, v) ->
                truthOpened.merge(
                    k.sourceService()
                        + "@"
                        + k.sourceCluster()
                        + "->"
                        + k.destinationService()
                        + "@"
                        + k.destinationCluster(),
                    v,
                    Long::sum));
    sim.groundTruth()
        .tcpSentBytesByEdge()
        .forEach(
            (k, v) ->
                truthSent.merge(
                    k.sourceService()
                        + "@"
                        + k.sourceCluster()
                        + "->"
                        + k.destinationService()
                        + "@"
                        + k.destinationCluster(),
                    v,
                    Long::sum));
    assertThat(opened)
        .containsOnlyKeys(
            "ledger@east-1->ledger-db@east-1",
            "ledger@west-1->ledger-db@west-1",
            "reporting@west-1->warehouse@west-1");
    assertThat(opened).isEqualTo(truthOpened);
    assertThat(sent).isEqualTo(truthSent);
  }

  @Test
  void everyEdgeDataPointCarriesIstiosFullLabelSet() {
    Set<String> tcpLabels = new java.util.HashSet<>(HTTP_LABELS);
    tcpLabels.removeAll(Set.of("response_code", "grpc_response_status"));
    for (Point p : last) {
      if (p.metric().startsWith("istio_tcp_")) {
        assertThat(p.attrs().keySet()).isEqualTo(tcpLabels);
        assertThat(p.attr("request_protocol")).isEqualTo("tcp");
      } else if (p.metric().startsWith("istio_request")) {
        assertThat(p.attrs().keySet()).isEqualTo(HTTP_LABELS);
      }
    }
  }

  @Test
  void reportersUseIstiosSecurityPolicyAndPrincipalConventions() {
    for (Point p : named("istio_requests_total")) {
      if (p.attr("reporter").equals("source")) {
        assertThat(p.attr("connection_security_policy")).isEqualTo("unknown");
      } else {
        assertThat(p.attr("connection_security_policy")).isIn("mutual_tls", "none");
      }
      if ("none".equals(p.attr("connection_security_policy"))) {
        assertThat(p.attr("source_principal")).isEqualTo("unknown");
        assertThat(p.attr("destination_principal")).isEqualTo("unknown");
      }
      if ("mutual_tls".equals(p.attr("connection_security_policy"))) {
        assertThat(p.attr("source_principal"))
            .isEqualTo(
                "spiffe://cluster.local/ns/"
                    + p.attr("source_workload_namespace")
                    + "/sa/"
                    + (p.attr("source_app").equals("istio-ingressgateway")
                        ? "istio-ingressgateway-service-account"
                        : p.attr("source_app")));
      }
      assertThat(p.attr("destination_service"))
          .isEqualTo(
              p.attr("destination_service_name")
                  + "."
                  + p.attr("destination_service_namespace")
                  + ".svc.cluster.local");
    }
    Set<String> plaintext =
        named("istio_requests_total").stream()
            .filter(p -> "none".equals(p.attr("connection_security_policy")))
            .map(
                p -> p.attr("source_canonical_service") + "->" + p.attr("destination_service_name"))
            .collect(Collectors.toSet());
    assertThat(plaintext)
        .containsExactlyInAnyOrder("collector->reporting", "legacy-batch->search-api");
  }

  @Test
  void grpcCallsReportStatusSeparatelyFromHttpCode() {
    List<Point> ranker =
        named("istio_requests_total").stream()
            .filter(p -> p.attr("destination_service_name").equals("ranker"))
            .toList();
    assertThat(ranker)
        .isNotEmpty()
        .allSatisfy(
            p -> {
              assertThat(p.attr("request_protocol")).isEqualTo("grpc");
              assertThat(p.attr("response_code")).isEqualTo("200");
              assertThat(p.attr("grpc_response_status")).isIn("0", "5", "7", "13", "14");
            });
    assertThat(
            named("istio_requests_total").stream()
                .filter(p -> p.attr("request_protocol").equals("http"))
                .map(p -> p.attr("grpc_response_status")))
        .containsOnly("");
  }

  @Test
  void resourcesIdentifyTheScrapedPod() {
    Map<String, Pod> byName =
        sim.topology().pods().stream().collect(Collectors.toMap(Pod::name, p -> p));
    long now = (START.getEpochSecond() + 80) * 1_000_000_000L;
    for (Point p : named("istio_requests_total")) {
      Pod pod = byName.get(p.res("k8s.pod.name"));
      assertThat(pod).isNotNull();
      assertThat(p.res("k8s.cluster.name")).isEqualTo(pod.cluster());
      assertThat(p.res("k8s.namespace.name")).isEqualTo(pod.namespace());
      assertThat(p.res("service.name")).isEqualTo("kubernetes-pods");
      assertThat(p.res("service.instance.id")).isEqualTo(pod.ip() + ":15020");
      assertThat(p.scope()).isEqualTo("otelcol/prometheusreceiver");
      assertThat(p.startNanos())
          .isEqualTo(pod.startTime().getEpochSecond() * 1_000_000_000L + pod.startTime().getNano());
      assertThat(p.timeNanos()).isEqualTo(now);
      String own = p.attr("reporter").equals("source") ? "source_workload" : "destination_workload";
      assertThat(p.attr(own)).isEqualTo(pod.workload().name());
    }
  }

  @Test
  void crossClusterCallsAreReportedWithBothClustersAndPassTheEastWestGateway() {
    Set<String> crossSource =
        named("istio_requests_total").stream()
            .filter(
                p ->
                    p.attr("reporter").equals("destination")
                        && !p.attr("source_cluster").equals(p.attr("destination_cluster")))
            .map(
                p ->
                    p.attr("source_canonical_service")
                        + "@"
                        + p.attr("source_cluster")
                        + "->"
                        + p.attr("destination_service_name")
                        + "@"
                        + p.attr("destination_cluster"))
            .collect(Collectors.toSet());
    assertThat(crossSource)
        .containsExactlyInAnyOrder(
            "frontend@east-1->search-api@east-2",
            "collector@west-1->catalog@east-1",
            "payments-api@east-1->fraud-check@west-1");
    // The gateway of the destination cluster reports what it passed through.
    for (String cluster : List.of("east-1", "east-2", "west-1")) {
      assertThat(
              last.stream()
                  .anyMatch(
                      p ->
                          p.metric().equals("istio_tcp_sent_bytes_total")
                              && p.attr("source_workload").equals("istio-eastwestgateway")
                              && p.res("k8s.cluster.name").equals(cluster)))
          .as(cluster)
          .isTrue();
      long crossIn =
          sim.groundTruth().requestsReachedDestinationByEdge().entrySet().stream()
              .filter(
                  e ->
                      e.getKey().destinationCluster().equals(cluster)
                          && !e.getKey().sourceCluster().equals(cluster))
              .mapToLong(Map.Entry::getValue)
              .sum();
      assertThat(sim.groundTruth().eastWestGatewayRequests(cluster)).isEqualTo(crossIn);
    }
  }

  @Test
  void crossTenantEdgesFollowTheCallGraph() {
    Set<String> pairs =
        sim.groundTruth().requestsByEdge().keySet().stream()
            .filter(EdgeKey::crossTenant)
            .map(k -> k.sourceTenant() + "->" + k.destinationTenant())
            .collect(Collectors.toSet());
    assertThat(pairs)
        .containsExactlyInAnyOrder(
            "platform->shop",
            "platform->payments",
            "shop->search",
            "shop->payments",
            "analytics->shop",
            "unassigned->search");
    GroundTruth t = sim.groundTruth();
    long shop =
        t.requestsByEdge().entrySet().stream()
            .filter(
                e ->
                    e.getKey().sourceTenant().equals("shop")
                        || e.getKey().destinationTenant().equals("shop"))
            .mapToLong(Map.Entry::getValue)
            .sum();
    assertThat(t.requestsInvolvingTenant("shop")).isEqualTo(shop).isPositive();
    // The analytics collector is not an allowed peer of the shop: most calls are denied.
    assertThat(
            t.requestsByEdge().entrySet().stream()
                .filter(
                    e ->
                        e.getKey().sourceService().equals("collector")
                            && e.getKey().destinationService().equals("catalog")
                            && e.getKey().responseCode() == 403)
                .mapToLong(Map.Entry::getValue)
                .sum())
        .isPositive();
  }

  @Test
  void meshWideRequestRateFollowsTheSetting() {
    double rate = sim.groundTruth().requestsTotal() / 80.0;
    assertThat(rate).isBetween(180.0, 220.0);
  }
}

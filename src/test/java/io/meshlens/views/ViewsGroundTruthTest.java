package io.meshlens.views;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.meshlens.query.promql.EngineSettings;
import io.meshlens.query.promql.PromqlEngine;
import io.meshlens.simulator.EdgeKey;
import io.meshlens.simulator.FailoverEpisode;
import io.meshlens.simulator.GroundTruth;
import io.meshlens.simulator.PodUsage;
import io.meshlens.simulator.SimulatorSettings;
import io.meshlens.store.Scope;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Both views against the simulator's ground truth: 24 ticks of 10 s of a 3-cluster mesh with a
 * locality failover of payments/fraud-check in east-1 from 60 s to 150 s, ingested through the real
 * pipeline. Counters are compared over a window whose ends fall on scrape times, where {@code
 * increase} needs no extrapolation, so the views must match the truth's difference between the two
 * ticks exactly (up to float rounding).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ViewsGroundTruthTest {

  private static final int TICKS = 24;
  private static final int FROM_TICK = 3;

  private SimulatedStore sim;
  private final PromqlEngine engine = new PromqlEngine(EngineSettings.defaults());
  private Instant from;
  private Instant to;
  private Map<EdgeKey, Long> requestsAtFrom;
  private Map<EdgeKey, Long> reachedAtFrom;
  private Map<EdgeKey, Long> tcpAtFrom;
  private final Map<String, Long> eastWestAtFrom = new HashMap<>();
  private Map<String, PodUsage> podsAtEnd;

  @BeforeAll
  void run() {
    sim =
        new SimulatedStore(
            SimulatorSettings.defaults()
                .withRequestsPerSecond(150)
                .withFailover(Duration.ofSeconds(60), Duration.ofSeconds(150)));
    for (int i = 1; i <= TICKS; i++) {
      Instant t = sim.tick();
      if (i == FROM_TICK) {
        from = t;
        GroundTruth g = sim.truth();
        requestsAtFrom = g.requestsByEdge();
        reachedAtFrom = g.requestsReachedDestinationByEdge();
        tcpAtFrom = g.tcpConnectionsByEdge();
        for (String c : List.of("east-1", "east-2", "west-1")) {
          eastWestAtFrom.put(c, g.eastWestGatewayRequests(c));
        }
      }
      to = t;
    }
    podsAtEnd = sim.truth().podUsage();
  }

  private ViewQueries queries(Scope scope) {
    return new ViewQueries(engine, sim.store, scope);
  }

  private ViewParams window() {
    return new ViewParams(from.toEpochMilli(), to.toEpochMilli(), 10_000);
  }

  private static Map<EdgeKey, Long> minus(Map<EdgeKey, Long> now, Map<EdgeKey, Long> before) {
    Map<EdgeKey, Long> d = new HashMap<>(now);
    before.forEach((k, v) -> d.merge(k, -v, Long::sum));
    return d;
  }

  private static String edgeId(
      String sc, String sn, String ss, String dc, String dn, String ds, boolean tcp) {
    return String.join("/", sc, sn, ss, dc, dn, ds, tcp ? "tcp" : "req");
  }

  // ---- usage ----

  @Test
  void usageAtOneInstantEqualsEveryPodsCpuMemoryAndSidecarShareByNamespace() {
    long t = to.toEpochMilli();
    UsageReport r =
        new UsageView(
                queries(Scope.everything()), new ViewParams(t, t, 10_000), UsageGroupBy.NAMESPACE)
            .compute(List.of());
    Map<String, double[]> truth = new HashMap<>();
    for (PodUsage u : podsAtEnd.values()) {
      double[] a =
          truth.computeIfAbsent(
              u.tenant() + "/" + u.cluster() + "/" + u.namespace(), k -> new double[4]);
      a[0] += u.cpuCores();
      a[1] += u.proxyCpuCores();
      a[2] += u.memoryWorkingSetBytes();
      a[3] += u.proxyMemoryWorkingSetBytes();
    }
    assertThat(r.sources())
        .containsEntry("cpu", "k8s_pod_cpu_usage")
        .containsEntry("memory", "k8s_pod_memory_working_set_bytes")
        .containsEntry("quotaHard", "k8s_resource_quota_hard_limit");
    Map<String, UsageReport.Row> rows = new HashMap<>();
    for (UsageReport.Row row : r.rows()) {
      UsageReport.Group g = row.group();
      rows.put(g.tenant() + "/" + g.cluster() + "/" + g.namespace(), row);
    }
    assertThat(rows.keySet()).containsAll(truth.keySet());
    truth.forEach(
        (k, a) -> {
          UsageReport.Row row = rows.get(k);
          assertThat(row.cpu().avg()).as(k).isCloseTo(a[0], within(1e-9));
          assertThat(row.cpu().max()).as(k).isCloseTo(a[0], within(1e-9));
          assertThat(row.cpu().p95()).as(k).isCloseTo(a[0], within(1e-9));
          assertThat(row.memory().avg()).as(k).isCloseTo(a[2], within(0.5));
          if (a[1] > 0) {
            assertThat(row.cpu().proxyAvg()).as(k).isCloseTo(a[1], within(1e-9));
            assertThat(row.cpu().proxyShare()).as(k).isCloseTo(a[1] / a[0], within(1e-9));
            assertThat(row.memory().proxyShare()).as(k).isCloseTo(a[3] / a[2], within(1e-9));
          }
        });
  }

  @Test
  void usageQuotaEqualsGroundTruthWithCpuInCores() {
    long t = to.toEpochMilli();
    UsageReport r =
        new UsageView(
                queries(Scope.everything()), new ViewParams(t, t, 10_000), UsageGroupBy.NAMESPACE)
            .compute(List.of());
    int checked = 0;
    for (GroundTruth.QuotaUsage q : sim.truth().quotas().values()) {
      UsageReport.Row row =
          r.rows().stream()
              .filter(
                  x ->
                      x.group().cluster().equals(q.cluster())
                          && x.group().namespace().equals(q.namespace()))
              .findFirst()
              .orElseThrow();
      for (String res : q.hard().keySet()) {
        double scale = res.endsWith(".cpu") ? 1000.0 : 1.0;
        UsageReport.Quota got = row.quota().get(res);
        assertThat(got.hard()).as(res).isCloseTo(q.hard().get(res) / scale, within(1e-9));
        assertThat(got.used()).as(res).isCloseTo(q.used().get(res) / scale, within(1e-9));
        assertThat(got.utilisation())
            .isCloseTo((double) q.used().get(res) / q.hard().get(res), within(1e-9));
        checked++;
      }
    }
    assertThat(checked).isGreaterThan(20);
  }

  @Test
  void usageCpuOverAWindowBracketsTheLastValueAndOrdersAvgP95Max() {
    UsageReport r =
        new UsageView(queries(Scope.tenants(Set.of("shop"))), window(), UsageGroupBy.TENANT)
            .compute(List.of());
    assertThat(r.rows()).extracting(x -> x.group().tenant()).containsExactly("shop");
    UsageReport.Cpu c = r.rows().get(0).cpu();
    double last =
        podsAtEnd.values().stream()
            .filter(u -> u.tenant().equals("shop"))
            .mapToDouble(PodUsage::cpuCores)
            .sum();
    assertThat(c.max()).isGreaterThanOrEqualTo(last - 1e-9);
    assertThat(c.avg()).isLessThanOrEqualTo(c.p95() + 1e-12);
    assertThat(c.p95()).isLessThanOrEqualTo(c.max() + 1e-12);
    assertThat(c.requests()).isPositive();
    assertThat(c.limits()).isGreaterThanOrEqualTo(c.requests());
  }

  @Test
  void usageRequestCountsEqualWhatTheTenantsSidecarsReportedOverTheWindow() {
    UsageReport r =
        new UsageView(queries(Scope.everything()), window(), UsageGroupBy.TENANT)
            .compute(List.of());
    Map<EdgeKey, Long> reached =
        minus(sim.truth().requestsReachedDestinationByEdge(), reachedAtFrom);
    Map<String, Long> inbound = new HashMap<>();
    reached.forEach((k, v) -> inbound.merge(k.destinationTenant(), v, Long::sum));
    for (String tenant : List.of("shop", "payments", "search", "analytics")) {
      UsageReport.Row row =
          r.rows().stream()
              .filter(x -> x.group().tenant().equals(tenant))
              .findFirst()
              .orElseThrow();
      assertThat(row.requests().inbound())
          .as(tenant)
          .isCloseTo((double) inbound.get(tenant), within(1e-6));
      assertThat(row.network().receiveBytes()).as(tenant).isPositive();
    }
    assertThat(r.sources()).containsEntry("networkReceive", "istio");
  }

  // ---- traffic ----

  private TrafficReport traffic(Scope scope) {
    return new TrafficView(queries(scope), window(), sim.tenants).compute();
  }

  @Test
  void everyCallIsCountedOnceAlthoughBothReportersEmit() {
    TrafficReport r = traffic(Scope.everything());
    Map<EdgeKey, Long> calls = minus(sim.truth().requestsByEdge(), requestsAtFrom);
    Map<EdgeKey, Long> reached =
        minus(sim.truth().requestsReachedDestinationByEdge(), reachedAtFrom);
    long total =
        calls.entrySet().stream()
            .filter(e -> e.getKey().responseCode() != 0)
            .mapToLong(Map.Entry::getValue)
            .sum();
    long reachedTotal =
        reached.entrySet().stream()
            .filter(e -> e.getKey().responseCode() != 0)
            .mapToLong(Map.Entry::getValue)
            .sum();
    long neverReached = total - reachedTotal;
    // The failover's UH calls never reached a destination: only their source reported them.
    assertThat(neverReached).isPositive();
    double viewTotal =
        r.edges().stream()
            .filter(e -> !e.protocol().equals("tcp"))
            .mapToDouble(TrafficReport.Edge::requests)
            .sum();
    assertThat(viewTotal).isCloseTo((double) total, within(1e-6));
    double unknown =
        r.edges().stream()
            .filter(e -> e.destination().cluster().equals("unknown"))
            .mapToDouble(TrafficReport.Edge::requests)
            .sum();
    assertThat(unknown).isCloseTo((double) neverReached, within(1e-6));
  }

  @Test
  void edgesEqualGroundTruthPerServicePair() {
    TrafficReport r = traffic(Scope.everything());
    Map<String, Double> truth = new HashMap<>();
    minus(sim.truth().requestsByEdge(), requestsAtFrom)
        .forEach(
            (k, v) -> {
              if (k.responseCode() != 0 && v != 0) {
                truth.merge(
                    edgeId(
                        k.sourceCluster(),
                        k.sourceNamespace(),
                        k.sourceService(),
                        k.destinationCluster(),
                        k.destinationNamespace(),
                        k.destinationService(),
                        false),
                    (double) v,
                    Double::sum);
              }
            });
    minus(sim.truth().tcpConnectionsByEdge(), tcpAtFrom)
        .forEach(
            (k, v) -> {
              if (v != 0) {
                truth.merge(
                    edgeId(
                        k.sourceCluster(),
                        k.sourceNamespace(),
                        k.sourceService(),
                        k.destinationCluster(),
                        k.destinationNamespace(),
                        k.destinationService(),
                        true),
                    (double) v,
                    Double::sum);
              }
            });
    Map<String, Double> view = new HashMap<>();
    for (TrafficReport.Edge e : r.edges()) {
      view.merge(
          edgeId(
              e.source().cluster(),
              e.source().namespace(),
              e.source().service(),
              e.destination().cluster(),
              e.destination().namespace(),
              e.destination().service(),
              e.protocol().equals("tcp")),
          e.requests(),
          Double::sum);
    }
    view.values().removeIf(v -> v == 0);
    // Each node's inbound rate is the sum of its edges' rates.
    Map<String, Double> inbound = new HashMap<>();
    for (TrafficReport.Edge e : r.edges()) {
      TrafficReport.Endpoint d = e.destination();
      inbound.merge(
          d.cluster() + "/" + d.namespace() + "/" + d.service(),
          e.requestsPerSecond(),
          Double::sum);
    }
    for (TrafficReport.ClusterNode c : r.clusters()) {
      for (TrafficReport.NamespaceNode ns : c.namespaces()) {
        for (TrafficReport.ServiceNode n : ns.services()) {
          assertThat(n.requestsInPerSecond())
              .isCloseTo(
                  inbound.getOrDefault(c.cluster() + "/" + ns.namespace() + "/" + n.service(), 0.0),
                  within(1e-9));
        }
      }
    }
    assertThat(view.keySet()).containsExactlyInAnyOrderElementsOf(truth.keySet());
    truth.forEach((k, v) -> assertThat(view.get(k)).as(k).isCloseTo(v, within(1e-6)));
  }

  @Test
  void errorRateMtlsShareAndLatencyFollowTheTruth() {
    TrafficReport r = traffic(Scope.everything());
    Map<EdgeKey, Long> calls = minus(sim.truth().requestsByEdge(), requestsAtFrom);
    double errors5xx =
        calls.entrySet().stream()
            .filter(e -> e.getKey().responseCode() >= 500)
            .mapToLong(Map.Entry::getValue)
            .sum();
    double viewErrors = r.edges().stream().mapToDouble(TrafficReport.Edge::errors).sum();
    // Every 5xx is an error; flags on non-5xx answers (none in the simulation beyond 5xx) add none.
    assertThat(viewErrors).isCloseTo(errors5xx, within(1e-6));
    Map<EdgeKey, Long> reached =
        minus(sim.truth().requestsReachedDestinationByEdge(), reachedAtFrom);
    double mtls =
        reached.entrySet().stream()
            .filter(
                e ->
                    e.getKey().responseCode() != 0
                        && e.getKey().securityPolicy().equals("mutual_tls"))
            .mapToLong(Map.Entry::getValue)
            .sum();
    double viewMtls = 0;
    for (TrafficReport.Edge e : r.edges()) {
      if (!e.protocol().equals("tcp") && e.mtlsShare() != null) {
        viewMtls +=
            e.mtlsShare()
                * (e.requests() - (e.destination().cluster().equals("unknown") ? e.requests() : 0));
      }
    }
    assertThat(viewMtls).isCloseTo(mtls, within(1.0));
    for (TrafficReport.Edge e : r.edges()) {
      if (!e.protocol().equals("tcp") && e.requests() > 0) {
        assertThat(e.latencyMs()).as(e.toString()).containsKeys("p50", "p95", "p99");
        assertThat(e.latencyMs().get("p50")).isLessThanOrEqualTo(e.latencyMs().get("p95"));
        assertThat(e.latencyMs().get("p95")).isLessThanOrEqualTo(e.latencyMs().get("p99"));
      }
    }
  }

  @Test
  void clusterMatrixAndEastWestGatewaysEqualGroundTruth() {
    TrafficReport r = traffic(Scope.everything());
    double secs = (to.toEpochMilli() - from.toEpochMilli()) / 1000.0;
    Map<EdgeKey, Long> calls = minus(sim.truth().requestsByEdge(), requestsAtFrom);
    for (TrafficReport.MatrixCell c : r.clusterMatrix()) {
      long truth =
          calls.entrySet().stream()
              .filter(
                  e ->
                      e.getKey().responseCode() != 0
                          && e.getKey().sourceCluster().equals(c.sourceCluster())
                          && e.getKey().destinationCluster().equals(c.destinationCluster()))
              .mapToLong(Map.Entry::getValue)
              .sum();
      long tcp =
          minus(sim.truth().tcpConnectionsByEdge(), tcpAtFrom).entrySet().stream()
              .filter(
                  e ->
                      e.getKey().sourceCluster().equals(c.sourceCluster())
                          && e.getKey().destinationCluster().equals(c.destinationCluster()))
              .mapToLong(Map.Entry::getValue)
              .sum();
      assertThat(c.requestsPerSecond() * secs)
          .as(c.toString())
          .isCloseTo((double) (truth + tcp), within(1e-6));
    }
    assertThat(r.eastWestGateways())
        .extracting(TrafficReport.EastWestGateway::cluster)
        .contains("east-1", "east-2", "west-1");
    for (TrafficReport.EastWestGateway g : r.eastWestGateways()) {
      long truth =
          sim.truth().eastWestGatewayRequests(g.cluster()) - eastWestAtFrom.get(g.cluster());
      assertThat((g.requestsPerSecond() + g.tcpConnectionsPerSecond()) * secs)
          .as(g.cluster())
          .isCloseTo((double) truth, within(1e-6));
      assertThat(g.gatewayBytesReceivedPerSecond()).isPositive();
    }
  }

  @Test
  void failoverOfFraudCheckInEast1IsIndicatedWhileItsCallersAreServedInWest1() {
    TrafficReport r = traffic(Scope.tenants(Set.of("payments")));
    FailoverEpisode ep = sim.truth().failover();
    assertThat(r.failovers()).hasSize(1);
    TrafficReport.Failover f = r.failovers().get(0);
    assertThat(f.tenant()).isEqualTo("payments");
    assertThat(f.namespace()).isEqualTo(ep.namespace());
    assertThat(f.service()).isEqualTo(ep.service());
    assertThat(f.sourceCluster()).isEqualTo(ep.failedCluster());
    assertThat(f.remoteClusters()).containsExactly(ep.failoverCluster());
    // Steps are 10 s and rates use a 20 s window: the episode is seen within two steps of its ends.
    assertThat(f.from())
        .isBetween(ep.ejected().toEpochMilli(), ep.ejected().toEpochMilli() + 20_000);
    assertThat(f.to())
        .isBetween(ep.end().toEpochMilli() - 10_000, ep.end().toEpochMilli() + 20_000);
    assertThat(f.peakRemoteShare()).isGreaterThan(0.9);
    assertThat(f.baselineLocalShare()).isGreaterThan(0.9);
  }

  @Test
  void aTenantSeesItsEdgesAndOnlyTheServiceLevelOfItsPeers() {
    TrafficReport r = traffic(Scope.tenants(Set.of("shop")));
    assertThat(r.edges()).isNotEmpty();
    assertThat(r.edges())
        .allMatch(
            e -> e.source().tenant().equals("shop") || e.destination().tenant().equals("shop"));
    assertThat(r.edges())
        .anyMatch(e -> e.crossTenant() && e.destination().tenant().equals("payments"));
    boolean sawPeer = false;
    for (TrafficReport.ClusterNode c : r.clusters()) {
      for (TrafficReport.NamespaceNode ns : c.namespaces()) {
        for (TrafficReport.ServiceNode s : ns.services()) {
          if (ns.tenant().equals("shop")) {
            assertThat(s.peer()).isFalse();
            assertThat(s.workloads()).isNotNull();
          } else {
            sawPeer = true;
            assertThat(s.peer()).as(ns.namespace() + "/" + s.service()).isTrue();
            assertThat(s.workloads()).isNull();
          }
        }
      }
    }
    assertThat(sawPeer).isTrue();
    // The SRE's edges are a superset with the same numbers for shop's edges.
    TrafficReport all = traffic(Scope.everything());
    assertThat(all.edges()).containsAll(r.edges());
  }
}

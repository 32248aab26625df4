package io.meshlens.views;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.meshlens.query.promql.EngineSettings;
import io.meshlens.query.promql.PromqlEngine;
import io.meshlens.simulator.EdgeKey;
import io.meshlens.simulator.GroundTruth;
import io.meshlens.simulator.SimulatorSettings;
import io.meshlens.store.Scope;
import io.meshlens.tenancy.TenantsConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The health view and the isolation audit against the simulator's ground truth: 24 ticks of 10 s of
 * the 3-cluster demo mesh (with a failover episode), ingested through the real pipeline. The window
 * starts at the simulation's start, before any sample, so what a counter grew by in the window is
 * everything the truth counted; the step is the tick, so first and last seen fall on the ticks the
 * truth records.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HealthIsolationGroundTruthTest {

  private static final int TICKS = 24;

  private SimulatedStore sim;
  private final PromqlEngine engine = new PromqlEngine(EngineSettings.defaults());
  private Instant to;
  private GroundTruth truth;

  @BeforeAll
  void run() {
    sim =
        new SimulatedStore(
            SimulatorSettings.defaults()
                .withRequestsPerSecond(150)
                .withFailover(Duration.ofSeconds(60), Duration.ofSeconds(150)));
    for (int i = 1; i <= TICKS; i++) {
      to = sim.tick();
    }
    truth = sim.truth();
  }

  private ViewParams window() {
    return new ViewParams(SimulatedStore.START.toEpochMilli(), to.toEpochMilli(), 10_000);
  }

  private double windowSeconds() {
    return window().windowMs() / 1000.0;
  }

  private HealthReport health(Scope scope, ViewParams p) {
    return new HealthView(new ViewQueries(engine, sim.store, scope), p, sim.tenants, 4, 15_000)
        .compute(sim.store.newestSampleBy(scope, "cluster"), Map.of());
  }

  private IsolationReport audit(Scope scope) {
    ViewParams p = window();
    return new IsolationAudit(engine, sim.store, null, sim.tenants)
        .audit(scope, p.startMs(), p.endMs(), p.stepMs());
  }

  // ---- health ----

  @Test
  void controlPlaneOfEveryClusterEqualsWhatIstiodEmitted() {
    HealthReport r = health(Scope.everything(), window());
    Map<String, GroundTruth.Istiod> istiods = truth.istiods();
    assertThat(r.controlPlanes())
        .extracting(HealthReport.ControlPlane::cluster)
        .containsExactlyElementsOf(istiods.keySet());
    for (HealthReport.ControlPlane cp : r.controlPlanes()) {
      GroundTruth.Istiod t = istiods.get(cp.cluster());
      assertThat(cp.istiodUp()).isTrue();
      assertThat(cp.lastScrape()).isEqualTo(to.toEpochMilli());
      assertThat(cp.connectedProxies()).isEqualTo((double) t.connectedProxies());
      assertThat(cp.xdsPushes()).isEqualTo((double) t.pushes());
      assertThat(cp.xdsPushesPerSecond()).isCloseTo(t.pushes() / windowSeconds(), within(1e-9));
      assertThat(cp.xdsPushErrorsTotal())
          .isEqualTo((double) (t.internalErrors() + t.pushContextErrors()));
      assertThat(cp.rootCertExpiry()).isEqualTo(t.rootCertExpirySeconds());
      assertThat(cp.proxyConvergenceP99Seconds())
          .isCloseTo(quantile(0.99, t.convergenceBuckets()), within(1e-9));
    }
  }

  /** histogram_quantile by hand over non-cumulative bucket counts. */
  private static double quantile(double q, long[] buckets) {
    List<Double> bounds = GroundTruth.CONVERGENCE_BOUNDS;
    long total = 0;
    for (long b : buckets) {
      total += b;
    }
    double rank = q * total;
    long below = 0;
    for (int i = 0; i < buckets.length; i++) {
      if (below + buckets[i] >= rank) {
        if (i == buckets.length - 1) {
          return bounds.get(bounds.size() - 1);
        }
        double lower = i == 0 ? 0 : bounds.get(i - 1);
        return lower + (bounds.get(i) - lower) * (rank - below) / buckets[i];
      }
      below += buckets[i];
    }
    throw new AssertionError("rank beyond the buckets");
  }

  @Test
  void goldenSignalsPerTenantAndClusterEqualTheRequestsMade() {
    HealthReport r = health(Scope.everything(), window());
    // (tenant, cluster) -> requests, 5xx; a call that reached no destination is the serving
    // tenant's in the caller's cluster.
    Map<String, long[]> expected = new TreeMap<>();
    truth
        .requestsByEdge()
        .forEach(
            (k, n) -> {
              String cluster =
                  "unknown".equals(k.destinationCluster())
                      ? k.sourceCluster()
                      : k.destinationCluster();
              long[] a =
                  expected.computeIfAbsent(k.destinationTenant() + "/" + cluster, x -> new long[2]);
              a[0] += n;
              if (k.responseCode() / 100 == 5) {
                a[1] += n;
              }
            });
    Map<String, HealthReport.GoldenSignals> got = new TreeMap<>();
    r.goldenSignals().forEach(g -> got.put(g.tenant() + "/" + g.cluster(), g));
    assertThat(got.keySet()).containsExactlyElementsOf(expected.keySet());
    expected.forEach(
        (k, a) -> {
          HealthReport.GoldenSignals g = got.get(k);
          assertThat(g.requests()).as(k).isCloseTo(a[0], within(1e-6));
          assertThat(g.errors()).as(k).isCloseTo(a[1], within(1e-6));
          assertThat(g.requestsPerSecond()).isCloseTo(a[0] / windowSeconds(), within(1e-9));
          assertThat(g.latencyMs()).as(k).containsKeys("p50", "p95", "p99");
          assertThat(g.latencyMs().get("p50")).isLessThanOrEqualTo(g.latencyMs().get("p95"));
          assertThat(g.latencyMs().get("p95")).isLessThanOrEqualTo(g.latencyMs().get("p99"));
        });
  }

  @Test
  void aTenantGetsItsOwnGoldenSignalsOnly() {
    HealthReport all = health(Scope.everything(), window());
    HealthReport shop = health(Scope.tenants(Set.of("shop")), window());
    assertThat(shop.goldenSignals()).isNotEmpty();
    assertThat(shop.goldenSignals())
        .containsExactlyElementsOf(
            all.goldenSignals().stream().filter(g -> g.tenant().equals("shop")).toList());
    assertThat(shop.controlPlanes()).isNull();
    assertThat(shop.freshness()).isNull();
    assertThat(shop.ingestLag()).isNull();
  }

  @Test
  void clustersAreSilentOnlyAfterTheThresholdWithoutSamples() {
    long last = to.toEpochMilli();
    HealthReport now = health(Scope.everything(), new ViewParams(last - 60_000, last, 15_000));
    assertThat(now.freshness().clusters())
        .extracting(HealthReport.ClusterFreshness::cluster)
        .containsExactly("east-1", "east-2", "west-1");
    assertThat(now.freshness().silentClusters()).isEmpty();
    // 4 x 15 s = 60 s: silent just after, not at.
    HealthReport atThreshold =
        health(Scope.everything(), new ViewParams(last, last + 60_000, 15_000));
    assertThat(atThreshold.freshness().silentClusters()).isEmpty();
    HealthReport after = health(Scope.everything(), new ViewParams(last, last + 60_001, 15_000));
    assertThat(after.freshness().silentClusters()).containsExactly("east-1", "east-2", "west-1");
    assertThat(after.controlPlanes()).noneMatch(HealthReport.ControlPlane::istiodUp);
  }

  // ---- isolation ----

  private record Side(String tenant, String cluster, String namespace, String service) {}

  private record Edge(Side source, Side destination) {}

  private static Edge edge(EdgeKey k) {
    return new Edge(
        new Side(k.sourceTenant(), k.sourceCluster(), k.sourceNamespace(), k.sourceService()),
        new Side(
            k.destinationTenant(),
            k.destinationCluster(),
            k.destinationNamespace(),
            k.destinationService()));
  }

  private static Edge edge(IsolationReport.Finding f) {
    TrafficReport.Endpoint s = f.source();
    TrafficReport.Endpoint d = f.destination();
    return new Edge(
        new Side(s.tenant(), s.cluster(), s.namespace(), s.service()),
        new Side(d.tenant(), d.cluster(), d.namespace(), d.service()));
  }

  /** Truth per edge for the keys {@code which} selects: count, first and last seen tick. */
  private Map<Edge, long[]> truthOf(java.util.function.Predicate<EdgeKey> which, boolean reached) {
    Map<EdgeKey, GroundTruth.Seen> seen = truth.seenByEdge();
    Map<Edge, long[]> out = new HashMap<>();
    Map<EdgeKey, Long> http =
        reached ? truth.requestsReachedDestinationByEdge() : truth.requestsByEdge();
    for (Map<EdgeKey, Long> m : List.of(http, truth.tcpConnectionsByEdge())) {
      m.forEach(
          (k, n) -> {
            if (!which.test(k) || n == 0) {
              return;
            }
            long[] a =
                out.computeIfAbsent(edge(k), x -> new long[] {0, Long.MAX_VALUE, Long.MIN_VALUE});
            a[0] += n;
            GroundTruth.Seen s = seen.get(k);
            a[1] = Math.min(a[1], s.first().toEpochMilli());
            a[2] = Math.max(a[2], s.last().toEpochMilli());
          });
    }
    return out;
  }

  private Map<Edge, long[]> viewOf(IsolationReport r, IsolationReport.Kind kind) {
    Map<Edge, long[]> out = new HashMap<>();
    for (IsolationReport.Finding f : r.findings()) {
      if (f.kind() != kind) {
        continue;
      }
      long[] a = out.computeIfAbsent(edge(f), x -> new long[] {0, Long.MAX_VALUE, Long.MIN_VALUE});
      a[0] += Math.round(f.count());
      assertThat(f.count()).isEqualTo(Math.rint(f.count()));
      assertThat(f.ratePerSecond()).isCloseTo(f.count() / windowSeconds(), within(1e-9));
      a[1] = Math.min(a[1], f.firstSeen());
      a[2] = Math.max(a[2], f.lastSeen());
    }
    return out;
  }

  private static void assertSame(Map<Edge, long[]> view, Map<Edge, long[]> truth) {
    assertThat(view.keySet()).containsExactlyInAnyOrderElementsOf(truth.keySet());
    truth.forEach(
        (e, t) -> {
          long[] v = view.get(e);
          assertThat(v[0]).as("count of %s", e).isEqualTo(t[0]);
          assertThat(v[1]).as("first seen of %s", e).isEqualTo(t[1]);
          assertThat(v[2]).as("last seen of %s", e).isEqualTo(t[2]);
        });
  }

  private static boolean platform(String tenant) {
    return TenantsConfig.PLATFORM.equals(tenant);
  }

  @Test
  void crossTenantEdgesEqualTheTruthAndAreJudgedByAllowedPeers() {
    IsolationReport r = audit(Scope.everything());
    Map<Edge, long[]> expected =
        truthOf(
            k -> k.crossTenant() && !platform(k.sourceTenant()) && !platform(k.destinationTenant()),
            false);
    assertSame(viewOf(r, IsolationReport.Kind.CROSS_TENANT), expected);
    // The demo declares shop <-> payments and shop <-> search; analytics -> shop (collector ->
    // catalog) and the unassigned legacy batch -> search are not allowed.
    Set<String> violations = new TreeSet<>();
    Set<String> allowed = new TreeSet<>();
    for (IsolationReport.Finding f : r.findings()) {
      if (f.kind() == IsolationReport.Kind.CROSS_TENANT) {
        String pair = f.source().tenant() + " -> " + f.destination().tenant();
        assertThat(f.allowedPeers())
            .isEqualTo(sim.tenants.allowedPeers(f.source().tenant(), f.destination().tenant()));
        assertThat(f.violation()).isEqualTo(!f.allowedPeers());
        (f.violation() ? violations : allowed).add(pair);
      }
    }
    assertThat(violations).contains("analytics -> shop", "unassigned -> search");
    assertThat(allowed).contains("shop -> payments", "shop -> search");
  }

  @Test
  void plaintextEqualsTheTruthsNonMtlsCalls() {
    IsolationReport r = audit(Scope.everything());
    Map<Edge, long[]> expected = truthOf(k -> "none".equals(k.securityPolicy()), true);
    assertThat(expected).isNotEmpty();
    assertSame(viewOf(r, IsolationReport.Kind.PLAINTEXT), expected);
    assertThat(r.findings())
        .filteredOn(f -> f.kind() == IsolationReport.Kind.PLAINTEXT)
        .allMatch(f -> "none".equals(f.securityPolicy()) && f.violation());
  }

  @Test
  void httpDenialsEqualTheTruthsRbac403s() {
    IsolationReport r = audit(Scope.everything());
    Map<Edge, long[]> expected =
        truthOf(k -> k.responseCode() == 403 && !"unknown".equals(k.destinationCluster()), true);
    assertThat(expected).isNotEmpty();
    IsolationReport http =
        new IsolationReport(
            r.start(),
            r.end(),
            r.step(),
            r.findings().stream().filter(f -> !"grpc".equals(f.protocol())).toList(),
            r.tenants());
    assertSame(viewOf(http, IsolationReport.Kind.AUTHZ_DENIED), expected);
    // Without access logs a denial cannot be confirmed nor given an example.
    assertThat(r.findings())
        .filteredOn(f -> f.kind() == IsolationReport.Kind.AUTHZ_DENIED)
        .allMatch(f -> f.rbacConfirmed() == null && f.exampleRequestId() == null);
  }

  @Test
  void aTenantSeesExactlyTheFindingsItIsPartOf() {
    IsolationReport all = audit(Scope.everything());
    IsolationReport shop = audit(Scope.tenants(Set.of("shop")));
    assertThat(shop.findings())
        .containsExactlyElementsOf(
            all.findings().stream()
                .filter(
                    f ->
                        f.source().tenant().equals("shop")
                            || f.destination().tenant().equals("shop"))
                .toList());
    assertThat(shop.tenants())
        .extracting(IsolationReport.TenantSummary::tenant)
        .containsExactly("shop");
    Map<String, List<IsolationReport.Finding>> byTenant =
        new IsolationAudit(engine, sim.store, null, sim.tenants)
            .findingsByTenant(
                Scope.tenants(Set.of("shop")),
                window().startMs(),
                window().endMs(),
                window().stepMs());
    assertThat(byTenant.keySet()).containsExactly("shop");
    assertThat(byTenant.get("shop")).containsExactlyElementsOf(shop.findings());
  }
}

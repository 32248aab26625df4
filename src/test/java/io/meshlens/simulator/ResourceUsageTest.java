package io.meshlens.simulator;

import static io.meshlens.simulator.SimulatorFixtures.START;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshlens.simulator.MeshTopology.Pod;
import io.meshlens.simulator.Telemetry.Point;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ResourceUsageTest {

  private MeshSimulator sim;
  private List<TickOutput> outs;
  private List<Point> last;

  @BeforeAll
  void run() {
    sim = new MeshSimulator(SimulatorFixtures.quick(), START);
    outs = SimulatorFixtures.run(sim, 3, 10);
    last = Telemetry.points(outs.get(2).metrics());
  }

  private List<Point> named(String metric) {
    return last.stream().filter(p -> p.metric().equals(metric)).toList();
  }

  @Test
  void everyPodReportsPodAndContainerUsageEqualToGroundTruth() {
    Map<String, Double> podCpu = new HashMap<>();
    Map<String, Double> podMem = new HashMap<>();
    for (Point p : named("k8s.pod.cpu.usage")) {
      podCpu.put(
          p.res("k8s.cluster.name")
              + "/"
              + p.res("k8s.namespace.name")
              + "/"
              + p.res("k8s.pod.name"),
          p.value());
      assertThat(p.scope()).isEqualTo("otelcol/kubeletstatsreceiver");
    }
    for (Point p : named("k8s.pod.memory.working_set")) {
      podMem.put(
          p.res("k8s.cluster.name")
              + "/"
              + p.res("k8s.namespace.name")
              + "/"
              + p.res("k8s.pod.name"),
          p.value());
    }
    assertThat(podCpu).hasSize(sim.topology().pods().size());
    Map<String, Double> containerCpu = new HashMap<>();
    Map<String, Double> proxyCpu = new HashMap<>();
    Map<String, Double> containerMem = new HashMap<>();
    for (Point p : named("container.cpu.usage")) {
      String pod =
          p.res("k8s.cluster.name")
              + "/"
              + p.res("k8s.namespace.name")
              + "/"
              + p.res("k8s.pod.name");
      containerCpu.merge(pod, p.value(), Double::sum);
      if (p.res("k8s.container.name").equals("istio-proxy")) {
        proxyCpu.put(pod, p.value());
      }
    }
    for (Point p : named("container.memory.working_set")) {
      containerMem.merge(
          p.res("k8s.cluster.name")
              + "/"
              + p.res("k8s.namespace.name")
              + "/"
              + p.res("k8s.pod.name"),
          p.value(),
          Double::sum);
    }
    Map<String, PodUsage> truth = sim.groundTruth().podUsage();
    assertThat(truth.keySet()).isEqualTo(podCpu.keySet());
    for (Map.Entry<String, PodUsage> e : truth.entrySet()) {
      PodUsage u = e.getValue();
      assertThat(podCpu.get(e.getKey())).isEqualTo(u.cpuCores());
      assertThat(containerCpu.get(e.getKey())).isEqualTo(u.cpuCores());
      assertThat(podMem.get(e.getKey())).isEqualTo((double) u.memoryWorkingSetBytes());
      assertThat(containerMem.get(e.getKey())).isEqualTo((double) u.memoryWorkingSetBytes());
      assertThat(proxyCpu.getOrDefault(e.getKey(), 0.0)).isEqualTo(u.proxyCpuCores());
    }
    PodUsage frontend =
        truth.values().stream()
            .filter(u -> u.pod().startsWith("frontend-v1-"))
            .findFirst()
            .orElseThrow();
    assertThat(frontend.tenant()).isEqualTo("shop");
    assertThat(frontend.proxyCpuCores()).isPositive().isLessThan(frontend.cpuCores());
    assertThat(frontend.cpuCoresWithoutProxy()).isPositive();
  }

  @Test
  void containersReportRequestsAndLimitsAndSidecarsUseIstioDefaults() {
    for (Point p : named("k8s.container.cpu_request")) {
      if (p.res("k8s.container.name").equals("istio-proxy")) {
        assertThat(p.value()).isEqualTo(0.1);
      }
    }
    for (Point p : named("k8s.container.memory_limit")) {
      if (p.res("k8s.container.name").equals("istio-proxy")) {
        assertThat(p.value()).isEqualTo(1024.0 * 1024 * 1024);
      }
    }
    assertThat(named("k8s.container.cpu_limit")).hasSameSizeAs(named("container.cpu.usage"));
    assertThat(named("k8s.container.memory_request")).hasSameSizeAs(named("container.cpu.usage"));
  }

  @Test
  void cpuRisesWithRequestLoad() {
    double quiet = frontendAppCpu(5);
    double busy = frontendAppCpu(400);
    assertThat(busy).isGreaterThan(quiet * 3);
  }

  private static double frontendAppCpu(double rps) {
    MeshSimulator s =
        new MeshSimulator(SimulatorSettings.defaults().withRequestsPerSecond(rps), START);
    TickOutput out = SimulatorFixtures.run(s, 2, 10).get(1);
    return Telemetry.points(out.metrics()).stream()
        .filter(
            p ->
                p.metric().equals("container.cpu.usage")
                    && "frontend".equals(p.res("k8s.container.name")))
        .mapToDouble(Point::value)
        .sum();
  }

  @Test
  void quotasCoverEveryTenantNamespaceInEveryClusterItRunsIn() {
    Map<String, Map<String, Double>> used = new HashMap<>();
    Map<String, Map<String, Double>> hard = new HashMap<>();
    for (Point p : last) {
      String key = p.res("k8s.cluster.name") + "/" + p.res("k8s.namespace.name");
      if (p.metric().equals("k8s.resource_quota.used")) {
        used.computeIfAbsent(key, k -> new HashMap<>()).put(p.attr("resource"), p.value());
        assertThat(p.res("k8s.resourcequota.name"))
            .isEqualTo(p.res("k8s.namespace.name") + "-quota");
      } else if (p.metric().equals("k8s.resource_quota.hard_limit")) {
        hard.computeIfAbsent(key, k -> new HashMap<>()).put(p.attr("resource"), p.value());
      }
    }
    assertThat(used.keySet())
        .containsExactlyInAnyOrder(
            "east-1/payments",
            "east-1/payments-ledger",
            "west-1/payments",
            "west-1/payments-ledger",
            "east-1/shop",
            "east-2/search",
            "west-1/analytics");
    for (String key : used.keySet()) {
      assertThat(used.get(key).keySet())
          .containsExactlyInAnyOrder(
              "requests.cpu", "requests.memory", "limits.cpu", "limits.memory", "pods");
      used.get(key).forEach((r, v) -> assertThat(v).isLessThanOrEqualTo(hard.get(key).get(r)));
      String[] cn = key.split("/");
      long pods =
          sim.topology().pods().stream()
              .filter(p -> p.cluster().equals(cn[0]) && p.namespace().equals(cn[1]))
              .count();
      assertThat(used.get(key).get("pods")).isEqualTo((double) pods);
      GroundTruth.QuotaUsage q = sim.groundTruth().quotas().get(key);
      assertThat(q.used().get("pods")).isEqualTo(pods);
      assertThat((double) q.hard().get("requests.cpu"))
          .isEqualTo(hard.get(key).get("requests.cpu"));
    }
  }

  @Test
  void istiodReportsControlPlaneHealthPerCluster() {
    List<Point> xds = named("pilot_xds");
    assertThat(xds.stream().map(p -> p.res("k8s.cluster.name")))
        .containsExactlyInAnyOrder("east-1", "east-2", "west-1");
    for (Point p : xds) {
      String cluster = p.res("k8s.cluster.name");
      long proxies =
          sim.topology().pods().stream()
              .filter(pod -> pod.cluster().equals(cluster) && pod.workload().hasProxy())
              .count();
      assertThat(p.value()).isEqualTo((double) proxies);
      assertThat(p.attr("version")).isEqualTo(MeshTopology.ISTIO_VERSION);
      assertThat(p.res("service.name")).isEqualTo("istiod");
      assertThat(p.res("k8s.namespace.name")).isEqualTo("istio-system");
      assertThat(p.res("k8s.pod.name")).startsWith("istiod-");
    }
    assertThat(named("pilot_xds_pushes").stream().map(p -> p.attr("type")).distinct())
        .containsExactlyInAnyOrder("cds", "eds", "lds", "rds");
    assertThat(named("pilot_total_xds_internal_errors")).hasSize(3);
    assertThat(named("pilot_xds_push_context_errors")).hasSize(3);
    assertThat(named("pilot_proxy_convergence_time"))
        .hasSize(3)
        .allSatisfy(
            p ->
                assertThat(p.histogram().getExplicitBoundsList())
                    .containsExactly(0.1, 0.5, 1.0, 3.0, 5.0, 10.0, 20.0, 30.0));
    assertThat(named("citadel_server_root_cert_expiry_timestamp"))
        .allSatisfy(p -> assertThat(p.value()).isGreaterThan(START.getEpochSecond()));
    assertThat(named("istio_build"))
        .allSatisfy(
            p -> {
              assertThat(p.attr("component")).isEqualTo("pilot");
              assertThat(p.attr("tag")).isEqualTo(MeshTopology.ISTIO_VERSION);
              assertThat(p.value()).isEqualTo(1.0);
            });
  }

  @Test
  void everyPodIsKnownToTheTopology() {
    Map<String, Pod> byName =
        sim.topology().pods().stream()
            .collect(Collectors.toMap(p -> p.cluster() + "/" + p.name(), p -> p));
    for (Point p : named("k8s.pod.cpu.usage")) {
      Pod pod = byName.get(p.res("k8s.cluster.name") + "/" + p.res("k8s.pod.name"));
      assertThat(pod).isNotNull();
      assertThat(p.res("k8s.pod.uid")).isEqualTo(pod.uid());
      assertThat(p.res("k8s.node.name")).isEqualTo(pod.node());
    }
  }
}

package io.meshlens.simulator;

import static io.meshlens.simulator.SimulatorFixtures.START;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshlens.simulator.MeshTopology.Pod;
import io.meshlens.simulator.MeshTopology.Service;
import io.meshlens.simulator.MeshTopology.Tenant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MeshTopologyTest {

  private final MeshTopology topo = MeshTopology.build(SimulatorSettings.defaults(), START);

  @Test
  void meshHasThreeClustersOnTwoNetworks() {
    assertThat(topo.meshId()).isEqualTo("mesh1");
    assertThat(topo.trustDomain()).isEqualTo("cluster.local");
    assertThat(topo.clusterNames()).containsExactly("east-1", "east-2", "west-1");
    assertThat(topo.cluster("east-1").orElseThrow().network()).isEqualTo("net-east");
    assertThat(topo.cluster("east-2").orElseThrow().network()).isEqualTo("net-east");
    assertThat(topo.cluster("west-1").orElseThrow().network()).isEqualTo("net-west");
    assertThat(topo.networks()).containsExactly("net-east", "net-west");
  }

  @Test
  void tenantsOwnExactlyTheirNamespacesAndClusters() {
    assertThat(topo.tenantNames()).containsExactly("payments", "shop", "search", "analytics");
    assertThat(topo.tenant("payments").orElseThrow())
        .isEqualTo(
            new Tenant(
                "payments",
                List.of("payments", "payments-ledger"),
                List.of("east-1", "west-1"),
                false));
    assertThat(topo.tenant("shop").orElseThrow())
        .isEqualTo(new Tenant("shop", List.of("shop"), List.of("east-1"), false));
    assertThat(topo.tenant("search").orElseThrow())
        .isEqualTo(new Tenant("search", List.of("search"), List.of("east-2"), false));
    assertThat(topo.tenant("analytics").orElseThrow())
        .isEqualTo(new Tenant("analytics", List.of("analytics"), List.of("west-1"), false));
  }

  @Test
  void platformAndUnownedNamespacesResolveToReservedTenants() {
    assertThat(topo.tenantOfNamespace("istio-system")).isEqualTo("platform");
    assertThat(topo.tenantOfNamespace("istio-gateways")).isEqualTo("platform");
    assertThat(topo.tenantOfNamespace("kube-system")).isEqualTo("platform");
    assertThat(topo.tenantOfNamespace("legacy")).isEqualTo("unassigned");
    assertThat(topo.tenantOfNamespace("payments-ledger")).isEqualTo("payments");
  }

  @Test
  void namespacesPerClusterMatchTheDesign() {
    assertThat(topo.namespaces("east-1"))
        .containsExactlyInAnyOrder(
            "istio-system", "kube-system", "istio-gateways", "payments", "payments-ledger", "shop");
    assertThat(topo.namespaces("east-2"))
        .containsExactlyInAnyOrder("istio-system", "kube-system", "search", "legacy");
    assertThat(topo.namespaces("west-1"))
        .containsExactlyInAnyOrder(
            "istio-system",
            "kube-system",
            "istio-gateways",
            "payments",
            "payments-ledger",
            "analytics");
  }

  @Test
  void servicesRunInTheirNamespacesAndClusters() {
    assertDeployed(
        "payments", List.of("payments-api", "fraud-check", "card-gateway"), "east-1", "west-1");
    assertDeployed("payments-ledger", List.of("ledger", "ledger-db"), "east-1", "west-1");
    assertDeployed(
        "shop", List.of("shop-gateway", "frontend", "catalog", "cart", "checkout"), "east-1");
    assertDeployed("search", List.of("search-api", "ranker", "indexer"), "east-2");
    assertDeployed("analytics", List.of("collector", "reporting", "warehouse"), "west-1");
    assertDeployed("legacy", List.of("legacy-batch"), "east-2");
    assertDeployed(
        "istio-system", List.of("istiod", "istio-eastwestgateway"), "east-1", "east-2", "west-1");
    assertDeployed("istio-gateways", List.of("istio-ingressgateway"), "east-1", "west-1");
    assertDeployed("kube-system", List.of("coredns"), "east-1", "east-2", "west-1");
  }

  private void assertDeployed(String namespace, List<String> services, String... clusters) {
    for (String name : services) {
      Service s = topo.service(namespace, name).orElseThrow(() -> new AssertionError(name));
      assertThat(topo.workloadsOf(s).stream().map(MeshTopology.Workload::cluster).toList())
          .as(namespace + "/" + name)
          .containsExactly(clusters);
    }
  }

  @Test
  void replicasPerWorkloadSetsPodsOfAppsAndGateways() {
    MeshTopology three =
        MeshTopology.build(SimulatorSettings.defaults().withReplicasPerWorkload(3), START);
    assertThat(three.podsOf("east-1", "shop", "frontend")).hasSize(3);
    assertThat(three.podsOf("east-1", "istio-gateways", "istio-ingressgateway")).hasSize(3);
    assertThat(three.podsOf("west-1", "istio-system", "istiod")).hasSize(1);
    assertThat(three.podsOf("east-2", "kube-system", "coredns")).hasSize(2);
  }

  @Test
  void extraTenantsAddNumberedTenantsWithFourServicesEach() {
    MeshTopology big = MeshTopology.build(SimulatorSettings.defaults().withExtraTenants(4), START);
    assertThat(big.tenantNames())
        .containsExactly(
            "payments",
            "shop",
            "search",
            "analytics",
            "tenant-001",
            "tenant-002",
            "tenant-003",
            "tenant-004");
    Tenant t2 = big.tenant("tenant-002").orElseThrow();
    assertThat(t2.namespaces()).containsExactly("tenant-002");
    assertThat(t2.clusters()).containsExactly("east-2");
    assertThat(t2.synthetic()).isTrue();
    assertThat(
            big.services().stream()
                .filter(s -> s.namespace().equals("tenant-002"))
                .map(Service::name))
        .containsExactly("web", "api", "worker", "store");
    assertThat(big.pods()).hasSize(topo.pods().size() + 4 * 4 * 2);
  }

  @Test
  void podNamesAndAddressesAreUniqueAndFollowKubernetesConventions() {
    Set<String> names = new HashSet<>();
    Set<String> ips = new HashSet<>();
    for (Pod p : topo.pods()) {
      assertThat(names.add(p.cluster() + "/" + p.namespace() + "/" + p.name())).isTrue();
      assertThat(ips.add(p.ip())).isTrue();
      assertThat(p.name()).matches(p.workload().name() + "-[b-z2-9]{10}-[b-z2-9]{5}");
      assertThat(p.startTime()).isBefore(START);
    }
    Pod frontend = topo.podsOf("east-1", "shop", "frontend").get(0);
    assertThat(frontend.nodeId())
        .isEqualTo(
            "sidecar~" + frontend.ip() + "~" + frontend.name() + ".shop~shop.svc.cluster.local");
    Pod ingress = topo.podsOf("east-1", "istio-gateways", "istio-ingressgateway").get(0);
    assertThat(ingress.nodeId()).startsWith("router~");
  }

  @Test
  void sameSeedBuildsTheSameMeshAndAnotherSeedRenamesPods() {
    MeshTopology again = MeshTopology.build(SimulatorSettings.defaults(), START);
    MeshTopology other = MeshTopology.build(SimulatorSettings.defaults().withSeed(7), START);
    assertThat(again.pods()).isEqualTo(topo.pods());
    assertThat(other.pods().get(0).name()).isNotEqualTo(topo.pods().get(0).name());
  }
}

package io.meshlens.tenancy;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshlens.model.Labels;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class MetricAttributorTest {

  private final MetricAttributor attributor =
      new MetricAttributor(TenantDirectory.load(Path.of("config/tenants.yaml")));

  private static Labels edge(
      String reporter,
      String srcNs,
      String srcCluster,
      String dstNs,
      String dstCluster,
      String resourceNs) {
    return Labels.of(
        "__name__", "istio_requests_total",
        "reporter", reporter,
        "source_workload_namespace", srcNs,
        "source_cluster", srcCluster,
        "destination_workload_namespace", dstNs,
        "destination_service_namespace", dstNs,
        "destination_cluster", dstCluster,
        "k8s_namespace_name", resourceNs);
  }

  @Test
  void crossTenantEdgeIsOwnedByTheReporterAndVisibleToBothSides() {
    AttributedSeries s =
        attributor.attribute(edge("source", "shop", "east-1", "payments", "east-1", "shop"), null);
    assertThat(s.tenant()).isEqualTo("shop");
    assertThat(s.visibleTo()).containsExactlyInAnyOrder("shop", "payments");
    assertThat(s.labels().get("tenant")).isEqualTo("shop");
    assertThat(s.labels().get("cluster")).isEqualTo("east-1");

    AttributedSeries d =
        attributor.attribute(
            edge("destination", "shop", "east-1", "payments", "west-1", "payments"), null);
    assertThat(d.tenant()).isEqualTo("payments");
    assertThat(d.cluster()).isEqualTo("west-1");
  }

  @Test
  void gatewayInPlatformNamespaceIsVisibleToTheTenantItRoutesTo() {
    AttributedSeries s =
        attributor.attribute(
            edge("source", "istio-gateways", "east-1", "shop", "east-1", "istio-gateways"), null);
    assertThat(s.tenant()).isEqualTo("platform");
    assertThat(s.visibleTo()).containsExactlyInAnyOrder("platform", "shop");
  }

  @Test
  void resourceClusterAttributeWinsAndBecomesTheClusterLabel() {
    Labels in =
        Labels.of(
            "__name__",
            "k8s_pod_cpu_usage",
            "k8s_cluster_name",
            "west-1",
            "k8s_namespace_name",
            "analytics",
            "cluster",
            "something-else");
    AttributedSeries s = attributor.attribute(in, "from-header");
    assertThat(s.cluster()).isEqualTo("west-1");
    assertThat(s.labels().get("k8s_cluster_name")).isNull();
    assertThat(s.labels().get("cluster")).isEqualTo("west-1");
    assertThat(s.labels().get("exported_cluster")).isEqualTo("something-else");
    assertThat(s.visibleTo()).containsExactly("analytics");
  }

  @Test
  void withoutAnyClusterHintTheClusterIsUnknownAndNamespaceFallsBackToPrometheusName() {
    Labels in = Labels.of("__name__", "kube_resourcequota", "namespace", "search");
    AttributedSeries s = attributor.attribute(in, null);
    assertThat(s.cluster()).isEqualTo("unknown");
    assertThat(s.tenant()).isEqualTo("search");
    AttributedSeries hinted = attributor.attribute(in, "east-2");
    assertThat(hinted.cluster()).isEqualTo("east-2");
  }

  @Test
  void seriesWithoutNamespaceIsUnassigned() {
    AttributedSeries s = attributor.attribute(Labels.of("__name__", "up"), "east-1");
    assertThat(s.tenant()).isEqualTo("unassigned");
    assertThat(s.visibleTo()).containsExactly("unassigned");
  }
}

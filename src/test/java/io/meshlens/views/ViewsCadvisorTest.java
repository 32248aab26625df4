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
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The usage view from cAdvisor and kube-state-metrics names (no kubelet receiver): two scrapes 60 s
 * apart of one shop pod with an application container and its istio-proxy.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ViewsCadvisorTest {

  private static final long T = 1_700_000_000_000L;
  private static final String POD = "cart-7d4b9c8f6d-abcde";

  private final MetricStore store = new MetricStore();
  private final TenantDirectory tenants = TenantDirectory.load(Path.of("config/tenants.yaml"));

  private static String scrape(double appCpu, double proxyCpu, double rxBytes) {
    String pod = "namespace=\"shop\",pod=\"" + POD + "\"";
    return String.join(
        "\n",
        "# TYPE container_cpu_usage_seconds_total counter",
        "container_cpu_usage_seconds_total{" + pod + ",container=\"cart\"} " + appCpu,
        "container_cpu_usage_seconds_total{" + pod + ",container=\"istio-proxy\"} " + proxyCpu,
        // the pod cgroup (container="") and the pause container are not added again
        "container_cpu_usage_seconds_total{" + pod + ",container=\"\"} " + (appCpu + proxyCpu),
        "container_cpu_usage_seconds_total{" + pod + ",container=\"POD\"} 1",
        "# TYPE container_memory_working_set_bytes gauge",
        "container_memory_working_set_bytes{" + pod + ",container=\"cart\"} 200000000",
        "container_memory_working_set_bytes{" + pod + ",container=\"istio-proxy\"} 50000000",
        "container_memory_working_set_bytes{" + pod + ",container=\"\"} 250000000",
        "# TYPE kube_pod_container_resource_requests gauge",
        "kube_pod_container_resource_requests{"
            + pod
            + ",container=\"cart\",resource=\"cpu\",unit=\"core\"} 0.5",
        "kube_pod_container_resource_requests{"
            + pod
            + ",container=\"istio-proxy\",resource=\"cpu\",unit=\"core\"} 0.1",
        "kube_pod_container_resource_requests{"
            + pod
            + ",container=\"cart\",resource=\"memory\",unit=\"byte\"} 268435456",
        "# TYPE kube_pod_container_resource_limits gauge",
        "kube_pod_container_resource_limits{"
            + pod
            + ",container=\"cart\",resource=\"cpu\",unit=\"core\"} 1",
        "# TYPE kube_resourcequota gauge",
        "kube_resourcequota{namespace=\"shop\",resourcequota=\"shop-quota\",resource=\"requests.cpu\",type=\"hard\"} 4",
        "kube_resourcequota{namespace=\"shop\",resourcequota=\"shop-quota\",resource=\"requests.cpu\",type=\"used\"} 0.6",
        "# TYPE container_network_receive_bytes_total counter",
        "container_network_receive_bytes_total{" + pod + ",interface=\"eth0\"} " + rxBytes,
        "");
  }

  @BeforeAll
  void ingest() {
    MetricsPipeline pipeline =
        new MetricsPipeline(
            new OtlpMetricsTranslator(TranslatorSettings.defaults()),
            () -> tenants,
            store,
            new IngestStats("metrics"),
            MetricsPipeline.Encoding.AUTO,
            8 << 20);
    Map<String, String> resource =
        Map.of("k8s.cluster.name", "west-1", "k8s.namespace.name", "shop");
    pipeline.accept(
        "otlp_metrics",
        PromTextToOtlp.convert(scrape(100, 10, 1000), resource, T - 60_000).toByteArray(),
        null);
    pipeline.accept(
        "otlp_metrics",
        PromTextToOtlp.convert(scrape(130, 16, 7000), resource, T).toByteArray(),
        null);
  }

  @Test
  void cpuMemoryRequestsQuotaAndNetworkComeFromCadvisorAndKubeStateMetrics() {
    ViewQueries q =
        new ViewQueries(
            new PromqlEngine(EngineSettings.defaults()), store, Scope.tenants(Set.of("shop")));
    UsageReport r =
        new UsageView(q, new ViewParams(T - 60_000, T, 60_000), UsageGroupBy.WORKLOAD)
            .compute(List.of());
    assertThat(r.sources())
        .containsEntry("cpu", "container_cpu_usage_seconds_total")
        .containsEntry("memory", "container_memory_working_set_bytes")
        .containsEntry("cpuRequests", "kube_pod_container_resource_requests")
        .containsEntry("networkReceive", "container_network_receive_bytes_total");
    assertThat(r.rows()).hasSize(1);
    UsageReport.Row row = r.rows().get(0);
    assertThat(row.group()).isEqualTo(new UsageReport.Group("shop", "west-1", "shop", "cart"));
    // (130 - 100) + (16 - 10) CPU seconds over 60 s: 0.6 cores, 0.1 of them the sidecar's
    assertThat(row.cpu().avg()).isCloseTo(0.6, within(1e-9));
    assertThat(row.cpu().proxyAvg()).isCloseTo(0.1, within(1e-9));
    assertThat(row.cpu().proxyShare()).isCloseTo(0.1 / 0.6, within(1e-9));
    assertThat(row.cpu().requests()).isCloseTo(0.6, within(1e-9));
    assertThat(row.cpu().limits()).isEqualTo(1.0);
    assertThat(row.memory().avg()).isEqualTo(250_000_000.0);
    assertThat(row.memory().proxyShare()).isCloseTo(0.2, within(1e-9));
    assertThat(row.memory().requests()).isEqualTo(268435456.0);
    assertThat(row.network().receiveBytes()).isCloseTo(6000.0, within(1e-9));
    assertThat(row.quota()).isNull(); // quotas are per namespace, not per workload

    UsageReport ns =
        new UsageView(q, new ViewParams(T - 60_000, T, 60_000), UsageGroupBy.NAMESPACE)
            .compute(List.of());
    UsageReport.Quota quota = ns.rows().get(0).quota().get("requests.cpu");
    assertThat(quota.hard()).isEqualTo(4.0); // kube-state-metrics reports cores already
    assertThat(quota.used()).isEqualTo(0.6);
    assertThat(quota.utilisation()).isCloseTo(0.15, within(1e-12));
  }
}

package io.meshlens.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshlens.demo.SimulatorService;
import io.meshlens.simulator.FailoverEpisode;
import io.meshlens.testing.InJvmKafka;
import io.meshlens.testing.PrometheusServer;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

/**
 * The shipped alert rules against a running Meshlens: the simulator publishes a 3-cluster mesh to a
 * real broker, a real Prometheus (Debian's package) scrapes Meshlens' {@code /metrics} every second
 * and evaluates {@code kubernetes/alerts/meshlens.rules.yaml} with every {@code for:} shortened to
 * {@value #SHORT_FOR} (the only change: thresholds and windows are the shipped ones), and the
 * simulator injects two faults: fraud-check in east-1 fails (its failover episode) and east-2's
 * Collectors go silent. Alerts are read from Prometheus' {@code /api/v1/alerts}.
 */
@QuarkusTest
@WithTestResource(InJvmKafka.class)
@TestProfile(AlertingEndToEndTest.Faults.class)
class AlertingEndToEndTest {

  static final String SHORT_FOR = "10s";

  /**
   * Simulator exporting every second; fraud-check in east-1 fails from 90 s after it starts for 4
   * minutes (a 10 s outage, the default, is rightly too short to page on a 1-hour budget).
   */
  public static final class Faults implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of(
          "meshlens.tenants-file", "config/tenants.yaml",
          "meshlens.simulator.enabled", "true",
          "meshlens.simulator.interval", "1s",
          "meshlens.simulator.requests-per-second", "100",
          "meshlens.simulator.failover-start", "90s",
          // fraud-check in east-1 fails for 4 minutes (outlier detection ejects it late)
          "meshlens.simulator.failover-ejection-delay", "240s",
          "meshlens.simulator.failover-end", "600s",
          "meshlens.alerting.rollup-interval", "1s",
          "meshlens.ingest.max-record-bytes", "8388608");
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  @Inject SimulatorService simulator;

  /** The shipped rule file with each {@code for:} set to {@link #SHORT_FOR}. */
  static String shortenedRules() throws Exception {
    String rules = Files.readString(Path.of("kubernetes/alerts/meshlens.rules.yaml"));
    String shortened = rules.replaceAll("(?m)^(\\s+)for: \\S+$", "$1for: " + SHORT_FOR);
    assertThat(shortened).isNotEqualTo(rules).doesNotContain("for: 2m");
    return shortened;
  }

  @Test
  void errorRateAndClusterSilentAlertsFireOnTheirFaultsAndNotBefore() throws Exception {
    int port = ConfigProvider.getConfig().getValue("quarkus.management.test-port", Integer.class);
    Path work = Files.createTempDirectory("meshlens-alerting-it");
    try (PrometheusServer prometheus =
        PrometheusServer.start(work, "127.0.0.1:" + port, "1s", shortenedRules())) {
      FailoverEpisode episode = simulator.groundTruth().orElseThrow().failover();

      // Prometheus scrapes the rollups.
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofSeconds(1))
          .untilAsserted(
              () ->
                  assertThat(
                          prometheus.query(
                              "sum(meshlens_tenant_requests_total{tenant=\"payments\",cluster=\"east-1\"})"))
                      .isPositive());

      // No fault yet: neither alert, for 20 s of rule evaluations.
      Instant quietUntil = Instant.now().plusSeconds(20);
      while (Instant.now().isBefore(quietUntil)) {
        assertThat(alerts(prometheus, "MeshlensTenantErrorBudgetBurn")).isEmpty();
        assertThat(alerts(prometheus, "MeshlensClusterSilent")).isEmpty();
        Thread.sleep(1000);
      }

      // Fault 1: east-2's Collectors stop.
      simulator.silenceCluster("east-2", true);
      Instant silencedAt = Instant.now();

      // Until the episode starts, no error-rate alert.
      while (Instant.now().isBefore(episode.start().minusSeconds(2))) {
        assertThat(alerts(prometheus, "MeshlensTenantErrorBudgetBurn")).isEmpty();
        Thread.sleep(1000);
      }

      // What the rules judged before the fault (printed to help tune thresholds).
      System.out.println(
          "before the episode: error ratio 1h by tenant and cluster "
              + prometheus.get(
                  "/api/v1/query?query=tenant_cluster:meshlens_tenant_request_errors:ratio_rate1h")
              + "\nrequests in 1h "
              + prometheus.get(
                  "/api/v1/query?query=tenant_cluster:meshlens_tenant_requests:increase1h"));

      // Fault 2: the failover episode; fraud-check in east-1 answers 503 until ejected.
      await()
          .atMost(Duration.ofSeconds(150))
          .pollInterval(Duration.ofSeconds(1))
          .untilAsserted(
              () ->
                  assertThat(firing(prometheus, "MeshlensTenantErrorBudgetBurn"))
                      .contains(Map.of("tenant", "payments", "cluster", "east-1")));
      // The demo mesh's standing findings: analytics (west-1) calls shop's catalog in east-1
      // without being an allowed peer, and sends plaintext to its own reporting service.
      assertThat(firing(prometheus, "MeshlensTenantIsolationViolation"))
          .contains(Map.of("tenant", "shop", "cluster", "east-1"))
          .noneMatch(a -> a.get("tenant").equals("payments"));
      assertThat(firing(prometheus, "MeshlensTenantPlaintextTraffic"))
          .contains(Map.of("tenant", "analytics", "cluster", "west-1"));

      System.out.println(
          "after the episode: error ratio 5m "
              + prometheus.get(
                  "/api/v1/query?query=tenant_cluster:meshlens_tenant_request_errors:ratio_rate5m"));
      await()
          .atMost(Duration.ofSeconds(240))
          .pollInterval(Duration.ofSeconds(1))
          .untilAsserted(
              () ->
                  assertThat(firing(prometheus, "MeshlensClusterSilent"))
                      .contains(Map.of("cluster", "east-2", "signal", "metrics")));
      assertThat(Duration.between(silencedAt, Instant.now()))
          .isGreaterThan(Duration.ofSeconds(120));
      // The clusters still sending are not silent.
      assertThat(firing(prometheus, "MeshlensClusterSilent"))
          .noneMatch(a -> a.get("cluster").equals("east-1") || a.get("cluster").equals("west-1"));
    } finally {
      simulator.silenceCluster("east-2", false);
    }
  }

  /** Label sets (tenant, cluster, signal where present) of the firing alerts of that name. */
  private static List<Map<String, String>> firing(PrometheusServer prometheus, String name)
      throws Exception {
    List<Map<String, String>> out = new ArrayList<>();
    for (JsonNode a : alerts(prometheus, name)) {
      if (a.path("state").asText().equals("firing")) {
        Map<String, String> labels = new java.util.TreeMap<>();
        for (String l : List.of("tenant", "cluster", "signal")) {
          if (a.path("labels").has(l)) {
            labels.put(l, a.path("labels").path(l).asText());
          }
        }
        out.add(labels);
      }
    }
    return out;
  }

  /** Pending and firing alerts of that name. */
  private static List<JsonNode> alerts(PrometheusServer prometheus, String name) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode a : JSON.readTree(prometheus.get("/api/v1/alerts")).path("data").path("alerts")) {
      if (a.path("labels").path("alertname").asText().equals(name)) {
        out.add(a);
      }
    }
    return out;
  }
}

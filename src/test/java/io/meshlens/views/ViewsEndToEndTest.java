package io.meshlens.views;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshlens.testing.InJvmKafka;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The views over real HTTP, with the simulator publishing to a real in-JVM broker: each token sees
 * its own tenants' rows and edges, the SRE sees all, a tenant not granted is 403, no token 401.
 */
@QuarkusTest
@WithTestResource(InJvmKafka.class)
@TestProfile(ViewsEndToEndTest.SimulatorOn.class)
class ViewsEndToEndTest {

  /** Simulator on, exporting every 2 s. */
  public static final class SimulatorOn implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of(
          "meshlens.tenants-file", "config/tenants.yaml",
          "meshlens.simulator.enabled", "true",
          "meshlens.simulator.interval", "2s",
          "meshlens.simulator.requests-per-second", "100",
          "meshlens.ingest.max-record-bytes", "8388608");
    }
  }

  private static JsonPath get(String path, String token, String orgId, int status) {
    var req = given();
    if (token != null) {
      req = req.header("Authorization", "Bearer " + token);
    }
    if (orgId != null) {
      req = req.header("X-Scope-OrgID", orgId);
    }
    long now = System.currentTimeMillis() / 1000;
    return req.queryParam("start", now - 120)
        .queryParam("end", now)
        .queryParam("step", "10s")
        .get(path)
        .then()
        .statusCode(status)
        .extract()
        .jsonPath();
  }

  @Test
  void usageIsScopedToTheCallersTenants() {
    await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofSeconds(2))
        .until(
            () ->
                !get("/api/v1/views/usage?groupBy=namespace", "demo-shop-token", null, 200)
                    .getList("data.rows")
                    .isEmpty());
    JsonPath shop = get("/api/v1/views/usage?groupBy=namespace", "demo-shop-token", null, 200);
    assertThat(shop.getString("status")).isEqualTo("success");
    assertThat(shop.getList("data.rows.group.tenant", String.class)).containsOnly("shop");
    assertThat(shop.getList("data.rows.cpu.avg", Double.class)).allMatch(v -> v != null && v > 0);
    assertThat(shop.getList("data.telemetry.tenant", String.class)).containsExactly("shop");
    JsonPath sre = get("/api/v1/views/usage", "demo-sre-token", null, 200);
    assertThat(sre.getList("data.rows.group.tenant", String.class))
        .contains("shop", "payments", "search", "analytics", "platform");
    JsonPath commerce = get("/api/v1/views/usage", "demo-commerce-token", "shop", 200);
    assertThat(commerce.getList("data.rows.group.tenant", String.class)).containsOnly("shop");
  }

  @Test
  void trafficShowsOwnEdgesAndPeersWithoutTheirWorkloads() {
    await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofSeconds(2))
        .until(
            () ->
                !get("/api/v1/views/traffic", "demo-shop-token", null, 200)
                    .getList("data.edges")
                    .isEmpty());
    JsonPath shop = get("/api/v1/views/traffic", "demo-shop-token", null, 200);
    List<Map<String, Object>> edges = shop.getList("data.edges");
    for (Map<String, Object> e : edges) {
      @SuppressWarnings("unchecked")
      Map<String, Object> src = (Map<String, Object>) e.get("source");
      @SuppressWarnings("unchecked")
      Map<String, Object> dst = (Map<String, Object>) e.get("destination");
      assertThat(List.of(src.get("tenant"), dst.get("tenant"))).contains("shop");
      assertThat(src.keySet())
          .containsExactlyInAnyOrder("tenant", "cluster", "namespace", "service");
    }
    String body =
        given()
            .header("Authorization", "Bearer demo-shop-token")
            .get("/api/v1/views/traffic")
            .then()
            .statusCode(200)
            .extract()
            .asString();
    // Peer nodes carry no workloads, principals or pods.
    assertThat(body).doesNotContain("spiffe://").doesNotContain("\"pod\"");
    JsonPath sre = get("/api/v1/views/traffic", "demo-sre-token", null, 200);
    assertThat(sre.getList("data.edges").size()).isGreaterThan(edges.size());
  }

  @Test
  void foreignTenantIs403AndNoTokenIs401AndBadParametersArePrometheusErrors() {
    JsonPath forbidden = get("/api/v1/views/usage", "demo-shop-token", "payments", 403);
    assertThat(forbidden.getString("status")).isEqualTo("error");
    get("/api/v1/views/traffic", "demo-shop-token", "payments", 403);
    get("/api/v1/views/usage", null, null, 401);
    get("/api/v1/views/traffic", null, null, 401);
    JsonPath bad =
        given()
            .header("Authorization", "Bearer demo-sre-token")
            .queryParam("groupBy", "pod")
            .get("/api/v1/views/usage")
            .then()
            .statusCode(400)
            .extract()
            .jsonPath();
    assertThat(bad.getString("errorType")).isEqualTo("bad_data");
    assertThat(bad.getString("error"))
        .isEqualTo(
            "invalid parameter \"groupBy\": \"pod\" is not one of tenant, cluster, namespace, workload");
    JsonPath badTime =
        given()
            .header("Authorization", "Bearer demo-sre-token")
            .queryParam("start", "yesterday")
            .get("/api/v1/views/traffic")
            .then()
            .statusCode(400)
            .extract()
            .jsonPath();
    assertThat(badTime.getString("error"))
        .isEqualTo("invalid parameter \"start\": cannot parse \"yesterday\" to a valid timestamp");
  }
}

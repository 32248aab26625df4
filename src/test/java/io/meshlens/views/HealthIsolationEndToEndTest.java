package io.meshlens.views;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshlens.testing.InJvmKafka;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The health and isolation views over real HTTP, with the simulator publishing metrics and access
 * logs to a real in-JVM broker: tenants see only findings they are part of and only their own
 * golden signals, the SRE sees everything, no token is 401; example request ids lead to the denied
 * request in the access logs.
 */
@QuarkusTest
@WithTestResource(InJvmKafka.class)
@TestProfile(ViewsEndToEndTest.SimulatorOn.class)
class HealthIsolationEndToEndTest {

  private static String body(String path, String token, String orgId, int status) {
    var req = given();
    if (token != null) {
      req = req.header("Authorization", "Bearer " + token);
    }
    if (orgId != null) {
      req = req.header("X-Scope-OrgID", orgId);
    }
    long now = System.currentTimeMillis() / 1000;
    return req.queryParam("start", now - 300)
        .queryParam("end", now)
        .queryParam("step", "10s")
        .get(path)
        .then()
        .statusCode(status)
        .extract()
        .asString();
  }

  private static JsonPath get(String path, String token, String orgId, int status) {
    return new JsonPath(body(path, token, orgId, status));
  }

  private static List<Map<String, Object>> findings(JsonPath j) {
    return j.getList("data.findings");
  }

  @SuppressWarnings("unchecked")
  private static String tenant(Map<String, Object> finding, String side) {
    return (String) ((Map<String, Object>) finding.get(side)).get("tenant");
  }

  private static Map<String, Object> confirmedDenial(JsonPath sre) {
    return findings(sre).stream()
        .filter(
            f ->
                "authz_denied".equals(f.get("kind"))
                    && "analytics".equals(tenant(f, "source"))
                    && "shop".equals(tenant(f, "destination"))
                    && Boolean.TRUE.equals(f.get("rbacConfirmed")))
        .findFirst()
        .orElse(null);
  }

  @Test
  void isolationFindingsAreScopedToTheirTenantsAndLeadToTheDeniedRequest() {
    await()
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofSeconds(3))
        .until(
            () ->
                confirmedDenial(get("/api/v1/views/isolation", "demo-sre-token", null, 200))
                    != null);
    JsonPath sre = get("/api/v1/views/isolation", "demo-sre-token", null, 200);
    assertThat(sre.getString("status")).isEqualTo("success");
    Set<String> violations = new TreeSet<>();
    Set<String> allowed = new TreeSet<>();
    for (Map<String, Object> f : findings(sre)) {
      if ("cross_tenant".equals(f.get("kind"))) {
        String pair = tenant(f, "source") + " -> " + tenant(f, "destination");
        (Boolean.TRUE.equals(f.get("violation")) ? violations : allowed).add(pair);
      }
      assertThat(f).containsKeys("count", "ratePerSecond", "firstSeen", "lastSeen");
    }
    assertThat(violations).contains("analytics -> shop");
    assertThat(allowed).contains("shop -> payments");
    assertThat(findings(sre)).anyMatch(f -> "plaintext".equals(f.get("kind")));

    // The example request id of the denial is the id of a request the shop's sidecar denied.
    Map<String, Object> denial = confirmedDenial(sre);
    String requestId = (String) denial.get("exampleRequestId");
    assertThat(requestId).isNotBlank();
    JsonPath logs =
        given()
            .header("Authorization", "Bearer demo-shop-token")
            .queryParam(
                "query", "{namespace=\"shop\", direction=\"inbound\"} |= \"" + requestId + "\"")
            .queryParam("since", "10m")
            .get("/loki/api/v1/query_range")
            .then()
            .statusCode(200)
            .extract()
            .jsonPath();
    assertThat(String.valueOf(logs.getList("data.result.values"))).contains("rbac_access_denied");

    // Each tenant sees the findings it is part of, and no one else's names.
    for (String[] t :
        new String[][] {
          {"demo-shop-token", "shop"},
          {"demo-payments-token", "payments"},
          {"demo-analytics-token", "analytics"}
        }) {
      String raw = body("/api/v1/views/isolation", t[0], null, 200);
      JsonPath mine = new JsonPath(raw);
      assertThat(findings(mine))
          .allMatch(f -> t[1].equals(tenant(f, "source")) || t[1].equals(tenant(f, "destination")));
      assertThat(mine.getList("data.tenants.tenant", String.class)).containsOnly(t[1]);
      // legacy-batch (unassigned) only calls search; reporting is analytics' own plaintext.
      assertThat(raw).doesNotContain("legacy-batch");
      if (!t[1].equals("analytics")) {
        assertThat(raw).doesNotContain("\"reporting\"");
      }
    }
    String payments = body("/api/v1/views/isolation", "demo-payments-token", null, 200);
    assertThat(payments).doesNotContain("analytics").doesNotContain("collector");
    assertThat(findings(sre).size())
        .isGreaterThan(
            findings(get("/api/v1/views/isolation", "demo-shop-token", null, 200)).size());
  }

  @Test
  void healthIsMeshWideForTheSreAndOwnGoldenSignalsForATenant() {
    await()
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofSeconds(3))
        .until(
            () ->
                get("/api/v1/views/health", "demo-sre-token", null, 200)
                        .getList("data.controlPlanes.findAll { it.istiodUp }")
                        .size()
                    == 3);
    JsonPath sre = get("/api/v1/views/health", "demo-sre-token", null, 200);
    assertThat(sre.getList("data.controlPlanes.cluster", String.class))
        .containsExactly("east-1", "east-2", "west-1");
    assertThat(sre.getList("data.controlPlanes.connectedProxies", Float.class))
        .allMatch(v -> v > 0);
    assertThat(sre.getList("data.controlPlanes.rootCertExpiry", Long.class))
        .allMatch(v -> v > System.currentTimeMillis() / 1000);
    assertThat(sre.getList("data.freshness.clusters.cluster", String.class))
        .contains("east-1", "east-2", "west-1");
    assertThat(sre.getList("data.freshness.silentClusters")).isEmpty();
    assertThat(sre.getMap("data.ingestLag")).containsKeys("totalRecords", "partitions");
    assertThat(sre.getList("data.goldenSignals.tenant", String.class))
        .contains("shop", "payments", "search");

    String shopRaw = body("/api/v1/views/health", "demo-shop-token", null, 200);
    JsonPath shop = new JsonPath(shopRaw);
    assertThat(shop.getList("data.goldenSignals.tenant", String.class)).containsOnly("shop");
    assertThat(shop.getList("data.goldenSignals")).isNotEmpty();
    assertThat(shop.getMap("data")).doesNotContainKeys("controlPlanes", "freshness", "ingestLag");
    assertThat(shopRaw).doesNotContain("payments").doesNotContain("istiod");

    get("/api/v1/views/health", null, null, 401);
    get("/api/v1/views/isolation", null, null, 401);
    get("/api/v1/views/health", "demo-shop-token", "payments", 403);
    get("/api/v1/views/isolation", "demo-shop-token", "payments", 403);
    JsonPath bad =
        given()
            .header("Authorization", "Bearer demo-sre-token")
            .queryParam("silentAfter", "0")
            .get("/api/v1/views/health")
            .then()
            .statusCode(400)
            .extract()
            .jsonPath();
    assertThat(bad.getString("errorType")).isEqualTo("bad_data");
    assertThat(bad.getString("error"))
        .isEqualTo(
            "invalid parameter \"silentAfter\": \"0\" is not a number of scrape intervals between 1"
                + " and 10000");
  }
}

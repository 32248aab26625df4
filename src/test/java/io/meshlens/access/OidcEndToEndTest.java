package io.meshlens.access;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import com.nimbusds.jose.JWSAlgorithm;
import io.meshlens.testing.InJvmKafka;
import io.meshlens.testing.Kafka;
import io.meshlens.testing.OtlpMetrics;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * OIDC end to end: Meshlens configured with a real issuer ({@link TestIssuer} over HTTP, its JWKS
 * found through the discovery document), metrics of two tenants through the in-JVM Kafka broker,
 * and {@code /api/v1/query} called over HTTP with signed JWTs.
 */
@QuarkusTest
@WithTestResource(InJvmKafka.class)
@TestProfile(OidcEndToEndTest.Oidc.class)
class OidcEndToEndTest {

  /** {@code meshlens.oidc.*} pointing at the test issuer; only for this class. */
  public static final class Oidc implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of(
          "meshlens.oidc.audience", TestIssuer.AUDIENCE,
          "meshlens.oidc.tenants-claim", "groups",
          "meshlens.oidc.roles-claim", "realm_access.roles");
    }

    @Override
    public List<TestResourceEntry> testResources() {
      return List.of(new TestResourceEntry(IssuerResource.class));
    }
  }

  /** Starts the test issuer and names it as {@code meshlens.oidc.issuer}. */
  public static final class IssuerResource implements QuarkusTestResourceLifecycleManager {
    static TestIssuer idp;

    @Override
    public Map<String, String> start() {
      idp = new TestIssuer();
      return Map.of("meshlens.oidc.issuer", idp.issuer());
    }

    @Override
    public void stop() {
      if (idp != null) {
        idp.close();
      }
    }
  }

  /** Sample time: recent enough for the 5-minute lookback of a query at "now". */
  private static final long T = (System.currentTimeMillis() / 1000 - 30) * 1000;

  private static final String AT = Long.toString(T / 1000 + 1);
  private static final String BOTH = "{__name__=~\"shop_orders_total|search_queries_total\"}";

  private static boolean loaded;

  private static String token(String subject, Map<String, Object> extra, Instant now) {
    var claims = IssuerResource.idp.claims(subject, now);
    extra.forEach(claims::claim);
    return IssuerResource.idp.rs256(claims.build());
  }

  private static final String SHOP_JWT =
      token("shop-dev", Map.of("groups", List.of("shop")), Instant.now());
  private static final String SRE_JWT =
      token("oncall", Map.of("realm_access", Map.of("roles", List.of("sre"))), Instant.now());

  private static Response query(String jwt, String orgId, String promql) {
    var req = given().header("Authorization", "Bearer " + jwt).queryParam("query", promql);
    if (orgId != null) {
      req = req.header("X-Scope-OrgID", orgId);
    }
    return req.queryParam("time", AT).when().get("/api/v1/query");
  }

  private static Set<String> tenantsSeen(String jwt, String promql) {
    List<Map<String, String>> series =
        query(jwt, null, promql)
            .then()
            .statusCode(200)
            .body("status", equalTo("success"))
            .extract()
            .jsonPath()
            .getList("data.result.metric");
    Set<String> tenants = new TreeSet<>();
    series.forEach(m -> tenants.add(m.get("tenant")));
    return tenants;
  }

  @BeforeEach
  void loadOnce() {
    synchronized (OidcEndToEndTest.class) {
      if (loaded) {
        return;
      }
      Kafka.send(
          InJvmKafka.bootstrapServers(),
          "otlp_metrics",
          OtlpMetrics.counter("east-1", "shop", "shop-web-1", "shop_orders", 3, T).toByteArray(),
          OtlpMetrics.counter("east-2", "search", "search-api-1", "search_queries", 5, T)
              .toByteArray());
      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () -> assertThat(tenantsSeen(SRE_JWT, BOTH)).containsExactly("search", "shop"));
      loaded = true;
    }
  }

  @Test
  void tenantJwtGetsOnlyItsTenantsDataAndSreJwtEverything() {
    assertThat(tenantsSeen(SHOP_JWT, BOTH)).containsExactly("shop");
    assertThat(tenantsSeen(SHOP_JWT, "{tenant=\"search\"}")).isEmpty();
    assertThat(tenantsSeen(SRE_JWT, BOTH)).containsExactly("search", "shop");
    query(SHOP_JWT, "shop", "sum(shop_orders_total)")
        .then()
        .statusCode(200)
        .body("data.result[0].value[1]", equalTo("3"));
  }

  @Test
  void expiredJwtIs401WithChallengeInPrometheusErrorFormat() {
    Instant hourAgo = Instant.now().minusSeconds(3600);
    String expired =
        TestIssuer.sign(
            IssuerResource.idp.rsa,
            JWSAlgorithm.RS256,
            IssuerResource.idp
                .claims("shop-dev", hourAgo)
                .claim("groups", List.of("shop"))
                .expirationTime(Date.from(hourAgo.plusSeconds(300)))
                .build());
    String error =
        query(expired, null, "up")
            .then()
            .statusCode(401)
            .header(
                "WWW-Authenticate", equalTo("Bearer realm=\"meshlens\", error=\"invalid_token\""))
            .body("status", equalTo("error"))
            .body("errorType", equalTo("unauthorized"))
            .extract()
            .jsonPath()
            .getString("error");
    assertThat(error)
        .isEqualTo(
            "invalid JWT: expired at " + hourAgo.plusSeconds(300).truncatedTo(ChronoUnit.SECONDS));
    // Forged: signed by a key the issuer never published.
    query(
            TestIssuer.sign(
                TestIssuer.rsaKey("rsa-1"),
                JWSAlgorithm.RS256,
                IssuerResource.idp
                    .claims("mallory", Instant.now())
                    .claim("groups", "search")
                    .build()),
            null,
            "up")
        .then()
        .statusCode(401)
        .body("error", equalTo("invalid JWT: bad signature"));
  }

  @Test
  void jwtForShopAskingForPaymentsIs403() {
    query(SHOP_JWT, "payments", "up")
        .then()
        .statusCode(403)
        .body("status", equalTo("error"))
        .body("errorType", equalTo("forbidden"))
        .body("error", equalTo("tenant 'payments' is not granted to shop-dev"));
  }

  @Test
  void jwtWithoutTenantsOrSreRoleIs403AndTokensFileStillWorks() {
    query(token("nobody", Map.of(), Instant.now()), null, "up")
        .then()
        .statusCode(403)
        .body("error", equalTo("no tenant granted to nobody"));
    assertThat(tenantsSeen("demo-shop-token", BOTH)).containsExactly("shop");
  }
}

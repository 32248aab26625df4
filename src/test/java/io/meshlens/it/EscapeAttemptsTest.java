package io.meshlens.it;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jwt.JWTClaimsSet;
import io.meshlens.ingest.IngestService;
import io.meshlens.store.Scope;
import io.meshlens.testdata.RealData;
import io.meshlens.testing.AccessLogRecords;
import io.meshlens.testing.InJvmKafka;
import io.meshlens.testing.JwksIssuer;
import io.meshlens.testing.Kafka;
import io.meshlens.testing.OtlpMetrics;
import io.meshlens.testing.OtlpSpans;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Tenant escape attempts against the running service: metrics, spans and access logs of several
 * tenants go through a real Kafka broker into the stores, then each attempt calls an API over real
 * HTTP with a tenant's token and checks, on the response body, that only the caller's data or an
 * error in the API's own format came back. Categories: credentials, {@code X-Scope-OrgID}, PromQL
 * tricks, the Prometheus metadata endpoints, Jaeger, Loki, and limits on huge or slow queries.
 *
 * <p>Data (tenants of {@code src/test/resources/tenants-test.yaml}): shop's own counter, payments'
 * own counter, search's own counter, a platform (istiod) and an unassigned counter; Istio edges
 * shop -> payments (both reporters), search -> search, and the platform gateway -> shop; a trace
 * across shop and payments, a payments-only and a search-only trace; access log lines of a shop, a
 * payments and a search proxy. Everything foreign to the caller carries a marker string that must
 * never appear in an answer.
 */
@QuarkusTest
@WithTestResource(InJvmKafka.class)
@TestProfile(EscapeAttemptsTest.SmallLimits.class)
class EscapeAttemptsTest {

  /**
   * Its own application start, with query limits small enough to reach over HTTP: 100,000 samples
   * and 2 s (Prometheus: 50,000,000 and 2 min).
   */
  public static final class SmallLimits implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("meshlens.query.max-samples", "100000", "meshlens.query.timeout", "2s");
    }

    /** An OIDC issuer whose JWKS the service fetches over HTTP. */
    @Override
    public List<TestResourceEntry> testResources() {
      return List.of(new TestResourceEntry(JwksIssuer.Resource.class));
    }
  }

  private static final String SHOP = "demo-shop-token";
  private static final String PAYMENTS = "demo-payments-token";
  private static final String COMMERCE = "demo-commerce-token";
  private static final String SRE = "demo-sre-token";

  /** Metric sample time, 30 s ago to the second; queries are evaluated one second later. */
  private static final long T = (System.currentTimeMillis() / 1000 - 30) * 1000;

  private static final long AT = T / 1000 + 1;

  /** Access log lines: from the whole minute ten minutes ago. */
  private static final long LOG_T = (System.currentTimeMillis() / 60_000 - 10) * 60_000;

  private static final String LOG_START = Long.toString(LOG_T * 1_000_000L);
  private static final String LOG_END = Long.toString((LOG_T + 60_000) * 1_000_000L);

  /** Spans: 30 s ago, in µs. */
  private static final long SPAN_T = (System.currentTimeMillis() - 30_000) * 1000;

  private static final String CROSS = "0af7651916cd43dd8448eb211c80319c";
  private static final String PAYMENTS_ONLY = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String SEARCH_ONLY = "5c1e0f6a2b7d4e8f9a0b1c2d3e4f5a6b";

  /** Strings only in data shop may not see. */
  private static final List<String> NOT_FOR_SHOP =
      List.of(
          "payments_charges_total",
          "payments-api-1",
          "card_brand",
          "brand-9c1e",
          "/secret-payments-3c9",
          "search_queries_total",
          "search-api-1",
          "search_index",
          "idx-7f3a",
          "search-app",
          "search-pod-1",
          "/secret-search-7d1",
          "search-api.search",
          "secret-q-5e2b",
          "west-1",
          "east-2",
          "pilot_xds_pushes_total",
          "istiod-1",
          "legacy_jobs_total",
          "legacy-batch-1",
          "charge card",
          "4242",
          "UPDATE accounts",
          "GET /refunds",
          "\"payments-api.payments\"");

  /** Strings only in data payments may not see. */
  private static final List<String> NOT_FOR_PAYMENTS =
      List.of(
          "shop_orders_total",
          "shop-web-1",
          "/shop-path-1a2",
          "istio-gateways",
          "search_queries_total",
          "search-api-1",
          "idx-7f3a",
          "/secret-search-7d1",
          "secret-q-5e2b",
          "pilot_xds_pushes_total",
          "legacy_jobs_total",
          "GET /checkout",
          "frontend.shop");

  private static boolean loaded;

  @Inject IngestService ingest;

  // ------------------------------------------------------------------ data

  @BeforeEach
  void loadOnce() {
    synchronized (EscapeAttemptsTest.class) {
      if (loaded) {
        return;
      }
      String kafka = InJvmKafka.bootstrapServers();
      Kafka.send(
          kafka,
          "otlp_metrics",
          OtlpMetrics.counter("east-1", "shop", "shop-web-1", "shop_orders", 8, T).toByteArray(),
          OtlpMetrics.counter(
                  "east-2",
                  "payments",
                  "payments-api-1",
                  "payments_charges",
                  4,
                  T,
                  "card_brand",
                  "brand-9c1e")
              .toByteArray(),
          OtlpMetrics.counter(
                  "west-1",
                  "search",
                  "search-api-1",
                  "search_queries",
                  9,
                  T,
                  "search_index",
                  "idx-7f3a")
              .toByteArray(),
          OtlpMetrics.counter("east-1", "istio-system", "istiod-1", "pilot_xds_pushes", 3, T)
              .toByteArray(),
          OtlpMetrics.counter("east-1", "legacy", "legacy-batch-1", "legacy_jobs", 2, T)
              .toByteArray(),
          OtlpMetrics.istioRequests("source", "shop", "east-1", "payments", "east-1", "200", 10, T)
              .toByteArray(),
          OtlpMetrics.istioRequests(
                  "destination", "shop", "east-1", "payments", "east-1", "200", 10, T)
              .toByteArray(),
          OtlpMetrics.istioRequests("source", "search", "west-1", "search", "west-1", "200", 5, T)
              .toByteArray(),
          OtlpMetrics.istioRequests(
                  "source", "istio-gateways", "east-1", "shop", "east-1", "200", 7, T)
              .toByteArray());
      Kafka.send(
          kafka,
          "otlp_spans",
          OtlpSpans.request(
                  OtlpSpans.resource("frontend.shop", "shop", "east-1"),
                  OtlpSpans.span(
                          CROSS, "00000000000a0001", "", "GET /checkout", SpanKind.SPAN_KIND_SERVER)
                      .at(SPAN_T, 50_000)
                      .attrs("http.method", "GET")
                      .build(),
                  OtlpSpans.span(
                          CROSS,
                          "00000000000a0002",
                          "00000000000a0001",
                          "payments-api.payments.svc.cluster.local:8080/*",
                          SpanKind.SPAN_KIND_CLIENT)
                      .at(SPAN_T + 5_000, 40_000)
                      .build())
              .toByteArray(),
          OtlpSpans.request(
                  OtlpSpans.resource("payments-api.payments", "payments", "east-2"),
                  OtlpSpans.span(
                          CROSS,
                          "00000000000b0001",
                          "00000000000a0002",
                          "charge card",
                          SpanKind.SPAN_KIND_SERVER)
                      .at(SPAN_T + 6_000, 38_000)
                      .attrs("payment.card_last4", "4242", "db.statement", "UPDATE accounts")
                      .error()
                      .build(),
                  OtlpSpans.span(
                          PAYMENTS_ONLY,
                          "00000000000c0001",
                          "",
                          "GET /refunds",
                          SpanKind.SPAN_KIND_SERVER)
                      .at(SPAN_T + 100_000, 5_000)
                      .build())
              .toByteArray(),
          OtlpSpans.request(
                  OtlpSpans.resource("search-api.search", "search", "west-1"),
                  OtlpSpans.span(
                          SEARCH_ONLY,
                          "00000000000d0001",
                          "",
                          "GET /search",
                          SpanKind.SPAN_KIND_SERVER)
                      .at(SPAN_T + 200_000, 7_000)
                      .attrs("query.text", "secret-q-5e2b")
                      .build())
              .toByteArray());
      List<String> lines =
          RealData.read("public_examples__istio_json_access_log_lines.jsonl").lines().toList();
      List<byte[]> logs = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        logs.add(
            AccessLogRecords.fluentBit(
                withPath(
                    AccessLogRecords.retimed(lines.get(i), LOG_T + i * 10_000L), "/shop-path-1a2"),
                "shop",
                "shop-web-1",
                "east-1"));
        logs.add(
            AccessLogRecords.fluentBit(
                withPath(
                    AccessLogRecords.retimed(lines.get(i), LOG_T + 3_000 + i * 10_000L),
                    "/secret-payments-3c9"),
                "payments",
                "payments-api-1",
                "east-2"));
        logs.add(
            AccessLogRecords.fluentBit(
                withPath(
                    AccessLogRecords.retimed(lines.get(i), LOG_T + 6_000 + i * 10_000L),
                    "/secret-search-7d1"),
                "search",
                "search-api-1",
                "west-1"));
      }
      Kafka.send(kafka, "istio_access_logs", logs.toArray(byte[][]::new));
      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () -> {
                assertThat(sreCount("count({__name__=~\".+\"})")).isEqualTo("9");
                assertThat(ingest.accessLogStore().count(Scope.everything())).isEqualTo(9);
                for (String id : List.of(CROSS, PAYMENTS_ONLY, SEARCH_ONLY)) {
                  as(SRE, null).get("/api/traces/" + id).then().statusCode(200);
                }
                assertThat(
                        as(SRE, null)
                            .get("/api/traces/" + CROSS)
                            .then()
                            .extract()
                            .jsonPath()
                            .getList("data[0].spans"))
                    .hasSize(3);
              });
      loaded = true;
    }
  }

  private static String withPath(String jsonLine, String path) {
    return jsonLine.replaceFirst("\"path\":\"[^\"]*\"", "\"path\":\"" + path + "\"");
  }

  private static String sreCount(String promql) {
    JsonPath j = instant(SRE, null, promql).then().statusCode(200).extract().jsonPath();
    List<Object> r = j.getList("data.result");
    return r.isEmpty() ? "empty" : j.getString("data.result[0].value[1]");
  }

  // ------------------------------------------------------------------ the attempts

  /** One escape attempt: a named HTTP call and what its answer must be. */
  record Attempt(String name, Supplier<Response> call, Consumer<Response> expect) {
    @Override
    public String toString() {
      return name;
    }

    void run() {
      Response r = call.get();
      expect.accept(r);
    }
  }

  private static Attempt attempt(String name, Supplier<Response> call, Consumer<Response> expect) {
    return new Attempt(name, call, expect);
  }

  static Stream<Attempt> credentials() {
    return Stream.of(
        attempt(
            "no Authorization header on the Prometheus API",
            () -> given().queryParam("query", "shop_orders_total").get("/api/v1/query"),
            unauthorized("missing bearer token")),
        attempt(
            "no Authorization header on the Jaeger API",
            () -> given().get("/api/traces/" + CROSS),
            jaegerError(401)),
        attempt(
            "no Authorization header on the Loki API",
            () -> given().get("/loki/api/v1/labels"),
            unauthorized("missing bearer token")),
        attempt(
            "empty Authorization header",
            () -> header("").queryParam("query", "up").get("/api/v1/query"),
            unauthorized("missing bearer token")),
        attempt(
            "Bearer without a token",
            () -> header("Bearer ").queryParam("query", "up").get("/api/v1/query"),
            unauthorized(null)),
        attempt(
            "Basic credentials",
            () ->
                header("Basic " + b64("shop-team:demo-shop-token"))
                    .queryParam("query", "up")
                    .get("/api/v1/query"),
            unauthorized("unsupported authorization scheme: use 'Bearer <token>'")),
        attempt(
            "the token without a scheme",
            () -> header(SHOP).queryParam("query", "up").get("/api/v1/query"),
            unauthorized("unsupported authorization scheme: use 'Bearer <token>'")),
        attempt(
            "unknown token",
            () -> header("Bearer not-a-token").queryParam("query", "up").get("/api/v1/query"),
            unauthorized("unknown token")),
        attempt(
            "another tenant's token in upper case",
            () -> header("Bearer DEMO-SRE-TOKEN").queryParam("query", "up").get("/api/v1/query"),
            unauthorized("unknown token")),
        attempt(
            "a token's SHA-256 from the tokens file presented as the token",
            () ->
                header("Bearer 643b333aba2f688b02e1ff50e6b066eb674422a7ddb6be20c3dc2d3c52459498")
                    .queryParam("query", "up")
                    .get("/api/v1/query"),
            unauthorized("unknown token")),
        attempt(
            "two tokens in one header",
            () ->
                header("Bearer " + SHOP + ", Bearer " + SRE)
                    .queryParam("query", "up")
                    .get("/api/v1/query"),
            unauthorized("unknown token")),
        attempt(
            "forged JWT with alg none claiming the sre role",
            () ->
                header(
                        "Bearer "
                            + jwt("{\"alg\":\"none\",\"typ\":\"JWT\"}", claims(4_000_000_000L), ""))
                    .queryParam("query", "up")
                    .get("/api/v1/query"),
            unauthorized(null)),
        attempt(
            "expired JWT with a bogus signature",
            () ->
                header(
                        "Bearer "
                            + jwt(
                                "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"k1\"}",
                                claims(1_000_000_000L),
                                b64("not a signature")))
                    .queryParam("query", "up")
                    .get("/api/v1/query"),
            unauthorized(null)),
        attempt(
            "HS256 JWT signed with a guessed secret",
            () ->
                header(
                        "Bearer "
                            + jwt(
                                "{\"alg\":\"HS256\",\"typ\":\"JWT\"}",
                                claims(4_000_000_000L),
                                b64("signed-with-a-guessed-shared-secret-0123456789")))
                    .queryParam("query", "up")
                    .get("/api/v1/query"),
            unauthorized(null)),
        attempt(
            "forged JWT on the Loki API",
            () ->
                header("Bearer " + jwt("{\"alg\":\"none\"}", claims(4_000_000_000L), ""))
                    .queryParam("query", "{namespace=~\".+\"}")
                    .get("/loki/api/v1/query_range"),
            unauthorized(null)),
        attempt(
            "lower-case bearer scheme with trailing space still reads only shop's data",
            () ->
                header("bearer " + SHOP + "  ")
                    .queryParam("query", "{__name__=~\".+\"}")
                    .queryParam("time", AT)
                    .get("/api/v1/query"),
            promOnly(NOT_FOR_SHOP, EscapeAttemptsTest::visibleToShop, 4)));
  }

  private static JwksIssuer idp() {
    return JwksIssuer.Resource.issuer();
  }

  private static JWTClaimsSet shopClaims() {
    return idp().claims("jwt-shop", List.of("shop"), List.of("tenant")).build();
  }

  private static RequestSpecification jwt(String token, String orgId) {
    RequestSpecification r = given().header("Authorization", "Bearer " + token);
    return orgId == null ? r : r.header("X-Scope-OrgID", orgId);
  }

  private static Response jwtQuery(String token, String orgId, String promql) {
    return jwt(token, orgId)
        .queryParam("query", promql)
        .queryParam("time", Long.toString(AT))
        .get("/api/v1/query");
  }

  static Stream<Attempt> oidc() {
    String all = "{__name__=~\".+\"}";
    Instant now = Instant.now();
    return Stream.of(
        attempt(
            "valid JWT for shop reads only shop's data",
            () -> jwtQuery(idp().sign(shopClaims()), null, all),
            promOnly(NOT_FOR_SHOP, EscapeAttemptsTest::visibleToShop, 4)),
        attempt(
            "valid JWT for shop with X-Scope-OrgID payments",
            () -> jwtQuery(idp().sign(shopClaims()), "payments", all),
            forbiddenAny()),
        attempt(
            "valid JWT for shop with X-Scope-OrgID shop|search",
            () -> jwtQuery(idp().sign(shopClaims()), "shop|search", all),
            forbiddenAny()),
        attempt(
            "valid JWT for shop on Jaeger for a foreign trace",
            () -> jwt(idp().sign(shopClaims()), null).get("/api/traces/" + SEARCH_ONLY),
            jaegerError(404)),
        attempt(
            "valid JWT for shop on Loki for every stream",
            () ->
                jwt(idp().sign(shopClaims()), null)
                    .queryParam("query", "{namespace=~\".+\"}")
                    .queryParam("start", LOG_START)
                    .queryParam("end", LOG_END)
                    .get("/loki/api/v1/query_range"),
            lokiStreams(NOT_FOR_SHOP, 1)),
        attempt(
            "expired JWT of the trusted issuer",
            () ->
                jwtQuery(
                    idp()
                        .sign(
                            new JWTClaimsSet.Builder(shopClaims())
                                .issueTime(Date.from(now.minusSeconds(1200)))
                                .notBeforeTime(Date.from(now.minusSeconds(1200)))
                                .expirationTime(Date.from(now.minusSeconds(600)))
                                .build()),
                    null,
                    all),
            unauthorized(null)),
        attempt(
            "JWT not valid yet",
            () ->
                jwtQuery(
                    idp()
                        .sign(
                            new JWTClaimsSet.Builder(shopClaims())
                                .notBeforeTime(Date.from(now.plusSeconds(600)))
                                .expirationTime(Date.from(now.plusSeconds(1200)))
                                .build()),
                    null,
                    all),
            unauthorized(null)),
        attempt(
            "JWT signed by an untrusted key under the trusted key id",
            () ->
                jwtQuery(
                    idp()
                        .signWithUntrustedKey(
                            idp().claims("mallory", List.of("search"), List.of("sre")).build()),
                    null,
                    all),
            unauthorized(null)),
        attempt(
            "HS256 JWT keyed with the issuer's public key (algorithm confusion)",
            () ->
                jwtQuery(
                    idp()
                        .signHmacWithPublicKey(
                            idp().claims("mallory", List.of("search"), List.of("sre")).build()),
                    null,
                    all),
            unauthorized(null)),
        attempt(
            "JWT of another issuer signed with the trusted key",
            () ->
                jwtQuery(
                    idp()
                        .sign(
                            new JWTClaimsSet.Builder(shopClaims())
                                .issuer("https://evil.example/realms/mesh")
                                .build()),
                    null,
                    all),
            unauthorized(null)),
        attempt(
            "JWT for another audience",
            () ->
                jwtQuery(
                    idp().sign(new JWTClaimsSet.Builder(shopClaims()).audience("grafana").build()),
                    null,
                    all),
            unauthorized(null)),
        attempt(
            "valid JWT whose payload is swapped for SRE claims",
            () ->
                jwtQuery(
                    swapPayload(
                        idp().sign(shopClaims()),
                        idp().claims("jwt-shop", List.of("shop"), List.of("sre")).build()),
                    null,
                    all),
            unauthorized(null)),
        attempt(
            "valid JWT with alg rewritten to none and no signature",
            () -> jwtQuery(unsigned(idp().sign(shopClaims())), null, all),
            unauthorized(null)));
  }

  /** A signed token whose payload is replaced, its signature kept. */
  private static String swapPayload(String token, JWTClaimsSet claims) {
    String[] parts = token.split("\\.");
    return parts[0] + "." + b64(claims.toString()) + "." + parts[2];
  }

  /** A signed token with header {@code {"alg":"none"}} and the signature dropped. */
  private static String unsigned(String token) {
    String[] parts = token.split("\\.");
    return b64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + parts[1] + ".";
  }

  static Stream<Attempt> scopeHeader() {
    String all = "{__name__=~\".+\"}";
    return Stream.of(
        attempt(
            "X-Scope-OrgID of another tenant",
            () -> instant(SHOP, "payments", all),
            forbidden("payments")),
        attempt(
            "X-Scope-OrgID of a third tenant",
            () -> instant(SHOP, "search", all),
            forbidden("search")),
        attempt(
            "X-Scope-OrgID platform", () -> instant(SHOP, "platform", all), forbidden("platform")),
        attempt(
            "X-Scope-OrgID unassigned",
            () -> instant(SHOP, "unassigned", all),
            forbidden("unassigned")),
        attempt(
            "X-Scope-OrgID list own|foreign",
            () -> instant(SHOP, "shop|payments", all),
            forbidden("payments")),
        attempt(
            "X-Scope-OrgID list foreign|own",
            () -> instant(SHOP, "search|shop", all),
            forbidden("search")),
        attempt("X-Scope-OrgID regex .*", () -> instant(SHOP, ".*", all), forbidden(".*")),
        attempt("X-Scope-OrgID wildcard *", () -> instant(SHOP, "*", all), forbidden("*")),
        attempt("X-Scope-OrgID glob shop*", () -> instant(SHOP, "shop*", all), forbidden("shop*")),
        attempt(
            "X-Scope-OrgID upper case SHOP", () -> instant(SHOP, "SHOP", all), forbidden("SHOP")),
        attempt(
            "X-Scope-OrgID comma list shop,payments",
            () -> instant(SHOP, "shop,payments", all),
            forbidden("shop,payments")),
        attempt(
            "X-Scope-OrgID with an empty member shop|",
            () -> instant(SHOP, "shop|", all),
            forbiddenAny()),
        attempt(
            "X-Scope-OrgID url-encoded pipe",
            () -> instant(SHOP, "shop%7Cpayments", all),
            forbidden("shop%7Cpayments")),
        attempt(
            "X-Scope-OrgID empty: the caller's own tenants",
            () -> instant(SHOP, "", all),
            promOnly(NOT_FOR_SHOP, EscapeAttemptsTest::visibleToShop, 4)),
        attempt(
            "X-Scope-OrgID whitespace: the caller's own tenants",
            () -> instant(SHOP, "   ", all),
            promOnly(NOT_FOR_SHOP, EscapeAttemptsTest::visibleToShop, 4)),
        attempt(
            "X-Scope-OrgID padded ' shop ' is shop",
            () -> instant(SHOP, " shop ", all),
            promOnly(NOT_FOR_SHOP, EscapeAttemptsTest::visibleToShop, 4)),
        attempt(
            "X-Scope-OrgID of another tenant on Jaeger",
            () -> as(SHOP, "payments").get("/api/services"),
            jaegerError(403)),
        attempt(
            "X-Scope-OrgID of another tenant on Loki",
            () -> lokiRange(SHOP, "search", "{namespace=~\".+\"}"),
            forbidden("search")),
        attempt(
            "X-Scope-OrgID list with a foreign tenant on series",
            () -> as(SHOP, "shop|search").queryParam("match[]", all).get("/api/v1/series"),
            forbidden("search")),
        attempt(
            "two-tenant token narrowed to shop cannot read payments' own series",
            () ->
                instant(
                    COMMERCE,
                    "shop",
                    "payments_charges_total or {tenant=\"payments\", __name__!=\"istio_requests_total\"}"),
            promEmpty()),
        attempt(
            "SRE narrowed to shop sees only what shop sees",
            () -> instant(SRE, "shop", all),
            promOnly(NOT_FOR_SHOP, EscapeAttemptsTest::visibleToShop, 4)));
  }

  static Stream<Attempt> promql() {
    Predicate shop = EscapeAttemptsTest::visibleToShop;
    return Stream.of(
        attempt(
            "{__name__=~\".+\"}",
            () -> instant(SHOP, null, "{__name__=~\".+\"}"),
            promOnly(NOT_FOR_SHOP, shop, 4)),
        attempt(
            "{__name__=~\".+\"} or vector(1)",
            () -> instant(SHOP, null, "{__name__=~\".+\"} or vector(1)"),
            promOnly(NOT_FOR_SHOP, shop, 5)),
        attempt(
            "foreign series or vector(1)",
            () -> instant(SHOP, null, "search_queries_total or vector(1)"),
            promValue("1")),
        attempt(
            "absent() of a foreign series is true, as if it did not exist",
            () -> instant(SHOP, null, "absent(search_queries_total)"),
            promValue("1")),
        attempt(
            "absent_over_time() of a foreign series",
            () -> instant(SHOP, null, "absent_over_time(payments_charges_total[1h])"),
            promValue("1")),
        attempt(
            "absent() of an own series is empty",
            () -> instant(SHOP, null, "absent(shop_orders_total)"),
            promEmpty()),
        attempt(
            "label_replace onto tenant",
            () ->
                instant(
                    SHOP,
                    null,
                    "label_replace({__name__=~\".+\"}, \"tenant\", \"search\", \"\", \"\")"),
            promOnly(NOT_FOR_SHOP, any(), 4)),
        attempt(
            "label_replace onto namespace",
            () ->
                instant(
                    SHOP,
                    null,
                    "label_replace({__name__=~\".+\"}, \"k8s_namespace_name\", \"payments\", \"tenant\", \".*\")"),
            promOnly(NOT_FOR_SHOP, any(), 4)),
        attempt(
            "label_join of tenant and namespace",
            () ->
                instant(
                    SHOP,
                    null,
                    "label_join({__name__=~\".+\"}, \"x\", \",\", \"tenant\", \"k8s_namespace_name\")"),
            promOnly(NOT_FOR_SHOP, shop, 4)),
        attempt(
            "matcher on a foreign namespace",
            () -> instant(SHOP, null, "{k8s_namespace_name=\"search\"}"),
            promEmpty()),
        attempt(
            "regex matcher on foreign namespaces",
            () -> instant(SHOP, null, "{k8s_namespace_name=~\"search|legacy|istio-system\"}"),
            promEmpty()),
        attempt(
            "matcher on the tenant label of another tenant",
            () -> instant(SHOP, null, "{tenant=\"search\"}"),
            promEmpty()),
        attempt(
            "{tenant=~\"shop|payments\"} from shop",
            () -> instant(SHOP, null, "{tenant=~\"shop|payments\"}"),
            promOnly(NOT_FOR_SHOP, shop, 3)),
        attempt(
            "{tenant=~\".+\"}",
            () -> instant(SHOP, null, "{tenant=~\".+\"}"),
            promOnly(NOT_FOR_SHOP, shop, 4)),
        attempt(
            "{tenant!=\"shop\"} with any name",
            () -> instant(SHOP, null, "{__name__=~\".+\", tenant!=\"shop\"}"),
            promOnly(NOT_FOR_SHOP, shop, 2)),
        attempt(
            "{tenant!=\"shop\"} alone is refused as Prometheus does",
            () -> instant(SHOP, null, "{tenant!=\"shop\"}"),
            promError(
                400,
                "bad_data",
                "invalid parameter \"query\": 1:1: parse error: vector selector must contain at least one non-empty matcher")),
        attempt(
            "case-insensitive regex on a foreign name",
            () ->
                instant(
                    SHOP, null, "{__name__=~\"(?i)SEARCH_QUERIES_TOTAL|PILOT_XDS_PUSHES_TOTAL\"}"),
            promEmpty()),
        attempt(
            "regex on foreign metric names",
            () -> instant(SHOP, null, "{__name__=~\"search_.*|legacy_.*|pilot_.*|payments_.*\"}"),
            promEmpty()),
        attempt(
            "count of everything",
            () -> instant(SHOP, null, "count({__name__=~\".+\"})"),
            promValue("4")),
        attempt(
            "count by (namespace) of everything",
            () -> instant(SHOP, null, "count by (namespace) ({__name__=~\".+\"})"),
            promValue("4")),
        attempt(
            "count by (k8s_namespace_name) of everything",
            () -> instant(SHOP, null, "count by (k8s_namespace_name) ({__name__=~\".+\"})"),
            promOnly(
                NOT_FOR_SHOP,
                labelIn("k8s_namespace_name", "shop", "payments", "istio-gateways"),
                3)),
        attempt(
            "sum by (tenant, cluster) of everything",
            () -> instant(SHOP, null, "sum by (tenant, cluster) ({__name__=~\".+\"})"),
            promOnly(NOT_FOR_SHOP, labelIn("tenant", "shop", "payments", "platform"), 3)),
        attempt(
            "count of metric names",
            () -> instant(SHOP, null, "count(count by (__name__) ({__name__=~\".+\"}))"),
            promValue("2")),
        attempt(
            "topk over everything",
            () -> instant(SHOP, null, "topk(100, {__name__=~\".+\"})"),
            promOnly(NOT_FOR_SHOP, shop, 4)),
        attempt(
            "bottomk over foreign and own",
            () -> instant(SHOP, null, "bottomk(100, search_queries_total or shop_orders_total)"),
            promOnly(NOT_FOR_SHOP, shop, 1)),
        attempt(
            "group_left join with a foreign series",
            () ->
                instant(
                    SHOP,
                    null,
                    "shop_orders_total * on() group_left(search_index) search_queries_total"),
            promEmpty()),
        attempt(
            "group_left join with everything by cluster",
            () ->
                instant(
                    SHOP,
                    null,
                    "istio_requests_total * on(cluster) group_left(k8s_pod_name) topk by (cluster) (1, {__name__=~\".+\"})"),
            promOnly(NOT_FOR_SHOP, any(), 3)),
        attempt(
            "arithmetic with a foreign count",
            () ->
                instant(
                    SHOP,
                    null,
                    "shop_orders_total + on() group_left() count(payments_charges_total)"),
            promEmpty()),
        attempt(
            "foreign sum or vector(0) reads 0",
            () -> instant(SHOP, null, "sum(search_queries_total) or on() vector(0)"),
            promValue("0")),
        attempt(
            "subquery over everything",
            () -> instant(SHOP, null, "max_over_time({__name__=~\".+\"}[10m:1s])"),
            promOnly(NOT_FOR_SHOP, shop, 4)),
        attempt(
            "subquery over a foreign series",
            () -> instant(SHOP, null, "count_over_time(search_queries_total[1h:1m])"),
            promEmpty()),
        attempt(
            "nested subquery with a regex on tenant: at most the platform gateway's edge to shop",
            () ->
                instant(
                    SHOP,
                    null,
                    "max_over_time(sum by (tenant) ({tenant=~\"search|platform|unassigned\"})[30m:1m])"),
            promOnly(NOT_FOR_SHOP, labelIn("tenant", "platform"), -1)),
        attempt(
            "@ a fixed time on a foreign series",
            () -> instant(SHOP, null, "search_queries_total @ " + (T / 1000)),
            promEmpty()),
        attempt(
            "@ end() on everything",
            () -> instant(SHOP, null, "{__name__=~\".+\"} @ end()"),
            promOnly(NOT_FOR_SHOP, shop, 4)),
        attempt(
            "offset on a foreign series",
            () -> instant(SHOP, null, "last_over_time(pilot_xds_pushes_total[1h] offset -1m)"),
            promEmpty()),
        attempt(
            "negative offset into the future of everything",
            () -> instant(SHOP, null, "count(last_over_time({__name__=~\".+\"}[2h] offset -1h))"),
            promValue("4")),
        attempt(
            "range query over everything",
            () -> range(SHOP, null, "{__name__=~\".+\"}", AT - 300, AT, 15),
            promOnly(NOT_FOR_SHOP, shop, 4)),
        attempt(
            "range query of count by tenant",
            () -> range(SHOP, null, "count by (tenant) ({__name__=~\".+\"})", AT - 300, AT, 60),
            promOnly(NOT_FOR_SHOP, labelIn("tenant", "shop", "payments", "platform"), 3)),
        attempt(
            "POST form query over everything",
            () ->
                as(SHOP, null)
                    .contentType("application/x-www-form-urlencoded")
                    .formParam("query", "{__name__=~\".+\", tenant=~\".*\"}")
                    .formParam("time", Long.toString(AT))
                    .post("/api/v1/query"),
            promOnly(NOT_FOR_SHOP, shop, 4)),
        attempt(
            "payments: everything",
            () -> instant(PAYMENTS, null, "{__name__=~\".+\"}"),
            promOnly(NOT_FOR_PAYMENTS, EscapeAttemptsTest::visibleToPayments, 3)),
        attempt(
            "payments: shop's own series by name and by tenant",
            () ->
                instant(
                    PAYMENTS,
                    null,
                    "shop_orders_total or {tenant=\"shop\", __name__!=\"istio_requests_total\"}"),
            promEmpty()),
        attempt(
            "payments: label_replace of shop's namespace onto its own",
            () ->
                instant(
                    PAYMENTS,
                    null,
                    "label_replace({k8s_namespace_name=\"shop\"}, \"k8s_namespace_name\", \"payments\", \"\", \"\")"),
            promOnly(NOT_FOR_PAYMENTS, any(), 1)));
  }

  static Stream<Attempt> metadata() {
    return Stream.of(
        attempt(
            "series of everything",
            () -> series(SHOP, "{__name__=~\".+\"}"),
            promData(NOT_FOR_SHOP, EscapeAttemptsTest::visibleToShop, 4)),
        attempt(
            "series of a foreign metric",
            () -> series(SHOP, "search_queries_total"),
            promData(NOT_FOR_SHOP, any(), 0)),
        attempt(
            "series by foreign tenant label: only the platform gateway's edge to shop",
            () -> series(SHOP, "{tenant=~\"search|platform|unassigned\"}"),
            promData(NOT_FOR_SHOP, EscapeAttemptsTest::visibleToShop, 1)),
        attempt(
            "series by foreign namespaces",
            () -> series(SHOP, "{k8s_namespace_name=~\"search|legacy|istio-system\"}"),
            promData(NOT_FOR_SHOP, any(), 0)),
        attempt(
            "series by POST form with foreign matchers",
            () ->
                as(SHOP, null)
                    .contentType("application/x-www-form-urlencoded")
                    .formParam("match[]", "search_queries_total")
                    .formParam("match[]", "{k8s_pod_name=~\"istiod.*|legacy.*\"}")
                    .post("/api/v1/series"),
            promData(NOT_FOR_SHOP, any(), 0)),
        attempt(
            "label names",
            () -> as(SHOP, null).get("/api/v1/labels"),
            promData(NOT_FOR_SHOP, any(), -1)),
        attempt(
            "label names of a foreign metric",
            () ->
                as(SHOP, null).queryParam("match[]", "search_queries_total").get("/api/v1/labels"),
            promData(NOT_FOR_SHOP, any(), 0)),
        attempt(
            "values of __name__",
            () -> as(SHOP, null).get("/api/v1/label/__name__/values"),
            promStrings(NOT_FOR_SHOP, "istio_requests_total", "shop_orders_total")),
        attempt(
            "values of tenant",
            () -> as(SHOP, null).get("/api/v1/label/tenant/values"),
            promStrings(NOT_FOR_SHOP, "payments", "platform", "shop")),
        attempt(
            "values of the namespace label",
            () -> as(SHOP, null).get("/api/v1/label/k8s_namespace_name/values"),
            promStrings(NOT_FOR_SHOP, "istio-gateways", "payments", "shop")),
        attempt(
            "values of a label only foreign series have",
            () -> as(SHOP, null).get("/api/v1/label/search_index/values"),
            promStrings(NOT_FOR_SHOP)),
        attempt(
            "values of the pod label with a foreign matcher",
            () ->
                as(SHOP, null)
                    .queryParam("match[]", "{tenant=\"search\"}")
                    .get("/api/v1/label/k8s_pod_name/values"),
            promStrings(NOT_FOR_SHOP)),
        attempt(
            "metadata of every metric",
            () -> as(SHOP, null).get("/api/v1/metadata"),
            promData(NOT_FOR_SHOP, any(), -1)),
        attempt(
            "metadata of a foreign metric",
            () ->
                as(SHOP, null).queryParam("metric", "search_queries_total").get("/api/v1/metadata"),
            promData(NOT_FOR_SHOP, any(), 0)));
  }

  static Stream<Attempt> jaeger() {
    return Stream.of(
        attempt(
            "trace id of a search-only trace",
            () -> as(SHOP, null).get("/api/traces/" + SEARCH_ONLY),
            jaegerError(404)),
        attempt(
            "trace id of a payments-only trace",
            () -> as(SHOP, null).get("/api/traces/" + PAYMENTS_ONLY),
            jaegerError(404)),
        attempt(
            "upper-case trace id of a foreign trace",
            () -> as(SHOP, null).get("/api/traces/" + SEARCH_ONLY.toUpperCase()),
            jaegerError(404)),
        attempt(
            "foreign trace id in a search by ids",
            () -> as(SHOP, null).queryParam("traceID", SEARCH_ONLY).get("/api/traces"),
            jaegerData(NOT_FOR_SHOP, 0)),
        attempt(
            "shared trace shows payments' spans redacted",
            () -> as(SHOP, null).get("/api/traces/" + CROSS),
            jaegerData(NOT_FOR_SHOP, 1)),
        attempt(
            "search for a foreign service",
            () -> as(SHOP, null).queryParam("service", "search-api.search").get("/api/traces"),
            jaegerData(NOT_FOR_SHOP, 0)),
        attempt(
            "search for a foreign span's tag",
            () ->
                as(SHOP, null)
                    .queryParam("service", "payments-api.payments")
                    .queryParam("tags", "{\"payment.card_last4\":\"4242\"}")
                    .get("/api/traces"),
            jaegerData(NOT_FOR_SHOP, 0)),
        attempt(
            "search own service by a foreign span's operation",
            () ->
                as(SHOP, null)
                    .queryParam("service", "frontend.shop")
                    .queryParam("operation", "charge card")
                    .get("/api/traces"),
            jaegerData(NOT_FOR_SHOP, 0)),
        attempt(
            "search own service by a foreign span's tag value (no oracle)",
            () ->
                as(SHOP, null)
                    .queryParam("service", "frontend.shop")
                    .queryParam("tags", "{\"payment.card_last4\":\"4242\"}")
                    .get("/api/traces"),
            jaegerData(NOT_FOR_SHOP, 0)),
        attempt(
            "services list",
            () -> as(SHOP, null).get("/api/services"),
            jaegerStrings(NOT_FOR_SHOP, "frontend.shop")),
        attempt(
            "operations of a foreign service",
            () -> as(SHOP, null).get("/api/services/search-api.search/operations"),
            jaegerStrings(NOT_FOR_SHOP)),
        attempt(
            "operations endpoint for a foreign service",
            () ->
                as(SHOP, null)
                    .queryParam("service", "payments-api.payments")
                    .get("/api/operations"),
            jaegerData(NOT_FOR_SHOP, 0)),
        attempt(
            "payments: shop's spans of the shared trace are redacted",
            () -> as(PAYMENTS, null).get("/api/traces/" + CROSS),
            jaegerData(NOT_FOR_PAYMENTS, 1)));
  }

  static Stream<Attempt> loki() {
    return Stream.of(
        attempt(
            "selector on a foreign namespace",
            () -> lokiRange(SHOP, null, "{namespace=\"payments\"}"),
            lokiStreams(NOT_FOR_SHOP, 0)),
        attempt(
            "selector on a foreign tenant",
            () -> lokiRange(SHOP, null, "{tenant=\"search\"}"),
            lokiStreams(NOT_FOR_SHOP, 0)),
        attempt(
            "regex selector on foreign namespaces",
            () -> lokiRange(SHOP, null, "{namespace=~\"search|payments\"}"),
            lokiStreams(NOT_FOR_SHOP, 0)),
        attempt(
            "{namespace=~\".+\"}",
            () -> lokiRange(SHOP, null, "{namespace=~\".+\"}"),
            lokiStreams(NOT_FOR_SHOP, 1)),
        attempt(
            "{tenant=~\".+\", namespace!=\"shop\"}",
            () -> lokiRange(SHOP, null, "{tenant=~\".+\", namespace!=\"shop\"}"),
            lokiStreams(NOT_FOR_SHOP, 0)),
        attempt(
            "line filter for a foreign path",
            () -> lokiRange(SHOP, null, "{namespace=~\".+\"} |= \"secret-search\""),
            lokiStreams(NOT_FOR_SHOP, 0)),
        attempt(
            "count_over_time by namespace of everything",
            () ->
                lokiRange(
                    SHOP,
                    null,
                    "sum by (namespace) (count_over_time({namespace=~\".+\"}[1h]))",
                    "step",
                    "60"),
            lokiStreams(NOT_FOR_SHOP, 1)),
        attempt(
            "instant count of a foreign namespace",
            () ->
                as(SHOP, null)
                    .queryParam("query", "sum(count_over_time({namespace=\"search\"}[1h]))")
                    .queryParam("time", LOG_END)
                    .get("/loki/api/v1/query"),
            lokiStreams(NOT_FOR_SHOP, 0)),
        attempt(
            "label names",
            () -> lokiGet(SHOP, "/loki/api/v1/labels"),
            lokiStrings(NOT_FOR_SHOP, null)),
        attempt(
            "values of namespace",
            () -> lokiGet(SHOP, "/loki/api/v1/label/namespace/values"),
            lokiStrings(NOT_FOR_SHOP, List.of("shop"))),
        attempt(
            "values of pod",
            () -> lokiGet(SHOP, "/loki/api/v1/label/pod/values"),
            lokiStrings(NOT_FOR_SHOP, List.of("shop-web-1"))),
        attempt(
            "values of tenant",
            () -> lokiGet(SHOP, "/loki/api/v1/label/tenant/values"),
            lokiStrings(NOT_FOR_SHOP, List.of("shop"))),
        attempt(
            "values of pod for a foreign selector",
            () ->
                as(SHOP, null)
                    .queryParam("query", "{namespace=\"search\"}")
                    .queryParam("start", LOG_START)
                    .queryParam("end", LOG_END)
                    .get("/loki/api/v1/label/pod/values"),
            lokiStrings(NOT_FOR_SHOP, List.of())),
        attempt(
            "series of everything",
            () ->
                as(SHOP, null)
                    .queryParam("match[]", "{namespace=~\".+\"}")
                    .queryParam("start", LOG_START)
                    .queryParam("end", LOG_END)
                    .get("/loki/api/v1/series"),
            lokiSeries(NOT_FOR_SHOP, 1)),
        attempt(
            "series of a foreign namespace",
            () ->
                as(SHOP, null)
                    .queryParam("match[]", "{namespace=\"search\"}")
                    .queryParam("start", LOG_START)
                    .queryParam("end", LOG_END)
                    .get("/loki/api/v1/series"),
            lokiSeries(NOT_FOR_SHOP, 0)),
        attempt(
            "payments: everything",
            () -> lokiRange(PAYMENTS, null, "{namespace=~\".+\"}"),
            lokiStreams(NOT_FOR_PAYMENTS, 1)));
  }

  static Stream<Attempt> views() {
    return Stream.of(
        attempt(
            "usage view for another tenant",
            () -> as(SHOP, "payments").get("/api/v1/views/usage"),
            forbidden("payments")),
        attempt(
            "traffic view for a list with a foreign tenant",
            () -> as(SHOP, "shop|search").get("/api/v1/views/traffic"),
            forbidden("search")),
        attempt(
            "usage view for platform",
            () -> as(SHOP, "platform").get("/api/v1/views/usage"),
            forbidden("platform")),
        attempt(
            "usage view of the caller holds no foreign data",
            () -> as(SHOP, null).get("/api/v1/views/usage"),
            viewOk(NOT_FOR_SHOP)),
        attempt(
            "traffic view of the caller holds no foreign data",
            () -> as(SHOP, null).get("/api/v1/views/traffic"),
            viewOk(NOT_FOR_SHOP)),
        attempt(
            "usage view without a token",
            () -> given().get("/api/v1/views/usage"),
            unauthorized("missing bearer token")));
  }

  static Stream<Attempt> limits() {
    String tooMany = "query processing would load too many samples into memory in query execution";
    return Stream.of(
        attempt(
            "range query with more than 11,000 points per series",
            () -> range(SHOP, null, "{__name__=~\".+\"}", AT - 86_400, AT, 1),
            promError(
                400,
                "bad_data",
                "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)")),
        attempt(
            "subquery over more samples than allowed",
            () -> instant(SHOP, null, "count_over_time(vector(1)[2d:1s])"),
            promError(422, "execution", tooMany)),
        attempt(
            "subquery at a 100 ms resolution over a day",
            () -> instant(SHOP, null, "count_over_time(vector(1)[1d:100ms])"),
            promError(422, "execution", tooMany)),
        attempt(
            "range query holding too many samples",
            () -> range(SHOP, null, twelveVectors(), AT - 10_000, AT, 1),
            promError(422, "execution", tooMany)),
        attempt(
            "query running longer than the timeout",
            () ->
                range(
                    SHOP,
                    null,
                    "quantile_over_time(0.5, vector(1)[30000s:1s])",
                    AT - 10_000,
                    AT,
                    1),
            promError(503, "timeout", "query timed out in expression evaluation")),
        attempt(
            "Loki log query asking for more entries than allowed",
            () -> lokiRange(SHOP, null, "{namespace=~\".+\"}", "limit", "100000"),
            lokiError(
                "max entries limit per query exceeded, limit > max_entries_limit (100000 > 5000)")),
        attempt(
            "Loki metric query with more than 11,000 points",
            () ->
                as(SHOP, null)
                    .queryParam("query", "count_over_time({namespace=~\".+\"}[1m])")
                    .queryParam("start", Long.toString((LOG_T - 86_400_000L) * 1_000_000L))
                    .queryParam("end", LOG_END)
                    .queryParam("step", "1")
                    .get("/loki/api/v1/query_range"),
            lokiError(
                "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)")),
        attempt(
            "a normal query still works after the refused ones",
            () -> instant(SHOP, null, "sum(shop_orders_total)"),
            promValue("8")));
  }

  /** Twelve one-sample series at each of 10,001 steps: 120,012 samples, over the 100,000. */
  private static String twelveVectors() {
    List<String> parts = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      parts.add("label_replace(vector(1), \"n\", \"" + i + "\", \"\", \"\")");
    }
    return String.join(" or ", parts);
  }

  @ParameterizedTest(name = "credentials: {0}")
  @MethodSource("credentials")
  void credentials(Attempt a) {
    a.run();
  }

  @ParameterizedTest(name = "OIDC JWT: {0}")
  @MethodSource("oidc")
  void oidc(Attempt a) {
    a.run();
  }

  @ParameterizedTest(name = "X-Scope-OrgID: {0}")
  @MethodSource("scopeHeader")
  void scopeHeader(Attempt a) {
    a.run();
  }

  @ParameterizedTest(name = "PromQL: {0}")
  @MethodSource("promql")
  void promql(Attempt a) {
    a.run();
  }

  @ParameterizedTest(name = "series/labels/metadata: {0}")
  @MethodSource("metadata")
  void metadata(Attempt a) {
    a.run();
  }

  @ParameterizedTest(name = "Jaeger: {0}")
  @MethodSource("jaeger")
  void jaeger(Attempt a) {
    a.run();
  }

  @ParameterizedTest(name = "Loki: {0}")
  @MethodSource("loki")
  void loki(Attempt a) {
    a.run();
  }

  @ParameterizedTest(name = "views: {0}")
  @MethodSource("views")
  void views(Attempt a) {
    a.run();
  }

  @ParameterizedTest(name = "limits: {0}")
  @MethodSource("limits")
  void limits(Attempt a) {
    a.run();
  }

  @Test
  void atLeastSixtyAttempts() {
    long n =
        Stream.of(
                credentials(),
                oidc(),
                scopeHeader(),
                promql(),
                metadata(),
                jaeger(),
                loki(),
                views(),
                limits())
            .mapToLong(Stream::count)
            .sum();
    assertThat(n).isGreaterThanOrEqualTo(60);
  }

  // ------------------------------------------------------------------ accounting

  @Test
  void queriesAndDenialsAreCountedPerTenantAndReasonAndLoggedWithoutTheToken() {
    List<String> lines = new ArrayList<>();
    Handler capture =
        new Handler() {
          @Override
          public void publish(LogRecord r) {
            synchronized (lines) {
              lines.add(r.getMessage());
            }
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    java.util.logging.Logger log = java.util.logging.Logger.getLogger("io.meshlens.access.log");
    log.addHandler(capture);
    String before = scrape();
    try {
      instant(SHOP, null, "shop_orders_total").then().statusCode(200);
      instant(COMMERCE, null, "sum(istio_requests_total)").then().statusCode(200);
      instant(SRE, null, "count(up)").then().statusCode(200);
      instant(SHOP, "payments", "up").then().statusCode(403);
      instant(SHOP, "not-a-tenant-xyz", "up").then().statusCode(403);
      instant(SRE, "not-a-tenant-xyz", "up").then().statusCode(200);
      given().queryParam("query", "up").get("/api/v1/query").then().statusCode(401);
      instant(SHOP, null, "sum(").then().statusCode(400);
      instant(SHOP, null, "count_over_time(vector(1)[2d:1s])").then().statusCode(422);
      as(SHOP, null).get("/api/traces/" + SEARCH_ONLY).then().statusCode(404);
      lokiGet(SHOP, "/loki/api/v1/labels").then().statusCode(200);
      given().get("/loki/api/v1/labels").then().statusCode(401);
    } finally {
      log.removeHandler(capture);
    }
    String after = scrape();
    Map<String, Double> delta = delta(before, after);
    // shop's own query and the commerce token's, which counts once for each of its tenants.
    assertThat(delta)
        .containsEntry(
            "meshlens_queries_total{api=\"prometheus\",status=\"200\",tenant=\"shop\"}", 2.0)
        .containsEntry(
            "meshlens_queries_total{api=\"prometheus\",status=\"200\",tenant=\"payments\"}", 1.0)
        .containsEntry(
            "meshlens_queries_total{api=\"prometheus\",status=\"200\",tenant=\"*\"}", 1.0)
        .containsEntry(
            "meshlens_queries_total{api=\"prometheus\",status=\"200\",tenant=\"?\"}", 1.0)
        .containsEntry("meshlens_queries_total{api=\"prometheus\",status=\"403\",tenant=\"\"}", 2.0)
        .containsEntry("meshlens_queries_total{api=\"prometheus\",status=\"401\",tenant=\"\"}", 1.0)
        .containsEntry(
            "meshlens_queries_total{api=\"prometheus\",status=\"400\",tenant=\"shop\"}", 1.0)
        .containsEntry(
            "meshlens_queries_total{api=\"prometheus\",status=\"422\",tenant=\"shop\"}", 1.0)
        .containsEntry("meshlens_queries_total{api=\"jaeger\",status=\"404\",tenant=\"shop\"}", 1.0)
        .containsEntry("meshlens_queries_total{api=\"loki\",status=\"200\",tenant=\"shop\"}", 1.0)
        .containsEntry("meshlens_queries_total{api=\"loki\",status=\"401\",tenant=\"\"}", 1.0)
        .containsEntry("meshlens_query_denials_total{api=\"prometheus\",reason=\"forbidden\"}", 2.0)
        .containsEntry(
            "meshlens_query_denials_total{api=\"prometheus\",reason=\"unauthenticated\"}", 1.0)
        .containsEntry("meshlens_query_denials_total{api=\"prometheus\",reason=\"bad_data\"}", 1.0)
        .containsEntry("meshlens_query_denials_total{api=\"prometheus\",reason=\"limit\"}", 1.0)
        .containsEntry(
            "meshlens_query_denials_total{api=\"loki\",reason=\"unauthenticated\"}", 1.0);
    // No header value becomes a label value.
    assertThat(after).doesNotContain("not-a-tenant-xyz");
    // The access log: one line per data query, with subject, tenants, endpoint, status, duration.
    assertThat(lines).hasSize(12);
    assertThat(lines)
        .contains(
            "subject=shop-team tenants=shop api=prometheus endpoint=\"GET /api/v1/query\" status=200"
                + " duration_ms="
                + durationOf(lines.get(0)))
        .anySatisfy(
            l ->
                assertThat(l)
                    .startsWith(
                        "subject=commerce-lead tenants=payments|shop api=prometheus"
                            + " endpoint=\"GET /api/v1/query\" status=200 duration_ms="))
        .anySatisfy(
            l ->
                assertThat(l)
                    .startsWith(
                        "subject=shop-team tenants=- api=prometheus endpoint=\"GET /api/v1/query\""
                            + " status=403 duration_ms=")
                    .endsWith(" reason=forbidden"))
        .anySatisfy(
            l ->
                assertThat(l)
                    .startsWith(
                        "subject=- tenants=- api=loki endpoint=\"GET /loki/api/v1/labels\""
                            + " status=401 duration_ms=")
                    .endsWith(" reason=unauthenticated"))
        .anySatisfy(
            l ->
                assertThat(l)
                    .startsWith(
                        "subject=shop-team tenants=shop api=jaeger"
                            + " endpoint=\"GET /api/traces/{traceId}\" status=404 duration_ms="))
        .anySatisfy(l -> assertThat(l).startsWith("subject=sre-oncall tenants=* api=prometheus"))
        .anySatisfy(l -> assertThat(l).endsWith(" reason=limit"));
    assertThat(lines)
        .allSatisfy(l -> assertThat(l).doesNotContain("demo-").doesNotContain("token"));
  }

  private static String durationOf(String line) {
    Matcher m = Pattern.compile("duration_ms=([0-9]+)").matcher(line);
    assertThat(m.find()).isTrue();
    return m.group(1);
  }

  private static String scrape() {
    return given()
        .port(
            org.eclipse.microprofile.config.ConfigProvider.getConfig()
                .getValue("quarkus.management.test-port", Integer.class))
        .header("Accept", "text/plain; version=0.0.4")
        .get("/metrics")
        .then()
        .statusCode(200)
        .extract()
        .asString();
  }

  /** Increase of every {@code meshlens_quer*} sample between two scrapes. */
  private static Map<String, Double> delta(String before, String after) {
    Map<String, Double> b = samples(before);
    Map<String, Double> out = new java.util.TreeMap<>();
    samples(after)
        .forEach(
            (k, v) -> {
              double d = v - b.getOrDefault(k, 0.0);
              if (d != 0) {
                out.put(k, d);
              }
            });
    return out;
  }

  private static Map<String, Double> samples(String text) {
    Map<String, Double> out = new java.util.HashMap<>();
    for (String line : text.split("\n")) {
      if (line.startsWith("meshlens_quer")) {
        int sp = line.lastIndexOf(' ');
        out.put(line.substring(0, sp), Double.parseDouble(line.substring(sp + 1)));
      }
    }
    return out;
  }

  // ------------------------------------------------------------------ calls

  private static RequestSpecification as(String token, String orgId) {
    RequestSpecification r = given().header("Authorization", "Bearer " + token);
    return orgId == null ? r : r.header("X-Scope-OrgID", orgId);
  }

  private static RequestSpecification header(String authorization) {
    return given().header("Authorization", authorization);
  }

  private static Response instant(String token, String orgId, String promql) {
    return as(token, orgId)
        .queryParam("query", promql)
        .queryParam("time", Long.toString(AT))
        .get("/api/v1/query");
  }

  private static Response range(
      String token, String orgId, String promql, long start, long end, long step) {
    return as(token, orgId)
        .queryParam("query", promql)
        .queryParam("start", Long.toString(start))
        .queryParam("end", Long.toString(end))
        .queryParam("step", Long.toString(step))
        .get("/api/v1/query_range");
  }

  private static Response series(String token, String match) {
    return as(token, null).queryParam("match[]", match).get("/api/v1/series");
  }

  private static Response lokiRange(String token, String orgId, String logql, String... more) {
    RequestSpecification r =
        as(token, orgId)
            .queryParam("query", logql)
            .queryParam("start", LOG_START)
            .queryParam("end", LOG_END);
    for (int i = 0; i < more.length; i += 2) {
      r = r.queryParam(more[i], more[i + 1]);
    }
    return r.get("/loki/api/v1/query_range");
  }

  private static Response lokiGet(String token, String path) {
    return as(token, null).queryParam("start", LOG_START).queryParam("end", LOG_END).get(path);
  }

  private static String b64(String s) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  private static String claims(long exp) {
    return "{\"iss\":\""
        + JwksIssuer.Resource.issuer().issuer()
        + "\",\"sub\":\"mallory\",\"aud\":\"meshlens\",\"exp\":"
        + exp
        + ",\"tenants\":[\"search\",\"payments\"],\"roles\":[\"sre\"]}";
  }

  private static String jwt(String header, String claims, String signature) {
    return b64(header) + "." + b64(claims) + "." + signature;
  }

  // ------------------------------------------------------------------ expectations

  /** Whether a returned label set may be shown to the caller. */
  interface Predicate extends java.util.function.Predicate<Map<String, String>> {}

  private static Predicate any() {
    return m -> true;
  }

  private static Predicate labelIn(String label, String... allowed) {
    Set<String> ok = Set.of(allowed);
    return m -> m.get(label) == null || ok.contains(m.get(label));
  }

  /** shop's own series, or an Istio edge with shop on one side. */
  static boolean visibleToShop(Map<String, String> m) {
    return visibleTo("shop", m);
  }

  static boolean visibleToPayments(Map<String, String> m) {
    return visibleTo("payments", m);
  }

  private static boolean visibleTo(String tenant, Map<String, String> m) {
    if (m.get("source_workload_namespace") != null) {
      return tenant.equals(m.get("source_workload_namespace"))
          || tenant.equals(m.get("destination_workload_namespace"));
    }
    if (m.get("tenant") != null) {
      return tenant.equals(m.get("tenant"));
    }
    return m.get("k8s_namespace_name") == null || tenant.equals(m.get("k8s_namespace_name"));
  }

  /**
   * No marker in the answer, as a whole token: not inside a longer number, so that the card digits
   * "4242" are not found in a timestamp such as 1796522142426.
   */
  private static void noMarkers(Response r, List<String> markers) {
    String body = r.asString();
    for (String m : markers) {
      assertThat(body)
          .as("answer holds foreign data '%s': %s", m, body)
          .doesNotContainPattern(Pattern.compile("(?<!\\d)" + Pattern.quote(m) + "(?!\\d)"));
    }
  }

  /**
   * A successful Prometheus query whose series are all visible and hold no foreign marker; {@code
   * count} series exactly, or any number when negative.
   */
  private static Consumer<Response> promOnly(List<String> markers, Predicate visible, int count) {
    return r -> {
      assertThat(r.statusCode()).as(r.asString()).isEqualTo(200);
      noMarkers(r, markers);
      JsonPath j = r.jsonPath();
      assertThat(j.getString("status")).isEqualTo("success");
      List<Map<String, String>> metrics = j.getList("data.result.metric");
      if (count >= 0) {
        assertThat(metrics).as(r.asString()).hasSize(count);
      }
      assertThat(metrics).allSatisfy(m -> assertThat(visible.test(m)).as("%s", m).isTrue());
    };
  }

  private static Consumer<Response> promEmpty() {
    return r -> {
      assertThat(r.statusCode()).as(r.asString()).isEqualTo(200);
      assertThat(r.jsonPath().getString("status")).isEqualTo("success");
      assertThat(r.jsonPath().getList("data.result")).as(r.asString()).isEmpty();
    };
  }

  /** A one-sample vector, with no labels, of {@code value}. */
  private static Consumer<Response> promValue(String value) {
    return r -> {
      assertThat(r.statusCode()).as(r.asString()).isEqualTo(200);
      JsonPath j = r.jsonPath();
      assertThat(j.getList("data.result")).as(r.asString()).hasSize(1);
      assertThat(j.getMap("data.result[0].metric")).as(r.asString()).isEmpty();
      assertThat(j.getString("data.result[0].value[1]")).isEqualTo(value);
    };
  }

  /** A successful metadata answer ({@code data} a list or object) of {@code count} entries. */
  private static Consumer<Response> promData(List<String> markers, Predicate visible, int count) {
    return r -> {
      assertThat(r.statusCode()).as(r.asString()).isEqualTo(200);
      noMarkers(r, markers);
      JsonPath j = r.jsonPath();
      assertThat(j.getString("status")).isEqualTo("success");
      Object data = j.get("data");
      int size = data instanceof List<?> l ? l.size() : ((Map<?, ?>) data).size();
      if (count >= 0) {
        assertThat(size).as(r.asString()).isEqualTo(count);
      }
      if (data instanceof List<?> l && !l.isEmpty() && l.get(0) instanceof Map) {
        List<Map<String, String>> sets = j.getList("data");
        assertThat(sets).allSatisfy(m -> assertThat(visible.test(m)).as("%s", m).isTrue());
      }
    };
  }

  private static Consumer<Response> promStrings(List<String> markers, String... exactly) {
    return r -> {
      assertThat(r.statusCode()).as(r.asString()).isEqualTo(200);
      noMarkers(r, markers);
      assertThat(r.jsonPath().<String>getList("data")).containsExactly(exactly);
    };
  }

  private static Consumer<Response> promError(int status, String type, String message) {
    return r -> {
      assertThat(r.statusCode()).as(r.asString()).isEqualTo(status);
      JsonPath j = r.jsonPath();
      assertThat(j.getString("status")).isEqualTo("error");
      assertThat(j.getString("errorType")).isEqualTo(type);
      assertThat(j.getString("error")).isEqualTo(message);
    };
  }

  /** 401 in Prometheus' format with a Bearer challenge; {@code message} null: any. */
  private static Consumer<Response> unauthorized(String message) {
    return r -> {
      assertThat(r.statusCode()).as(r.asString()).isEqualTo(401);
      assertThat(r.header("WWW-Authenticate")).startsWith("Bearer realm=\"meshlens\"");
      JsonPath j = r.jsonPath();
      assertThat(j.getString("status")).isEqualTo("error");
      assertThat(j.getString("errorType")).isEqualTo("unauthorized");
      if (message != null) {
        assertThat(j.getString("error")).isEqualTo(message);
      }
      assertThat(j.getString("data")).isNull();
    };
  }

  private static Consumer<Response> forbidden(String tenant) {
    return r -> {
      forbiddenAny().accept(r);
      assertThat(r.jsonPath().getString("error"))
          .isEqualTo("tenant '" + tenant + "' is not granted to shop-team");
    };
  }

  private static Consumer<Response> forbiddenAny() {
    return r -> {
      assertThat(r.statusCode()).as(r.asString()).isEqualTo(403);
      JsonPath j = r.jsonPath();
      assertThat(j.getString("status")).isEqualTo("error");
      assertThat(j.getString("errorType")).isEqualTo("forbidden");
      assertThat(j.getString("data")).isNull();
    };
  }

  /** A view answered, without any string of data the caller may not see. */
  private static Consumer<Response> viewOk(List<String> markers) {
    return r -> {
      assertThat(r.statusCode()).as(r.asString()).isEqualTo(200);
      noMarkers(r, markers);
      assertThat(r.asString()).doesNotContain("\"search\"").doesNotContain("\"unassigned\"");
    };
  }

  /** An error in Jaeger's shape: no data, one error with the status as code. */
  private static Consumer<Response> jaegerError(int status) {
    return r -> {
      assertThat(r.statusCode()).as(r.asString()).isEqualTo(status);
      JsonPath j = r.jsonPath();
      assertThat(j.getString("data")).isNull();
      assertThat(j.getInt("errors[0].code")).isEqualTo(status);
      if (status == 404) {
        assertThat(j.getString("errors[0].msg")).isEqualTo("trace not found");
      }
    };
  }

  /** Traces (or operations) answered, {@code count} of them, none with foreign content. */
  private static Consumer<Response> jaegerData(List<String> markers, int count) {
    return r -> {
      assertThat(r.statusCode()).as(r.asString()).isEqualTo(200);
      noMarkers(r, markers);
      assertThat(r.jsonPath().getList("data")).as(r.asString()).hasSize(count);
    };
  }

  private static Consumer<Response> jaegerStrings(List<String> markers, String... exactly) {
    return r -> {
      assertThat(r.statusCode()).as(r.asString()).isEqualTo(200);
      noMarkers(r, markers);
      assertThat(r.jsonPath().<String>getList("data")).containsExactly(exactly);
    };
  }

  /** A Loki query answer with {@code count} streams or series, each of the caller's tenant. */
  private static Consumer<Response> lokiStreams(List<String> markers, int count) {
    return r -> {
      assertThat(r.statusCode()).as(r.asString()).isEqualTo(200);
      noMarkers(r, markers);
      JsonPath j = r.jsonPath();
      assertThat(j.getString("status")).isEqualTo("success");
      assertThat(j.getList("data.result")).as(r.asString()).hasSize(count);
    };
  }

  private static Consumer<Response> lokiSeries(List<String> markers, int count) {
    return r -> {
      assertThat(r.statusCode()).as(r.asString()).isEqualTo(200);
      noMarkers(r, markers);
      assertThat(r.jsonPath().getList("data")).as(r.asString()).hasSize(count);
    };
  }

  /** Label names or values; {@code exactly} null: any, without foreign markers. */
  private static Consumer<Response> lokiStrings(List<String> markers, List<String> exactly) {
    return r -> {
      assertThat(r.statusCode()).as(r.asString()).isEqualTo(200);
      noMarkers(r, markers);
      List<String> data = r.jsonPath().getList("data");
      if (exactly != null) {
        assertThat(new TreeSet<>(data)).containsExactlyElementsOf(new TreeSet<>(exactly));
      }
    };
  }

  /** A refused LogQL query as Loki answers it: 400 with the text. */
  private static Consumer<Response> lokiError(String message) {
    return r -> {
      assertThat(r.statusCode()).as(r.asString()).isEqualTo(400);
      assertThat(r.asString()).isEqualTo(message);
    };
  }
}

package io.meshlens.api.jaeger;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import com.google.protobuf.util.JsonFormat;
import io.meshlens.testdata.RealData;
import io.meshlens.testing.InJvmKafka;
import io.meshlens.testing.Kafka;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.specification.RequestSpecification;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Jaeger API end to end: OTLP spans (a cross-tenant shop -> payments trace, a payments-only
 * trace, and the real bookinfo trace Kiali captured from Tempo, re-timed to now) produced to a real
 * Kafka broker, consumed and stored by Meshlens, and read over real HTTP with the demo tokens.
 */
@QuarkusTest
@WithTestResource(InJvmKafka.class)
@TestProfile(JaegerApiEndToEndTest.JaegerTenants.class)
class JaegerApiEndToEndTest {

  /** Tenants where {@code shop} also owns the real trace's {@code bookinfo} namespace. */
  public static final class JaegerTenants implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of(
          "meshlens.tenants-file", "src/test/resources/io/meshlens/api/jaeger/tenants.yaml");
    }
  }

  private static final String SHOP = "demo-shop-token";
  private static final String PAYMENTS = "demo-payments-token";
  private static final String COMMERCE = "demo-commerce-token";
  private static final String SRE = "demo-sre-token";

  /** shop's frontend calls payments-api: two spans of each tenant. */
  private static final String CROSS = "0af7651916cd43dd8448eb211c80319c";

  /** payments alone. */
  private static final String PAYMENTS_ONLY = "4bf92f3577b34da6a3ce929d0e0e4736";

  /** The real bookinfo trace (shared/data/real/kiali__tracing_tracingtest_responseTrace.json). */
  private static final String REAL = "3ba55609c3cde49649cd77d1f9dcd936";

  private static final String REAL_GATEWAY_SPAN = "49cd77d1f9dcd936";
  private static final String REAL_PRODUCTPAGE_SPAN = "84756b1dab0856fa";

  /** Start of the cross-tenant trace, Unix µs, 30 s ago. */
  private static final long T0 = (System.currentTimeMillis() - 30_000) * 1000;

  /** Start of the real trace's gateway span in the capture, Unix ns. */
  private static final long REAL_CAPTURED_START_NANOS = 1_701_779_876_570_888_000L;

  /** The real trace is moved to start 60 s ago, to the µs, keeping every span's offset. */
  private static final long REAL_SHIFT_NANOS =
      (System.currentTimeMillis() - 60_000) * 1_000_000 - REAL_CAPTURED_START_NANOS;

  private static final String NOT_FOUND =
      "{\"data\":null,\"total\":0,\"limit\":0,\"offset\":0,"
          + "\"errors\":[{\"code\":404,\"msg\":\"trace not found\"}]}";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static boolean loaded;

  @BeforeEach
  void publishOnce() throws Exception {
    synchronized (JaegerApiEndToEndTest.class) {
      if (loaded) {
        return;
      }
      String kafka = InJvmKafka.bootstrapServers();
      // Each side of the call comes from its own proxy, in its own message.
      Kafka.send(
          kafka,
          "otlp_spans",
          request(
                  resource("frontend.shop", "shop", "east-1"),
                  span(
                          CROSS,
                          "00000000000a0001",
                          "",
                          "GET /checkout",
                          Span.SpanKind.SPAN_KIND_SERVER)
                      .at(T0, 50_000)
                      .attrs("http.method", "GET", "http.status_code", "200")
                      .build(),
                  span(
                          CROSS,
                          "00000000000a0002",
                          "00000000000a0001",
                          "payments-api.payments.svc.cluster.local:8080/*",
                          Span.SpanKind.SPAN_KIND_CLIENT)
                      .at(T0 + 5_000, 40_000)
                      .attrs("upstream_cluster", "outbound|8080||payments-api.payments.svc")
                      .build())
              .toByteArray(),
          request(
                  resource("payments-api.payments", "payments", "east-2"),
                  span(
                          CROSS,
                          "00000000000b0001",
                          "00000000000a0002",
                          "payments-api.payments.svc.cluster.local:8080/*",
                          Span.SpanKind.SPAN_KIND_SERVER)
                      .at(T0 + 6_000, 38_000)
                      .attrs("payment.card_last4", "4242", "http.status_code", "503")
                      .error()
                      .build(),
                  span(
                          CROSS,
                          "00000000000b0002",
                          "00000000000b0001",
                          "charge card",
                          Span.SpanKind.SPAN_KIND_INTERNAL)
                      .at(T0 + 10_000, 30_000)
                      .attrs("db.statement", "UPDATE accounts SET balance = balance - 42")
                      .build())
              .toByteArray(),
          request(
                  resource("payments-api.payments", "payments", "east-2"),
                  span(
                          PAYMENTS_ONLY,
                          "00000000000c0001",
                          "",
                          "GET /refunds",
                          Span.SpanKind.SPAN_KIND_SERVER)
                      .at(T0 + 100_000, 5_000)
                      .build())
              .toByteArray(),
          realTraceRetimed().toByteArray());
      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () -> {
                assertThat(spans(get(SRE, "/api/traces/" + CROSS).path("data").path(0))).hasSize(4);
                assertThat(spans(get(SRE, "/api/traces/" + REAL).path("data").path(0))).hasSize(8);
                assertThat(spans(get(SRE, "/api/traces/" + PAYMENTS_ONLY).path("data").path(0)))
                    .hasSize(1);
              });
      loaded = true;
    }
  }

  @Test
  void servicesAreThoseWithSpansOfTheCallersTenants() throws Exception {
    assertThat(body(SHOP, null, "/api/services", 200))
        .isEqualTo(
            "{\"data\":[\"details.bookinfo\",\"frontend.shop\",\"productpage.bookinfo\","
                + "\"ratings.bookinfo\",\"reviews.bookinfo\"],\"total\":5,\"limit\":0,"
                + "\"offset\":0,\"errors\":null}");
    assertThat(body(PAYMENTS, null, "/api/services", 200))
        .isEqualTo(
            "{\"data\":[\"payments-api.payments\"],\"total\":1,\"limit\":0,\"offset\":0,"
                + "\"errors\":null}");
    assertThat(strings(get(SRE, "/api/services").path("data")))
        .containsExactly(
            "details.bookinfo",
            "frontend.shop",
            "istio-ingressgateway.istio-system",
            "payments-api.payments",
            "productpage.bookinfo",
            "ratings.bookinfo",
            "reviews.bookinfo");
  }

  @Test
  void operationsOfAServiceAndNoneOfAForeignOne() throws Exception {
    assertThat(body(SHOP, null, "/api/services/frontend.shop/operations", 200))
        .isEqualTo(
            "{\"data\":[\"GET /checkout\",\"payments-api.payments.svc.cluster.local:8080/*\"],"
                + "\"total\":2,\"limit\":0,\"offset\":0,\"errors\":null}");
    assertThat(body(SHOP, null, "/api/services/payments-api.payments/operations", 200))
        .isEqualTo("{\"data\":[],\"total\":0,\"limit\":0,\"offset\":0,\"errors\":null}");
    assertThat(body(PAYMENTS, null, "/api/operations?service=payments-api.payments", 200))
        .isEqualTo(
            "{\"data\":[{\"name\":\"GET /refunds\",\"spanKind\":\"\"},{\"name\":\"charge card\","
                + "\"spanKind\":\"\"},{\"name\":\"payments-api.payments.svc.cluster.local:8080/*\","
                + "\"spanKind\":\"\"}],\"total\":3,\"limit\":0,\"offset\":0,\"errors\":null}");
    assertThat(body(PAYMENTS, null, "/api/operations", 400))
        .isEqualTo(
            "{\"data\":null,\"total\":0,\"limit\":0,\"offset\":0,"
                + "\"errors\":[{\"code\":400,\"msg\":\"parameter 'service' is required\"}]}");
  }

  @Test
  void shopSeesPaymentsSpansOfItsTraceInPlaceButRedacted() throws Exception {
    String raw = body(SHOP, null, "/api/traces/" + CROSS, 200);
    JsonNode trace = JSON.readTree(raw).path("data").path(0);
    assertThat(trace.path("traceID").asText()).isEqualTo(CROSS);
    assertThat(ids(trace))
        .containsExactly(
            "00000000000a0001", "00000000000a0002", "00000000000b0001", "00000000000b0002");

    JsonNode server = span(trace, "00000000000b0001");
    assertThat(server.path("operationName").asText()).isEqualTo("redacted");
    assertThat(server.path("references").toString())
        .isEqualTo(
            "[{\"refType\":\"CHILD_OF\",\"traceID\":\""
                + CROSS
                + "\",\"spanID\":\"00000000000a0002\"}]");
    assertThat(server.path("startTime").asLong()).isEqualTo(T0 + 6_000);
    assertThat(server.path("duration").asLong()).isEqualTo(38_000);
    assertThat(server.path("tags").toString()).isEqualTo("[]");
    assertThat(server.path("logs").toString()).isEqualTo("[]");
    assertThat(server.path("warnings").toString())
        .isEqualTo(
            "[\"redacted: this span belongs to tenant 'payments', outside the caller's scope\"]");
    assertThat(process(trace, server).toString())
        .isEqualTo(
            "{\"serviceName\":\"payments\",\"tags\":[{\"key\":\"meshlens.tenant\","
                + "\"type\":\"string\",\"value\":\"payments\"},{\"key\":\"meshlens.redacted\","
                + "\"type\":\"bool\",\"value\":true}]}");
    JsonNode internal = span(trace, "00000000000b0002");
    assertThat(internal.path("operationName").asText()).isEqualTo("redacted");
    assertThat(internal.path("references").path(0).path("spanID").asText())
        .isEqualTo("00000000000b0001");
    assertThat(internal.path("processID").asText()).isEqualTo(server.path("processID").asText());

    JsonNode own = span(trace, "00000000000a0001");
    assertThat(own.path("operationName").asText()).isEqualTo("GET /checkout");
    assertThat(own.path("references").toString()).isEqualTo("[]");
    assertThat(own.path("startTime").asLong()).isEqualTo(T0);
    assertThat(own.path("duration").asLong()).isEqualTo(50_000);
    assertThat(own.path("warnings").isNull()).isTrue();
    assertThat(tags(own))
        .containsExactly(
            Map.entry("http.method", "GET"),
            Map.entry("http.status_code", "200"),
            Map.entry("span.kind", "server"));
    assertThat(process(trace, own).toString())
        .isEqualTo(
            "{\"serviceName\":\"frontend.shop\",\"tags\":[{\"key\":\"meshlens.tenant\","
                + "\"type\":\"string\",\"value\":\"shop\"},{\"key\":\"meshlens.cluster\","
                + "\"type\":\"string\",\"value\":\"east-1\"},{\"key\":\"meshlens.namespace\","
                + "\"type\":\"string\",\"value\":\"shop\"}]}");

    // No trace of payments' attributes, operation names or service name in the whole answer.
    assertThat(raw)
        .doesNotContain("payment.card_last4")
        .doesNotContain("\"4242\"")
        .doesNotContain("UPDATE accounts")
        .doesNotContain("charge card")
        .doesNotContain("\"payments-api.payments\"")
        .doesNotContain("\"503\"")
        .doesNotContain("ERROR")
        .doesNotContain("east-2");
  }

  @Test
  void paymentsSeesTheSameTraceWithShopsSpansRedactedAndItsOwnInFull() throws Exception {
    String raw = body(PAYMENTS, null, "/api/traces/" + CROSS, 200);
    JsonNode trace = JSON.readTree(raw).path("data").path(0);
    assertThat(operationNames(trace))
        .containsExactly(
            "redacted",
            "redacted",
            "payments-api.payments.svc.cluster.local:8080/*",
            "charge card");
    JsonNode own = span(trace, "00000000000b0001");
    assertThat(tags(own))
        .containsExactly(
            Map.entry("payment.card_last4", "4242"),
            Map.entry("http.status_code", "503"),
            Map.entry("span.kind", "server"),
            Map.entry("otel.status_code", "ERROR"),
            Map.entry("error", "true"));
    assertThat(process(trace, span(trace, "00000000000a0001")).path("serviceName").asText())
        .isEqualTo("shop");
    assertThat(raw).doesNotContain("GET /checkout").doesNotContain("frontend.shop");
  }

  @Test
  void sreAndATokenWithBothTenantsSeeEverySpanUnlessNarrowedByOrgId() throws Exception {
    List<String> full =
        List.of(
            "GET /checkout",
            "payments-api.payments.svc.cluster.local:8080/*",
            "payments-api.payments.svc.cluster.local:8080/*",
            "charge card");
    JsonNode sre = get(SRE, "/api/traces/" + CROSS).path("data").path(0);
    assertThat(operationNames(sre)).isEqualTo(full);
    assertThat(sre.toString()).doesNotContain("redacted");
    assertThat(operationNames(get(COMMERCE, "/api/traces/" + CROSS).path("data").path(0)))
        .isEqualTo(full);
    JsonNode narrowed =
        JSON.readTree(body(COMMERCE, "shop", "/api/traces/" + CROSS, 200)).path("data").path(0);
    assertThat(operationNames(narrowed))
        .containsExactly(
            "GET /checkout",
            "payments-api.payments.svc.cluster.local:8080/*",
            "redacted",
            "redacted");
  }

  @Test
  void traceWithNoSpanOfTheCallersTenantsIsNotFoundLikeAnAbsentOne() throws Exception {
    assertThat(body(SHOP, null, "/api/traces/" + PAYMENTS_ONLY, 404)).isEqualTo(NOT_FOUND);
    assertThat(body(SHOP, null, "/api/traces/0000000000000000000000000000dead", 404))
        .isEqualTo(NOT_FOUND);
    assertThat(body(COMMERCE, "shop", "/api/traces/" + PAYMENTS_ONLY, 404)).isEqualTo(NOT_FOUND);
    JsonNode own = get(PAYMENTS, "/api/traces/" + PAYMENTS_ONLY.toUpperCase()).path("data").path(0);
    assertThat(operationNames(own)).containsExactly("GET /refunds");
    // A search by ids answers the invisible one as an error naming it, as Jaeger does.
    assertThat(body(SHOP, null, "/api/traces?traceID=" + PAYMENTS_ONLY + "&traceID=" + CROSS, 200))
        .startsWith("{\"data\":[{\"traceID\":\"" + CROSS + "\"")
        .endsWith(
            "\"total\":1,\"limit\":0,\"offset\":0,\"errors\":[{\"msg\":\"trace not found\","
                + "\"traceID\":\""
                + PAYMENTS_ONLY
                + "\"}]}");
  }

  @Test
  void noTokenIs401WithWwwAuthenticateAndAForeignOrgIdIs403() {
    given()
        .get("/api/services")
        .then()
        .statusCode(401)
        .header("WWW-Authenticate", "Bearer realm=\"meshlens\"")
        .body(
            org.hamcrest.Matchers.equalTo(
                "{\"data\":null,\"total\":0,\"limit\":0,\"offset\":0,"
                    + "\"errors\":[{\"code\":401,\"msg\":\"missing bearer token\"}]}"));
    given()
        .header("Authorization", "Bearer not-a-token")
        .get("/api/traces/" + CROSS)
        .then()
        .statusCode(401)
        .header("WWW-Authenticate", "Bearer realm=\"meshlens\", error=\"invalid_token\"");
    given()
        .header("Authorization", "Bearer " + SHOP)
        .header("X-Scope-OrgID", "payments")
        .get("/api/traces/" + CROSS)
        .then()
        .statusCode(403)
        .body(
            org.hamcrest.Matchers.equalTo(
                "{\"data\":null,\"total\":0,\"limit\":0,\"offset\":0,\"errors\":[{\"code\":403,"
                    + "\"msg\":\"tenant 'payments' is not granted to shop-team\"}]}"));
  }

  @Test
  void badParametersAre400InJaegersErrorShape() throws Exception {
    assertThat(body(SHOP, null, "/api/traces?service=frontend.shop&minDuration=abc", 400))
        .isEqualTo(
            "{\"data\":null,\"total\":0,\"limit\":0,\"offset\":0,\"errors\":[{\"code\":400,"
                + "\"msg\":\"unable to parse param 'minDuration': time: invalid duration"
                + " \\\"abc\\\"\"}]}");
    assertThat(body(SHOP, null, "/api/traces", 400))
        .isEqualTo(
            "{\"data\":null,\"total\":0,\"limit\":0,\"offset\":0,"
                + "\"errors\":[{\"code\":400,\"msg\":\"parameter 'service' is required\"}]}");
    assertThat(body(SHOP, null, "/api/traces/xyz", 400))
        .isEqualTo(
            "{\"data\":null,\"total\":0,\"limit\":0,\"offset\":0,"
                + "\"errors\":[{\"code\":400,\"msg\":\"TraceID is not a hex string: xyz\"}]}");
  }

  @Test
  void searchFindsTracesOnlyThroughSpansOfTheCallersTenants() throws Exception {
    JsonNode shop = search(SHOP, null, "service", "frontend.shop");
    assertThat(traceIds(shop)).containsExactly(CROSS);
    assertThat(operationNames(shop.path(0)))
        .containsExactly(
            "GET /checkout",
            "payments-api.payments.svc.cluster.local:8080/*",
            "redacted",
            "redacted");
    // payments' spans are the trace's, but not shop's: no hit by their service, status or tags.
    assertThat(traceIds(search(SHOP, null, "service", "payments-api.payments"))).isEmpty();
    assertThat(traceIds(search(SHOP, null, "service", "frontend.shop", "tags", "error=true")))
        .isEmpty();
    assertThat(
            traceIds(
                search(
                    SHOP,
                    null,
                    "service",
                    "frontend.shop",
                    "tags",
                    "{\"payment.card_last4\":\"4242\"}")))
        .isEmpty();
    assertThat(traceIds(search(PAYMENTS, null, "service", "frontend.shop"))).isEmpty();

    // Newest first; the status tag and the limit.
    assertThat(traceIds(search(PAYMENTS, null, "service", "payments-api.payments")))
        .containsExactly(PAYMENTS_ONLY, CROSS);
    assertThat(
            traceIds(
                search(PAYMENTS, null, "service", "payments-api.payments", "tags", "error=true")))
        .containsExactly(CROSS);
    assertThat(traceIds(search(PAYMENTS, null, "service", "payments-api.payments", "limit", "1")))
        .containsExactly(PAYMENTS_ONLY);
    assertThat(
            traceIds(
                search(
                    PAYMENTS,
                    null,
                    "service",
                    "payments-api.payments",
                    "operation",
                    "charge card",
                    "minDuration",
                    "30ms",
                    "maxDuration",
                    "30ms")))
        .containsExactly(CROSS);
    // A time range that ends before the trace starts.
    assertThat(
            traceIds(
                search(
                    SHOP,
                    null,
                    "service",
                    "frontend.shop",
                    "start",
                    Long.toString(T0 - 60_000_000),
                    "end",
                    Long.toString(T0 - 1))))
        .isEmpty();
  }

  @Test
  void realBookinfoTraceThroughKafkaHasItsPlatformGatewaySpanRedactedForShop() throws Exception {
    String raw = body(SHOP, null, "/api/traces/" + REAL, 200);
    JsonNode trace = JSON.readTree(raw).path("data").path(0);
    assertThat(ids(trace)).hasSize(8).startsWith(REAL_GATEWAY_SPAN, REAL_PRODUCTPAGE_SPAN);

    JsonNode gateway = span(trace, REAL_GATEWAY_SPAN);
    assertThat(gateway.path("operationName").asText()).isEqualTo("redacted");
    assertThat(gateway.path("references").toString()).isEqualTo("[]");
    assertThat(gateway.path("startTime").asLong())
        .isEqualTo((REAL_CAPTURED_START_NANOS + REAL_SHIFT_NANOS) / 1000);
    assertThat(gateway.path("duration").asLong()).isEqualTo(11_932);
    assertThat(process(trace, gateway).path("serviceName").asText()).isEqualTo("platform");

    JsonNode productpage = span(trace, REAL_PRODUCTPAGE_SPAN);
    assertThat(productpage.path("operationName").asText())
        .isEqualTo("productpage.bookinfo.svc.cluster.local:9080/productpage");
    assertThat(productpage.path("references").toString())
        .isEqualTo(
            "[{\"refType\":\"CHILD_OF\",\"traceID\":\""
                + REAL
                + "\",\"spanID\":\""
                + REAL_GATEWAY_SPAN
                + "\"}]");
    assertThat(productpage.path("duration").asLong()).isEqualTo(11_439);
    assertThat(productpage.path("startTime").asLong() - gateway.path("startTime").asLong())
        .isEqualTo(228);
    assertThat(tags(productpage))
        .hasSize(21)
        .containsEntry(
            "node_id",
            "sidecar~10.244.0.25~productpage-v1-6f89b6c557-sg2bc.bookinfo~bookinfo.svc.cluster.local")
        .containsEntry("upstream_cluster", "inbound|9080||")
        .containsEntry("guid:x-request-id", "e4e8c177-3962-9359-945e-61e7175cd867")
        .containsEntry("span.kind", "server");
    assertThat(process(trace, productpage).path("serviceName").asText())
        .isEqualTo("productpage.bookinfo");
    assertThat(raw).doesNotContain("istio-ingressgateway").doesNotContain("router~");

    // Searchable by its real attributes, with Grafana's logfmt and with JSON.
    assertThat(
            traceIds(
                search(
                    SHOP,
                    null,
                    "service",
                    "reviews.bookinfo",
                    "tags",
                    "http.url=\"http://ratings:9080/ratings/0\" http.method=GET")))
        .containsExactly(REAL);
    assertThat(
            traceIds(
                search(
                    SHOP,
                    null,
                    "service",
                    "details.bookinfo",
                    "tags",
                    "{\"istio.canonical_service\":\"details\"}")))
        .containsExactly(REAL);
    // productpage's longest span is 11.439 ms; the gateway's 11.932 ms is platform's.
    assertThat(
            traceIds(search(SHOP, null, "service", "productpage.bookinfo", "minDuration", "11ms")))
        .containsExactly(REAL);
    assertThat(
            traceIds(
                search(SHOP, null, "service", "productpage.bookinfo", "minDuration", "11.5ms")))
        .isEmpty();
    JsonNode sre =
        search(SRE, null, "service", "istio-ingressgateway.istio-system", "minDuration", "11.5ms");
    assertThat(traceIds(sre)).containsExactly(REAL);
    assertThat(operationNames(sre.path(0)))
        .first()
        .isEqualTo("productpage.bookinfo.svc.cluster.local:9080/productpage");
  }

  // --- OTLP building ---

  /** The Tempo capture as an OTLP request, every timestamp moved by {@link #REAL_SHIFT_NANOS}. */
  private static ExportTraceServiceRequest realTraceRetimed() throws Exception {
    String tempo = RealData.read("kiali__tracing_tracingtest_responseTrace.json");
    ExportTraceServiceRequest.Builder b = ExportTraceServiceRequest.newBuilder();
    // Tempo's "batches" are OTLP's resourceSpans, in protobuf JSON (base64 ids).
    JsonFormat.parser().merge(tempo.replaceFirst("\"batches\"", "\"resourceSpans\""), b);
    for (ResourceSpans.Builder rs : b.getResourceSpansBuilderList()) {
      for (ScopeSpans.Builder ss : rs.getScopeSpansBuilderList()) {
        for (Span.Builder s : ss.getSpansBuilderList()) {
          s.setStartTimeUnixNano(s.getStartTimeUnixNano() + REAL_SHIFT_NANOS)
              .setEndTimeUnixNano(s.getEndTimeUnixNano() + REAL_SHIFT_NANOS);
          for (Span.Event.Builder e : s.getEventsBuilderList()) {
            e.setTimeUnixNano(e.getTimeUnixNano() + REAL_SHIFT_NANOS);
          }
        }
      }
    }
    assertThat(b.getResourceSpansCount()).isEqualTo(6);
    return b.build();
  }

  private static Resource resource(String service, String namespace, String cluster) {
    return Resource.newBuilder()
        .addAttributes(attr("service.name", service))
        .addAttributes(attr("k8s.namespace.name", namespace))
        .addAttributes(attr("k8s.cluster.name", cluster))
        .build();
  }

  private static ExportTraceServiceRequest request(Resource resource, Span... spans) {
    return ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(
            ResourceSpans.newBuilder()
                .setResource(resource)
                .addScopeSpans(ScopeSpans.newBuilder().addAllSpans(List.of(spans))))
        .build();
  }

  private static SpanBuilder span(
      String traceId, String spanId, String parentId, String name, Span.SpanKind kind) {
    Span.Builder s =
        Span.newBuilder()
            .setTraceId(bytes(traceId))
            .setSpanId(bytes(spanId))
            .setName(name)
            .setKind(kind);
    if (!parentId.isEmpty()) {
      s.setParentSpanId(bytes(parentId));
    }
    return new SpanBuilder(s);
  }

  /** Fluent additions to a span under construction. */
  private record SpanBuilder(Span.Builder span) {
    SpanBuilder at(long startMicros, long durationMicros) {
      span.setStartTimeUnixNano(startMicros * 1000)
          .setEndTimeUnixNano((startMicros + durationMicros) * 1000);
      return this;
    }

    SpanBuilder attrs(String... keyValues) {
      for (int i = 0; i < keyValues.length; i += 2) {
        span.addAttributes(attr(keyValues[i], keyValues[i + 1]));
      }
      return this;
    }

    SpanBuilder error() {
      span.setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR));
      return this;
    }

    Span build() {
      return span.build();
    }
  }

  private static KeyValue attr(String key, String value) {
    return KeyValue.newBuilder()
        .setKey(key)
        .setValue(AnyValue.newBuilder().setStringValue(value))
        .build();
  }

  private static ByteString bytes(String hex) {
    return ByteString.copyFrom(HexFormat.of().parseHex(hex));
  }

  // --- HTTP and JSON ---

  private static RequestSpecification as(String token, String orgId) {
    RequestSpecification r = given().header("Authorization", "Bearer " + token);
    return orgId == null ? r : r.header("X-Scope-OrgID", orgId);
  }

  private static String body(String token, String orgId, String path, int status) {
    return as(token, orgId)
        .urlEncodingEnabled(false)
        .get(path)
        .then()
        .statusCode(status)
        .contentType("application/json")
        .extract()
        .asString();
  }

  private static JsonNode get(String token, String path) throws Exception {
    return JSON.readTree(body(token, null, path, 200));
  }

  /** {@code data} of a search with the given parameters (name, value, ...). */
  private static JsonNode search(String token, String orgId, String... params) throws Exception {
    RequestSpecification r = as(token, orgId);
    for (int i = 0; i < params.length; i += 2) {
      r = r.queryParam(params[i], params[i + 1]);
    }
    JsonNode body = JSON.readTree(r.get("/api/traces").then().statusCode(200).extract().asString());
    assertThat(body.path("errors").isNull()).isTrue();
    assertThat(body.path("total").asInt()).isEqualTo(body.path("data").size());
    return body.path("data");
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  private static List<String> traceIds(JsonNode traces) {
    List<String> out = new ArrayList<>();
    traces.forEach(t -> out.add(t.path("traceID").asText()));
    return out;
  }

  private static JsonNode spans(JsonNode trace) {
    return trace.path("spans");
  }

  private static List<String> ids(JsonNode trace) {
    List<String> out = new ArrayList<>();
    spans(trace).forEach(s -> out.add(s.path("spanID").asText()));
    return out;
  }

  private static List<String> operationNames(JsonNode trace) {
    List<String> out = new ArrayList<>();
    spans(trace).forEach(s -> out.add(s.path("operationName").asText()));
    return out;
  }

  private static JsonNode span(JsonNode trace, String spanId) {
    for (JsonNode s : spans(trace)) {
      if (s.path("spanID").asText().equals(spanId)) {
        return s;
      }
    }
    throw new AssertionError("no span " + spanId + " in " + trace);
  }

  private static JsonNode process(JsonNode trace, JsonNode span) {
    return trace.path("processes").path(span.path("processID").asText());
  }

  /** Tags as key -> value text, in their order. */
  private static Map<String, String> tags(JsonNode span) {
    Map<String, String> out = new LinkedHashMap<>();
    span.path("tags").forEach(t -> out.put(t.path("key").asText(), t.path("value").asText()));
    return out;
  }
}

package io.meshlens.it;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import com.google.protobuf.util.JsonFormat;
import io.meshlens.ingest.IngestService;
import io.meshlens.testdata.PromTextToOtlp;
import io.meshlens.testdata.RealData;
import io.meshlens.testing.Kafka;
import io.meshlens.testing.OtlpMetrics;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The first slice end to end: OTLP metrics produced to a real Kafka broker, consumed, tagged with
 * tenant and cluster, stored, and answered by {@code /api/v1/query} over real HTTP, scoped to the
 * caller's token. Subclasses choose the broker.
 */
abstract class AbstractMetricsQueryEndToEnd {

  private static final String PAYMENTS = "demo-payments-token";
  private static final String SHOP = "demo-shop-token";
  private static final String COMMERCE = "demo-commerce-token";
  private static final String SRE = "demo-sre-token";

  /** Sample time: recent enough for the 5-minute lookback of a query at "now". */
  private static final long T = (System.currentTimeMillis() / 1000 - 30) * 1000;

  private static final String AT = Long.toString(T / 1000 + 1);

  private static final Set<Class<?>> LOADED = new java.util.HashSet<>();

  /** {@code host:port} of the broker Meshlens consumes from. */
  abstract String bootstrapServers();

  @Inject IngestService ingest;

  @BeforeEach
  void loadOnce() throws Exception {
    synchronized (LOADED) {
      if (LOADED.contains(getClass())) {
        return;
      }
      String kafka = bootstrapServers();
      Kafka.send(
          kafka,
          "otlp_metrics",
          OtlpMetrics.istioRequests("source", "shop", "east-1", "payments", "east-1", "200", 10, T)
              .toByteArray(),
          OtlpMetrics.istioRequests(
                  "destination", "shop", "east-1", "payments", "east-1", "200", 10, T)
              .toByteArray(),
          OtlpMetrics.istioRequests("source", "search", "east-2", "search", "east-2", "200", 5, T)
              .toByteArray(),
          OtlpMetrics.istioRequests(
                  "source", "istio-gateways", "east-1", "shop", "east-1", "200", 7, T)
              .toByteArray(),
          OtlpMetrics.counter(
                  "east-1", "istio-system", "istiod-1", "pilot_xds_pushes", 3, T, "type", "eds")
              .toByteArray(),
          OtlpMetrics.counter("east-2", "legacy", "legacy-batch-1", "legacy_jobs", 2, T)
              .toByteArray(),
          OtlpMetrics.counter(null, "payments", "payments-api-1", "payments_custom", 4, T)
              .toByteArray(),
          // Undecodable: neither protobuf nor JSON. Counted, skipped, and consumption goes on.
          new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff},
          "{not json".getBytes(StandardCharsets.UTF_8),
          // Larger than meshlens.ingest.max-record-bytes (200000 in tests).
          new byte[300_000],
          // A gzip-compressed payload: an encoding Meshlens does not read.
          new byte[] {(byte) 0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0},
          // OTLP/JSON as the Collector's otlp_json encoding writes it.
          JsonFormat.printer()
              .print(
                  OtlpMetrics.counter(
                      "west-1", "analytics", "collector-1", "analytics_events", 6, T))
              .getBytes(StandardCharsets.UTF_8),
          PromTextToOtlp.convert(
                  RealData.path("istio-proxy-1.7.1.prom"),
                  Map.of(
                      "k8s.cluster.name", "east-1",
                      "k8s.namespace.name", "default",
                      "k8s.pod.name", "productpage-v1-6987489c74-xxxxx"),
                  T)
              .toByteArray(),
          // The real istiod scrape, without a cluster attribute: the Kafka header names it.
          PromTextToOtlp.convert(
                  RealData.path("istiod-1.7.1.prom"),
                  Map.of(
                      "k8s.namespace.name",
                      "istio-system",
                      "k8s.pod.name",
                      "istiod-7d9c7bdd6-abcde"),
                  T)
              .toByteArray(),
          // The canonical OTLP/JSON example: its delta sum and histogram are discarded by reason.
          RealData.bytes("otlp-proto__examples_metrics.json"));
      Kafka.sendWithHeader(
          kafka,
          "otlp_metrics",
          "cluster",
          "west-1",
          OtlpMetrics.counter(null, "analytics", "reporting-1", "analytics_reports", 3, T)
              .toByteArray());
      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () -> assertThat(value(SRE, null, "count(analytics_events_total)")).isEqualTo("1"));
      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () ->
                  assertThat(value(SRE, null, "count(istio_requests_total{tenant=\"bookinfo\"})"))
                      .isEqualTo("7"));
      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () -> assertThat(value(SRE, null, "count(analytics_reports_total)")).isEqualTo("1"));
      LOADED.add(getClass());
    }
  }

  private static Response query(String token, String orgId, String promql) {
    var req = given().queryParam("query", promql).queryParam("time", AT);
    if (token != null) {
      req = req.header("Authorization", "Bearer " + token);
    }
    if (orgId != null) {
      req = req.header("X-Scope-OrgID", orgId);
    }
    return req.when().get("/api/v1/query");
  }

  /** The single value of a one-element vector result. */
  private static String value(String token, String orgId, String promql) {
    JsonPath j = query(token, orgId, promql).then().statusCode(200).extract().jsonPath();
    List<Object> result = j.getList("data.result");
    if (result.isEmpty()) {
      return "empty";
    }
    assertThat(result).hasSize(1);
    return j.getString("data.result[0].value[1]");
  }

  private static List<Map<String, String>> series(String token, String orgId, String promql) {
    return query(token, orgId, promql)
        .then()
        .statusCode(200)
        .body("status", equalTo("success"))
        .extract()
        .jsonPath()
        .getList("data.result.metric");
  }

  @Test
  void tenantTokenSumsOnlyTheEdgesItsTenantIsOnAndSreSumsTheMesh() {
    // payments: the shop->payments call as reported by both sides.
    assertThat(value(PAYMENTS, null, "sum(istio_requests_total{tenant!=\"bookinfo\"})"))
        .isEqualTo("20");
    assertThat(value(PAYMENTS, null, "sum(istio_requests_total)")).isEqualTo("20");
    // shop: the same call plus the shared ingress gateway routing to it.
    assertThat(value(SHOP, null, "sum(istio_requests_total)")).isEqualTo("27");
    // SRE: every edge, including the real bookinfo scrape (25).
    assertThat(value(SRE, null, "sum(istio_requests_total)")).isEqualTo("57");
    assertThat(value(SRE, "shop|payments", "sum(istio_requests_total)")).isEqualTo("27");
  }

  @Test
  void realIstiodScrapeIsThePlatformsAndCompleteAndTenantsCannotSeeIt() {
    long expected = PromTextToOtlp.parse(RealData.read("istiod-1.7.1.prom")).samples().size();
    assertThat(value(SRE, null, "count({k8s_pod_name=\"istiod-7d9c7bdd6-abcde\"})"))
        .isEqualTo(Long.toString(expected));
    assertThat(
            value(
                SRE,
                null,
                "count({k8s_pod_name=\"istiod-7d9c7bdd6-abcde\", tenant=\"platform\","
                    + " cluster=\"unknown\"})"))
        .isEqualTo(Long.toString(expected));
    assertThat(series(COMMERCE, null, "{k8s_pod_name=\"istiod-7d9c7bdd6-abcde\"}")).isEmpty();
  }

  @Test
  void clusterFromTheKafkaHeaderWhenTheRecordDoesNotNameIt() {
    List<Map<String, String>> s = series(SRE, null, "analytics_reports_total");
    assertThat(s).hasSize(1);
    assertThat(s.get(0)).containsEntry("cluster", "west-1").containsEntry("tenant", "analytics");
  }

  @Test
  void canonicalOtlpJsonExampleIsIngestedWithDeltasAccumulated() {
    // The example's own timestamp: 2018-12-13T14:51:00.3Z.
    List<Map<String, String>> gauge =
        given()
            .header("Authorization", "Bearer " + SRE)
            .queryParam("query", "my_gauge_ratio")
            .queryParam("time", "1544712660.3")
            .get("/api/v1/query")
            .then()
            .statusCode(200)
            .extract()
            .jsonPath()
            .getList("data.result.metric");
    assertThat(gauge).hasSize(1);
    assertThat(gauge.get(0))
        .containsEntry("job", "my.service")
        .containsEntry("tenant", "unassigned")
        .containsEntry("cluster", "unknown");
    // Its sum and histograms are delta: accumulated into cumulative series.
    JsonPath j =
        given()
            .header("Authorization", "Bearer " + SRE)
            .queryParam(
                "query",
                "{__name__=~\"my_counter_total|my_(exponential_)?histogram_(sum|count|bucket)\"}")
            .queryParam("time", "1544712660.3")
            .get("/api/v1/query")
            .then()
            .statusCode(200)
            .extract()
            .jsonPath();
    Map<String, String> values = new TreeMap<>();
    List<Map<String, Object>> result = j.getList("data.result");
    for (Map<String, Object> r : result) {
      @SuppressWarnings("unchecked")
      Map<String, String> m = (Map<String, String>) r.get("metric");
      @SuppressWarnings("unchecked")
      List<Object> v = (List<Object>) r.get("value");
      values.put(
          m.get("__name__") + (m.containsKey("le") ? "{le=" + m.get("le") + "}" : ""),
          (String) v.get(1));
    }
    assertThat(values)
        .containsEntry("my_counter_total", "5")
        .containsEntry("my_histogram_sum", "2")
        .containsEntry("my_histogram_count", "2")
        .containsEntry("my_histogram_bucket{le=1}", "1")
        .containsEntry("my_histogram_bucket{le=+Inf}", "2")
        // The exponential histogram as classic buckets: zero bucket 1, (2,4] 0, (4,8] 2.
        .containsEntry("my_exponential_histogram_sum", "10")
        .containsEntry("my_exponential_histogram_count", "3")
        .containsEntry("my_exponential_histogram_bucket{le=0}", "1")
        .containsEntry("my_exponential_histogram_bucket{le=4}", "1")
        .containsEntry("my_exponential_histogram_bucket{le=8}", "3")
        .containsEntry("my_exponential_histogram_bucket{le=+Inf}", "3");
    assertThat(ingest.stats().discardedPoints()).isEmpty();
  }

  @Test
  void everySeriesCarriesTenantAndClusterTags() {
    Map<String, String> tenantByMetric = new LinkedHashMap<>();
    for (Map<String, String> m :
        series(
            SRE,
            null,
            "{__name__=~\"pilot_xds_pushes_total|legacy_jobs_total|payments_custom_total|analytics_events_total\","
                + " k8s_pod_name!=\"istiod-7d9c7bdd6-abcde\"}")) {
      tenantByMetric.put(m.get("__name__"), m.get("tenant") + "@" + m.get("cluster"));
    }
    assertThat(tenantByMetric)
        .containsOnly(
            Map.entry("pilot_xds_pushes_total", "platform@east-1"),
            Map.entry("legacy_jobs_total", "unassigned@east-2"),
            Map.entry("payments_custom_total", "payments@unknown"),
            Map.entry("analytics_events_total", "analytics@west-1"));
  }

  @Test
  void realIstioScrapeIsTaggedWithItsTenantAndClusterAndVisibleToThePeerSide() {
    List<Map<String, String>> edges = series(SRE, "bookinfo", "istio_requests_total");
    assertThat(edges).hasSize(7);
    assertThat(edges)
        .allSatisfy(
            m -> {
              assertThat(m.get("tenant")).isEqualTo("bookinfo");
              assertThat(m.get("cluster")).isEqualTo("east-1");
              assertThat(m.get("k8s_namespace_name")).isEqualTo("default");
              assertThat(m.get("k8s_pod_name")).isEqualTo("productpage-v1-6987489c74-xxxxx");
            });
    assertThat(value(SRE, "bookinfo", "sum(istio_requests_total)")).isEqualTo("25");
    assertThat(value(SRE, "bookinfo", "count(istio_request_duration_milliseconds_bucket)"))
        .isEqualTo("140");
    // The ingress gateway (istio-system, platform) -> productpage call is the platform's too.
    List<Map<String, String>> platformView =
        series(SRE, "platform", "istio_requests_total{tenant=\"bookinfo\"}");
    assertThat(platformView).hasSize(1);
    assertThat(platformView.get(0).get("source_workload")).isEqualTo("istio-ingressgateway");
    // No demo tenant sees bookinfo's traffic.
    assertThat(series(PAYMENTS, null, "istio_requests_total{tenant=\"bookinfo\"}")).isEmpty();
  }

  @Test
  void promqlEscapeAttemptsStayInsideTheCallersTenants() {
    Set<String> tenantsSeen = new TreeSet<>();
    for (String q :
        List.of(
            "{__name__=~\".+\"}",
            "{__name__=~\".+\", tenant=~\".*\"}",
            "{tenant=\"search\"}",
            "{tenant=~\"search|platform|unassigned|bookinfo\"}",
            "istio_requests_total or legacy_jobs_total",
            "label_replace({__name__=~\".+\"}, \"tenant\", \"payments\", \"\", \"\")",
            "sum by (tenant, cluster) ({__name__=~\".+\"})")) {
      for (Map<String, String> m : series(PAYMENTS, null, q)) {
        // Every series the payments token gets is the payments tenant's or one of its edges.
        assertThat(
                m.get("source_workload_namespace") == null
                    || "payments".equals(m.get("destination_workload_namespace"))
                    || "payments".equals(m.get("source_workload_namespace")))
            .as("%s returned %s", q, m)
            .isTrue();
        if (m.get("tenant") != null) {
          tenantsSeen.add(m.get("tenant"));
        }
      }
    }
    assertThat(tenantsSeen).isSubsetOf("payments", "shop");
    assertThat(series(PAYMENTS, null, "{tenant=\"search\"}")).isEmpty();
    assertThat(series(PAYMENTS, null, "legacy_jobs_total or pilot_xds_pushes_total")).isEmpty();
    assertThat(value(PAYMENTS, null, "count({__name__=~\".+\"})")).isEqualTo("3");
    assertThat(
            value(
                SRE,
                null,
                "count(legacy_jobs_total or pilot_xds_pushes_total{k8s_pod_name=\"istiod-1\"})"))
        .isEqualTo("2");
  }

  @Test
  void missingOrUnknownTokenIs401WithChallengeInPrometheusErrorFormat() {
    query(null, null, "up")
        .then()
        .statusCode(401)
        .header("WWW-Authenticate", equalTo("Bearer realm=\"meshlens\""))
        .body("status", equalTo("error"))
        .body("errorType", equalTo("unauthorized"))
        .body("error", equalTo("missing bearer token"));
    query("not-a-token", null, "up")
        .then()
        .statusCode(401)
        .header(
            "WWW-Authenticate", startsWith("Bearer realm=\"meshlens\", error=\"invalid_token\""))
        .body("error", equalTo("unknown token"));
    given()
        .header("Authorization", "Basic YWxpY2U6c2VjcmV0")
        .queryParam("query", "up")
        .get("/api/v1/query")
        .then()
        .statusCode(401)
        .body("error", equalTo("unsupported authorization scheme: use 'Bearer <token>'"));
  }

  @Test
  void askingForAnotherTenantWithScopeHeaderIs403() {
    query(PAYMENTS, "search", "up")
        .then()
        .statusCode(403)
        .body("status", equalTo("error"))
        .body("errorType", equalTo("forbidden"))
        .body("error", equalTo("tenant 'search' is not granted to payments-team"));
    query(PAYMENTS, "payments|shop", "up").then().statusCode(403);
    query(COMMERCE, "payments|shop", "up").then().statusCode(200);
    assertThat(value(COMMERCE, "payments", "sum(istio_requests_total)")).isEqualTo("20");
  }

  @Test
  void badQueryAndBadParametersAnswerBadDataInPrometheusFormat() {
    query(SRE, null, "sum(")
        .then()
        .statusCode(400)
        .body("status", equalTo("error"))
        .body("errorType", equalTo("bad_data"));
    given()
        .header("Authorization", "Bearer " + SRE)
        .queryParam("query", "up")
        .queryParam("time", "yesterday")
        .get("/api/v1/query")
        .then()
        .statusCode(400)
        .body("errorType", equalTo("bad_data"))
        .body(
            "error",
            equalTo("invalid parameter \"time\": cannot parse \"yesterday\" to a valid timestamp"));
  }

  @Test
  void queriesHandedToAWorkerThreadAnswerAndFailAsSmallOnesDo() {
    // A subquery and more than 25,000 steps are never answered on the I/O thread.
    assertThat(value(PAYMENTS, null, "sum(istio_requests_total)")).isEqualTo("20");
    assertThat(value(PAYMENTS, null, "max_over_time(sum(istio_requests_total)[1s:1s])"))
        .isEqualTo("20");
    given()
        .header("Authorization", "Bearer " + PAYMENTS)
        .formParam("query", "sum(istio_requests_total)")
        .formParam("start", Long.toString(T / 1000 - 30_000))
        .formParam("end", AT)
        .formParam("step", "1s")
        .post("/api/v1/query_range")
        .then()
        .statusCode(400)
        .body("errorType", equalTo("bad_data"))
        .body(
            "error",
            equalTo(
                "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the"
                    + " query resolution (?step=XX)"));
  }

  @Test
  void queryRangeAndPostFormReturnPrometheusShapes() {
    JsonPath j =
        given()
            .header("Authorization", "Bearer " + PAYMENTS)
            .formParam("query", "sum(istio_requests_total)")
            .formParam("start", Long.toString(T / 1000 - 60))
            .formParam("end", AT)
            .formParam("step", "30s")
            .post("/api/v1/query_range")
            .then()
            .statusCode(200)
            .extract()
            .jsonPath();
    assertThat(j.getString("data.resultType")).isEqualTo("matrix");
    List<List<Object>> values = j.getList("data.result[0].values");
    // Steps at T-60 (no data yet), T-30, T: the sample at T is seen only from T on.
    assertThat(values).hasSize(1);
    assertThat(values.get(0).get(1)).isEqualTo("20");
  }

  @Test
  void badRecordsAreDeadLetteredWithReasonAndSourceAndConsumptionGoesOn() {
    assertThat(ingest.stats().rejectedRecords())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of("decode_error", 2L, "oversized", 1L, "unknown_encoding", 1L));
    // The JSON record sent after the bad ones was ingested.
    assertThat(value(SRE, null, "sum(analytics_events_total)")).isEqualTo("6");

    List<ConsumerRecord<byte[], byte[]>> dead = readAll("meshlens.deadletter", 4);
    assertThat(dead).hasSize(4);
    Map<String, Integer> reasons = new TreeMap<>();
    for (ConsumerRecord<byte[], byte[]> r : dead) {
      reasons.merge(header(r, "meshlens.reason"), 1, Integer::sum);
      assertThat(header(r, "meshlens.source.topic")).isEqualTo("otlp_metrics");
      assertThat(header(r, "meshlens.signal")).isEqualTo("metrics");
      assertThat(Long.parseLong(header(r, "meshlens.source.offset"))).isNotNegative();
      assertThat(header(r, "meshlens.source.partition")).matches("[0-9]+");
      assertThat(header(r, "meshlens.error")).isNotBlank();
    }
    assertThat(reasons)
        .containsExactly(
            Map.entry("decode_error", 2),
            Map.entry("oversized", 1),
            Map.entry("unknown_encoding", 1));
    assertThat(dead).anySatisfy(r -> assertThat(r.value()).hasSize(300_000));
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(ingest.stats().deadLettered())
                    .containsEntry("decode_error", 2L)
                    .containsEntry("oversized", 1L));
  }

  private List<ConsumerRecord<byte[], byte[]>> readAll(String topic, int atLeast) {
    java.util.Properties p = new java.util.Properties();
    p.put("bootstrap.servers", bootstrapServers());
    p.put("group.id", "test-reader-" + System.nanoTime());
    p.put("auto.offset.reset", "earliest");
    List<ConsumerRecord<byte[], byte[]>> out = new java.util.ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      c.subscribe(List.of(topic));
      long deadline = System.currentTimeMillis() + 30_000;
      while (out.size() < atLeast && System.currentTimeMillis() < deadline) {
        c.poll(Duration.ofMillis(500)).forEach(out::add);
      }
    }
    return out;
  }

  /** The management interface's port in tests (random: parallel builds must not collide). */
  private static int managementPort() {
    return org.eclipse.microprofile.config.ConfigProvider.getConfig()
        .getValue("quarkus.management.test-port", Integer.class);
  }

  private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
    var h = r.headers().lastHeader(name);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  @Test
  void selfMetricsAreOnTheManagementPortOnlyAndCountPerTenantAndReason() {
    // The consumer lag of a partition is known after the first fetch response that covers it,
    // which may come a poll after the records the set-up waited for.
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              String text =
                  given()
                      .port(managementPort())
                      .header("Accept", "text/plain; version=0.0.4")
                      .get("/metrics")
                      .then()
                      .statusCode(200)
                      .extract()
                      .asString();
              assertThat(text)
                  .contains("meshlens_ingested_total{signal=\"metrics\",tenant=\"payments\"}")
                  .contains("meshlens_ingested_total{signal=\"metrics\",tenant=\"bookinfo\"}")
                  .contains(
                      "meshlens_discarded_total{reason=\"decode_error\",signal=\"metrics\",tenant=\"\"} 2.0")
                  .contains(
                      "meshlens_deadletter_total{reason=\"oversized\",signal=\"metrics\"} 1.0")
                  .contains("meshlens_kafka_consumer_lag{partition=\"0\",topic=\"otlp_metrics\"}")
                  .contains("meshlens_store_series ");
            });
    // Not on the API port, where tenants' tokens are used.
    given().get("/metrics").then().statusCode(404);
    given().header("Authorization", "Bearer " + PAYMENTS).get("/metrics").then().statusCode(404);
  }

  // ------------------------------------------------------------------ series, labels, metadata

  private static io.restassured.specification.RequestSpecification as(String token) {
    return given().header("Authorization", "Bearer " + token);
  }

  @Test
  void seriesApiAnswersOnlyTheCallersSeriesWhateverTheMatcher() {
    List<Map<String, String>> shop =
        as(SHOP)
            .queryParam("match[]", "{__name__=~\".+\"}")
            .get("/api/v1/series")
            .then()
            .statusCode(200)
            .body("status", equalTo("success"))
            .extract()
            .jsonPath()
            .getList("data");
    assertThat(shop).isNotEmpty();
    assertThat(shop)
        .extracting(m -> m.get("__name__"))
        .containsOnly("istio_requests_total")
        .doesNotContain("pilot_xds_pushes_total", "payments_custom_total");
    // A matcher naming another tenant's own series finds nothing for shop, everything for SRE.
    assertThat(
            as(SHOP)
                .queryParam("match[]", "payments_custom_total")
                .queryParam("match[]", "{tenant=\"payments\", __name__!=\"istio_requests_total\"}")
                .get("/api/v1/series")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getList("data"))
        .isEmpty();
    List<Map<String, String>> sre =
        as(SRE)
            .queryParam("match[]", "payments_custom_total")
            .get("/api/v1/series")
            .then()
            .statusCode(200)
            .extract()
            .jsonPath()
            .getList("data");
    assertThat(sre).hasSize(1);
    assertThat(sre.get(0)).containsEntry("tenant", "payments");
    // POST form, as Grafana sends long selectors.
    assertThat(
            as(PAYMENTS)
                .contentType("application/x-www-form-urlencoded")
                .formParam("match[]", "payments_custom_total")
                .post("/api/v1/series")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getList("data"))
        .hasSize(1);
  }

  @Test
  void seriesApiErrorsArePrometheusErrors() {
    as(SHOP)
        .get("/api/v1/series")
        .then()
        .statusCode(400)
        .body("status", equalTo("error"))
        .body("errorType", equalTo("bad_data"))
        .body("error", equalTo("no match[] parameter provided"));
    as(SHOP)
        .queryParam("match[]", "{job=~\".*\"}")
        .get("/api/v1/series")
        .then()
        .statusCode(400)
        .body("errorType", equalTo("bad_data"))
        .body("error", org.hamcrest.Matchers.containsString("at least one non-empty matcher"));
    as(SHOP)
        .queryParam("match[]", "rate(istio_requests_total[5m])")
        .get("/api/v1/series")
        .then()
        .statusCode(400)
        .body("errorType", equalTo("bad_data"));
    given().queryParam("match[]", "up").get("/api/v1/series").then().statusCode(401);
    as(SHOP)
        .header("X-Scope-OrgID", "payments")
        .queryParam("match[]", "up")
        .get("/api/v1/series")
        .then()
        .statusCode(403);
  }

  @Test
  void labelNamesAndValuesAreScoped() {
    List<String> shopNamespaces =
        as(SHOP)
            .get("/api/v1/label/k8s_namespace_name/values")
            .then()
            .statusCode(200)
            .extract()
            .jsonPath()
            .getList("data");
    // shop sees its own edges and the gateway that routes to it, not payments' own series,
    // legacy, or istiod.
    assertThat(shopNamespaces).contains("shop").doesNotContain("legacy", "istio-system");
    List<String> tenants =
        as(SHOP)
            .get("/api/v1/label/tenant/values")
            .then()
            .statusCode(200)
            .extract()
            .jsonPath()
            .getList("data");
    assertThat(tenants).doesNotContain("bookinfo", "unassigned", "search");
    List<String> names =
        as(PAYMENTS)
            .get("/api/v1/label/__name__/values")
            .then()
            .statusCode(200)
            .extract()
            .jsonPath()
            .getList("data");
    assertThat(names).containsExactly("istio_requests_total", "payments_custom_total");
    // With a matcher: only values among matching series, still inside the scope.
    assertThat(
            as(SHOP)
                .queryParam("match[]", "{__name__=\"payments_custom_total\"}")
                .get("/api/v1/label/k8s_pod_name/values")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getList("data"))
        .isEmpty();
    List<String> sreNames =
        as(SRE).get("/api/v1/labels").then().statusCode(200).extract().jsonPath().getList("data");
    assertThat(sreNames).contains("__name__", "tenant", "cluster", "k8s_pod_name");
    List<String> shopLabelNames =
        as(SHOP)
            .queryParam("match[]", "istio_requests_total")
            .get("/api/v1/labels")
            .then()
            .statusCode(200)
            .extract()
            .jsonPath()
            .getList("data");
    assertThat(shopLabelNames).contains("reporter", "source_workload").doesNotContain("type");
    as(SHOP)
        .get("/api/v1/label/not-a-name/values")
        .then()
        .statusCode(400)
        .body("errorType", equalTo("bad_data"))
        .body("error", equalTo("invalid label name: \"not-a-name\""));
  }

  @Test
  void metadataComesFromOtlpAndOnlyForVisibleFamilies() {
    Map<String, List<Map<String, String>>> shop =
        as(SHOP).get("/api/v1/metadata").then().statusCode(200).extract().jsonPath().getMap("data");
    assertThat(shop)
        .containsKey("istio_requests_total")
        .doesNotContainKey("pilot_xds_pushes_total");
    assertThat(shop.get("istio_requests_total").get(0)).containsEntry("type", "counter");
    Map<String, List<Map<String, String>>> sre =
        as(SRE)
            .queryParam("metric", "pilot_xds_pushes_total")
            .get("/api/v1/metadata")
            .then()
            .statusCode(200)
            .extract()
            .jsonPath()
            .getMap("data");
    assertThat(sre).containsOnlyKeys("pilot_xds_pushes_total");
    // Real istio-proxy scrape: HELP text and histogram type survive the OTLP round trip.
    Map<String, List<Map<String, String>>> hist =
        as(SRE)
            .queryParam("metric", "istio_request_duration_milliseconds")
            .get("/api/v1/metadata")
            .then()
            .statusCode(200)
            .extract()
            .jsonPath()
            .getMap("data");
    assertThat(hist.get("istio_request_duration_milliseconds").get(0))
        .containsEntry("type", "histogram");
  }

  @Test
  void peersSeeEachOthersWorkloadsAndPodsOnlyAsPseudonyms() {
    // The shop -> payments edge as payments' proxy reported it, seen by shop.
    List<Map<String, String>> seenByShop =
        series(SHOP, null, "istio_requests_total{reporter=\"destination\", tenant=\"payments\"}");
    assertThat(seenByShop).hasSize(1);
    Map<String, String> m = seenByShop.get(0);
    assertThat(m.get("destination_workload")).startsWith("redacted-");
    assertThat(m.get("k8s_pod_name")).startsWith("redacted-");
    assertThat(m)
        .containsEntry("destination_workload_namespace", "payments")
        .containsEntry("destination_service", "payments-app.payments.svc.cluster.local")
        .containsEntry("source_workload", "shop-app");
    // payments itself, and SREs, read the real names.
    assertThat(series(PAYMENTS, null, "istio_requests_total{reporter=\"destination\"}"))
        .extracting(x -> x.get("destination_workload"))
        .containsOnly("payments-app");
    // Probing the real name from shop finds nothing.
    assertThat(
            value(SHOP, null, "count(istio_requests_total{destination_workload=\"payments-app\"})"))
        .isEqualTo("1"); // shop's own source-reported series names it: that side is shop's
    assertThat(
            value(
                SHOP,
                null,
                "count(istio_requests_total{reporter=\"destination\","
                    + " destination_workload=\"payments-app\"})"))
        .isEqualTo("empty");
  }
}

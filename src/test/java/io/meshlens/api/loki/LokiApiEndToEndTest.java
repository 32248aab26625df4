package io.meshlens.api.loki;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshlens.ingest.IngestService;
import io.meshlens.store.Scope;
import io.meshlens.testdata.RealData;
import io.meshlens.testing.InJvmKafka;
import io.meshlens.testing.Kafka;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Loki API end to end: real Istio access log lines (JSON lines in Fluent Bit records with
 * Kubernetes metadata for a shop and a payments proxy; waypoint TEXT lines without metadata) go
 * through the real in-JVM Kafka broker into the access log store and are read back over HTTP with
 * the demo tokens. The lines are re-timed to ten minutes ago, everything else is as published.
 */
@QuarkusTest
@WithTestResource(InJvmKafka.class)
@TestProfile(LokiApiEndToEndTest.OwnBroker.class)
class LokiApiEndToEndTest {

  /** Its own application start, so that only this class's lines are in the store. */
  public static final class OwnBroker implements QuarkusTestProfile {}

  private static final String SHOP = "demo-shop-token";
  private static final String PAYMENTS = "demo-payments-token";
  private static final String COMMERCE = "demo-commerce-token";
  private static final String SRE = "demo-sre-token";

  /** Whole minute ten minutes ago: the first shop line starts here. */
  private static final long T = (System.currentTimeMillis() / 60_000 - 10) * 60_000;

  private static final long NS = 1_000_000L;
  private static final String START = Long.toString(T * NS);
  private static final String END = Long.toString((T + 60_000) * NS);

  private static final List<String> JSON_LINES =
      RealData.read("public_examples__istio_json_access_log_lines.jsonl").lines().toList();
  private static final List<String> WAYPOINT_LINES =
      RealData.read("kiali__tests_data_logs_waypoint.log").lines().limit(5).toList();

  private static boolean loaded;

  @Inject IngestService ingest;

  private static String retimed(String jsonLine, long ms) {
    return jsonLine.replaceFirst(
        "\"start_time\":\"[^\"]*\"", "\"start_time\":\"" + Instant.ofEpochMilli(ms) + "\"");
  }

  /** The shop proxy's line {@code i} as stored (and answered). */
  private static String shopLine(int i) {
    return retimed(JSON_LINES.get(i), T + i * 10_000L);
  }

  private static byte[] fluentBit(String line, String namespace, String pod, String cluster)
      throws Exception {
    Map<String, Object> record = new LinkedHashMap<>();
    record.put("time", Instant.now().toString());
    record.put("stream", "stdout");
    record.put("log", line);
    record.put("cluster", cluster);
    record.put(
        "kubernetes",
        Map.of("namespace_name", namespace, "pod_name", pod, "container_name", "istio-proxy"));
    return new ObjectMapper().writeValueAsBytes(record);
  }

  @BeforeEach
  void publishOnce() throws Exception {
    synchronized (LokiApiEndToEndTest.class) {
      if (loaded) {
        return;
      }
      String kafka = InJvmKafka.bootstrapServers();
      List<byte[]> records = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        records.add(fluentBit(shopLine(i), "shop", "shop-web-1", "east-1"));
        records.add(
            fluentBit(
                retimed(JSON_LINES.get(i), T + 5_000 + i * 10_000L),
                "payments",
                "payments-api-1",
                "east-2"));
      }
      Kafka.send(kafka, "istio_access_logs", records.toArray(byte[][]::new));
      // Waypoint lines name no namespace: inbound, so the destination's (bookinfo), which no
      // tenant owns here: they are `unassigned`, for SREs only.
      StringBuilder waypoint = new StringBuilder();
      for (int i = 0; i < WAYPOINT_LINES.size(); i++) {
        waypoint
            .append(
                WAYPOINT_LINES
                    .get(i)
                    .replaceFirst(
                        "\\[[0-9TZ:.-]+\\]", "[" + Instant.ofEpochMilli(T + i * 1000L + 500) + "]"))
            .append('\n');
      }
      Kafka.sendWithHeader(
          kafka,
          "istio_access_logs",
          "cluster",
          "west-1",
          waypoint.toString().getBytes(StandardCharsets.UTF_8));
      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () -> assertThat(ingest.accessLogStore().count(Scope.everything())).isEqualTo(13));
      loaded = true;
    }
  }

  private static RequestSpecification as(String token, String orgId) {
    RequestSpecification r = given();
    if (token != null) {
      r = r.header("Authorization", "Bearer " + token);
    }
    if (orgId != null) {
      r = r.header("X-Scope-OrgID", orgId);
    }
    return r;
  }

  private static Response range(String token, String orgId, String query, String... more) {
    RequestSpecification r =
        as(token, orgId)
            .queryParam("query", query)
            .queryParam("start", START)
            .queryParam("end", END);
    for (int i = 0; i < more.length; i += 2) {
      r = r.queryParam(more[i], more[i + 1]);
    }
    return r.get("/loki/api/v1/query_range");
  }

  private static JsonPath ok(Response r) {
    return r.then().statusCode(200).extract().jsonPath();
  }

  private static String instantValue(String token, String query) {
    JsonPath j =
        ok(
            as(token, null)
                .queryParam("query", query)
                .queryParam("time", END)
                .get("/loki/api/v1/query"));
    assertThat(j.getString("data.resultType")).isEqualTo("vector");
    List<Object> result = j.getList("data.result");
    if (result.isEmpty()) {
      return "empty";
    }
    assertThat(result).hasSize(1);
    return j.getString("data.result[0].value[1]");
  }

  private static Map<String, String> shopStream() {
    return Map.of(
        "cluster", "east-1",
        "direction", "outbound",
        "namespace", "shop",
        "pod", "shop-web-1",
        "tenant", "shop",
        "workload", "shop-web");
  }

  @Test
  void queryRangeAnswersTheStreamNewestFirstWithTheLinesAsPublished() {
    JsonPath j = ok(range(SRE, null, "{namespace=\"shop\"}"));
    assertThat(j.getString("status")).isEqualTo("success");
    assertThat(j.getString("data.resultType")).isEqualTo("streams");
    assertThat(j.getList("data.result")).hasSize(1);
    assertThat(j.getMap("data.result[0].stream")).isEqualTo(shopStream());
    assertThat(j.<List<String>>getList("data.result[0].values"))
        .isEqualTo(
            List.of(
                List.of(Long.toString((T + 30_000) * NS), shopLine(3)),
                List.of(Long.toString((T + 20_000) * NS), shopLine(2)),
                List.of(Long.toString((T + 10_000) * NS), shopLine(1)),
                List.of(Long.toString(T * NS), shopLine(0))));
    // forward, limit 2, RFC 3339 times, as a form POST.
    JsonPath post =
        ok(
            as(SHOP, null)
                .formParam("query", "{namespace=\"shop\"}")
                .formParam("start", Instant.ofEpochMilli(T).toString())
                .formParam("end", Instant.ofEpochMilli(T + 60_000).toString())
                .formParam("limit", "2")
                .formParam("direction", "forward")
                .post("/loki/api/v1/query_range"));
    assertThat(post.<List<String>>getList("data.result[0].values"))
        .isEqualTo(
            List.of(
                List.of(Long.toString(T * NS), shopLine(0)),
                List.of(Long.toString((T + 10_000) * NS), shopLine(1))));
  }

  @Test
  void shopTokenCannotReachPaymentsLinesWithAnySelector() {
    assertThat(ok(range(SHOP, null, "{namespace=\"payments\"}")).getList("data.result")).isEmpty();
    assertThat(ok(range(SHOP, null, "{tenant=\"payments\"}")).getList("data.result")).isEmpty();
    assertThat(
            ok(range(SHOP, null, "{tenant=~\"payments|shop\", cluster=\"east-2\"}"))
                .getList("data.result"))
        .isEmpty();
    JsonPath everything = ok(range(SHOP, null, "{namespace=~\".+\"}"));
    assertThat(everything.<Map<String, String>>getList("data.result.stream"))
        .containsExactly(shopStream());
    assertThat(everything.getList("data.result[0].values")).hasSize(4);
    assertThat(instantValue(SHOP, "sum(count_over_time({namespace=~\".+\"}[1h]))")).isEqualTo("4");
    assertThat(instantValue(PAYMENTS, "sum(count_over_time({namespace=~\".+\"}[1h]))"))
        .isEqualTo("4");
    assertThat(instantValue(SRE, "sum(count_over_time({namespace=~\".+\"}[1h]))")).isEqualTo("13");
    assertThat(instantValue(SHOP, "sum(count_over_time({namespace=\"bookinfo\"}[1h]))"))
        .isEqualTo("empty");
    assertThat(
            ok(as(SHOP, null)
                    .queryParam("match[]", "{namespace=~\".+\"}")
                    .get("/loki/api/v1/series"))
                .<Map<String, String>>getList("data"))
        .containsExactly(shopStream());
    assertThat(ok(as(SHOP, null).get("/loki/api/v1/label/namespace/values")).getList("data"))
        .containsExactly("shop");
    assertThat(ok(as(SHOP, null).get("/loki/api/v1/label/tenant/values")).getList("data"))
        .containsExactly("shop");
  }

  @Test
  void foreignOrgIdIs403AndNoTokenIs401() {
    range(SHOP, "payments", "{namespace=\"payments\"}")
        .then()
        .statusCode(403)
        .body("status", org.hamcrest.Matchers.equalTo("error"))
        .body("errorType", org.hamcrest.Matchers.equalTo("forbidden"));
    range(null, null, "{namespace=\"shop\"}")
        .then()
        .statusCode(401)
        .header("WWW-Authenticate", "Bearer realm=\"meshlens\"");
    as(null, null).get("/loki/api/v1/labels").then().statusCode(401);
    as(SHOP, "payments").get("/loki/api/v1/label/namespace/values").then().statusCode(403);
    // A token granted both tenants picks both with Grafana's a|b convention.
    assertThat(
            ok(range(COMMERCE, "shop|payments", "{namespace=~\"shop|payments\"}"))
                .<Map<String, String>>getList("data.result.stream")
                .stream()
                .map(m -> m.get("tenant"))
                .toList())
        .containsExactly("shop", "payments");
  }

  @Test
  void jsonParserAndLabelFiltersSelectTheFailedRequest() {
    JsonPath j = ok(range(SHOP, null, "{namespace=\"shop\"} | json | response_code >= 500"));
    assertThat(j.getList("data.result")).hasSize(1);
    Map<String, String> stream = j.getMap("data.result[0].stream");
    assertThat(stream)
        .containsEntry("response_code", "503")
        .containsEntry("response_flags", "UH")
        .containsEntry("upstream_cluster", "outbound|80||envoydummy.chapter11.svc.cluster.local")
        .containsEntry("tenant", "shop");
    assertThat(j.<List<String>>getList("data.result[0].values"))
        .containsExactly(List.of(Long.toString((T + 10_000) * NS), shopLine(1)));
    // The same through a metric query, grouped by a parsed field.
    JsonPath byCode =
        ok(
            as(SRE, null)
                .queryParam(
                    "query",
                    "sum by (response_code) (count_over_time({cluster=~\"east-.*\"} | json [1h]))")
                .queryParam("time", END)
                .get("/loki/api/v1/query"));
    Map<String, String> counts = new LinkedHashMap<>();
    for (int i = 0; i < byCode.getList("data.result").size(); i++) {
      counts.put(
          byCode.getString("data.result[" + i + "].metric.response_code"),
          byCode.getString("data.result[" + i + "].value[1]"));
    }
    assertThat(counts).isEqualTo(Map.of("200", "4", "404", "2", "503", "2"));
  }

  @Test
  void grafanaLogsVolumeQueryAnswersOneSeriesWithoutLevel() {
    JsonPath j =
        ok(
            range(
                SHOP,
                null,
                "sum by (level) (count_over_time({namespace=\"shop\"} | drop __error__ [1m]))",
                "step",
                "60"));
    assertThat(j.getString("data.resultType")).isEqualTo("matrix");
    assertThat(j.getList("data.result")).hasSize(1);
    assertThat(j.getMap("data.result[0].metric")).isEmpty();
    List<List<Object>> values = j.getList("data.result[0].values");
    assertThat(values).hasSize(2);
    assertThat(((Number) values.get(0).get(0)).longValue()).isEqualTo(T / 1000);
    assertThat(values.get(0).get(1)).isEqualTo("1");
    assertThat(((Number) values.get(1).get(0)).longValue()).isEqualTo(T / 1000 + 60);
    assertThat(values.get(1).get(1)).isEqualTo("3");
    JsonPath rate = ok(range(SRE, null, "rate({cluster=\"west-1\"}[1m])", "step", "60s"));
    assertThat(rate.getMap("data.result[0].metric"))
        .isEqualTo(
            Map.of(
                "cluster", "west-1",
                "direction", "inbound",
                "namespace", "bookinfo",
                "tenant", "unassigned"));
    assertThat(rate.getList("data.result[0].values.collect { it[1] }"))
        .containsExactly("0.08333333333333333");
  }

  @Test
  void labelsAndValuesAreTheCallersOnly() {
    assertThat(ok(as(SHOP, null).get("/loki/api/v1/labels")).getList("data"))
        .containsExactly("cluster", "direction", "namespace", "pod", "tenant", "workload");
    assertThat(ok(as(SRE, null).get("/loki/api/v1/label/namespace/values")).getList("data"))
        .containsExactly("bookinfo", "payments", "shop");
    assertThat(ok(as(SRE, null).get("/loki/api/v1/label/tenant/values")).getList("data"))
        .containsExactly("payments", "shop", "unassigned");
    assertThat(
            ok(as(SRE, null)
                    .queryParam("query", "{cluster=\"east-2\"}")
                    .get("/loki/api/v1/label/namespace/values"))
                .getList("data"))
        .containsExactly("payments");
    assertThat(ok(as(SRE, null).get("/loki/api/v1/label/no_such_label/values")).getList("data"))
        .isEmpty();
    assertThat(
            ok(
                    as(SRE, null)
                        .queryParam("match[]", "{namespace=\"shop\"}")
                        .queryParam("match[]", "{tenant=\"payments\"}")
                        .get("/loki/api/v1/series"))
                .<Map<String, String>>getList("data")
                .stream()
                .map(m -> m.get("pod"))
                .toList())
        .containsExactly("shop-web-1", "payments-api-1");
  }

  @Test
  void badQueriesAre400WithLokisPlainTextError() {
    Response r = range(SHOP, null, "{namespace=\"shop\"");
    r.then().statusCode(400).contentType(io.restassured.http.ContentType.TEXT);
    assertThat(r.asString())
        .isEqualTo(
            "parse error at line 1, col 18: syntax error: unexpected $end, expecting } or ,");
    assertThat(range(SHOP, null, "{namespace=~\".*\"}").asString())
        .startsWith("parse error : queries require at least one regexp or equality matcher");
    Response limit = range(SHOP, null, "{namespace=\"shop\"}", "limit", "10000");
    limit.then().statusCode(400);
    assertThat(limit.asString())
        .isEqualTo(
            "max entries limit per query exceeded, limit > max_entries_limit (10000 > 5000)");
    Response series =
        as(SHOP, null)
            .queryParam("match[]", "{namespace=\"shop\"} |= \"x\"")
            .get("/loki/api/v1/series");
    series.then().statusCode(400);
    assertThat(series.asString()).isEqualTo("only label matchers are supported");
    assertThat(range(SHOP, null, "{namespace=\"shop\"}", "direction", "sideways").asString())
        .isEqualTo("invalid direction \"sideways\": one of forward or backward");
  }

  @Test
  void instantLogQueryAnswersTheHourBeforeItsTime() {
    JsonPath j =
        ok(
            as(SHOP, null)
                .queryParam("query", "{namespace=\"shop\"} |= \"reviews\"")
                .queryParam("time", END)
                .get("/loki/api/v1/query"));
    assertThat(j.getString("data.resultType")).isEqualTo("streams");
    assertThat(j.<List<String>>getList("data.result[0].values"))
        .containsExactly(
            List.of(Long.toString((T + 30_000) * NS), shopLine(3)),
            List.of(Long.toString(T * NS), shopLine(0)));
  }
}

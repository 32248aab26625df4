package io.meshlens.dashboards;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshlens.dashboards.GrafanaDashboard.Audience;
import io.meshlens.dashboards.GrafanaDashboard.Query;
import io.meshlens.dashboards.GrafanaDashboard.Variable;
import io.meshlens.testing.InJvmKafka;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every panel query of every dashboard in {@code dashboards/} runs against the running service fed
 * by the mesh simulator through a real Kafka broker, over the HTTP API its data source type names
 * (Prometheus, Loki, Jaeger), with the token of the dashboard's audience and Grafana's variables
 * substituted as Grafana would; each must answer without error and with data.
 */
@QuarkusTest
@WithTestResource(InJvmKafka.class)
@TestProfile(DashboardPanelQueriesTest.DemoMesh.class)
class DashboardPanelQueriesTest {

  /** The demo: simulator on and Meshlens' own metrics stored under tenant platform. */
  public static final class DemoMesh implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of(
          "meshlens.tenants-file", "config/tenants.yaml",
          "meshlens.simulator.enabled", "true",
          "meshlens.simulator.interval", "2s",
          "meshlens.simulator.requests-per-second", "100",
          "meshlens.self-metrics.enabled", "true",
          "meshlens.self-metrics.interval", "2s",
          "meshlens.self-metrics.cluster", "east-1",
          "meshlens.ingest.max-record-bytes", "8388608");
    }
  }

  private static final Map<Audience, String> TOKENS =
      Map.of(Audience.TENANT, "demo-payments-token", Audience.SRE, "demo-sre-token");

  private static final Path DASHBOARDS = Path.of("dashboards");

  /** Panels' ranges: the last 5 minutes (the mesh has run for less), Grafana's 15 s step. */
  private static final long RANGE_SECONDS = 300;

  @Test
  void everyDashboardIsTaggedForItsAudienceAndEveryPanelUsesOneOfItsDataSourceVariables()
      throws Exception {
    List<GrafanaDashboard> dashboards = GrafanaDashboard.all(DASHBOARDS);
    assertThat(dashboards)
        .extracting(GrafanaDashboard::name)
        .contains(
            "tenant-overview.json",
            "tenant-logs-traces.json",
            "sre-mesh-health.json",
            "cross-cluster-traffic.json",
            "meshlens-self.json");
    Set<String> uids = new HashSet<>();
    for (GrafanaDashboard d : dashboards) {
      assertThat(uids.add(d.uid())).as("%s: uid %s is unique", d.name(), d.uid()).isTrue();
      assertThat(d.json().path("schemaVersion").asInt())
          .as("%s: Grafana 10+ schema", d.name())
          .isGreaterThanOrEqualTo(36);
      d.audience();
      Map<String, String> sources = d.datasourceVariables();
      assertThat(d.queries()).as(d.name()).isNotEmpty();
      for (Query q : d.queries()) {
        String uid = q.datasourceUid();
        Matcher m = Pattern.compile("\\$\\{?(\\w+)}?").matcher(uid);
        assertThat(m.matches())
            .as("%s / %s: data source uid %s is a variable", d.name(), q.panel(), uid)
            .isTrue();
        assertThat(sources)
            .as("%s / %s: data source variable %s", d.name(), q.panel(), uid)
            .containsEntry(m.group(1), q.datasourceType());
      }
    }
  }

  @Test
  void everyPanelQueryOfEveryDashboardAnswersWithDataForItsAudiencesToken() throws Exception {
    List<GrafanaDashboard> dashboards = GrafanaDashboard.all(DASHBOARDS);
    int total = 0;
    for (GrafanaDashboard d : dashboards) {
      total += d.queries().size();
    }
    assertThat(total).isGreaterThanOrEqualTo(60);
    List<String> failures = new ArrayList<>();
    await()
        .atMost(Duration.ofSeconds(180))
        .pollInterval(Duration.ofSeconds(3))
        .untilAsserted(
            () -> {
              failures.clear();
              for (GrafanaDashboard d : dashboards) {
                runDashboard(d, failures);
              }
              assertThat(failures).as("panel queries without an answer").isEmpty();
            });
    System.out.printf(
        "dashboard panel queries checked: %d in %d dashboards%n", total, dashboards.size());
  }

  /** The check itself: a broken, an empty and a foreign query each come back named. */
  @Test
  void aFailingOrEmptyPanelQueryIsReportedWithItsDashboardPanelAndQuery() throws Exception {
    String json =
        """
        {"uid": "broken", "title": "broken", "tags": ["meshlens-tenant"], "schemaVersion": 39,
         "templating": {"list": [
           {"name": "datasource", "type": "datasource", "query": "prometheus"},
           {"name": "loki", "type": "datasource", "query": "loki"},
           {"name": "jaeger", "type": "datasource", "query": "jaeger"}]},
         "panels": [
           {"title": "syntax", "datasource": {"type": "prometheus", "uid": "${datasource}"},
            "targets": [{"refId": "A", "expr": "sum(rate(istio_requests_total[$__rate_interval])"}]},
           {"title": "no such metric", "datasource": {"type": "prometheus", "uid": "${datasource}"},
            "targets": [{"refId": "A", "expr": "no_such_metric_total"}]},
           {"title": "another tenant's logs", "datasource": {"type": "loki", "uid": "${loki}"},
            "targets": [{"refId": "A", "expr": "{namespace=\\"shop\\"}"}]},
           {"title": "unknown service", "datasource": {"type": "jaeger", "uid": "${jaeger}"},
            "targets": [{"refId": "A", "queryType": "search", "service": "nobody.nowhere"}]}]}
        """;
    GrafanaDashboard broken =
        new GrafanaDashboard(
            Path.of("broken.json"),
            new com.fasterxml.jackson.databind.ObjectMapper().readTree(json));
    List<String> failures = new ArrayList<>();
    runDashboard(broken, failures);
    assertThat(failures).hasSize(4);
    assertThat(failures.get(0))
        .startsWith("broken.json / \"syntax\" / A: sum(rate(istio_requests_total[1m]) -> HTTP 400");
    assertThat(failures.get(1))
        .isEqualTo("broken.json / \"no such metric\" / A: no_such_metric_total -> empty result");
    assertThat(failures.get(2))
        .isEqualTo(
            "broken.json / \"another tenant's logs\" / A: {namespace=\"shop\"} -> empty result");
    assertThat(failures.get(3))
        .isEqualTo("broken.json / \"unknown service\" / A: service=nobody.nowhere -> no traces");
  }

  private static void runDashboard(GrafanaDashboard d, List<String> failures) {
    String token = TOKENS.get(d.audience());
    long now = System.currentTimeMillis() / 1000;
    Map<String, String> values;
    try {
      values = resolveVariables(d, token, now);
    } catch (IllegalStateException e) {
      failures.add(d.name() + ": " + e.getMessage());
      return;
    }
    for (Query q : d.queries()) {
      String where = d.name() + " / \"" + q.panel() + "\" / " + q.refId();
      try {
        String problem = run(q, values, token, now);
        if (problem != null) {
          failures.add(where + ": " + problem);
        }
      } catch (IllegalArgumentException e) {
        failures.add(where + ": " + e.getMessage());
      }
    }
  }

  /**
   * Values of the dashboard's variables as Grafana picks them on first load: a variable whose
   * current value is All gets its {@code allValue}; a query variable otherwise its first value,
   * resolved through the Prometheus API as Grafana's {@code label_values} does (label values with a
   * {@code match[]} over the dashboard's range); a text box its text.
   */
  private static Map<String, String> resolveVariables(GrafanaDashboard d, String token, long now) {
    Map<String, String> values = new LinkedHashMap<>();
    Pattern labelValues = Pattern.compile("label_values\\((?:(.*),\\s*)?(\\w+)\\)");
    for (Variable v : d.variables()) {
      switch (v.type()) {
        case "datasource" -> values.put(v.name(), v.name());
        case "textbox" -> values.put(v.name(), v.json().path("current").path("value").asText());
        case "query" -> {
          String text =
              v.json().path("query").path("query").asText(v.json().path("query").asText());
          Matcher m = labelValues.matcher(GrafanaDashboard.substitute(text, values));
          if (!m.matches()) {
            throw new IllegalStateException("variable " + v.name() + ": unsupported " + text);
          }
          if (v.selectsAll()) {
            String all = v.json().path("allValue").asText("");
            if (all.isEmpty()) {
              throw new IllegalStateException("variable " + v.name() + ": All needs an allValue");
            }
            values.put(v.name(), all);
            continue;
          }
          RequestSpecification req =
              given()
                  .header("Authorization", "Bearer " + token)
                  .queryParam("start", now - 3600)
                  .queryParam("end", now);
          if (m.group(1) != null) {
            req.queryParam("match[]", m.group(1));
          }
          Response r = req.get("/api/v1/label/" + m.group(2) + "/values");
          List<String> found = r.statusCode() == 200 ? r.jsonPath().getList("data") : List.of();
          if (found.isEmpty()) {
            throw new IllegalStateException(
                "variable " + v.name() + ": " + text + " has no values (" + r.statusCode() + ")");
          }
          values.put(v.name(), found.get(0));
        }
        default ->
            throw new IllegalStateException(
                "variable " + v.name() + ": type " + v.type() + " not handled");
      }
    }
    return values;
  }

  /** Runs one target; null when it answered with data, else what went wrong. */
  private static String run(Query q, Map<String, String> values, String token, long now) {
    JsonNode t = q.target();
    RequestSpecification req = given().header("Authorization", "Bearer " + token);
    Response r;
    String shown;
    switch (q.datasourceType()) {
      case "prometheus" -> {
        shown = GrafanaDashboard.substitute(t.path("expr").asText(), values);
        if (t.path("instant").asBoolean(false) && !t.path("range").asBoolean(false)) {
          r = req.queryParam("query", shown).queryParam("time", now).get("/api/v1/query");
        } else {
          r =
              req.queryParam("query", shown)
                  .queryParam("start", now - RANGE_SECONDS)
                  .queryParam("end", now)
                  .queryParam("step", 15)
                  .get("/api/v1/query_range");
        }
        if (r.statusCode() != 200) {
          return shown + " -> HTTP " + r.statusCode() + " " + r.asString();
        }
        return r.jsonPath().getList("data.result").isEmpty() ? shown + " -> empty result" : null;
      }
      case "loki" -> {
        shown = GrafanaDashboard.substitute(t.path("expr").asText(), values);
        r =
            req.queryParam("query", shown)
                .queryParam("start", (now - RANGE_SECONDS) * 1_000_000_000L)
                .queryParam("end", now * 1_000_000_000L)
                .queryParam("limit", t.path("maxLines").asInt(100))
                .queryParam("step", 15)
                .queryParam("direction", "backward")
                .get("/loki/api/v1/query_range");
        if (r.statusCode() != 200) {
          return shown + " -> HTTP " + r.statusCode() + " " + r.asString();
        }
        return r.jsonPath().getList("data.result").isEmpty() ? shown + " -> empty result" : null;
      }
      case "jaeger" -> {
        String type = t.path("queryType").asText();
        if (!type.equals("search")) {
          return "Jaeger query type '" + type + "' is not checked here: use search";
        }
        // What Grafana's Jaeger data source sends for a search (start/end in microseconds).
        String service = GrafanaDashboard.substitute(t.path("service").asText(), values);
        req.queryParam("service", service)
            .queryParam("start", (now - RANGE_SECONDS) * 1_000_000L)
            .queryParam("end", now * 1_000_000L)
            .queryParam("limit", t.path("limit").asInt(20));
        shown = "service=" + service;
        for (String p : List.of("operation", "minDuration", "maxDuration", "tags")) {
          if (t.hasNonNull(p) && !t.path(p).asText().isEmpty()) {
            String v = GrafanaDashboard.substitute(t.path(p).asText(), values);
            req.queryParam(p, v);
            shown += " " + p + "=" + v;
          }
        }
        r = req.get("/api/traces");
        if (r.statusCode() != 200) {
          return shown + " -> HTTP " + r.statusCode() + " " + r.asString();
        }
        JsonPath j = r.jsonPath();
        return j.getList("data").isEmpty() ? shown + " -> no traces" : null;
      }
      default -> {
        return "data source type '" + q.datasourceType() + "' is not Meshlens'";
      }
    }
  }
}

package io.meshlens.query.promql;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshlens.model.Labels;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Compares the engine with a real Prometheus 2.42 on the same data: {@code promql/diff/} holds a
 * synthetic hour of counters, gauges (with NaN and +Inf), histogram buckets, gappy series and
 * Istio-like edges ({@code dataset.test}, made by {@code gen.py}), and Prometheus' HTTP responses
 * to each query of {@code queries.txt} as instant queries at several times and range queries over
 * several windows and steps ({@code responses.json.gz}, recorded by {@code record.py}).
 *
 * <p>Every value must format to the same text as Prometheus' API writes ({@link
 * PrometheusJsonFormat}), every label set and timestamp must match, and errors must have the same
 * type and message. Instant vectors are compared as sets except for {@code sort}/{@code topk}-style
 * queries, whose order must match too.
 */
class PrometheusDifferentialTest {

  /**
   * Values computed by transcendental functions may differ from Go's in the last bits; these
   * queries are compared with a relative tolerance of 1e-12 instead of exactly.
   */
  static final List<String> LAST_BIT_TOLERANT =
      List.of(
          "exp(", "ln(", "log10(", "sin(", "cos(", "tan(", "asin(", "acos(", "atan(", "sinh(",
          "cosh(", "tanh(", "asinh(", "acosh(", "atanh(", " ^ ", " atan2 ");

  @TestFactory
  Stream<DynamicTest> sameResultsAsPrometheus() throws IOException {
    JsonNode doc;
    try (InputStream in =
        new GZIPInputStream(getClass().getResourceAsStream("/promql/diff/responses.json.gz"))) {
      doc = new ObjectMapper().readTree(in);
    }
    long baseMs = doc.get("baseMs").asLong();
    InMemorySeriesReader data = load(baseMs);
    PromqlEngine engine = new PromqlEngine(EngineSettings.defaults());
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonNode c : doc.get("cases")) {
      String query = c.get("query").asText();
      String name =
          c.get("kind").asText().equals("instant")
              ? "instant " + query + " @" + c.get("time").asText()
              : "range "
                  + query
                  + " "
                  + c.get("start").asText()
                  + ".."
                  + c.get("end").asText()
                  + " step "
                  + c.get("step").asText();
      tests.add(DynamicTest.dynamicTest(name, () -> check(engine, data, c)));
    }
    return tests.stream();
  }

  static InMemorySeriesReader load(long baseMs) throws IOException {
    String text;
    try (InputStream in =
        PrometheusDifferentialTest.class.getResourceAsStream("/promql/diff/dataset.test")) {
      text = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
    String[] lines = text.split("\n");
    long gap = Durations.parse(lines[0].substring("load ".length()).trim());
    InMemorySeriesReader data = new InMemorySeriesReader();
    for (int i = 1; i < lines.length; i++) {
      if (lines[i].isBlank()) {
        continue;
      }
      PromqlTestScript.SeriesLine s = PromqlTestScript.parseSeries(lines[i].trim());
      long t = baseMs;
      for (Double v : s.values()) {
        if (v != null) {
          data.add(PromqlTestScript.TENANT, s.labels(), t, v);
        }
        t += gap;
      }
    }
    return data;
  }

  private static long millis(JsonNode seconds) {
    return Math.round(seconds.asDouble() * 1000);
  }

  private static void check(PromqlEngine engine, InMemorySeriesReader data, JsonNode c) {
    String query = c.get("query").asText();
    JsonNode want = c.get("response");
    QueryResult got;
    try {
      got =
          c.get("kind").asText().equals("instant")
              ? engine.instantQuery(data, PromqlTestScript.SCOPE, query, millis(c.get("time")))
              : engine.rangeQuery(
                  data,
                  PromqlTestScript.SCOPE,
                  query,
                  millis(c.get("start")),
                  millis(c.get("end")),
                  millis(c.get("step")));
    } catch (PromqlException e) {
      assertThat(want.get("status").asText())
          .as("Prometheus succeeded where we failed with: %s", e.getMessage())
          .isEqualTo("error");
      assertThat(e.getMessage()).isEqualTo(want.get("error").asText());
      assertThat(e.errorType()).isEqualTo(want.get("errorType").asText());
      return;
    }
    assertThat(want.get("status").asText())
        .as("Prometheus failed with %s", want.path("error").asText())
        .isEqualTo("success");
    JsonNode d = want.get("data");
    assertThat(got.type().apiName()).isEqualTo(d.get("resultType").asText());
    boolean tolerant = LAST_BIT_TOLERANT.stream().anyMatch(query::contains);
    JsonNode result = d.get("result");
    if (got instanceof QueryResult.Scalar s) {
      assertThat(s.timestampMs()).isEqualTo(millis(result.get(0)));
      assertThat(PrometheusJsonFormat.scalarValue(s.value())).isEqualTo(result.get(1).asText());
    } else if (got instanceof QueryResult.StringResult s) {
      assertThat(s.timestampMs()).isEqualTo(millis(result.get(0)));
      assertThat(s.value()).isEqualTo(result.get(1).asText());
    } else if (got instanceof QueryResult.Vector v) {
      List<String> ours = new ArrayList<>();
      for (QueryResult.Sample s : v.samples()) {
        ours.add(GoText.labels(s.labels()) + " @" + s.timestampMs());
      }
      List<String> theirs = new ArrayList<>();
      List<String> theirValues = new ArrayList<>();
      for (JsonNode s : result) {
        theirs.add(GoText.labels(labels(s.get("metric"))) + " @" + millis(s.get("value").get(0)));
        theirValues.add(s.get("value").get(1).asText());
      }
      if (Evaluator.isOrderedResult(PromqlParser.parse(query))) {
        assertThat(ours).isEqualTo(theirs);
      } else {
        assertThat(ours).containsExactlyInAnyOrderElementsOf(theirs);
      }
      for (QueryResult.Sample s : v.samples()) {
        String key = GoText.labels(s.labels()) + " @" + s.timestampMs();
        assertValue(theirValues.get(theirs.indexOf(key)), s.value(), tolerant);
      }
    } else if (got instanceof QueryResult.Matrix m) {
      Map<String, JsonNode> theirs = new TreeMap<>();
      for (JsonNode s : result) {
        theirs.put(GoText.labels(labels(s.get("metric"))), s.get("values"));
      }
      List<String> ours = new ArrayList<>();
      for (QueryResult.Series s : m.series()) {
        ours.add(GoText.labels(s.labels()));
      }
      assertThat(ours).containsExactlyInAnyOrderElementsOf(theirs.keySet());
      List<QueryResult.Series> sorted = new ArrayList<>(m.series());
      sorted.sort(Comparator.comparing(QueryResult.Series::labels));
      assertThat(sorted).isEqualTo(m.series());
      for (QueryResult.Series s : m.series()) {
        JsonNode points = theirs.get(GoText.labels(s.labels()));
        List<String> ourPoints = new ArrayList<>();
        List<String> theirPoints = new ArrayList<>();
        for (int i = 0; i < s.size(); i++) {
          ourPoints.add(s.timestamps()[i] + "");
        }
        for (JsonNode p : points) {
          theirPoints.add(millis(p.get(0)) + "");
        }
        assertThat(ourPoints).as("timestamps of %s", s.labels()).isEqualTo(theirPoints);
        Iterator<JsonNode> it = points.iterator();
        for (int i = 0; i < s.size(); i++) {
          assertValue(it.next().get(1).asText(), s.values()[i], tolerant);
        }
      }
    }
  }

  private static void assertValue(String want, double got, boolean tolerant) {
    if (tolerant && !want.equals(PrometheusJsonFormat.pointValue(got))) {
      double w = GoText.parseFloatOrNaN(want);
      assertThat(PromqlTestScript.almostEqual(w, got) || Math.abs(w - got) <= 1e-12 * Math.abs(w))
          .as("%s vs %s", want, got)
          .isTrue();
      return;
    }
    assertThat(PrometheusJsonFormat.pointValue(got)).isEqualTo(want);
  }

  private static Labels labels(JsonNode metric) {
    Labels.Builder b = Labels.builder();
    Iterator<Map.Entry<String, JsonNode>> it = metric.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      b.put(e.getKey(), e.getValue().asText());
    }
    return b.build();
  }
}

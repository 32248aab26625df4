package io.meshlens.query.promql;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Checks the engine's answer to each query recorded from a real Prometheus 2.42 (resource {@code
 * promql/prometheus-2.42-query-responses.json}): the same error type and exact error message for
 * invalid queries, the same result type for valid ones.
 */
class PrometheusParseResponsesTest {

  @TestFactory
  Stream<DynamicTest> sameResponsesAsPrometheus() throws IOException {
    JsonNode doc;
    try (InputStream in =
        getClass().getResourceAsStream("/promql/prometheus-2.42-query-responses.json")) {
      doc = new ObjectMapper().readTree(in);
    }
    PromqlEngine engine = new PromqlEngine(EngineSettings.defaults());
    InMemorySeriesReader empty = new InMemorySeriesReader();
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonNode c : doc.get("cases")) {
      String query = c.get("query").asText();
      tests.add(
          DynamicTest.dynamicTest(
              query.isEmpty() ? "<empty>" : query,
              () -> {
                if (c.get("status").asText().equals("success")) {
                  QueryResult r =
                      engine.instantQuery(empty, PromqlTestScript.SCOPE, query, 1_000_000);
                  assertThat(r.type().apiName()).isEqualTo(c.get("resultType").asText());
                } else {
                  PromqlException e = null;
                  try {
                    engine.instantQuery(empty, PromqlTestScript.SCOPE, query, 1_000_000);
                  } catch (PromqlException ex) {
                    e = ex;
                  }
                  assertThat(e).as("expected an error").isNotNull();
                  assertThat(e.getMessage()).isEqualTo(c.get("error").asText());
                  assertThat(e.errorType()).isEqualTo(c.get("errorType").asText());
                }
              }));
    }
    return tests.stream();
  }
}

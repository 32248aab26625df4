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
 * The sample limit ({@code --query.max-samples}) must cut off the same queries as in Prometheus:
 * for each query of the differential data set, the smallest {@code maxSamples} the engine accepts
 * equals the {@code peakSamples} a real Prometheus 2.42 reported for it ({@code
 * promql/diff/peaks.json}).
 */
class SampleLimitParityTest {

  @TestFactory
  Stream<DynamicTest> smallestAcceptedLimitIsPrometheusPeak() throws IOException {
    JsonNode doc;
    try (InputStream in = getClass().getResourceAsStream("/promql/diff/peaks.json")) {
      doc = new ObjectMapper().readTree(in);
    }
    InMemorySeriesReader data = PrometheusDifferentialTest.load(1_700_000_000_000L);
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonNode c : doc.get("cases")) {
      String query = c.get("query").asText();
      boolean instant = c.get("kind").asText().equals("instant");
      long peak = c.get("peak").asLong();
      tests.add(
          DynamicTest.dynamicTest(
              c.get("kind").asText() + " " + query,
              () -> {
                // A limit must be positive; Prometheus reports 0 for queries that hold nothing.
                assertThat(smallestAcceptedLimit(data, query, instant))
                    .isEqualTo(Math.max(peak, 1));
              }));
    }
    return tests.stream();
  }

  private static long smallestAcceptedLimit(
      InMemorySeriesReader data, String query, boolean instant) {
    long lo = 1;
    long hi = 1_000_000;
    while (lo < hi) {
      long mid = (lo + hi) / 2;
      if (accepts(data, query, instant, mid)) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return lo;
  }

  private static boolean accepts(
      InMemorySeriesReader data, String query, boolean instant, long limit) {
    PromqlEngine e = new PromqlEngine(EngineSettings.defaults().withMaxSamples(limit));
    try {
      if (instant) {
        e.instantQuery(data, PromqlTestScript.SCOPE, query, 1_700_001_800_000L);
      } else {
        e.rangeQuery(
            data, PromqlTestScript.SCOPE, query, 1_700_000_600_000L, 1_700_003_000_000L, 60_000);
      }
      return true;
    } catch (PromqlException ex) {
      return !ex.getMessage().contains("too many samples");
    }
  }
}
